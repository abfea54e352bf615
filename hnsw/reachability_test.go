package hnsw

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// cutInLinks removes every link to the given nodes from every list of the
// nodes not among them, as back-link pruning could have, and returns the
// index's layout.
func cutInLinks(ix *Index, ids ...uint32) *layout {
	l := ix.lay.Load()
	for n := range ix.hi {
		if slices.Contains(ids, n) {
			continue
		}
		for lc := 0; lc <= ix.levelOf(l, n); lc++ {
			slots := ix.list(l, n, lc)
			keep := loadList(nil, slots)
			keep = slices.DeleteFunc(keep, func(v uint32) bool { return slices.Contains(ids, v) })
			storeList(slots, keep)
		}
		l.setCloserValid(n, false)
	}
	return l
}

// levelZeroNodes returns count nodes of level 0 that are not the entry
// point, spread over the ids.
func levelZeroNodes(t *testing.T, ix *Index, count int) []uint32 {
	l := ix.lay.Load()
	ep, _, _ := ix.entryPoint()
	var out []uint32
	for id := ix.hi / 3; id < ix.hi && len(out) < count; id += 7 {
		if id != ep && ix.levelOf(l, id) == 0 {
			out = append(out, id)
		}
	}
	require.Len(t, out, count)
	return out
}

func isReached(ix *Index, id uint32) bool {
	ep, _, _ := ix.entryPoint()
	r := ix.reachable(ix.lay.Load(), ix.hi, ep)
	return r[id>>6]&(1<<(id&63)) != 0
}

// unreachedLive counts the live nodes that a walk of layer 0 from the
// entry point does not reach.
func unreachedLive(ix *Index) int {
	ix.allocMu.Lock()
	hi := ix.hi
	ix.allocMu.Unlock()
	ep, _, ok := ix.entryPoint()
	if !ok {
		return 0
	}
	l := ix.lay.Load()
	r := ix.reachable(l, hi, ep)
	u := 0
	for id := range hi {
		if !isSet(r, id) && !ix.isDeleted(l, id) {
			u++
		}
	}
	return u
}

// requireFindable checks that a search for each node's own vector returns
// its key first, at distance 0.
func requireFindable(t *testing.T, ix *Index, vecs [][]float32, keys ...uint64) {
	t.Helper()
	for _, k := range keys {
		res, _, err := ix.SearchWith(vecs[k], 1, SearchOptions{Ef: 64})
		require.NoError(t, err)
		require.Len(t, res, 1)
		require.Equal(t, k, res[0].Key, "key %d not found by its own vector", k)
		require.Zero(t, res[0].Distance)
	}
}

// TestVacuumRelinksUnreachable cuts every in-link of a node and of a pair
// of nodes that link only to each other (an island), on a graph with no
// deletes: none of them can be found, and after Vacuum all of them can.
func TestVacuumRelinksUnreachable(t *testing.T) {
	for _, h := range []Heuristic{HeuristicKeepPruned, HeuristicHNSWLib} {
		t.Run(h.String(), func(t *testing.T) {
			vecs := randomVectors(51, 800, 12)
			ix, err := New(Config{Dim: 12, M: 4, EfConstruction: 32, Heuristic: h})
			require.NoError(t, err)
			for i, v := range vecs {
				require.NoError(t, ix.Add(uint64(i), v))
			}
			nodes := levelZeroNodes(t, ix, 3)
			lone, a, b := nodes[0], nodes[1], nodes[2]
			l := cutInLinks(ix, lone)
			l = cutInLinks(ix, a, b)
			// a and b keep their other links and link to each other.
			for _, p := range [][2]uint32{{a, b}, {b, a}} {
				slots := ix.list(l, p[0], 0)
				links := loadList(nil, slots)
				if !slices.Contains(links, p[1]) {
					links = append(links[:min(len(links), len(slots)-1)], p[1])
				}
				storeList(slots, links)
			}
			keyOf := func(id uint32) uint64 {
				ks := ix.nodeKeys(l, id, nil)
				require.Len(t, ks, 1)
				return ks[0]
			}
			for _, id := range []uint32{lone, a, b} {
				require.False(t, isReached(ix, id), "node %d still reachable", id)
				res, _, err := ix.SearchWith(vecs[keyOf(id)], 1, SearchOptions{Ef: 800})
				require.NoError(t, err)
				require.NotEqual(t, keyOf(id), res[0].Key, "node %d found without in-links", id)
			}

			require.NoError(t, ix.Vacuum(context.Background()))
			checkGraph(t, ix)
			for _, id := range []uint32{lone, a, b} {
				require.True(t, isReached(ix, id), "node %d unreachable after Vacuum", id)
			}
			requireFindable(t, ix, vecs, keyOf(lone), keyOf(a), keyOf(b))
			// Nothing is left to relink.
			n, err := ix.relinkUnreachable(context.Background())
			require.NoError(t, err)
			require.Zero(t, n)
		})
	}
}

// TestVacuumRelinksAfterDeletes combines deletes with a cut node: Vacuum
// frees the tombstones and relinks the node.
func TestVacuumRelinksAfterDeletes(t *testing.T) {
	vecs := randomVectors(52, 1000, 10)
	ix, err := New(Config{Dim: 10, M: 5, EfConstruction: 40})
	require.NoError(t, err)
	for i, v := range vecs {
		require.NoError(t, ix.Add(uint64(i), v))
	}
	for k := uint64(0); k < 1000; k += 3 {
		require.NoError(t, ix.Delete(k))
	}
	var lone uint32
	l := ix.lay.Load()
	for _, id := range levelZeroNodes(t, ix, 40) {
		if !ix.isDeleted(l, id) {
			lone = id
			break
		}
	}
	key := ix.nodeKeys(l, lone, nil)[0]
	cutInLinks(ix, lone)
	require.False(t, isReached(ix, lone))
	require.NoError(t, ix.Vacuum(context.Background()))
	checkGraph(t, ix)
	require.Equal(t, 666, ix.Len())
	require.True(t, isReached(ix, lone))
	requireFindable(t, ix, vecs, key)
}

// TestSpliceKeepsReachable runs the last-resort splice alone on cut nodes
// (a lone node, an island of two, and a chain of three reached only
// through its head, plus whatever M = 2 orphaned on its own) in a graph
// whose layer-0 lists are full, so that the reached node it links from
// gives up a link: every node reached before stays reached, every live
// node becomes reachable, and its incremental marking agrees with a fresh
// walk.
func TestSpliceKeepsReachable(t *testing.T) {
	vecs := randomVectors(55, 600, 8)
	ix, err := New(Config{Dim: 8, M: 2, EfConstruction: 24})
	require.NoError(t, err)
	for i, v := range vecs {
		require.NoError(t, ix.Add(uint64(i), v))
	}
	nodes := levelZeroNodes(t, ix, 6)
	l := cutInLinks(ix, nodes...)
	// nodes[1] ↔ nodes[2] form an island; nodes[3] → nodes[4] → nodes[5]
	// a chain whose tail is reached only through its head.
	for _, p := range [][2]uint32{{nodes[1], nodes[2]}, {nodes[2], nodes[1]}, {nodes[3], nodes[4]}, {nodes[4], nodes[5]}} {
		slots := ix.list(l, p[0], 0)
		links := loadList(nil, slots)
		storeList(slots, append(links[:min(len(links), len(slots)-1)], p[1]))
	}
	// Fill every other list that the cut left with room, so a splice
	// must give up a link.
	for n := range ix.hi {
		if slices.Contains(nodes, n) {
			continue
		}
		slots := ix.list(l, n, 0)
		links := loadList(nil, slots)
		for v := uint32(0); len(links) < len(slots); v++ {
			if v != n && !slices.Contains(nodes, v) && !slices.Contains(links, v) {
				links = append(links, v)
			}
		}
		storeList(slots, links)
	}
	ep, epLevel, _ := ix.entryPoint()
	hi := ix.hi
	reached := ix.reachable(l, hi, ep)
	before := slices.Clone(reached)
	for _, id := range nodes {
		require.False(t, isSet(reached, id), "node %d reachable before splicing", id)
	}
	indeg := ix.reachedInDegrees(l, hi, reached)
	st := ix.getState(l)
	moved := 0
	for id := range hi {
		if !isSet(reached, id) && !ix.isDeleted(l, id) && ix.splice(st, l, hi, id, ep, epLevel, reached, indeg) {
			moved++
		}
	}
	ix.putState(st)
	require.Positive(t, moved, "no splice had to give up a link")

	after := ix.reachable(l, hi, ep)
	require.Equal(t, after, reached, "splice's bookkeeping differs from a fresh walk")
	for id := range hi {
		if isSet(before, id) {
			require.True(t, isSet(after, id), "node %d lost its reachability", id)
		}
		if !ix.isDeleted(l, id) {
			require.True(t, isSet(after, id), "live node %d unreachable", id)
		}
	}
	checkGraph(t, ix)
}

// TestRelinkUnreachableCancelled checks that a cancelled context stops the
// pass with an error that says so.
func TestRelinkUnreachableCancelled(t *testing.T) {
	vecs := randomVectors(53, 300, 8)
	ix, err := New(Config{Dim: 8, M: 4})
	require.NoError(t, err)
	for i, v := range vecs {
		require.NoError(t, ix.Add(uint64(i), v))
	}
	cutInLinks(ix, levelZeroNodes(t, ix, 1)...)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = ix.relinkUnreachable(ctx)
	require.ErrorIs(t, err, context.Canceled)
}

// BenchmarkVacuumReachability measures the pass Vacuum ends with on a
// healthy graph: the walk of layer 0 and nothing to relink.
func BenchmarkVacuumReachability(b *testing.B) {
	vecs := randomVectors(54, 50000, 16)
	ix, err := New(Config{Dim: 16, M: 16, EfConstruction: 32})
	require.NoError(b, err)
	keys := make([]uint64, len(vecs))
	for i := range keys {
		keys[i] = uint64(i)
	}
	require.NoError(b, ix.AddBatch(context.Background(), keys, vecs, BatchOptions{}))
	for b.Loop() {
		if _, err := ix.relinkUnreachable(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(vecs)), "ns/node")
}

// BenchmarkVacuum measures Vacuum on 50,000 vectors with every tenth
// deleted: "repair" is the part Vacuum shares with pgvector (steps 1 to
// 4, all Vacuum did before the reachability pass), "full" adds the pass.
// Each iteration reloads the index, untimed, and deletes again.
func BenchmarkVacuum(b *testing.B) {
	const n, dim = 50000, 32
	vecs := manifoldVectors(56, n, dim)
	ix, err := New(Config{Dim: dim, M: 16, EfConstruction: 64})
	require.NoError(b, err)
	keys := make([]uint64, n)
	for i := range keys {
		keys[i] = uint64(i)
	}
	require.NoError(b, ix.AddBatch(context.Background(), keys, vecs, BatchOptions{}))
	var saved bytes.Buffer
	_, err = ix.WriteTo(&saved)
	require.NoError(b, err)

	vacuums := []struct {
		name string
		run  func(ix *Index) error
	}{
		{"repair", func(ix *Index) error {
			return ix.runVacuum(context.Background(), func(v *vacuum, st *searchState) error {
				return v.repairGraph(context.Background(), st)
			})
		}},
		{"full", func(ix *Index) error { return ix.Vacuum(context.Background()) }},
	}
	for _, vc := range vacuums {
		b.Run(vc.name, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				ix, err := Load(bytes.NewReader(saved.Bytes()))
				require.NoError(b, err)
				for k := uint64(0); k < n; k += 10 {
					require.NoError(b, ix.Delete(k))
				}
				b.StartTimer()
				require.NoError(b, vc.run(ix))
			}
		})
	}
}
