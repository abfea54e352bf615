package pgcompat_test

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/pgvector/pgvector-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smallworld-go/smallworld/pgcompat"
)

func randomVector(r *rand.Rand, d int) pgcompat.Vector {
	x := make([]float32, d)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	v, _ := pgcompat.NewVector(x)
	return v
}

func BenchmarkParseVector768(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	text := randomVector(r, 768).String()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := pgcompat.ParseVector(text); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFormatVector768(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	v := randomVector(r, 768)
	buf := make([]byte, 0, 16*768)
	b.ReportAllocs()
	for b.Loop() {
		buf = v.AppendText(buf[:0])
	}
}

// BenchmarkFloatFormat compares PostgreSQL's Ryu variant with strconv's
// shortest formatting on the same values.
func BenchmarkFloatFormat(b *testing.B) {
	r := rand.New(rand.NewPCG(2, 2))
	v := randomVector(r, 1024)
	buf := make([]byte, 0, 16*1024)
	b.Run("pgcompat", func(b *testing.B) {
		for b.Loop() {
			buf = v.AppendText(buf[:0])
		}
	})
	b.Run("strconv", func(b *testing.B) {
		x := v.Slice()
		for b.Loop() {
			buf = buf[:0]
			for _, f := range x {
				buf = strconv.AppendFloat(buf, float64(f), 'g', -1, 32)
			}
		}
	})
}

func BenchmarkDistances768(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 3))
	x, y := randomVector(r, 768), randomVector(r, 768)
	hx, _ := x.ToHalfVec()
	hy, _ := y.ToHalfVec()
	b.Run("L2", func(b *testing.B) {
		for b.Loop() {
			_, _ = pgcompat.L2Distance(x, y)
		}
	})
	b.Run("Cosine", func(b *testing.B) {
		for b.Loop() {
			_, _ = pgcompat.CosineDistance(x, y)
		}
	})
	b.Run("InnerProduct", func(b *testing.B) {
		for b.Loop() {
			_, _ = pgcompat.NegativeInnerProduct(x, y)
		}
	})
	b.Run("HalfL2", func(b *testing.B) {
		for b.Loop() {
			_, _ = pgcompat.L2Distance(hx, hy)
		}
	})
}

func BenchmarkIndexSize(b *testing.B) {
	levels := pgcompat.NewLevelSource(16, 1).Levels(100000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := pgcompat.IndexSize(pgcompat.SizeSpec{M: 16, ValueSize: pgcompat.VectorValueSize(768), Levels: levels, InMemory: pgcompat.AllInMemory}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseCreateIndex(b *testing.B) {
	sql := "CREATE INDEX CONCURRENTLY IF NOT EXISTS items_idx ON public.items USING hnsw (embedding vector_cosine_ops) WITH (m = 32, ef_construction = 128)"
	for b.Loop() {
		if _, err := pgcompat.ParseCreateIndex(sql); err != nil {
			b.Fatal(err)
		}
	}
}

func TestPgvectorGo(t *testing.T) {
	v, err := pgcompat.VectorFromPgvector(pgvector.NewVector([]float32{1, 2.5}))
	require.NoError(t, err)
	assert.Equal(t, "[1,2.5]", v.String())
	assert.Equal(t, []float32{1, 2.5}, v.ToPgvector().Slice())
	_, err = pgcompat.VectorFromPgvector(pgvector.NewVector(nil))
	assert.Error(t, err)

	h, err := pgcompat.HalfVecFromPgvector(pgvector.NewHalfVector([]float32{0.1, 3}))
	require.NoError(t, err)
	assert.Equal(t, "[0.099975586,3]", h.String())
	assert.Equal(t, []float32{0.099975586, 3}, h.ToPgvector().Slice())
	_, err = pgcompat.HalfVecFromPgvector(pgvector.NewHalfVector([]float32{1e6}))
	requirePGError(t, err, wantErr{pgcompat.NumericValueOutOfRange, `"1e+06" is out of range for type halfvec`, ""})

	s, err := pgcompat.SparseVecFromPgvector(pgvector.NewSparseVector([]float32{0, 2, 0, -1}))
	require.NoError(t, err)
	assert.Equal(t, "{2:2,4:-1}/4", s.String())
	p := s.ToPgvector()
	assert.Equal(t, int32(4), p.Dimensions())
	assert.Equal(t, []int32{1, 3}, p.Indices())
	assert.Equal(t, []float32{2, -1}, p.Values())
	assert.Equal(t, pgvector.SparseVector{}, pgcompat.SparseVec{}.ToPgvector())

	// pgvector-go's own text output parses with pgvector's rules.
	long := make([]float32, 50)
	for i := range long {
		long[i] = float32(i) / 7
	}
	pv := pgvector.NewVector(long)
	back, err := pgcompat.ParseVector(pv.String())
	require.NoError(t, err)
	assert.Equal(t, long, back.Slice())
	assert.True(t, strings.HasPrefix(pv.String(), "["))
}
