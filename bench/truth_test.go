package bench

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bruteForce is the reference: every distance in float64, a full sort by
// (distance, id) with NaN last, the first k, and the ids tied with the k-th.
func bruteForce(base, queries *Matrix, metric Metric, k int) *Truth {
	k = min(k, base.Len())
	t := &Truth{K: k, Metric: metric}
	type pair struct {
		d  float64
		id int32
	}
	for qi := range queries.Len() {
		all := make([]pair, base.Len())
		for i := range all {
			all[i] = pair{ExactDistance(metric, queries.Row(qi), base.Row(i)), int32(i)}
		}
		slices.SortFunc(all, func(a, b pair) int {
			an, bn := math.IsNaN(a.d), math.IsNaN(b.d)
			switch {
			case an && bn:
			case an:
				return 1
			case bn:
				return -1
			case a.d != b.d:
				return cmp.Compare(a.d, b.d)
			}
			return cmp.Compare(a.id, b.id)
		})
		ids := make([]int32, k)
		dists := make([]float32, k)
		for i := range k {
			ids[i], dists[i] = all[i].id, float32(all[i].d)
		}
		var ties []int32
		for _, p := range all[k:] {
			if p.d != all[k-1].d || len(ties) >= defaultMaxTies {
				break
			}
			ties = append(ties, p.id)
		}
		t.IDs = append(t.IDs, ids)
		t.Dists = append(t.Dists, dists)
		t.Ties = append(t.Ties, ties)
	}
	return t
}

func requireSameTruth(t *testing.T, want, got *Truth, msg string) {
	t.Helper()
	require.Equal(t, want.K, got.K, msg)
	require.Equal(t, len(want.IDs), len(got.IDs), msg)
	for q := range want.IDs {
		require.Equal(t, want.IDs[q], got.IDs[q], "%s: ids of query %d", msg, q)
		for i := range want.Dists[q] {
			w, g := want.Dists[q][i], got.Dists[q][i]
			if !(math.IsNaN(float64(w)) && math.IsNaN(float64(g))) {
				require.Equal(t, w, g, "%s: distance %d of query %d", msg, i, q)
			}
		}
		require.Equal(t, want.Ties[q], got.Ties[q], "%s: ties of query %d", msg, q)
	}
}

func TestGroundTruthMatchesBruteForce(t *testing.T) {
	ctx := context.Background()
	for _, dim := range []int{1, 3, 17, 64, 130, 300, 784} {
		n := 600
		if testing.Short() && dim > 300 {
			n = 200
		}
		base := randMatrix(uint64(dim), n, dim)
		queries := randMatrix(uint64(dim)+100, 13, dim)
		for _, metric := range []Metric{L2, InnerProduct, Cosine, L1} {
			for _, k := range []int{1, 10} {
				want := bruteForce(base, queries, metric, k)
				got, err := GroundTruth(ctx, base, queries, metric, k, GroundTruthOptions{baseBlock: 37, queryChunk: 5, Workers: 3})
				require.NoError(t, err)
				requireSameTruth(t, want, got, fmt.Sprintf("dim %d %v k=%d", dim, metric, k))
			}
		}
	}
}

func TestGroundTruthTies(t *testing.T) {
	// Small integers: distances tie all the time, so order among equals,
	// the ties list and the float32-vs-exact margins all get exercised.
	ctx := context.Background()
	for _, dim := range []int{4, 128, 200} {
		base := intMatrix(uint64(dim), 900, dim, 2)
		// Exact duplicates of rows, at higher ids.
		for i := range 50 {
			require.NoError(t, base.Append(slices.Clone(base.Row(i*3))))
		}
		queries := intMatrix(uint64(dim)+1, 9, dim, 2)
		require.NoError(t, queries.Append(slices.Clone(base.Row(3)))) // a query equal to a base row
		for _, metric := range []Metric{L2, InnerProduct, Cosine, L1} {
			want := bruteForce(base, queries, metric, 10)
			for _, workers := range []int{1, 4} {
				got, err := GroundTruth(ctx, base, queries, metric, 10, GroundTruthOptions{Workers: workers, baseBlock: 64})
				require.NoError(t, err)
				requireSameTruth(t, want, got, fmt.Sprintf("dim %d %v workers %d", dim, metric, workers))
			}
		}
	}
}

func TestGroundTruthEdgeCases(t *testing.T) {
	ctx := context.Background()
	base := randMatrix(5, 7, 8)
	queries := randMatrix(6, 3, 8)

	// k beyond the base: every row, in order.
	got, err := GroundTruth(ctx, base, queries, L2, 100, GroundTruthOptions{})
	require.NoError(t, err)
	assert.Equal(t, 7, got.K)
	requireSameTruth(t, bruteForce(base, queries, L2, 7), got, "k > n")

	// Cosine with zero vectors: NaN distances, ranked last by id.
	z := base.Clone()
	clear(z.Row(2))
	clear(z.Row(5))
	got, err = GroundTruth(ctx, z, queries, Cosine, 7, GroundTruthOptions{})
	require.NoError(t, err)
	for q := range got.IDs {
		assert.Equal(t, []int32{2, 5}, got.IDs[q][5:])
		assert.True(t, math.IsNaN(float64(got.Dists[q][6])))
	}

	// No queries: an empty truth.
	got, err = GroundTruth(ctx, base, &Matrix{Dim: 8}, L2, 3, GroundTruthOptions{})
	require.NoError(t, err)
	assert.Equal(t, 0, got.Len())

	// Bad calls.
	_, err = GroundTruth(ctx, base, randMatrix(1, 2, 9), L2, 3, GroundTruthOptions{})
	assert.ErrorIs(t, err, ErrDimension)
	_, err = GroundTruth(ctx, base, queries, L2, 0, GroundTruthOptions{})
	assert.Error(t, err)
	_, err = GroundTruth(ctx, &Matrix{Dim: 8}, queries, L2, 1, GroundTruthOptions{})
	assert.Error(t, err)
	_, err = GroundTruth(ctx, base, queries, Hamming, 1, GroundTruthOptions{})
	assert.Error(t, err)
	_, err = GroundTruth(ctx, nil, queries, L2, 1, GroundTruthOptions{})
	assert.Error(t, err)

	// MaxTies < 0 records none.
	ib := intMatrix(1, 300, 4, 1)
	got, err = GroundTruth(ctx, ib, intMatrix(2, 2, 4, 1), L2, 3, GroundTruthOptions{MaxTies: -1})
	require.NoError(t, err)
	for _, ties := range got.Ties {
		assert.Empty(t, ties)
	}
}

func TestGroundTruthCancelAndProgress(t *testing.T) {
	base := randMatrix(1, 3000, 32)
	queries := randMatrix(2, 50, 32)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := GroundTruth(ctx, base, queries, L2, 10, GroundTruthOptions{})
	assert.ErrorIs(t, err, context.Canceled)

	var calls atomic.Int64
	var last, lastTotal int64
	_, err = GroundTruth(context.Background(), base, queries, L2, 10, GroundTruthOptions{
		Progress: func(done, total int64) {
			calls.Add(1)
			assert.LessOrEqual(t, done, total)
			last, lastTotal = done, total
		},
	})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, calls.Load(), int64(1))
	assert.Equal(t, int64(3000*50), lastTotal)
	assert.Equal(t, lastTotal, last, "the final report says everything is done")
}

func TestGroundTruthCache(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "cache")
	base := intMatrix(1, 500, 16, 3)
	queries := intMatrix(2, 11, 16, 3)
	opts := GroundTruthOptions{CacheDir: dir}
	first, err := GroundTruth(ctx, base, queries, L2, 10, opts)
	require.NoError(t, err)
	key := TruthCacheKey(base, queries, L2, 10)
	ids, dists, ties := cachePaths(dir, key)
	for _, p := range []string{ids, dists, ties} {
		require.FileExists(t, p)
	}
	second, err := GroundTruth(ctx, base, queries, L2, 10, opts)
	require.NoError(t, err)
	requireSameTruth(t, first, second, "from cache")
	assert.False(t, first.Cached)
	assert.True(t, second.Cached)

	// The key depends on everything that changes the answer.
	assert.NotEqual(t, key, TruthCacheKey(base, queries, L1, 10))
	assert.NotEqual(t, key, TruthCacheKey(base, queries, L2, 9))
	other := base.Clone()
	other.Data[77]++
	assert.NotEqual(t, key, TruthCacheKey(other, queries, L2, 10))
	assert.NotEqual(t, key, TruthCacheKey(&Matrix{Dim: 8, Data: base.Data}, queries, L2, 10))

	// A damaged cache entry is recomputed, not trusted.
	require.NoError(t, os.WriteFile(ids, []byte{1, 2, 3}, 0o644))
	third, err := GroundTruth(ctx, base, queries, L2, 10, opts)
	require.NoError(t, err)
	requireSameTruth(t, first, third, "after damage")

	// An unwritable cache still returns the truth, with ErrCacheWrite.
	blocker := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(blocker, nil, 0o644))
	got, err := GroundTruth(ctx, base, queries, L2, 10, GroundTruthOptions{CacheDir: filepath.Join(blocker, "sub")})
	assert.ErrorIs(t, err, ErrCacheWrite)
	require.NotNil(t, got)
	requireSameTruth(t, first, got, "uncached")
}

func TestSaveLoadTruth(t *testing.T) {
	base := randMatrix(1, 100, 8)
	queries := randMatrix(2, 5, 8)
	tr, err := GroundTruth(context.Background(), base, queries, InnerProduct, 4, GroundTruthOptions{})
	require.NoError(t, err)
	dir := t.TempDir()
	ids, dists := filepath.Join(dir, "gt.ivecs"), filepath.Join(dir, "gt.fvecs.gz")
	require.NoError(t, SaveTruth(ids, dists, tr))
	back, err := LoadTruth(ids, dists, InnerProduct)
	require.NoError(t, err)
	assert.Equal(t, tr.IDs, back.IDs)
	assert.Equal(t, tr.Dists, back.Dists)
	idsOnly, err := LoadTruth(ids, "", InnerProduct)
	require.NoError(t, err)
	assert.Nil(t, idsOnly.Dists)
	assert.Equal(t, 4, idsOnly.K)
	// Mismatched files are refused.
	require.NoError(t, SaveIvecs(ids, tr.IDs[:3]))
	_, err = LoadTruth(ids, dists, InnerProduct)
	assert.Error(t, err)
}

func TestGroundTruthHamming(t *testing.T) {
	rows := func(seed uint64, n, words int) [][]uint64 {
		m := intMatrix(seed, n, words*2, 1<<16-1)
		out := make([][]uint64, n)
		for i := range out {
			out[i] = make([]uint64, words)
			for w := range words {
				// Few distinct bits: lots of equal distances.
				out[i][w] = uint64(m.Row(i)[2*w]) & 0x0f0f
			}
		}
		return out
	}
	base, queries := rows(1, 700, 3), rows(2, 9, 3)
	got, err := GroundTruthHamming(context.Background(), base, queries, 10, GroundTruthOptions{Workers: 3})
	require.NoError(t, err)
	for q, qv := range queries {
		type pair struct{ d, id int }
		all := make([]pair, len(base))
		for i, b := range base {
			d := 0
			for w := range qv {
				d += popcount(qv[w] ^ b[w])
			}
			all[i] = pair{d, i}
		}
		slices.SortFunc(all, func(a, b pair) int { return cmp.Or(cmp.Compare(a.d, b.d), cmp.Compare(a.id, b.id)) })
		for i := range 10 {
			require.Equal(t, int32(all[i].id), got.IDs[q][i])
			require.Equal(t, float32(all[i].d), got.Dists[q][i])
		}
		var ties []int32
		for _, p := range all[10:] {
			if p.d != all[9].d {
				break
			}
			ties = append(ties, int32(p.id))
		}
		require.Equal(t, ties, got.Ties[q], "query %d", q)
	}
	_, err = GroundTruthHamming(context.Background(), base, [][]uint64{{1}}, 10, GroundTruthOptions{})
	assert.ErrorIs(t, err, ErrDimension)
}

func popcount(x uint64) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}

func TestSIFTSmallGroundTruth(t *testing.T) {
	base, queries, shipped, err := SIFTSmall()
	require.NoError(t, err)
	tr, err := GroundTruth(context.Background(), base, queries, L2, 100, GroundTruthOptions{})
	require.NoError(t, err)
	mismatchedIDs := 0
	for q := range shipped {
		// Distances equal: the shipped ids' distances, sorted, are ours.
		for i, id := range shipped[q] {
			d := float32(ExactDistance(L2, queries.Row(q), base.Row(int(id))))
			require.Equal(t, tr.Dists[q][i], d, "query %d rank %d", q, i)
		}
		// Ids equal up to ties: where they differ, the distance is shared.
		for i := range shipped[q] {
			if shipped[q][i] != tr.IDs[q][i] {
				mismatchedIDs++
				j := slices.Index(tr.IDs[q], shipped[q][i])
				inTies := slices.Contains(tr.Ties[q], shipped[q][i])
				require.True(t, j >= 0 || inTies, "query %d: shipped id %d missing", q, shipped[q][i])
			}
		}
	}
	t.Logf("siftsmall: distances equal for all 100×100; %d id positions differ only in the order of ties", mismatchedIDs)
}

func TestErrorsAreTyped(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "x.unknown"))
	assert.True(t, errors.Is(err, ErrUnsupported))
}

func TestGroundTruthConcurrentCalls(t *testing.T) {
	// Base and queries are only read: several computations may share them.
	base := randMatrix(1, 2000, 64)
	queries := randMatrix(2, 20, 64)
	want := bruteForce(base, queries, L2, 5)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			got, err := GroundTruth(context.Background(), base, queries, L2, 5, GroundTruthOptions{Workers: 2})
			if err == nil {
				for q := range want.IDs {
					if !slices.Equal(want.IDs[q], got.IDs[q]) {
						err = fmt.Errorf("query %d differs", q)
						break
					}
				}
			}
			errs <- err
		}()
	}
	for range 4 {
		require.NoError(t, <-errs)
	}
}

func TestGroundTruthLargeOffsets(t *testing.T) {
	// Values far from zero with small differences: float32 sums cancel
	// badly, which the pooled bounds and the selection margins must absorb.
	for _, dim := range []int{96, 256, 784} {
		base := randMatrix(uint64(dim), 400, dim)
		queries := randMatrix(uint64(dim)+1, 6, dim)
		for _, m := range []*Matrix{base, queries} {
			for i := range m.Data {
				m.Data[i] = 3000 + m.Data[i]*0.01
			}
		}
		// Near-duplicates of the queries, a few ulps away.
		for q := range queries.Len() {
			v := slices.Clone(queries.Row(q))
			v[q] = math.Nextafter32(v[q], 1e9)
			require.NoError(t, base.Append(v))
		}
		for _, metric := range []Metric{L2, InnerProduct, Cosine, L1} {
			want := bruteForce(base, queries, metric, 10)
			got, err := GroundTruth(context.Background(), base, queries, metric, 10, GroundTruthOptions{baseBlock: 50})
			require.NoError(t, err)
			requireSameTruth(t, want, got, fmt.Sprintf("dim %d %v", dim, metric))
		}
	}
}

func TestGroundTruthExactTiesThatFloat32Misorders(t *testing.T) {
	// Rows that are permutations of one vector are exactly equidistant from
	// a constant query under every metric, but float32 sums them in
	// different orders and gets different roundings. Only the exact re-rank
	// (and the margins that keep such candidates) order them by id.
	for _, dim := range []int{40, 300} {
		r := randMatrix(uint64(dim), 1, dim)
		proto := r.Row(0)
		for i := range proto {
			proto[i] = proto[i]*1000 + 1000.123
		}
		base := NewMatrix(dim, 0)
		shuffled := randMatrix(uint64(dim)+5, 200, dim) // also a source of permutations
		for p := range 200 {
			v := slices.Clone(proto)
			keys := shuffled.Row(p)
			idx := make([]int, dim)
			for i := range idx {
				idx[i] = i
			}
			slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(keys[a], keys[b]) })
			for i, j := range idx {
				v[i] = proto[j]
			}
			require.NoError(t, base.Append(v))
		}
		// Decoys far away, so the permutations are the nearest group.
		decoys := randMatrix(uint64(dim)+9, 100, dim)
		for i := range decoys.Len() {
			v := decoys.Row(i)
			for j := range v {
				v[j] = v[j]*10 + 5000
			}
			require.NoError(t, base.Append(v))
		}
		q := NewMatrix(dim, 1)
		c := make([]float32, dim)
		for i := range c {
			c[i] = 7.25
		}
		require.NoError(t, q.Append(c))
		for _, metric := range []Metric{L2, InnerProduct, Cosine, L1} {
			want := bruteForce(base, q, metric, 10)
			got, err := GroundTruth(context.Background(), base, q, metric, 10, GroundTruthOptions{baseBlock: 16})
			require.NoError(t, err)
			requireSameTruth(t, want, got, fmt.Sprintf("dim %d %v", dim, metric))
		}
	}
}

// TestGroundTruthInfiniteRowZeroQuery: a zero query's inner products with
// a row holding +Inf are NaN (0·∞); that must not turn the rounding margin
// into NaN, which let whichever rows were offered first win.
func TestGroundTruthInfiniteRowZeroQuery(t *testing.T) {
	base := intMatrix(21, 300, 70, 9)
	base.Data[3] = float32(math.Inf(1))
	queries := NewMatrix(70, 1)
	require.NoError(t, queries.Append(make([]float32, 70)))
	want := bruteForce(base, queries, InnerProduct, 10)
	for range 20 {
		got, err := GroundTruth(context.Background(), base, queries, InnerProduct, 10, GroundTruthOptions{baseBlock: 64, Workers: 2})
		require.NoError(t, err)
		requireSameTruth(t, want, got, "zero query, infinite row")
	}
}
