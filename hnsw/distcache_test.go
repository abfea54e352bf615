package hnsw

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// graphLists returns every node's lists on every layer.
func graphLists(t *testing.T, ix *Index) [][][]NodeID {
	t.Helper()
	out := make([][][]NodeID, ix.NodeCount())
	for id := range out {
		info, err := ix.Node(NodeID(id))
		require.NoError(t, err)
		for lc := 0; lc <= info.Level; lc++ {
			nb, err := ix.Neighbors(NodeID(id), lc, nil)
			require.NoError(t, err)
			out[id] = append(out[id], nb)
		}
	}
	return out
}

// A batch build uses the distances it cached when it stored each link
// instead of recomputing them for back-links; with a symmetric distance (or
// the default kernels on vectors whose stored size is a multiple of 64
// bytes) the graph is exactly the one serial Add builds, for both heuristics.
func TestBatchDistanceCacheKeepsTheGraph(t *testing.T) {
	for _, tc := range []struct {
		dim    int
		custom bool
	}{{128, false}, {64, false}, {37, true}, {100, true}} {
		for _, h := range []Heuristic{HeuristicKeepPruned, HeuristicHNSWLib} {
			t.Run(fmt.Sprintf("dim=%d/custom=%v/%s", tc.dim, tc.custom, h), func(t *testing.T) {
				vecs := randomVectors(7, 1500, tc.dim)
				cfg := Config{Dim: tc.dim, M: 6, EfConstruction: 24, Heuristic: h, Seed: 3}
				if tc.custom {
					cfg.Distance = seqL2 // symmetric bit for bit, as pgvector's is
				}
				serial, err := New(cfg)
				require.NoError(t, err)
				keys := make([]uint64, len(vecs))
				for i, v := range vecs {
					keys[i] = uint64(i)
					require.NoError(t, serial.Add(keys[i], v))
				}
				batch, err := New(cfg)
				require.NoError(t, err)
				require.NoError(t, batch.AddBatch(context.Background(), keys, vecs, BatchOptions{Workers: 1}))
				require.Nil(t, batch.dcache, "the cache is dropped when the batch ends")
				require.Equal(t, graphLists(t, serial), graphLists(t, batch))
				// The batch computed fewer distances: back-links reused them.
				require.Less(t, batch.Stats().DistanceEvaluations, serial.Stats().DistanceEvaluations)
			})
		}
	}
}

// A second batch on an index built by serial inserts, with deletes (then a
// Vacuum, or tombstones left for the batch's back-links to overwrite),
// still matches the same operations done serially.
func TestBatchDistanceCacheAfterDeletes(t *testing.T) {
	for _, vacuum := range []bool{true, false} {
		t.Run(fmt.Sprintf("vacuum=%v", vacuum), func(t *testing.T) { testBatchAfterDeletes(t, vacuum) })
	}
}

func testBatchAfterDeletes(t *testing.T, vacuum bool) {
	vecs := randomVectors(11, 1200, 32)
	cfg := Config{Dim: 32, M: 5, EfConstruction: 20, Seed: 5, Distance: seqL2}
	build := func(batch bool) *Index {
		ix, err := New(cfg)
		require.NoError(t, err)
		for i, v := range vecs[:600] {
			require.NoError(t, ix.Add(uint64(i), v))
		}
		for i := 0; i < 600; i += 3 {
			require.NoError(t, ix.Delete(uint64(i)))
		}
		if vacuum {
			require.NoError(t, ix.Vacuum(context.Background()))
		}
		keys := make([]uint64, 600)
		for i := range keys {
			keys[i] = uint64(600 + i)
		}
		if batch {
			require.NoError(t, ix.AddBatch(context.Background(), keys, vecs[600:], BatchOptions{Workers: 1}))
		} else {
			for i, k := range keys {
				require.NoError(t, ix.Add(k, vecs[600+i]))
			}
		}
		return ix
	}
	require.Equal(t, graphLists(t, build(false)), graphLists(t, build(true)))
}
