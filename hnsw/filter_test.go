package hnsw

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFilteredIterativeSearchRecall(t *testing.T) {
	n := 6000
	if testing.Short() {
		n = 3000
	}
	base := latentVectors(121, n, 32, 12)
	queries := latentVectors(122, 60, 32, 12)
	ix := buildIndex(t, Config{Dim: 32}, base)
	tenth := func(k uint64) bool { return k%10 == 3 }

	// Default options: a filter turns on relaxed iterative scanning.
	r := meanRecall(t, ix, base, queries, 10, SearchOptions{Filter: tenth})
	t.Logf("10%% filter, defaults: recall@10 %.3f", r)
	assert.GreaterOrEqual(t, r, 0.9)

	strict := meanRecall(t, ix, base, queries, 10, SearchOptions{Filter: tenth, Iterative: IterativeStrict})
	t.Logf("10%% filter, strict: recall@10 %.3f", strict)
	assert.GreaterOrEqual(t, strict, 0.85)

	// Without iteration only the ef nearest nodes are considered.
	off := 0
	for _, q := range queries {
		res, st, err := ix.SearchWith(q, 10, SearchOptions{Filter: tenth, Iterative: IterativeOff})
		require.NoError(t, err)
		assert.Equal(t, 1, st.Batches)
		off += len(res)
		for _, x := range res {
			assert.True(t, tenth(x.Key))
		}
	}
	// About a tenth of the 40 candidates pass.
	assert.Greater(t, off, 0)
	assert.Less(t, off, 8*len(queries))

	batches := 0
	for _, q := range queries {
		res, st, err := ix.SearchWith(q, 10, SearchOptions{Filter: tenth})
		require.NoError(t, err)
		require.Len(t, res, 10)
		batches += st.Batches
		for i, x := range res {
			assert.True(t, tenth(x.Key))
			if i > 0 {
				assert.LessOrEqual(t, res[i-1].Distance, x.Distance)
			}
		}
	}
	assert.Greater(t, batches, 2*len(queries), "the scan resumed")
}

func TestStrictOrderNeverOutOfOrder(t *testing.T) {
	base := latentVectors(131, size(3000, 1000), 24, 12)
	ix := buildIndex(t, Config{Dim: 24, M: 6, EfConstruction: 24}, base)
	sel := func(k uint64) bool { return k%7 == 0 }
	for _, q := range latentVectors(132, 40, 24, 12) {
		for _, ef := range []int{1, 4, 10} {
			opts := SearchOptions{Ef: ef, Filter: sel, Iterative: IterativeStrict}
			prev := float32(-1e30)
			count := 0
			for r, err := range ix.SearchIter(q, opts) {
				require.NoError(t, err)
				require.GreaterOrEqual(t, r.Distance, prev)
				require.True(t, sel(r.Key))
				prev = r.Distance
				count++
				if count == 200 {
					break
				}
			}
			assert.Greater(t, count, 0)
			res, _, err := ix.SearchWith(q, 30, opts)
			require.NoError(t, err)
			for i := 1; i < len(res); i++ {
				require.LessOrEqual(t, res[i-1].Distance, res[i].Distance)
			}
		}
	}
}

func TestRelaxedIterDrainsWholeIndex(t *testing.T) {
	base := manifoldVectors(141, size(2000, 600), 16)
	ix := buildIndex(t, Config{Dim: 16}, base)
	// With a generous budget an unfiltered relaxed scan reaches every key
	// exactly once.
	seen := map[uint64]int{}
	for r, err := range ix.SearchIter(base[0], SearchOptions{Ef: 10, MaxScanTuples: 1 << 30}) {
		require.NoError(t, err)
		seen[r.Key]++
	}
	assert.Len(t, seen, len(base))
	for k, c := range seen {
		require.Equal(t, 1, c, "key %d", k)
	}
}

func TestMaxScanTuplesBudget(t *testing.T) {
	base := manifoldVectors(151, size(5000, 2000), 16)
	ix := buildIndex(t, Config{Dim: 16}, base)
	none := func(uint64) bool { return false }
	q := base[17]
	_, small, err := ix.SearchWith(q, 10, SearchOptions{Ef: 10, Filter: none, MaxScanTuples: 1})
	require.NoError(t, err)
	_, big, err := ix.SearchWith(q, 10, SearchOptions{Ef: 10, Filter: none, MaxScanTuples: 3000})
	require.NoError(t, err)
	// The budget is checked between batches: one batch with a budget of 1.
	assert.Equal(t, 1, small.Batches)
	assert.Greater(t, big.Batches, small.Batches)
	assert.GreaterOrEqual(t, big.Visited, min(3000, len(base)))
	assert.Less(t, big.Visited, 3000+2*ix.m0*10)

	// pgvector emits what was discarded even after the budget is spent:
	// with max_scan_tuples = 1 a relaxed scan yields the first batch plus
	// every discarded candidate, one by one.
	count := 0
	for _, err := range ix.SearchIter(q, SearchOptions{Ef: 10, MaxScanTuples: 1}) {
		require.NoError(t, err)
		count++
	}
	assert.Greater(t, count, 10)
	assert.Less(t, count, 10+2*ix.m0*10)
}

func TestSearchIterErrorsAndEarlyStop(t *testing.T) {
	ix := buildIndex(t, Config{Dim: 4}, manifoldVectors(161, 200, 4))
	var gotErr error
	for _, err := range ix.SearchIter([]float32{1}, SearchOptions{}) {
		gotErr = err
	}
	require.ErrorIs(t, gotErr, ErrDimension)
	n := 0
	for range ix.SearchIter([]float32{1, 2, 3, 4}, SearchOptions{}) {
		n++
		if n == 3 {
			break
		}
	}
	assert.Equal(t, 3, n)
}
