package hnsw

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewDefaultsAndConfigErrors(t *testing.T) {
	ix, err := New(Config{Dim: 3})
	require.NoError(t, err)
	cfg := ix.Config()
	assert.Equal(t, 16, cfg.M)
	assert.Equal(t, 64, cfg.EfConstruction)
	assert.Equal(t, 40, cfg.EfSearch)
	assert.Equal(t, 10, cfg.MaxKeysPerNode)
	assert.Equal(t, L2, cfg.Metric)
	assert.Equal(t, Float32, cfg.Storage)
	assert.Equal(t, 0, ix.Len())

	bad := []struct {
		cfg   Config
		field string
		rng   string
	}{
		{Config{}, "Dim", "1..65536"},
		{Config{Dim: 70000}, "Dim", "1..65536"},
		{Config{Dim: 2, M: 1}, "M", "2..100"},
		{Config{Dim: 2, M: 101}, "M", "2..100"},
		{Config{Dim: 2, EfConstruction: -1}, "EfConstruction", "1..10000"},
		{Config{Dim: 2, EfSearch: 10001}, "EfSearch", "1..10000"},
		{Config{Dim: 2, Metric: 9}, "Metric", ""},
		{Config{Dim: 2, Storage: 7}, "Storage", ""},
		{Config{Dim: 2, Heuristic: 5}, "Heuristic", ""},
		{Config{Dim: 2, MaxKeysPerNode: 256}, "MaxKeysPerNode", "1..255"},
		{Config{Dim: 2, Capacity: -5}, "Capacity", ""},
	}
	for _, b := range bad {
		_, err := New(b.cfg)
		require.Error(t, err, "%+v", b.cfg)
		require.ErrorIs(t, err, ErrInvalidConfig)
		var ce *ConfigError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, b.field, ce.Field)
		assert.Contains(t, ce.Error(), b.field)
		if b.rng != "" {
			assert.Equal(t, b.rng, ce.Range)
			assert.Contains(t, ce.Error(), b.rng)
		}
	}
}

func TestParseNames(t *testing.T) {
	for _, m := range []Metric{L2, InnerProduct, Cosine, L1} {
		got, err := ParseMetric(m.String())
		require.NoError(t, err)
		assert.Equal(t, m, got)
	}
	_, err := ParseMetric("hamming")
	require.ErrorIs(t, err, ErrInvalidConfig)
	for _, s := range []Storage{Float32, Float16} {
		got, err := ParseStorage(s.String())
		require.NoError(t, err)
		assert.Equal(t, s, got)
	}
	_, err = ParseStorage("int8")
	require.ErrorIs(t, err, ErrInvalidConfig)
	assert.Equal(t, "keep-pruned", HeuristicKeepPruned.String())
	assert.Equal(t, "hnswlib", HeuristicHNSWLib.String())
	assert.Equal(t, "strict", IterativeStrict.String())
}

func TestMaxLevel(t *testing.T) {
	// pgvector's cap: min(⌊⌊8152/6⌋/m⌋ − 2, 63).
	assert.Equal(t, 63, MaxLevel(16))
	assert.Equal(t, 63, MaxLevel(20))
	assert.Equal(t, 62, MaxLevel(21))
	assert.Equal(t, 40, MaxLevel(32))
	assert.Equal(t, 19, MaxLevel(64))
	assert.Equal(t, 11, MaxLevel(100))
}

func TestInputErrors(t *testing.T) {
	ix, err := New(Config{Dim: 3, Metric: Cosine})
	require.NoError(t, err)

	err = ix.Add(1, []float32{1, 2})
	var de *DimensionError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, DimensionError{Want: 3, Got: 2}, *de)
	require.ErrorIs(t, err, ErrDimension)
	assert.Equal(t, "hnsw: expected 3 dimensions, not 2", err.Error())

	for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
		err = ix.Add(1, []float32{1, bad, 2})
		var ne *NotFiniteError
		require.ErrorAs(t, err, &ne)
		assert.Equal(t, 1, ne.Index)
		require.ErrorIs(t, err, ErrNotFinite)
	}
	require.ErrorIs(t, ix.Add(1, []float32{0, 0, 0}), ErrZeroVector)
	require.NoError(t, ix.Add(1, []float32{1, 0, 0}))

	err = ix.Add(1, []float32{0, 1, 0})
	var ke *KeyError
	require.ErrorAs(t, err, &ke)
	assert.Equal(t, uint64(1), ke.Key)
	require.ErrorIs(t, err, ErrKeyExists)

	err = ix.Delete(99)
	require.ErrorAs(t, err, &ke)
	require.ErrorIs(t, err, ErrKeyNotFound)

	_, err = ix.Search([]float32{1}, 1)
	require.ErrorIs(t, err, ErrDimension)
	_, err = ix.Search([]float32{0, 0, 0}, 1)
	require.ErrorIs(t, err, ErrZeroVector)
	_, err = ix.Search([]float32{1, float32(math.NaN()), 0}, 1)
	require.ErrorIs(t, err, ErrNotFinite)
	_, err = ix.Search([]float32{1, 0, 0}, -1)
	require.ErrorIs(t, err, ErrInvalidConfig)
	_, _, err = ix.SearchWith([]float32{1, 0, 0}, 1, SearchOptions{Ef: 20000})
	require.ErrorIs(t, err, ErrInvalidConfig)
	_, _, err = ix.SearchWith([]float32{1, 0, 0}, 1, SearchOptions{Iterative: 9})
	require.ErrorIs(t, err, ErrInvalidConfig)
	_, _, err = ix.SearchWith([]float32{1, 0, 0}, 1, SearchOptions{MaxScanTuples: -1})
	require.ErrorIs(t, err, ErrInvalidConfig)
	res, err := ix.Search([]float32{1, 0, 0}, 0)
	require.NoError(t, err)
	assert.Empty(t, res)

	f16, err := New(Config{Dim: 2, Storage: Float16})
	require.NoError(t, err)
	require.ErrorIs(t, f16.Add(1, []float32{70000, 1}), ErrOverflow)
	require.NoError(t, f16.Add(1, []float32{65504, 1}))

	lv, err := New(Config{Dim: 2, LevelSource: LevelFunc(func(uint64) int { return 99 })})
	require.NoError(t, err)
	require.ErrorIs(t, lv.Add(1, []float32{1, 1}), ErrInvalidConfig)
	assert.Equal(t, 0, lv.Len())
	// The failed key was released.
	lv2, err := New(Config{Dim: 2})
	require.NoError(t, err)
	require.NoError(t, lv2.Add(1, []float32{1, 1}))
}

func TestEmptyIndex(t *testing.T) {
	ix, err := New(Config{Dim: 2})
	require.NoError(t, err)
	res, err := ix.Search([]float32{1, 2}, 5)
	require.NoError(t, err)
	assert.Empty(t, res)
	_, _, ok := ix.EntryPoint()
	assert.False(t, ok)
	st := ix.Stats()
	assert.Equal(t, -1, st.TopLevel)
	assert.Zero(t, st.Keys)
	require.NoError(t, ix.Vacuum(t.Context()))
}

func TestDistancesReported(t *testing.T) {
	a := []float32{1, 2, 2}
	q := []float32{2, 0, 1}
	cases := []struct {
		m    Metric
		want float64
	}{
		{L2, math.Sqrt(1 + 4 + 1)},
		{InnerProduct, -(2 + 0 + 2)},
		{Cosine, 1 - 4/(3*math.Sqrt(5))},
		{L1, 1 + 2 + 1},
	}
	for _, c := range cases {
		for _, s := range []Storage{Float32, Float16} {
			ix, err := New(Config{Dim: 3, Metric: c.m, Storage: s})
			require.NoError(t, err)
			require.NoError(t, ix.Add(7, a))
			res, err := ix.Search(q, 1)
			require.NoError(t, err)
			require.Len(t, res, 1)
			assert.Equal(t, uint64(7), res[0].Key)
			tol := 1e-5
			if s == Float16 {
				tol = 2e-3 // the stored vector is rounded to half precision
			}
			assert.InDelta(t, c.want, res[0].Distance, tol, "%v %v", c.m, s)
		}
	}
}

func TestVectorAndContains(t *testing.T) {
	ix, err := New(Config{Dim: 2, Metric: Cosine})
	require.NoError(t, err)
	require.NoError(t, ix.Add(5, []float32{3, 4}))
	assert.True(t, ix.Contains(5))
	assert.False(t, ix.Contains(6))
	v, err := ix.Vector(5, nil)
	require.NoError(t, err)
	assert.InDeltaSlice(t, []float32{0.6, 0.8}, v, 1e-7)
	_, err = ix.Vector(6, nil)
	require.True(t, errors.Is(err, ErrKeyNotFound))
}

func TestFloat16HalvesVectorMemory(t *testing.T) {
	base := manifoldVectors(3, size(2000, 800), 128)
	f32 := buildIndex(t, Config{Dim: 128}, base)
	f16 := buildIndex(t, Config{Dim: 128, Storage: Float16}, base)
	b32, b16 := f32.Stats().BytesUsed, f16.Stats().BytesUsed
	t.Logf("bytes/vector f32 %.0f f16 %.0f", float64(b32)/float64(len(base)), float64(b16)/float64(len(base)))
	assert.Less(t, float64(b16), 0.65*float64(b32))
	queries := manifoldVectors(4, 50, 128)
	r32 := meanRecall(t, f32, base, queries, 10, SearchOptions{})
	r16 := meanRecall(t, f16, base, queries, 10, SearchOptions{})
	assert.Greater(t, r16, 0.9)
	assert.InDelta(t, r32, r16, 0.03)
}
