package bench

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// smoothMatrix returns n vectors that look like signals or images: random
// walks around a few cluster centres. Neighbouring components are
// correlated, so the pooled bounds are tight and prune most of the base,
// which is the path uniform random data hardly takes.
func smoothMatrix(seed uint64, n, dim int) *Matrix {
	r := rand.New(rand.NewPCG(seed, 13))
	centres := make([][]float32, 5)
	for c := range centres {
		v := make([]float32, dim)
		var x float32
		for i := range v {
			x += r.Float32()*2 - 1
			v[i] = x * 10
		}
		centres[c] = v
	}
	m := NewMatrix(dim, n)
	for range n {
		c := centres[r.IntN(len(centres))]
		var walk float32
		for i := range dim {
			walk += r.Float32() - 0.5
			m.Data = append(m.Data, c[i]+walk+r.Float32()*0.5)
		}
	}
	return m
}

// TestPooledScanMatchesBruteForce checks the L2 scan (pooled bounds, block
// and panel kernels, shared heaps) against the float64 brute force on data
// where it prunes, at dimensions around the pooling groups, with chunk,
// block and worker counts that leave short last tiles, blocks and panels.
func TestPooledScanMatchesBruteForce(t *testing.T) {
	ctx := context.Background()
	dims := []int{64, 65, 100, 127, 128, 200, 784, 1000}
	if testing.Short() {
		dims = []int{65, 128, 784}
	}
	for _, dim := range dims {
		base := smoothMatrix(uint64(dim), 700, dim)
		queries := smoothMatrix(uint64(dim)+1, 11, dim)
		// Exact duplicates, and a query equal to a base row.
		for i := range 20 {
			require.NoError(t, base.Append(slices.Clone(base.Row(i*7))))
		}
		require.NoError(t, queries.Append(slices.Clone(base.Row(5))))
		for _, k := range []int{1, 10, 60} {
			want := bruteForce(base, queries, L2, k)
			for _, o := range []GroundTruthOptions{
				{},
				{Workers: 1, baseBlock: 16, queryChunk: 3},
				{Workers: 3, baseBlock: 37, queryChunk: 5},
				{Workers: 2, baseBlock: 200},
			} {
				got, err := GroundTruth(ctx, base, queries, L2, k, o)
				require.NoError(t, err)
				requireSameTruth(t, want, got, fmt.Sprintf("dim %d k=%d opts %+v", dim, k, o))
			}
		}
	}
}

// TestPooledScanSpecialValues: rows and queries with NaN or infinite
// components, zero vectors, and finite vectors whose squares overflow
// float32 (their bounds are useless, so nothing may be pruned against them)
// must give the brute-force answer.
func TestPooledScanSpecialValues(t *testing.T) {
	const dim = 100
	base := smoothMatrix(5, 300, dim)
	queries := smoothMatrix(6, 5, dim)
	row := func(f func(i int) float32) []float32 {
		v := make([]float32, dim)
		for i := range v {
			v[i] = f(i)
		}
		return v
	}
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	huge := row(func(i int) float32 { return 3e18 + float32(i)*1e13 })
	require.NoError(t, base.Append(row(func(i int) float32 { return float32(i%3) * nan })))
	require.NoError(t, base.Append(row(func(i int) float32 { return float32(i) })))
	base.Row(base.Len() - 1)[40] = -inf
	require.NoError(t, base.Append(row(func(int) float32 { return 0 })))
	// A cluster of rows whose squares overflow, far from everything else
	// but at finite float32 distances from each other and from a query
	// among them, its nearest neighbour last.
	r := rand.New(rand.NewPCG(7, 8))
	for range 40 {
		require.NoError(t, base.Append(row(func(i int) float32 { return huge[i] + (r.Float32()-0.5)*1e16 })))
	}
	require.NoError(t, base.Append(huge))
	require.NoError(t, base.Append(row(func(i int) float32 { return huge[i] + 2e13 })))
	require.NoError(t, queries.Append(row(func(i int) float32 { return huge[i] + 5e12 })))
	require.NoError(t, queries.Append(row(func(i int) float32 { return float32(i) * 0.1 })))
	queries.Row(queries.Len() - 1)[7] = nan
	require.NoError(t, queries.Append(row(func(int) float32 { return 0 })))
	for _, k := range []int{1, 4, 30} {
		want := bruteForce(base, queries, L2, k)
		for _, o := range []GroundTruthOptions{{Workers: 1, baseBlock: 16}, {Workers: 1, baseBlock: 16, queryChunk: 1}, {Workers: 2}} {
			got, err := GroundTruth(context.Background(), base, queries, L2, k, o)
			require.NoError(t, err)
			requireSameTruth(t, want, got, fmt.Sprintf("k=%d opts %+v", k, o))
		}
	}
}
