package hnsw

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// heapInUse returns the live heap after a full collection.
func heapInUse() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestBytesUsedMatchesHeap checks Stats().BytesUsed against the heap growth
// measured around a build of 100,000 vectors.
func TestBytesUsedMatchesHeap(t *testing.T) {
	if raceEnabled {
		t.Skip("memory is measured without the race detector")
	}
	n := size(100000, 20000)
	for _, cfg := range []Config{
		{Dim: 32, M: 8, EfConstruction: 16},
		{Dim: 32, M: 8, EfConstruction: 16, Storage: Float16},
	} {
		base := manifoldVectors(211, n, cfg.Dim)
		keys := make([]uint64, n)
		for i := range keys {
			keys[i] = uint64(i) * 7919
		}
		before := heapInUse()
		ix, err := New(cfg)
		require.NoError(t, err)
		// Half one by one (the index grows segment by segment), half in
		// one batch (one exact reservation).
		for i := range n / 2 {
			require.NoError(t, ix.Add(keys[i], base[i]))
		}
		require.NoError(t, ix.AddBatch(t.Context(), keys[n/2:], base[n/2:], BatchOptions{}))
		after := heapInUse()
		used := ix.Stats().BytesUsed
		grown := int64(after - before)
		t.Logf("%v: BytesUsed %d, heap growth %d (%.1f%%), %.1f bytes/vector", cfg.Storage, used, grown,
			100*float64(used-grown)/float64(grown), float64(used)/float64(n))
		assert.InEpsilon(t, float64(grown), float64(used), 0.10)
		runtime.KeepAlive(ix)
		runtime.KeepAlive(base)
		runtime.KeepAlive(keys)
	}
}

// TestSearchDoesNotAllocate checks that a search with a warm pool and a
// result buffer of sufficient capacity allocates nothing.
func TestSearchDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	base := manifoldVectors(221, 3000, 32)
	for _, cfg := range []Config{{Dim: 32}, {Dim: 32, Metric: Cosine, Storage: Float16}} {
		ix := buildIndex(t, cfg, base)
		q := base[11]
		buf := make([]Result, 0, 64)
		for _, opts := range []SearchOptions{{}, {Ef: 100}, {Filter: func(k uint64) bool { return k%3 == 0 }}, {Iterative: IterativeStrict, Filter: func(k uint64) bool { return k%5 == 0 }}} {
			_, _, err := ix.AppendSearch(buf[:0], q, 10, opts)
			require.NoError(t, err)
			allocs := testing.AllocsPerRun(200, func() {
				_, _, _ = ix.AppendSearch(buf[:0], q, 10, opts)
			})
			assert.Zero(t, allocs, "%v %+v", cfg.Storage, opts.Iterative)
		}
		allocs := testing.AllocsPerRun(200, func() { _, _ = ix.Search(q, 10) })
		assert.LessOrEqual(t, allocs, 1.0, "Search allocates only its result")
	}
}

// TestAddAllocations checks that an insert allocates nothing per node beyond
// amortised growth once the pool is warm.
func TestAddAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	base := manifoldVectors(241, 4000, 16)
	ix, err := New(Config{Dim: 16, Capacity: len(base)})
	require.NoError(t, err)
	for i, v := range base[:2000] {
		require.NoError(t, ix.Add(uint64(i), v))
	}
	i := 2000
	allocs := testing.AllocsPerRun(1000, func() {
		_ = ix.Add(uint64(i), base[i])
		i++
	})
	t.Logf("allocations per Add: %.2f", allocs)
	assert.Less(t, allocs, 0.5)
}
