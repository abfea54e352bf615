package pgcompat_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/smallworld-go/smallworld/pgcompat"
)

// The fuzz targets check that no input makes a parser panic, that every
// error is a *pgcompat.Error, and that output parses back to the same value.

func requirePGErrorOnly(t *testing.T, err error) {
	t.Helper()
	var pe *pgcompat.Error
	if err != nil && !errors.As(err, &pe) {
		t.Fatalf("error is not a *pgcompat.Error: %v", err)
	}
}

func FuzzParseVector(f *testing.F) {
	for _, s := range []string{"[1,2,3]", " [ -0x1p-3 , .5e1 ] ", "[nan]", "[1e39]", "[]", "[1,", "{1:1}/2", "[1e-50]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := pgcompat.ParseVector(s)
		requirePGErrorOnly(t, err)
		if err != nil {
			return
		}
		out := v.String()
		w, err := pgcompat.ParseVector(out)
		if err != nil || !bytes.Equal([]byte(w.String()), []byte(out)) {
			t.Fatalf("%q printed as %q, which reads back as %v (%v)", s, out, w, err)
		}
		b, _ := v.MarshalBinary()
		r, err := pgcompat.RecvVector(b, -1)
		if err != nil || r.String() != out {
			t.Fatalf("binary round trip of %q: %v %v", out, r, err)
		}
	})
}

func FuzzParseHalfVec(f *testing.F) {
	for _, s := range []string{"[1,2,3]", "[65504]", "[65520]", "[0.1,-1e-8]", "[inf]", "[1 2]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := pgcompat.ParseHalfVec(s)
		requirePGErrorOnly(t, err)
		if err != nil {
			return
		}
		out := v.String()
		w, err := pgcompat.ParseHalfVec(out)
		if err != nil || w.String() != out {
			t.Fatalf("%q printed as %q, which reads back as %v (%v)", s, out, w, err)
		}
		b, _ := v.MarshalBinary()
		r, err := pgcompat.RecvHalfVec(b, -1)
		if err != nil || r.String() != out {
			t.Fatalf("binary round trip of %q: %v %v", out, r, err)
		}
	})
}

func FuzzParseSparseVec(f *testing.F) {
	for _, s := range []string{"{1:1,3:2}/5", "{}/1", "{3:1,1:2}/3", "{1:1e-50}/3", "{1:0}/1", "{99999999999:1}/3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := pgcompat.ParseSparseVec(s)
		requirePGErrorOnly(t, err)
		if err != nil {
			return
		}
		out := v.String()
		w, err := pgcompat.ParseSparseVec(out)
		if err != nil || w.String() != out {
			t.Fatalf("%q printed as %q, which reads back as %v (%v)", s, out, w, err)
		}
		b, _ := v.MarshalBinary()
		r, err := pgcompat.RecvSparseVec(b, -1)
		if err != nil || r.String() != out {
			t.Fatalf("binary round trip of %q: %v %v", out, r, err)
		}
	})
}

func FuzzParseBit(f *testing.F) {
	for _, s := range []string{"0101", "B01", "Xdead", "X", "2", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := pgcompat.ParseBit(s)
		requirePGErrorOnly(t, err)
		if err != nil {
			return
		}
		w, err := pgcompat.ParseBit(b.String())
		if err != nil || !w.Equal(b) {
			t.Fatalf("%q printed as %q, which reads back as %v (%v)", s, b.String(), w, err)
		}
		enc, _ := b.MarshalBinary()
		r, err := pgcompat.RecvBit(enc, -1)
		if err != nil || !r.Equal(b) {
			t.Fatalf("binary round trip of %q: %v %v", b, r, err)
		}
	})
}

// FuzzRecv feeds arbitrary bytes to every binary decoder.
func FuzzRecv(f *testing.F) {
	f.Add([]byte{0, 2, 0, 0, 0x3f, 0x80, 0, 0, 0x40, 0, 0, 0})
	f.Add([]byte{0, 0, 0, 5, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0x3f, 0x80, 0, 0})
	f.Add([]byte{0, 0, 0, 4, 0x50})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		if v, err := pgcompat.RecvVector(b, -1); err == nil {
			if enc, _ := v.MarshalBinary(); !bytes.Equal(enc, b) {
				t.Fatalf("vector re-encodes differently")
			}
		} else {
			requirePGErrorOnly(t, err)
		}
		if v, err := pgcompat.RecvHalfVec(b, -1); err == nil {
			if enc, _ := v.MarshalBinary(); !bytes.Equal(enc, b) {
				t.Fatalf("halfvec re-encodes differently")
			}
		} else {
			requirePGErrorOnly(t, err)
		}
		if v, err := pgcompat.RecvSparseVec(b, -1); err == nil {
			if enc, _ := v.MarshalBinary(); !bytes.Equal(enc, b) {
				t.Fatalf("sparsevec re-encodes differently")
			}
		} else {
			requirePGErrorOnly(t, err)
		}
		if v, err := pgcompat.RecvBit(b, -1); err == nil {
			enc, _ := v.MarshalBinary()
			if w, err := pgcompat.RecvBit(enc, -1); err != nil || !w.Equal(v) {
				t.Fatalf("bit re-encodes differently")
			}
		} else {
			requirePGErrorOnly(t, err)
		}
	})
}

func FuzzParseStatements(f *testing.F) {
	for _, s := range []string{
		"CREATE INDEX ON t USING hnsw (v vector_l2_ops) WITH (m = 16, ef_construction = 64)",
		"CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON ONLY s.t USING hnsw ((v) vector_cosine_ops) WHERE x > 1;",
		"SET LOCAL hnsw.ef_search TO 100; RESET ALL; SET work_mem = '1MB'",
		"SET hnsw.iterative_scan = relaxed_order", "RESET hnsw.ef_search", "SET x.y = -1.5e3", "SET a = 0x",
		"CREATE INDEX ON t (lower(x) text_ops COLLATE \"C\" DESC NULLS LAST) INCLUDE (a) NULLS NOT DISTINCT TABLESPACE ts",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sts, err := pgcompat.ParseStatements(s)
		if err != nil {
			if !errors.Is(err, pgcompat.ErrUnsupportedStatement) {
				requirePGErrorOnly(t, err)
			}
			return
		}
		for _, st := range sts {
			sql := st.SQL()
			again, err := pgcompat.ParseStatement(sql)
			if err != nil {
				t.Fatalf("%q wrote back as %q, which does not parse: %v", s, sql, err)
			}
			if again.SQL() != sql {
				t.Fatalf("%q wrote back as %q, then %q", s, sql, again.SQL())
			}
			// Applying a statement never panics.
			settings := pgcompat.DefaultSettings(pgcompat.Linux64)
			_ = settings.Exec(st)
			if ci, ok := st.(*pgcompat.CreateIndex); ok {
				_, _ = ci.HNSWOptions()
				_, _, _ = ci.Validate(&indexCatalog)
			}
		}
	})
}

// FuzzSettings sets arbitrary values: no panic, only *pgcompat.Error, and
// SHOW's output reads back to the same setting.
func FuzzSettings(f *testing.F) {
	for _, c := range [][2]string{
		{"hnsw.ef_search", "0x10"}, {"work_mem", "1.5MB"}, {"maintenance_work_mem", "1 GB"}, {"hnsw.iterative_scan", "Strict_Order"},
		{"hnsw.scan_mem_multiplier", "2.5"}, {"enable_seqscan", "of"}, {"effective_cache_size", "7kB"}, {"hnsw.foo", "1"}, {"a.b", "x"},
	} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, name, value string) {
		s := pgcompat.DefaultSettings(pgcompat.Linux64)
		err := s.Set(name, value)
		requirePGErrorOnly(t, err)
		if err != nil {
			return
		}
		shown, err := s.Show(name)
		if err != nil {
			t.Fatalf("SHOW %s after SET: %v", name, err)
		}
		if err := s.Set(name, shown); err != nil {
			t.Fatalf("SHOW %s printed %q, which SET rejects: %v", name, shown, err)
		}
		if again, _ := s.Show(name); again != shown {
			t.Fatalf("SHOW %s: %q then %q", name, shown, again)
		}
	})
}
