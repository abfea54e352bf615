package tune

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smallworld-go/smallworld/pgcompat"
)

func TestParseEfConstruction(t *testing.T) {
	for _, c := range []struct {
		in   string
		m    int
		want int
	}{{"64", 16, 64}, {"4x", 16, 64}, {" 2X ", 8, 16}, {"1.5x", 16, 24}, {"12x", 16, 192}} {
		e, err := ParseEfConstruction(c.in)
		require.NoError(t, err, c.in)
		assert.Equal(t, c.want, e.For(c.m), c.in)
		back, err := ParseEfConstruction(e.String())
		require.NoError(t, err)
		assert.Equal(t, e, back)
	}
	for _, bad := range []string{"", "x", "0x", "-2x", "abc", "1e999x", "4.5", "NaNx"} {
		_, err := ParseEfConstruction(bad)
		assert.ErrorIs(t, err, ErrInvalidSpec, bad)
	}
}

func TestGridSkipsWhatPgvectorRefuses(t *testing.T) {
	builds, skipped := Grid([]int{8, 16, 16}, []EfConstruction{{Value: 16}, {Value: 32}, {Factor: 2}})
	assert.Equal(t, []BuildParams{{8, 16}, {8, 32}, {16, 32}}, builds)
	assert.Equal(t, []BuildParams{{16, 16}}, skipped)
}

func TestBuildParamsCheckUsesPgvectorMessages(t *testing.T) {
	require.NoError(t, BuildParams{16, 64}.Check())
	for _, c := range []struct {
		b   BuildParams
		msg string
	}{
		{BuildParams{1, 64}, `value 1 out of bounds for option "m"`},
		{BuildParams{101, 1000}, `value 101 out of bounds for option "m"`},
		{BuildParams{16, 1001}, `value 1001 out of bounds for option "ef_construction"`},
		{BuildParams{16, 31}, "ef_construction must be greater than or equal to 2 * m"},
	} {
		err := c.b.Check()
		var pgErr *pgcompat.Error
		require.True(t, errors.As(err, &pgErr), "%v: %v", c.b, err)
		assert.Equal(t, c.msg, pgErr.Message)
	}
}

func TestDefaultsCoverPractice(t *testing.T) {
	ms := map[int]bool{}
	lo, hi := 1e9, 0.0
	for _, b := range DefaultBuilds() {
		require.NoError(t, b.Check(), b)
		ms[b.M] = true
		r := float64(b.EfConstruction) / float64(b.M)
		lo, hi = min(lo, r), max(hi, r)
	}
	assert.True(t, ms[8] && ms[16] && ms[48], "m from 8 to 48")
	assert.Contains(t, DefaultBuilds(), BuildParams{16, 64}, "pgvector's defaults")
	assert.Equal(t, 2.0, lo)
	assert.GreaterOrEqual(t, hi, 12.0)
	efs := DefaultEfSearch()
	assert.Equal(t, 10, efs[0])
	assert.Equal(t, 400, efs[len(efs)-1])
	assert.Contains(t, efs, pgcompat.DefaultEfSearch)
}

func TestSpecValidation(t *testing.T) {
	base := clustered(1, 100, 4, 3)
	for _, c := range []struct {
		name string
		mod  func(*Spec)
		want string
	}{
		{"limit", func(s *Spec) { s.K = -1 }, "K (the LIMIT)"},
		{"ef_search 0", func(s *Spec) { s.EfSearch = []int{0} }, `0 is outside the valid range for parameter "hnsw.ef_search" (1 .. 1000)`},
		{"ef_search 1001", func(s *Spec) { s.EfSearch = []int{40, 1001} }, "1001 is outside"},
		{"repeats", func(s *Spec) { s.Repeats = -2 }, "Repeats"},
		{"workers", func(s *Spec) { s.Workers = -1 }, "Workers"},
		{"target", func(s *Spec) { s.TargetRecall = 1.5 }, "TargetRecall"},
		{"builds", func(s *Spec) { s.Builds = []BuildParams{{16, 20}} }, "ef_construction must be greater than or equal to 2 * m"},
		{"mwm", func(s *Spec) { s.MaintenanceWorkMem = 10 }, "MaintenanceWorkMem"},
		{"limits", func(s *Spec) { s.MaxIndexSize = -1 }, "limits"},
		{"key", func(s *Spec) { s.KeyBytes = 3 }, "KeyBytes"},
		{"objective", func(s *Spec) { s.Objective = 9 }, "objective"},
	} {
		s := Spec{Base: base}
		c.mod(&s)
		_, err := s.normalized()
		require.ErrorIs(t, err, ErrInvalidSpec, c.name)
		assert.Contains(t, err.Error(), c.want, c.name)
	}
	_, err := Spec{}.normalized()
	assert.ErrorIs(t, err, ErrEmpty)

	s, err := Spec{Base: base, EfSearch: []int{40, 10, 40}, Builds: []BuildParams{{8, 16}, {8, 16}}}.normalized()
	require.NoError(t, err)
	assert.Equal(t, []int{10, 40}, s.EfSearch, "sorted, deduplicated")
	assert.Equal(t, []BuildParams{{8, 16}}, s.Builds)
	assert.Equal(t, DefaultOpClass, s.OpClass)
	assert.Equal(t, 8, s.KeyBytes)
}

func TestObjectiveText(t *testing.T) {
	for o := ObjectiveQueryCost; o <= ObjectiveBuild; o++ {
		b, err := o.MarshalText()
		require.NoError(t, err)
		var back Objective
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, o, back)
	}
	_, err := ParseObjective("speed")
	assert.ErrorIs(t, err, ErrInvalidSpec)
}

func TestParseTableName(t *testing.T) {
	for in, want := range map[string][]string{
		"items":          {"items"},
		"Items":          {"items"},
		"public.items":   {"public", "items"},
		`"My Items"`:     {"My Items"},
		`app."Items.v2"`: {"app", "Items.v2"},
		`"a""b"`:         {`a"b`},
		`"Sch"."T"`:      {"Sch", "T"},
	} {
		got, err := ParseTableName(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", ".", "a.", ".a", "a.b.c", `"`, `"a`, `""`, `"a"b`, "a..b"} {
		_, err := ParseTableName(bad)
		assert.ErrorIs(t, err, ErrInvalidSpec, bad)
	}
	assert.Equal(t, `"public"."My ""T"""`, sqlIdent("public", `My "T"`))
}

func FuzzParseTableName(f *testing.F) {
	for _, s := range []string{"items", `app."Items.v2"`, `"a""b"`, "a.b.c", `"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		parts, err := ParseTableName(s)
		if err != nil {
			return
		}
		if len(parts) < 1 || len(parts) > 2 {
			t.Fatalf("%q: %d parts", s, len(parts))
		}
		// Quoting the parts and parsing again gives them back.
		var quoted []string
		for _, p := range parts {
			if p == "" {
				t.Fatalf("%q: empty part", s)
			}
			quoted = append(quoted, sqlIdent(p))
		}
		again, err := ParseTableName(joinDots(quoted))
		if err != nil || len(again) != len(parts) {
			t.Fatalf("%q: round trip %v, %v", s, again, err)
		}
		for i := range parts {
			if again[i] != parts[i] {
				t.Fatalf("%q: round trip %q != %q", s, again[i], parts[i])
			}
		}
	})
}

func joinDots(parts []string) string {
	s := parts[0]
	for _, p := range parts[1:] {
		s += "." + p
	}
	return s
}

func FuzzParseEfConstruction(f *testing.F) {
	for _, s := range []string{"64", "4x", "1.5X", "-3", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseEfConstruction(s)
		if err != nil {
			return
		}
		if e.Factor < 0 || (e.Factor > 0 && e.Value != 0) {
			t.Fatalf("%q: %+v", s, e)
		}
		back, err := ParseEfConstruction(e.String())
		if err != nil || back.For(16) != e.For(16) {
			t.Fatalf("%q: round trip %+v, %v", s, back, err)
		}
	})
}
