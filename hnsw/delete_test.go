package hnsw

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checkGraph verifies structural invariants: lists hold only node ids below
// NodeCount that are not free slots, packed, with no self links, and the
// entry point is a live node of the top level (when there is a live node).
func checkGraph(t testing.TB, ix *Index) {
	t.Helper()
	ix.allocMu.Lock()
	free := map[uint32]bool{}
	for _, id := range ix.freeIDs {
		free[id] = true
	}
	hi := ix.hi
	ix.allocMu.Unlock()
	for id := range hi {
		info, err := ix.Node(NodeID(id))
		require.NoError(t, err)
		if free[id] {
			require.True(t, info.Deleted)
			for _, l := range info.Neighbors {
				require.Empty(t, l, "free slot %d has links", id)
			}
			continue
		}
		for lc, l := range info.Neighbors {
			require.LessOrEqual(t, len(l), ix.lm(lc))
			for _, n := range l {
				require.Less(t, uint32(n), hi)
				require.False(t, free[uint32(n)], "node %d layer %d links freed slot %d", id, lc, n)
				require.NotEqual(t, id, uint32(n), "self link")
				other, err := ix.Node(n)
				require.NoError(t, err)
				require.GreaterOrEqual(t, other.Level, lc)
			}
		}
	}
	if ix.Stats().Nodes > 0 {
		ep, lv, ok := ix.EntryPoint()
		require.True(t, ok)
		require.False(t, free[uint32(ep)])
		info, _ := ix.Node(ep)
		require.Equal(t, lv, info.Level)
	}
}

func TestDeletedKeysNeverReturned(t *testing.T) {
	base := manifoldVectors(81, 2000, 16)
	ix := buildIndex(t, Config{Dim: 16}, base)
	rng := rand.New(rand.NewPCG(1, 2))
	deleted := map[uint64]bool{}
	for _, i := range rng.Perm(len(base))[:1000] {
		require.NoError(t, ix.Delete(uint64(i)))
		deleted[uint64(i)] = true
	}
	require.ErrorIs(t, ix.Delete(uint64(rng.Perm(len(base))[0])), nil, "keys are distinct")
	st := ix.Stats()
	assert.InDelta(t, 0.5, st.DeletedFraction, 0.001)
	assert.Equal(t, 999, st.Keys)
	alive := make([][]float32, len(base))
	for i, v := range base {
		if !deleted[uint64(i)] && ix.Contains(uint64(i)) {
			alive[i] = v
		}
	}
	for _, q := range manifoldVectors(82, 40, 16) {
		res, err := ix.Search(q, 10)
		require.NoError(t, err)
		require.Len(t, res, 10)
		for _, r := range res {
			require.NotNil(t, alive[r.Key], "deleted key %d returned", r.Key)
		}
	}
	// Tombstones are passed through: recall on the survivors stays high.
	assert.Greater(t, meanRecall(t, ix, alive, manifoldVectors(83, 40, 16), 10, SearchOptions{}), 0.95)
}

func TestVacuumRestoresRecall(t *testing.T) {
	n := 5000
	if testing.Short() {
		n = 2000
	}
	base := latentVectors(91, n, 32, 12)
	queries := latentVectors(92, 80, 32, 12)
	for _, h := range []Heuristic{HeuristicKeepPruned, HeuristicHNSWLib} {
		ix := buildIndex(t, Config{Dim: 32, M: 8, EfConstruction: 48, Heuristic: h}, base)
		rng := rand.New(rand.NewPCG(5, 6))
		survivors := make([][]float32, n)
		copy(survivors, base)
		for _, i := range rng.Perm(n)[:n*3/10] {
			require.NoError(t, ix.Delete(uint64(i)))
			survivors[i] = nil
		}
		epBefore, _, _ := ix.EntryPoint()
		require.NoError(t, ix.Vacuum(t.Context()))
		st := ix.Stats()
		assert.Zero(t, st.Deleted)
		assert.Zero(t, st.DeletedFraction)
		assert.Equal(t, n*3/10, st.FreeSlots)
		checkGraph(t, ix)
		if survivors[epBefore] == nil {
			ep, _, _ := ix.EntryPoint()
			assert.NotNil(t, survivors[ep], "deleted entry point replaced")
		}

		fresh, err := New(Config{Dim: 32, M: 8, EfConstruction: 48, Heuristic: h})
		require.NoError(t, err)
		for i, v := range survivors {
			if v != nil {
				require.NoError(t, fresh.Add(uint64(i), v))
			}
		}
		opts := SearchOptions{Ef: 20}
		rv := meanRecall(t, ix, survivors, queries, 10, opts)
		rf := meanRecall(t, fresh, survivors, queries, 10, opts)
		t.Logf("%v: recall after vacuum %.4f, fresh build %.4f", h, rv, rf)
		assert.GreaterOrEqual(t, rv, rf-0.01)

		// Freed slots are reused before the index grows.
		hi := ix.NodeCount()
		for i := range n * 3 / 10 {
			require.NoError(t, ix.Add(uint64(n+i), base[i]))
		}
		assert.Equal(t, hi, ix.NodeCount())
		assert.Zero(t, ix.Stats().FreeSlots)
		checkGraph(t, ix)
	}
}

func TestVacuumEverythingAndReuse(t *testing.T) {
	base := manifoldVectors(101, 300, 8)
	ix := buildIndex(t, Config{Dim: 8, M: 4}, base)
	for i := range base {
		require.NoError(t, ix.Delete(uint64(i)))
	}
	res, err := ix.Search(base[0], 5)
	require.NoError(t, err)
	assert.Empty(t, res)
	require.NoError(t, ix.Vacuum(t.Context()))
	_, _, ok := ix.EntryPoint()
	assert.False(t, ok)
	assert.Equal(t, 300, ix.Stats().FreeSlots)
	checkGraph(t, ix)
	for i, v := range base[:100] {
		require.NoError(t, ix.Add(uint64(i), v))
	}
	checkGraph(t, ix)
	res, err = ix.Search(base[7], 1)
	require.NoError(t, err)
	require.Len(t, res, 1)
	assert.Equal(t, uint64(7), res[0].Key)
	// Vacuum with nothing to do.
	require.NoError(t, ix.Vacuum(t.Context()))
}

func TestVacuumCancelled(t *testing.T) {
	base := manifoldVectors(111, 3000, 8)
	ix := buildIndex(t, Config{Dim: 8, M: 4}, base)
	for i := range 1500 {
		require.NoError(t, ix.Delete(uint64(i)))
	}
	ctx, cancel := contextWithCancel(t)
	cancel()
	err := ix.Vacuum(ctx)
	require.ErrorIs(t, err, errCanceled())
	assert.Equal(t, 1500, ix.Stats().Deleted, "tombstones stay")
	res, err := ix.Search(base[2000], 1)
	require.NoError(t, err)
	assert.Equal(t, uint64(2000), res[0].Key)
}
