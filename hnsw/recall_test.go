package hnsw

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRecallAgainstBruteForce(t *testing.T) {
	n := size(3000, 600)
	base := latentVectors(21, n, 48, 14)
	queries := latentVectors(22, size(60, 20), 48, 14)
	for _, m := range []Metric{L2, InnerProduct, Cosine, L1} {
		for _, s := range []Storage{Float32, Float16} {
			for _, h := range []Heuristic{HeuristicKeepPruned, HeuristicHNSWLib} {
				if s == Float16 && h == HeuristicHNSWLib {
					continue
				}
				ix := buildIndex(t, Config{Dim: 48, Metric: m, Storage: s, Heuristic: h}, base)
				r := meanRecall(t, ix, base, queries, 10, SearchOptions{})
				t.Logf("%v %v %v recall@10 %.3f", m, s, h, r)
				min := 0.95
				if m == InnerProduct {
					// Inner product is not a metric: HNSW's greedy walk
					// is known to do worse on it.
					min = 0.85
				}
				assert.GreaterOrEqual(t, r, min, "%v %v %v", m, s, h)
			}
		}
	}
}

func TestRecallGrowsWithEf(t *testing.T) {
	base := manifoldVectors(31, size(3000, 1000), 32)
	queries := manifoldVectors(32, 60, 32)
	ix := buildIndex(t, Config{Dim: 32, M: 8, EfConstruction: 32}, base)
	prev := 0.0
	prevDist := 0
	for _, ef := range []int{5, 20, 80, 320} {
		r := meanRecall(t, ix, base, queries, 5, SearchOptions{Ef: ef})
		_, st, err := ix.SearchWith(queries[0], 5, SearchOptions{Ef: ef})
		require.NoError(t, err)
		assert.GreaterOrEqual(t, r, prev-0.01, "ef=%d", ef)
		assert.Greater(t, st.DistanceEvaluations, prevDist)
		assert.Equal(t, 1, st.Batches)
		assert.Greater(t, st.Visited, 0)
		prev, prevDist = r, st.DistanceEvaluations
	}
	assert.Greater(t, prev, 0.99)
}

func TestResultsSortedAndExactDistances(t *testing.T) {
	base := manifoldVectors(41, size(1000, 300), 16)
	for _, m := range []Metric{L2, InnerProduct, Cosine, L1} {
		ix := buildIndex(t, Config{Dim: 16, Metric: m}, base)
		for _, q := range manifoldVectors(42, 10, 16) {
			res, err := ix.Search(q, 20)
			require.NoError(t, err)
			require.Len(t, res, 20)
			seen := map[uint64]bool{}
			for i, r := range res {
				require.False(t, seen[r.Key])
				seen[r.Key] = true
				if i > 0 {
					require.LessOrEqual(t, res[i-1].Distance, r.Distance)
				}
				assert.InDelta(t, refDistance(m, q, base[r.Key]), r.Distance, 1e-3*math.Max(1, math.Abs(float64(r.Distance))))
			}
		}
	}
}

func TestSeededLevelsAreGeometricAndDeterministic(t *testing.T) {
	const n = 20000
	ix, err := New(Config{Dim: 1, M: 4, Seed: 42})
	require.NoError(t, err)
	counts := make([]int, 10)
	var levels []int
	for i := range n {
		l, err := ix.drawLevel(uint64(i))
		require.NoError(t, err)
		counts[min(l, 9)]++
		levels = append(levels, l)
	}
	// P(level ≥ l) = M^−l.
	atLeast := n
	for l := range 4 {
		want := float64(n) * math.Pow(4, -float64(l))
		assert.InDelta(t, want, float64(atLeast), 4*math.Sqrt(want)+1, "level ≥ %d", l)
		atLeast -= counts[l]
	}
	again, err := New(Config{Dim: 1, M: 4, Seed: 42})
	require.NoError(t, err)
	for i := range n {
		l, _ := again.drawLevel(uint64(i))
		require.Equal(t, levels[i], l)
	}
	other, err := New(Config{Dim: 1, M: 4, Seed: 43})
	require.NoError(t, err)
	same := 0
	for i := range n {
		if l, _ := other.drawLevel(uint64(i)); l == levels[i] {
			same++
		}
	}
	assert.Less(t, same, n)
	assert.Equal(t, 0, levelFor(0.9, 1/math.Log(16), 63))
	assert.Equal(t, 1, levelFor(1.0/16/2, 1/math.Log(16), 63))
	assert.Equal(t, 63, levelFor(0, 1/math.Log(16), 63))
}

func TestEntryPointRaisedOnlyByStrictlyHigherLevel(t *testing.T) {
	levels := []int{0, 1, 1, 0, 2, 2, 1, 3}
	wantEntry := []int{0, 1, 1, 1, 4, 4, 4, 7}
	ix, err := New(Config{Dim: 2, M: 4, LevelSource: LevelFunc(func(k uint64) int { return levels[k] })})
	require.NoError(t, err)
	for i := range levels {
		require.NoError(t, ix.Add(uint64(i), []float32{float32(i), float32(i * i % 7)}))
		id, lv, ok := ix.EntryPoint()
		require.True(t, ok)
		assert.Equal(t, wantEntry[i], int(id), "after insert %d", i)
		assert.Equal(t, levels[wantEntry[i]], lv)
	}
	st := ix.Stats()
	assert.Equal(t, 3, st.TopLevel)
	assert.Equal(t, []int{2, 3, 2, 1}, st.LevelCounts)
}

func TestSeededBuildIsDeterministic(t *testing.T) {
	base := manifoldVectors(51, 800, 16)
	a := buildIndex(t, Config{Dim: 16, Seed: 9}, base)
	b := buildIndex(t, Config{Dim: 16, Seed: 9}, base)
	for id := range a.NodeCount() {
		na, _ := a.Node(NodeID(id))
		nb, _ := b.Node(NodeID(id))
		require.Equal(t, na, nb)
	}
}

func TestCustomDistance(t *testing.T) {
	base := manifoldVectors(61, size(1500, 500), 24)
	queries := manifoldVectors(62, 30, 24)
	calls := 0
	ix := buildIndex(t, Config{Dim: 24, Distance: func(a, b []float32) float32 { calls++; return seqL2(a, b) }}, base)
	assert.Greater(t, calls, len(base))
	assert.Greater(t, meanRecall(t, ix, base, queries, 10, SearchOptions{}), 0.95)
	f16 := buildIndex(t, Config{Dim: 24, Storage: Float16, Distance: seqL2}, base)
	assert.Greater(t, meanRecall(t, f16, base, queries, 10, SearchOptions{}), 0.9)
}
