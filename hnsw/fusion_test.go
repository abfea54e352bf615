package hnsw_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smallworld-go/smallworld/hnsw"
)

// referenceRRF is a direct transcription of the formula, kept independent of
// FuseRRF: a map of scores summed in list order, duplicates within a list
// skipped, ranks counted over distinct keys.
func referenceRRF(k int, lists ...[]uint64) map[uint64]float64 {
	scores := map[uint64]float64{}
	for _, l := range lists {
		seen := map[uint64]bool{}
		rank := 0
		for _, key := range l {
			if seen[key] {
				continue
			}
			seen[key] = true
			rank++
			scores[key] += 1.0 / float64(k+rank)
		}
	}
	return scores
}

func fusedKeys(fs []hnsw.Fused) []uint64 {
	keys := make([]uint64, len(fs))
	for i, f := range fs {
		keys[i] = f.Key
	}
	return keys
}

func TestFuseRRFKnownValues(t *testing.T) {
	vector := []uint64{10, 20, 30}
	keyword := []uint64{30, 40, 10}
	got, err := hnsw.FuseRRF(60, vector, keyword)
	require.NoError(t, err)

	// 10: 1/61 + 1/63; 30: 1/63 + 1/61 (the same terms, so the same
	// score; 10 wins on the lower key, both having best rank 1);
	// 20: 1/62; 40: 1/62 (tie, best rank 2 each, lower key first).
	require.Equal(t, []uint64{10, 30, 20, 40}, fusedKeys(got))
	assert.InDelta(t, 1.0/61+1.0/63, got[0].Score, 1e-15)
	assert.Equal(t, got[0].Score, got[1].Score, "same multiset of ranks must give bit-identical scores")
	assert.InDelta(t, 1.0/62, got[2].Score, 1e-15)
	assert.Equal(t, []int{1, 3}, got[0].Ranks)
	assert.Equal(t, []int{3, 1}, got[1].Ranks)
	assert.Equal(t, []int{2, 0}, got[2].Ranks)
	assert.Equal(t, []int{0, 2}, got[3].Ranks)
	assert.Equal(t, 1, got[0].BestRank())
	assert.Equal(t, 2, got[3].BestRank())
}

func TestFuseRRFBothListsBeatOneList(t *testing.T) {
	// A key ranked 4th by both retrievers outscores every key that only
	// one retriever ranked first: 2/64 > 1/61. This is why hybrid search
	// surfaces documents that neither retriever puts on top.
	a := []uint64{1, 2, 3, 99}
	b := []uint64{5, 6, 7, 99}
	got, err := hnsw.FuseRRF(hnsw.DefaultRRFK, a, b)
	require.NoError(t, err)
	assert.Equal(t, uint64(99), got[0].Key)
	assert.InDelta(t, 2.0/64, got[0].Score, 1e-15)
}

func TestFuseRRFTieBreakPrefersBestRank(t *testing.T) {
	// With k = 0, rank 1 in one list (1/1) equals ranks 2 and 2 in two
	// lists (1/2 + 1/2). The key with the single first place comes first
	// although its key is larger.
	got, err := hnsw.FuseRRF(0, []uint64{9, 1}, []uint64{8, 1})
	require.NoError(t, err)
	require.Equal(t, []uint64{8, 9, 1}, fusedKeys(got))
	assert.Equal(t, 1.0, got[0].Score)
	assert.Equal(t, 1.0, got[1].Score)
	assert.Equal(t, 1.0, got[2].Score)
}

func TestFuseRRFDuplicatesWithinAList(t *testing.T) {
	got, err := hnsw.FuseRRF(60, []uint64{7, 7, 8, 7, 9})
	require.NoError(t, err)
	require.Equal(t, []uint64{7, 8, 9}, fusedKeys(got))
	assert.Equal(t, []int{1}, got[0].Ranks)
	assert.Equal(t, []int{2}, got[1].Ranks, "a repeat must not take up a rank")
	assert.Equal(t, []int{3}, got[2].Ranks)
}

func TestFuseRRFEmptyInputs(t *testing.T) {
	got, err := hnsw.FuseRRF(60)
	require.NoError(t, err)
	assert.Empty(t, got)

	got, err = hnsw.FuseRRF(60, nil, []uint64{}, []uint64{3})
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, []int{0, 0, 1}, got[0].Ranks)
}

func TestFuseRRFRejectsNegativeK(t *testing.T) {
	_, err := hnsw.FuseRRF(-1, []uint64{1})
	require.ErrorIs(t, err, hnsw.ErrInvalidConfig)
	var ce *hnsw.ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, -1, ce.Value)
}

func TestFuseRRFHugeK(t *testing.T) {
	// k + rank must not overflow int.
	got, err := hnsw.FuseRRF(math.MaxInt, []uint64{1, 2})
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Greater(t, got[0].Score, 0.0)
	assert.Equal(t, uint64(1), got[0].Key)
}

// TestFuseRRFMatchesReference checks random rankings against the formula and
// checks that the order does not depend on the order of the lists.
func TestFuseRRFMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 300 {
		k := rng.IntN(100)
		lists := make([][]uint64, 1+rng.IntN(4))
		for i := range lists {
			lists[i] = make([]uint64, rng.IntN(30))
			for j := range lists[i] {
				lists[i][j] = uint64(rng.IntN(40)) // small key space: overlaps, repeats, ties
			}
		}
		got, err := hnsw.FuseRRF(k, lists...)
		require.NoError(t, err)
		want := referenceRRF(k, lists...)
		require.Len(t, got, len(want), "trial %d", trial)
		for i, f := range got {
			require.InDelta(t, want[f.Key], f.Score, 1e-12, "trial %d key %d", trial, f.Key)
			if i > 0 {
				prev := got[i-1]
				require.True(t, prev.Score > f.Score ||
					prev.Score == f.Score && (prev.BestRank() < f.BestRank() ||
						prev.BestRank() == f.BestRank() && prev.Key < f.Key),
					"trial %d: order broken at %d", trial, i)
			}
			for li, r := range f.Ranks {
				if r == 0 {
					require.NotContains(t, lists[li], f.Key)
				} else {
					require.Contains(t, lists[li], f.Key)
				}
			}
		}

		reversed := slices.Clone(lists)
		slices.Reverse(reversed)
		again, err := hnsw.FuseRRF(k, reversed...)
		require.NoError(t, err)
		require.Equal(t, fusedKeys(got), fusedKeys(again), "trial %d: list order changed the ranking", trial)
		for i := range got {
			require.Equal(t, got[i].Score, again[i].Score, "trial %d", trial)
		}
	}
}

func TestResultKeys(t *testing.T) {
	assert.Equal(t, []uint64{3, 1}, hnsw.ResultKeys([]hnsw.Result{{Key: 3, Distance: 0.1}, {Key: 1, Distance: 0.2}}))
	assert.Empty(t, hnsw.ResultKeys(nil))
}

func BenchmarkFuseRRF(b *testing.B) {
	// Two retrievers returning 100 candidates each, half of them shared:
	// the usual shape of a hybrid query.
	rng := rand.New(rand.NewPCG(3, 4))
	vector := make([]uint64, 100)
	keyword := make([]uint64, 100)
	for i := range vector {
		vector[i] = uint64(rng.IntN(150))
		keyword[i] = uint64(rng.IntN(150))
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := hnsw.FuseRRF(hnsw.DefaultRRFK, vector, keyword); err != nil {
			b.Fatal(err)
		}
	}
}

// A hybrid query: the vector search and a keyword search (here a fixed
// ranking standing in for BM25 or PostgreSQL full-text search) are fused by
// rank. Document 4 is only third in each list, yet comes first once fused.
func ExampleFuseRRF() {
	ix, err := hnsw.New(hnsw.Config{Dim: 2})
	if err != nil {
		panic(err)
	}
	docs := map[uint64][]float32{1: {0, 0}, 2: {1, 0}, 3: {9, 9}, 4: {2, 0}, 5: {5, 5}}
	for key, vec := range docs {
		if err := ix.Add(key, vec); err != nil {
			panic(err)
		}
	}
	nearest, err := ix.Search([]float32{0, 0}, 3)
	if err != nil {
		panic(err)
	}
	keyword := []uint64{3, 5, 4} // best keyword matches first

	fused, err := hnsw.FuseRRF(hnsw.DefaultRRFK, hnsw.ResultKeys(nearest), keyword)
	if err != nil {
		panic(err)
	}
	for _, f := range fused {
		fmt.Printf("key %d  score %.4f  ranks %v\n", f.Key, f.Score, f.Ranks)
	}
	// Output:
	// key 4  score 0.0317  ranks [3 3]
	// key 1  score 0.0164  ranks [1 0]
	// key 3  score 0.0164  ranks [0 1]
	// key 2  score 0.0161  ranks [2 0]
	// key 5  score 0.0161  ranks [0 2]
}
