package hnsw

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConcurrentStress runs Add, AddBatch, Search, SearchIter, Delete,
// Vacuum, Stats and SaveFile together and checks the invariants: no deleted
// key is ever returned, every key that stays is found by its own vector, and
// after a final Vacuum no list points at a freed slot.
func TestConcurrentStress(t *testing.T) {
	n := 4000
	dur := 3 * time.Second
	if testing.Short() {
		n, dur = 1500, 1500*time.Millisecond
	}
	const dim = 16
	vecs := manifoldVectors(171, n, dim)
	ix, err := New(Config{Dim: dim, M: 6, EfConstruction: 32, MergeDuplicates: true})
	require.NoError(t, err)
	// The first half goes in up front.
	keys := make([]uint64, n/2)
	for i := range keys {
		keys[i] = uint64(i)
	}
	require.NoError(t, ix.AddBatch(t.Context(), keys, vecs[:n/2], BatchOptions{}))

	// Key state: 0 never added, 3 being added, 1 present, 4 being deleted,
	// 2 deleted (never re-added). delSeq records when each delete finished.
	state := make([]atomic.Int32, n)
	delSeq := make([]atomic.Int64, n)
	var seq atomic.Int64
	for i := range n / 2 {
		state[i].Store(1)
	}
	ctx, cancel := context.WithTimeout(t.Context(), dur)
	defer cancel()
	var wg sync.WaitGroup
	fail := make(chan error, 16)
	report := func(err error) {
		select {
		case fail <- err:
		default:
		}
		cancel()
	}
	// Adders: the second half, one by one and in small batches.
	var nextKey atomic.Int64
	nextKey.Store(int64(n / 2))
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Worker 1 claims two keys at once for its batches (two
			// separate claims could interleave with worker 0's).
			claim := int64(1 + w)
			for ctx.Err() == nil {
				k := int(nextKey.Add(claim) - claim)
				if k >= n {
					return
				}
				var err error
				state[k].Store(3)
				if w == 0 || k+1 >= n {
					err = ix.Add(uint64(k), vecs[k])
					if err == nil {
						state[k].Store(1)
					}
				} else {
					state[k+1].Store(3)
					err = ix.AddBatch(ctx, []uint64{uint64(k), uint64(k + 1)}, vecs[k:k+2], BatchOptions{Workers: 2})
					if err == nil {
						state[k].Store(1)
						state[k+1].Store(1)
					} else if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
						return
					}
				}
				if err != nil {
					report(err)
					return
				}
			}
		}()
	}
	// Deleter: random present keys.
	wg.Add(1)
	go func() {
		defer wg.Done()
		rng := rand.New(rand.NewPCG(3, 4))
		for ctx.Err() == nil {
			k := rng.IntN(n)
			if !state[k].CompareAndSwap(1, 4) {
				continue
			}
			if err := ix.Delete(uint64(k)); err != nil {
				report(err)
				return
			}
			delSeq[k].Store(seq.Add(1))
			state[k].Store(2)
			time.Sleep(200 * time.Microsecond)
		}
	}()
	// Vacuum, Stats and Save in a loop.
	dir := t.TempDir()
	wg.Add(1)
	go func() {
		defer wg.Done()
		path := filepath.Join(dir, "stress.hnsw")
		for i := 0; ctx.Err() == nil; i++ {
			if err := ix.Vacuum(ctx); err != nil && ctx.Err() == nil {
				report(err)
				return
			}
			_ = ix.Stats()
			if i%3 == 0 {
				if err := ix.SaveFile(path); err != nil {
					report(err)
					return
				}
			}
		}
	}()
	// Searchers: a deleted key must never come back (a key deleted while a
	// search runs may still be returned by that search, so the state is
	// read before searching).
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 9))
			buf := make([]Result, 0, 10)
			for ctx.Err() == nil {
				k := rng.IntN(n)
				before := make(map[uint64]bool)
				s0 := seq.Load()
				res, _, err := ix.AppendSearch(buf[:0], vecs[k], 10, SearchOptions{})
				if err != nil {
					report(err)
					return
				}
				for _, r := range res {
					if before[r.Key] {
						report(errors.New("duplicate result"))
					}
					before[r.Key] = true
					if state[r.Key].Load() == 0 {
						report(errors.New("key returned before it was added"))
						return
					}
					if d := delSeq[r.Key].Load(); d != 0 && d <= s0 {
						report(errors.New("key returned after its delete finished"))
						return
					}
				}
				if w == 1 {
					c := 0
					for r, err := range ix.SearchIter(vecs[k], SearchOptions{Ef: 8, MaxScanTuples: 50}) {
						if err != nil {
							report(err)
							return
						}
						_ = r
						if c++; c > 30 {
							break
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-fail:
		t.Fatal(err)
	default:
	}

	// Quiescent checks. Nodes the concurrent work left without in-links
	// are logged, to show how often Vacuum has to relink some.
	if u := unreachedLive(ix); u > 0 {
		t.Logf("%d live node(s) unreachable on layer 0 before the final Vacuum", u)
	}
	require.NoError(t, ix.Vacuum(t.Context()))
	checkGraph(t, ix)
	require.Zero(t, unreachedLive(ix), "live nodes unreachable on layer 0 after Vacuum")
	present := 0
	for k := range n {
		if state[k].Load() == 3 && ix.Contains(uint64(k)) {
			// A batch cut short by the deadline keeps the keys it
			// inserted (AddBatch's contract) though it returned an error.
			state[k].Store(1)
		}
		switch state[k].Load() {
		case 1:
			present++
			require.True(t, ix.Contains(uint64(k)), "key %d lost", k)
		case 2:
			require.False(t, ix.Contains(uint64(k)), "deleted key %d still there", k)
		}
	}
	assert.Equal(t, present, ix.Len())
	missed := 0
	for k := range n {
		if state[k].Load() != 1 {
			continue
		}
		found := false
		// A search with ef = 64 almost always finds it; a node in a
		// thinly linked corner after heavy deletes may need a wider
		// search, but it must be reachable.
		for _, ef := range []int{64, 512} {
			res, _, err := ix.SearchWith(vecs[k], 1, SearchOptions{Ef: ef})
			require.NoError(t, err)
			for _, r := range res {
				require.Equal(t, int32(1), state[r.Key].Load(), "deleted key %d returned", r.Key)
			}
			if len(res) > 0 && refDistance(L2, vecs[r0(res)], vecs[k]) == 0 {
				found = true
				break
			}
		}
		if !found {
			missed++
		}
	}
	// Every live key is findable by its own vector: Vacuum relinks the
	// nodes that concurrent back-link pruning, deletes and repairs left
	// without in-links (about one run in twenty has one).
	assert.Zero(t, missed, "live keys not found by their own vector")

	// The last saved file loads and is consistent.
	loaded, err := LoadFile(filepath.Join(dir, "stress.hnsw"))
	require.NoError(t, err)
	checkGraph(t, loaded)
	_ = os.Remove(filepath.Join(dir, "stress.hnsw"))
}

func r0(res []Result) uint64 { return res[0].Key }

// TestParallelBuildRecall checks that AddBatch over several workers builds a
// graph as good as a serial build.
func TestParallelBuildRecall(t *testing.T) {
	n := 6000
	if testing.Short() {
		n = 2500
	}
	base := latentVectors(181, n, 32, 14)
	queries := latentVectors(182, 100, 32, 14)
	keys := make([]uint64, n)
	for i := range keys {
		keys[i] = uint64(i)
	}
	serial := buildIndex(t, Config{Dim: 32, M: 8, EfConstruction: 40}, base)
	par, err := New(Config{Dim: 32, M: 8, EfConstruction: 40})
	require.NoError(t, err)
	var calls, last atomic.Int64
	require.NoError(t, par.AddBatch(t.Context(), keys, base, BatchOptions{Workers: 4, Progress: func(done, total int) {
		calls.Add(1)
		if int64(done) < last.Load() {
			t.Errorf("progress went backwards")
		}
		last.Store(int64(done))
		assert.Equal(t, n, total)
	}}))
	assert.Equal(t, int64(n), last.Load())
	assert.GreaterOrEqual(t, calls.Load(), int64(50))
	assert.Equal(t, n, par.Len())
	checkGraph(t, par)
	opts := SearchOptions{Ef: 16}
	rs := meanRecall(t, serial, base, queries, 10, opts)
	rp := meanRecall(t, par, base, queries, 10, opts)
	t.Logf("recall@10 ef=16: serial %.4f, parallel %.4f", rs, rp)
	assert.GreaterOrEqual(t, rp, rs-0.01)
	// Levels are drawn in slice order: the same as a serial build's.
	for i := range n {
		a, _ := serial.Node(NodeID(i))
		id, _ := par.NodeOf(uint64(i))
		b, _ := par.Node(id)
		require.Equal(t, a.Level, b.Level)
	}
}

func TestAddBatchValidationAndCancel(t *testing.T) {
	ix, err := New(Config{Dim: 2})
	require.NoError(t, err)
	require.NoError(t, ix.Add(5, []float32{1, 1}))
	ctx := t.Context()
	err = ix.AddBatch(ctx, []uint64{1, 2}, [][]float32{{1, 2}}, BatchOptions{})
	require.ErrorIs(t, err, ErrInvalidConfig)
	err = ix.AddBatch(ctx, []uint64{1, 2, 3}, [][]float32{{1, 2}, {1}, {3, 3}}, BatchOptions{})
	var de *DimensionError
	require.ErrorAs(t, err, &de)
	assert.Contains(t, err.Error(), "vector 1 (key 2)")
	err = ix.AddBatch(ctx, []uint64{1, 5}, [][]float32{{1, 2}, {2, 2}}, BatchOptions{})
	require.ErrorIs(t, err, ErrKeyExists)
	err = ix.AddBatch(ctx, []uint64{1, 1}, [][]float32{{1, 2}, {2, 2}}, BatchOptions{})
	require.ErrorIs(t, err, ErrKeyExists)
	assert.Equal(t, 1, ix.Len(), "nothing inserted")
	require.NoError(t, ix.AddBatch(ctx, []uint64{1, 2}, [][]float32{{1, 2}, {2, 2}}, BatchOptions{}))
	assert.Equal(t, 3, ix.Len())
	require.NoError(t, ix.AddBatch(ctx, nil, nil, BatchOptions{}))

	ix, err = New(Config{Dim: 8})
	require.NoError(t, err)
	nb := 5000
	if testing.Short() {
		nb = 2000
	}
	base := manifoldVectors(191, nb, 8)
	keys := make([]uint64, len(base))
	for i := range keys {
		keys[i] = uint64(100 + i)
	}
	cctx, cancel := context.WithCancel(ctx)
	err = ix.AddBatch(cctx, keys, base, BatchOptions{Workers: 2, Progress: func(done, total int) {
		if done >= 500 {
			cancel()
		}
	}})
	require.ErrorIs(t, err, context.Canceled)
	got := ix.Len()
	assert.GreaterOrEqual(t, got, 500)
	assert.Less(t, got, len(base))
	// The keys not inserted were released and can be added again.
	for i, k := range keys {
		if !ix.Contains(k) {
			require.NoError(t, ix.Add(k, base[i]))
		}
	}
	assert.Equal(t, len(base), ix.Len())
	checkGraph(t, ix)
}
