package hnsw

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCloserCacheExact checks that the back-link closer cache changes only
// the work done, never the graph: builds with and without it must store the
// same lists in the same order.
func TestCloserCacheExact(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 1200
	}
	base := randomVectors(7, n, 24)
	for _, m := range []Metric{L2, Cosine} {
		build := func(noCache bool) *Index {
			ix, err := New(Config{Dim: 24, M: 6, EfConstruction: 32, Metric: m, Seed: 3})
			require.NoError(t, err)
			ix.noCloserCache = noCache
			for i, v := range base {
				require.NoError(t, ix.Add(uint64(i), v))
			}
			return ix
		}
		a, b := build(false), build(true)
		require.Less(t, a.Stats().DistanceEvaluations, b.Stats().DistanceEvaluations)
		for id := range a.NodeCount() {
			na, err := a.Node(NodeID(id))
			require.NoError(t, err)
			nb, err := b.Node(NodeID(id))
			require.NoError(t, err)
			require.Equal(t, nb, na, "node %d", id)
		}
	}
}
