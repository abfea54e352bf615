package pgcompat

import (
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCStrtof(t *testing.T) {
	cases := []struct {
		in     string
		v      float32
		end    int
		erange bool
	}{
		{"1", 1, 1, false}, {"  +1.5x", 1.5, 6, false}, {"-.5", -0.5, 3, false}, {"1.", 1, 2, false},
		{"1e3", 1000, 3, false}, {"1e", 1, 1, false}, {"1e+", 1, 1, false}, {"1e+x", 1, 1, false},
		{"0x10", 16, 4, false}, {"0x1p-2", 0.25, 6, false}, {"0x", 0, 1, false}, {"0x.p1", 0, 1, false},
		{"0X1.8P1", 3, 7, false}, {"0x1p", 1, 3, false}, {"infinity", float32(math.Inf(1)), 8, false},
		{"INFINITE", float32(math.Inf(1)), 3, false}, {"-inf", float32(math.Inf(-1)), 4, false},
		{"in", 0, 0, false}, {"nan(abc_1)x", float32(math.NaN()), 10, false}, {"nan(x", float32(math.NaN()), 3, false},
		{"1e39", float32(math.Inf(1)), 4, true}, {"1e-50", 0, 5, true}, {"-1e-46", float32(math.Copysign(0, -1)), 6, true},
		{"0e-50", 0, 5, false}, {"1e-45", 1.4e-45, 5, true}, {"3.4028235e38", math.MaxFloat32, 12, false},
		{"0x1p128", float32(math.Inf(1)), 7, false}, {"0x1p200", float32(math.Inf(1)), 7, true},
		{"0x1p-160", 0, 8, true}, {"- 1", 0, 0, false}, {".", 0, 0, false}, {"", 0, 0, false},
	}
	for _, c := range cases {
		v, end, er := cStrtof(c.in)
		assert.Equal(t, c.end, end, c.in)
		assert.Equal(t, c.erange, er, c.in)
		if c.v != c.v {
			assert.True(t, v != v, c.in)
		} else {
			assert.Equal(t, math.Float32bits(c.v), math.Float32bits(v), "%s: %v", c.in, v)
		}
	}
}

func TestCStrtol(t *testing.T) {
	for _, c := range []struct {
		in     string
		base   int
		v      int64
		end    int
		erange bool
	}{
		{"12", 10, 12, 2, false}, {" -12x", 10, -12, 4, false}, {"+7", 10, 7, 2, false}, {"x", 10, 0, 0, false},
		{"010", 0, 8, 3, false}, {"0x1A", 0, 26, 4, false}, {"0x", 0, 0, 2, false}, {"09", 0, 0, 1, false},
		{"99999999999999999999", 10, math.MaxInt64, 20, true}, {"-99999999999999999999", 10, math.MinInt64, 21, true},
		{"-9223372036854775808", 10, math.MinInt64, 20, false},
	} {
		v, end, er := cStrtol(c.in, c.base)
		assert.Equal(t, c.v, v, c.in)
		assert.Equal(t, c.end, end, c.in)
		assert.Equal(t, c.erange, er, c.in)
	}
}

func TestRyuTables(t *testing.T) {
	// First entries of Ryu's published float tables.
	assert.Equal(t, uint64(576460752303423489), pow5InvSplit[0])
	assert.Equal(t, uint64(461168601842738791), pow5InvSplit[1])
	assert.Equal(t, uint64(1152921504606846976), pow5Split[0])
	assert.Equal(t, uint64(1441151880758558720), pow5Split[1])
	assert.Equal(t, uint64(2019483917365790221), pow5Split[46])
	assert.Equal(t, uint64(365375409332725730), pow5InvSplit[30])
}

func TestFormatFloat32(t *testing.T) {
	for _, c := range []struct {
		f   float32
		out string
	}{
		{1e-7, "1e-07"}, {0.1, "0.1"}, {1e20, "1e+20"}, {float32(math.Copysign(0, -1)), "-0"}, {0, "0"},
		{100000, "100000"}, {999999.9, "999999.9"}, {1e6, "1e+06"}, {1234567, "1.234567e+06"},
		{123456789, "1.2345679e+08"}, {0.0001, "0.0001"}, {9.9999e-05, "9.9999e-05"}, {1e-05, "1e-05"},
		{math.MaxFloat32, "3.4028235e+38"}, {1e-45, "1e-45"}, {16777216, "1.6777216e+07"}, {-8.3063357e+09, "-8.3063357e+09"},
		{float32(math.Inf(1)), "Infinity"}, {float32(math.Inf(-1)), "-Infinity"}, {float32(math.NaN()), "NaN"},
		{1.5, "1.5"}, {-123.25, "-123.25"}, {12000, "12000"}, {0.00012, "0.00012"},
	} {
		assert.Equal(t, c.out, formatFloat32(c.f), "%g", c.f)
	}
	// Every output reads back as the same float32, and is never shorter
	// than the strictly shortest form (it may be one digit longer).
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200000; i++ {
		f := math.Float32frombits(r.Uint32())
		if f != f || math.IsInf(float64(f), 0) {
			continue
		}
		s := formatFloat32(f)
		g, err := strconv.ParseFloat(s, 32)
		require.NoError(t, err, s)
		require.Equal(t, math.Float32bits(f), math.Float32bits(float32(g)), "%s", s)
		short := strconv.FormatFloat(float64(f), 'e', -1, 32)
		require.LessOrEqual(t, digitsOf(short), digitsOf(s)+0, "%s vs %s", s, short)
	}
}

func digitsOf(s string) int {
	n := 0
	for i := 0; i < len(s) && s[i] != 'e'; i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n
}

func TestFormatCG(t *testing.T) {
	for _, c := range []struct {
		v   float64
		out string
	}{
		{1, "1"}, {0.5, "0.5"}, {1000, "1000"}, {1e10, "1e+10"}, {1000.0000001, "1000"}, {1.5e-5, "1.5e-05"},
		{123456, "123456"}, {1234567, "1.23457e+06"}, {math.MaxFloat64, "1.79769e+308"}, {math.Inf(1), "Infinity"},
		{math.Inf(-1), "-Infinity"}, {math.NaN(), "NaN"}, {-0.25, "-0.25"}, {0.0001, "0.0001"}, {0.00001, "1e-05"},
	} {
		assert.Equal(t, c.out, formatCG(c.v), "%v", c.v)
	}
}

func TestParseBool(t *testing.T) {
	for in, want := range map[string]bool{"t": true, "TR": true, "true": true, "yes": true, "y": true, "on": true, "ON": true,
		"1": true, "f": false, "false": false, "no": false, "N": false, "of": false, "off": false, "0": false} {
		v, ok := parseBool(in)
		assert.True(t, ok, in)
		assert.Equal(t, want, v, in)
	}
	for _, in := range []string{"", "o", "truex", "2", "10", "on ", "yess"} {
		_, ok := parseBool(in)
		assert.False(t, ok, in)
	}
}

func TestLexer(t *testing.T) {
	toks, err := lex(`SET "Hnsw".x = 1_000 -- c
	/* a /* nested */ b */ 'it''s' E'\x41' $$d$$ 0x1F 1.5e3 =- ..`)
	require.NoError(t, err)
	var kinds []tokKind
	var vals []string
	for _, tk := range toks {
		kinds = append(kinds, tk.kind)
		vals = append(vals, tk.val)
	}
	assert.Equal(t, []string{"set", "Hnsw", ".", "x", "=", "1000", "it's", "A", "d", "31", "1.5e3", "=", "-", "..", ""}, vals)
	assert.Equal(t, tkQIdent, kinds[1])
	assert.Equal(t, tkFConst, kinds[10])
	for in, msg := range map[string]string{
		"12abc":       `trailing junk after numeric literal at or near "12abc"`,
		"1e":          `trailing junk after numeric literal at or near "1e"`,
		"0x":          `invalid hexadecimal integer at or near "0x"`,
		"0b2":         `trailing junk after numeric literal at or near "0b2"`,
		"'abc":        `unterminated quoted string at or near "'abc"`,
		`""`:          `zero-length delimited identifier at or near """"`,
		"/* x":        `unterminated /* comment at or near "/* x"`,
		`"abc`:        `unterminated quoted identifier at or near ""abc"`,
		"$1x":         `trailing junk after parameter at or near "$1x"`,
		"$a$ b":       `unterminated dollar-quoted string at or near "$a$ b"`,
		"1__0":        `trailing junk after numeric literal at or near "1__0"`,
		"0x_":         `invalid hexadecimal integer at or near "0x_"`,
		"99999999999": "",
	} {
		_, err := lex(in)
		if msg == "" {
			assert.NoError(t, err, in)
			continue
		}
		require.Error(t, err, in)
		assert.Equal(t, msg, err.(*Error).Message, in)
	}
}

func TestGenerationContextSizes(t *testing.T) {
	// On 64-bit, an element of level 0 with m = 16 and a 128-dimensional
	// vector takes 1208 bytes of graph memory (spec §5.10).
	g := newGenerationContext(Linux64.generationSizes())
	before := g.free
	g.element(0, 16, VectorValueSize(128))
	assert.Equal(t, 1208, before-g.free)
	g = newGenerationContext(Linux64.generationSizes())
	before = g.free
	g.element(0, 16, VectorValueSize(768))
	assert.Equal(t, 3768, before-g.free)
}

// FuzzCStrtof compares strtof's value for decimal and hex tokens with an
// independent correctly rounded conversion through math/big.
func FuzzCStrtof(f *testing.F) {
	for _, s := range []string{"1.5", "-0x1.8p3", "1e-45", "7e-46", "3.4028235e38", "0x1p-149", ".5e-3x", "inf", "1e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, end, erange := cStrtof(s)
		if end == 0 {
			return
		}
		tok := s[:end]
		r := scanCFloat(s[skipSpace(s, 0):])
		if r.form != formDecimal && r.form != formHex {
			return
		}
		body := tok[skipSpace(tok, 0):]
		if r.form == formHex {
			exp := r.hexExp
			if exp == "" {
				exp = "0"
			}
			if len(exp) > 6 || len(r.hexMant) > 40 {
				return // keep big.Float's work bounded
			}
			sign := ""
			if r.neg {
				sign = "-"
			}
			body = sign + "0x" + r.hexMant + "p" + exp
		} else if len(body) > 60 || strings.ContainsAny(body, "eE") && len(body)-strings.IndexAny(body, "eE") > 6 {
			return // huge exponents overflow math/big's parser
		}
		x, _, err := big.ParseFloat(body, 0, 2000, big.ToNearestEven)
		if err != nil {
			t.Fatalf("%q: math/big cannot read %q: %v", s, body, err)
		}
		want, _ := x.Float32()
		if math.IsInf(float64(want), 0) && !math.IsInf(float64(v), 0) || !math.IsInf(float64(want), 0) && math.Float32bits(want) != math.Float32bits(v) {
			t.Fatalf("%q: strtof %v (erange %v), math/big %v", s, v, erange, want)
		}
	})
}
