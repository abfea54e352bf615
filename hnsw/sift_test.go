package hnsw_test

import (
	"context"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smallworld-go/smallworld/bench"
	"github.com/smallworld-go/smallworld/hnsw"
)

// siftData loads the SIFT-small set built into package bench once.
var siftData = sync.OnceValues(func() (*siftSet, error) {
	base, queries, _, err := bench.SIFTSmall()
	if err != nil {
		return nil, err
	}
	truth, err := bench.GroundTruth(context.Background(), base, queries, bench.L2, 10, bench.GroundTruthOptions{})
	if err != nil {
		return nil, err
	}
	return &siftSet{base, queries, truth}, nil
})

type siftSet struct {
	base, queries *bench.Matrix
	truth         *bench.Truth
}

func buildSIFT(tb testing.TB, cfg hnsw.Config) (*hnsw.Index, *siftSet) {
	tb.Helper()
	d, err := siftData()
	require.NoError(tb, err)
	cfg.Dim = d.base.Dim
	ix, err := hnsw.New(cfg)
	require.NoError(tb, err)
	for i := range d.base.Len() {
		require.NoError(tb, ix.Add(uint64(i), d.base.Row(i)))
	}
	return ix, d
}

func siftRecall(tb testing.TB, ix *hnsw.Index, d *siftSet, ef int) (recall, dists float64) {
	results := make([][]uint64, d.queries.Len())
	var n int
	for i := range d.queries.Len() {
		res, st, err := ix.SearchWith(d.queries.Row(i), 10, hnsw.SearchOptions{Ef: ef})
		require.NoError(tb, err)
		for _, r := range res {
			results[i] = append(results[i], r.Key)
		}
		n += st.DistanceEvaluations
	}
	recall, err := bench.Recall(d.truth, results, 10)
	require.NoError(tb, err)
	return recall, float64(n) / float64(d.queries.Len())
}

// TestSIFTSmall pins the graph quality on real data against the figures
// hnswlib reaches with the same M and ef_construction (recall 0.964 with 278
// distance evaluations per query at ef=20, 0.991 with 429 at ef=40): at equal
// recall the pgvector variant must not need more distance evaluations.
func TestSIFTSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the 10,000-vector SIFT-small index")
	}
	ix, d := buildSIFT(t, hnsw.Config{})
	r10, d10 := siftRecall(t, ix, d, 10)
	r20, d20 := siftRecall(t, ix, d, 20)
	r40, d40 := siftRecall(t, ix, d, 40)
	t.Logf("ef=10: %.3f / %.0f, ef=20: %.3f / %.0f, ef=40: %.3f / %.0f", r10, d10, r20, d20, r40, d40)
	assert.GreaterOrEqual(t, r10, 0.95)
	assert.LessOrEqual(t, d10, 278*1.1)
	assert.GreaterOrEqual(t, r20, 0.98)
	assert.LessOrEqual(t, d20, 429*1.1)
	assert.GreaterOrEqual(t, r40, 0.995)

	// Filtered: 10% of the keys, default options.
	results := make([][]uint64, d.queries.Len())
	keep := func(k uint64) bool { return k%10 == 4 }
	var filtered []float32
	var ids []int32
	for i := range d.base.Len() {
		if keep(uint64(i)) {
			filtered = append(filtered, d.base.Row(i)...)
			ids = append(ids, int32(i))
		}
	}
	sub := &bench.Matrix{Dim: d.base.Dim, Data: filtered}
	truth, err := bench.GroundTruth(t.Context(), sub, d.queries, bench.L2, 10, bench.GroundTruthOptions{})
	require.NoError(t, err)
	for i := range truth.IDs {
		for j := range truth.IDs[i] {
			truth.IDs[i][j] = ids[truth.IDs[i][j]]
		}
		if truth.Ties != nil {
			for j := range truth.Ties[i] {
				truth.Ties[i][j] = ids[truth.Ties[i][j]]
			}
		}
	}
	for i := range d.queries.Len() {
		res, _, err := ix.SearchWith(d.queries.Row(i), 10, hnsw.SearchOptions{Filter: keep})
		require.NoError(t, err)
		for _, r := range res {
			results[i] = append(results[i], r.Key)
		}
	}
	rf, err := bench.Recall(truth, results, 10)
	require.NoError(t, err)
	t.Logf("10%% filter: recall@10 %.3f", rf)
	assert.GreaterOrEqual(t, rf, 0.9)
}

func BenchmarkSearchSIFTSmall(b *testing.B) {
	for _, h := range []hnsw.Heuristic{hnsw.HeuristicKeepPruned, hnsw.HeuristicHNSWLib} {
		ix, d := buildSIFT(b, hnsw.Config{Heuristic: h})
		for _, ef := range []int{10, 40} {
			b.Run(h.String()+"/ef="+strconv.Itoa(ef), func(b *testing.B) {
				buf := make([]hnsw.Result, 0, 10)
				opts := hnsw.SearchOptions{Ef: ef}
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					_, _, _ = ix.AppendSearch(buf[:0], d.queries.Row(i%d.queries.Len()), 10, opts)
					i++
				}
			})
		}
	}
}

func BenchmarkSearchFilteredSIFTSmall(b *testing.B) {
	ix, d := buildSIFT(b, hnsw.Config{})
	buf := make([]hnsw.Result, 0, 10)
	opts := hnsw.SearchOptions{Filter: func(k uint64) bool { return k%10 == 4 }}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_, _, _ = ix.AppendSearch(buf[:0], d.queries.Row(i%d.queries.Len()), 10, opts)
		i++
	}
}

// BenchmarkBuildSIFTSmall builds SIFT-small serially with each heuristic, by
// one Add per vector and by AddBatch with one worker (which caches back-link
// distances while it runs).
func BenchmarkBuildSIFTSmall(b *testing.B) {
	d, err := siftData()
	require.NoError(b, err)
	keys := make([]uint64, d.base.Len())
	for i := range keys {
		keys[i] = uint64(i)
	}
	for _, h := range []hnsw.Heuristic{hnsw.HeuristicKeepPruned, hnsw.HeuristicHNSWLib} {
		for _, batch := range []bool{false, true} {
			name := h.String() + "/add"
			if batch {
				name = h.String() + "/batch"
			}
			b.Run(name, func(b *testing.B) {
				for b.Loop() {
					ix, _ := hnsw.New(hnsw.Config{Dim: d.base.Dim, Heuristic: h, Capacity: d.base.Len()})
					if batch {
						_ = ix.AddBatch(context.Background(), keys, d.base.Rows(), hnsw.BatchOptions{Workers: 1})
						continue
					}
					for i := range d.base.Len() {
						_ = ix.Add(uint64(i), d.base.Row(i))
					}
				}
				b.ReportMetric(float64(d.base.Len())*float64(b.N)/b.Elapsed().Seconds(), "vectors/s")
			})
		}
	}
}
