package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// byteModes lists the byte path's kernel choices to compare: the Go
// kernels always, and the default ones (the assembly, where it runs).
func byteModes() []bytePathMode {
	if byteVNNI {
		return []bytePathMode{byteForceGo, byteForce}
	}
	return []bytePathMode{byteForceGo}
}

// byteData returns integer data in [0, 255] with the cases that make ties
// and extremes: all-0 and all-255 rows, and duplicates of earlier rows at
// higher ids.
func byteData(seed uint64, n, dim int) *Matrix {
	r := rand.New(rand.NewPCG(seed, 99))
	m := NewMatrix(dim, n)
	for i := range n {
		row := make([]float32, dim)
		switch {
		case i == 1:
			// all 0
		case i == 2:
			for c := range row {
				row[c] = 255
			}
		case i > 4 && i%5 == 0:
			copy(row, m.Row(r.IntN(i)))
		default:
			levels := 1 + r.IntN(256) // small ranges tie more
			for c := range row {
				row[c] = float32(r.IntN(levels))
			}
		}
		if err := m.Append(row); err != nil {
			panic(err)
		}
	}
	return m
}

// TestBytePathMatchesFloatAndBruteForce compares the byte path (each
// kernel), the float path and the float64 brute force on integer data.
func TestBytePathMatchesFloatAndBruteForce(t *testing.T) {
	ctx := context.Background()
	var dims []int
	for d := 1; d <= 130; d++ {
		dims = append(dims, d)
	}
	dims = append(dims, 784, 1536)
	for _, dim := range dims {
		n := 90
		base := byteData(uint64(dim), n, dim)
		queries := byteData(uint64(dim)+1000, 6, dim)
		require.NoError(t, queries.Append(slices.Clone(base.Row(7)))) // a query equal to a row
		require.NoError(t, queries.Append(make([]float32, dim)))      // a zero query
		metrics := []Metric{L2, InnerProduct, Cosine}
		for _, metric := range metrics {
			for _, k := range []int{1, 10, n + 5} {
				if k != 10 && dim%7 != 0 && dim < 784 {
					continue // every dimension with k = 10; the others on a sample
				}
				want := bruteForce(base, queries, metric, k)
				msg := fmt.Sprintf("dim %d %v k=%d", dim, metric, k)
				float, err := GroundTruth(ctx, base, queries, metric, k, GroundTruthOptions{bytePath: byteOff, baseBlock: 37, queryChunk: 5})
				require.NoError(t, err)
				require.Equal(t, pathFloat, float.path)
				requireSameTruth(t, want, float, msg+" float path")
				requireSameBits := func(got *Truth, msg string) {
					t.Helper()
					for q := range float.Dists {
						for i, d := range float.Dists[q] {
							require.Equal(t, math.Float32bits(d), math.Float32bits(got.Dists[q][i]), "%s: bits of distance %d of query %d", msg, i, q)
						}
					}
				}
				for _, mode := range byteModes() {
					for workers := 1; workers <= 3; workers++ {
						got, err := GroundTruth(ctx, base, queries, metric, k, GroundTruthOptions{bytePath: mode, Workers: workers, baseBlock: 37, queryChunk: 5})
						require.NoError(t, err)
						require.Equal(t, pathByte, got.path, msg)
						requireSameTruth(t, want, got, fmt.Sprintf("%s byte mode %d workers %d", msg, mode, workers))
						requireSameBits(got, fmt.Sprintf("%s byte mode %d workers %d", msg, mode, workers))
					}
				}
			}
		}
	}
}

// TestBytePathDefaultBlocks runs the byte path with its own batch sizes on
// a base of several blocks and chunks of queries.
func TestBytePathDefaultBlocks(t *testing.T) {
	base := byteData(3, 1500, 200)
	queries := byteData(4, 30, 200)
	for _, metric := range []Metric{L2, InnerProduct, Cosine} {
		want := bruteForce(base, queries, metric, 20)
		for _, mode := range byteModes() {
			got, err := GroundTruth(context.Background(), base, queries, metric, 20, GroundTruthOptions{bytePath: mode})
			require.NoError(t, err)
			require.Equal(t, pathByte, got.path)
			requireSameTruth(t, want, got, fmt.Sprintf("%v mode %d", metric, mode))
		}
	}
}

// TestBytePathAuto checks that the default takes the byte path exactly
// when the VNNI kernel runs.
func TestBytePathAuto(t *testing.T) {
	base, queries := byteData(5, 100, 40), byteData(6, 3, 40)
	got, err := GroundTruth(context.Background(), base, queries, L2, 5, GroundTruthOptions{})
	require.NoError(t, err)
	if byteVNNI {
		require.Equal(t, pathByte, got.path)
	} else {
		require.Equal(t, pathFloat, got.path)
	}
	// L1 keeps the float path.
	got, err = GroundTruth(context.Background(), base, queries, L1, 5, GroundTruthOptions{bytePath: byteForce})
	require.NoError(t, err)
	require.Equal(t, pathFloat, got.path)
}

// TestBytePathFallback puts one value that is not an integer in [0, 255]
// in the base or the queries: the float path must answer, with the same
// result as when asked directly. −0 is an integer and keeps the byte path.
func TestBytePathFallback(t *testing.T) {
	ctx := context.Background()
	const n, dim = 300, 70
	bad := []float32{0.5, -1, 256, 255.5, 1e-7, float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 1e9}
	for _, mode := range byteModes() {
		for _, v := range bad {
			for _, where := range []string{"first row", "last row", "query"} {
				base, queries := byteData(7, n, dim), byteData(8, 5, dim)
				switch where {
				case "first row":
					base.Data[3] = v
				case "last row":
					base.Data[len(base.Data)-1] = v
				case "query":
					queries.Data[len(queries.Data)/2] = v
				}
				for _, metric := range []Metric{L2, InnerProduct, Cosine} {
					msg := fmt.Sprintf("mode %d value %v in %s, %v", mode, v, where, metric)
					want, err := GroundTruth(ctx, base, queries, metric, 10, GroundTruthOptions{bytePath: byteOff})
					require.NoError(t, err, msg)
					var mu sync.Mutex
					var reports []int64
					got, err := GroundTruth(ctx, base, queries, metric, 10, GroundTruthOptions{
						bytePath: mode, baseBlock: 64, Workers: 2,
						Progress: func(done, total int64) {
							mu.Lock()
							reports = append(reports, done)
							mu.Unlock()
						},
					})
					require.NoError(t, err, msg)
					require.Equal(t, pathFloat, got.path, msg)
					requireSameTruth(t, want, got, msg)
					require.True(t, slices.IsSorted(reports), "%s: progress went back: %v", msg, reports)
					require.Equal(t, int64(n*5), reports[len(reports)-1], msg)
				}
			}
		}
		// Negative zero is zero.
		base, queries := byteData(7, n, dim), byteData(8, 5, dim)
		base.Data[0], queries.Data[0] = float32(math.Copysign(0, -1)), float32(math.Copysign(0, -1))
		got, err := GroundTruth(ctx, base, queries, L2, 10, GroundTruthOptions{bytePath: mode})
		require.NoError(t, err)
		require.Equal(t, pathByte, got.path)
		requireSameTruth(t, bruteForce(base, queries, L2, 10), got, "negative zero")
	}
}

// TestBytePathExtremes runs the largest dimension the byte path takes with
// the values that make the largest keys, and one dimension more, which
// goes to the float path.
func TestBytePathExtremes(t *testing.T) {
	if testing.Short() {
		t.Skip("vectors of 32768 components; skipped in -short mode")
	}
	ctx := context.Background()
	for _, dim := range []int{byteMaxDim, byteMaxDim + 1} {
		base := NewMatrix(dim, 9)
		for i := range 9 {
			row := make([]float32, dim)
			for c := range row {
				row[c] = float32((i * 32) % 256)
			}
			if i == 8 {
				row[dim-1] = 255 // differs from row 0 in the last component only
			}
			require.NoError(t, base.Append(row))
		}
		queries := NewMatrix(dim, 2)
		require.NoError(t, queries.Append(make([]float32, dim)))
		full := make([]float32, dim)
		for c := range full {
			full[c] = 255
		}
		require.NoError(t, queries.Append(full))
		for _, metric := range []Metric{L2, InnerProduct, Cosine} {
			want := bruteForce(base, queries, metric, 5)
			for _, mode := range byteModes() {
				got, err := GroundTruth(ctx, base, queries, metric, 5, GroundTruthOptions{bytePath: mode})
				require.NoError(t, err)
				if dim <= byteMaxDim {
					require.Equal(t, pathByte, got.path)
				} else {
					require.Equal(t, pathFloat, got.path)
				}
				requireSameTruth(t, want, got, fmt.Sprintf("dim %d %v mode %d", dim, metric, mode))
			}
		}
	}
}

// TestBytePathTies checks the tie lists, capped and not, on data where
// almost everything ties.
// It runs at 24 components, where the segment-norm bound is off, and at
// 300, where it is on and the bound is often exactly at the threshold.
func TestBytePathTies(t *testing.T) {
	for _, dim := range []int{24, 300} {
		t.Run(fmt.Sprint(dim), func(t *testing.T) { testBytePathTies(t, dim) })
	}
}

func testBytePathTies(t *testing.T, dim int) {
	ctx := context.Background()
	base := intMatrix(11, 700, dim, 1)
	for i := range 200 {
		require.NoError(t, base.Append(slices.Clone(base.Row(i))))
	}
	queries := intMatrix(12, 7, dim, 1)
	for _, maxTies := range []int{0, 3, -1} {
		for _, metric := range []Metric{L2, InnerProduct, Cosine} {
			want, err := GroundTruth(ctx, base, queries, metric, 15, GroundTruthOptions{bytePath: byteOff, MaxTies: maxTies})
			require.NoError(t, err)
			if maxTies == 0 {
				requireSameTruth(t, bruteForce(base, queries, metric, 15), want, "float path")
			}
			for _, mode := range byteModes() {
				for _, workers := range []int{1, 2, 3} {
					got, err := GroundTruth(ctx, base, queries, metric, 15, GroundTruthOptions{bytePath: mode, MaxTies: maxTies, Workers: workers, baseBlock: 50})
					require.NoError(t, err)
					require.Equal(t, pathByte, got.path)
					requireSameTruth(t, want, got, fmt.Sprintf("maxTies %d %v mode %d workers %d", maxTies, metric, mode, workers))
				}
			}
		}
	}
}

// TestBytePathBound runs the byte path with and without its segment-norm
// bound on data made for the bound to rule out most rows (rows whose
// energy sits in different segments), with near-duplicates of the queries
// at every distance, against the float64 brute force. The larger base is
// large enough for the thresholds to be seeded from a sample.
func TestBytePathBound(t *testing.T) {
	for _, n := range []int{1200, 4 * byteSeedPieces * byteSeedPiece} {
		t.Run(fmt.Sprint(n), func(t *testing.T) { testBytePathBound(t, n) })
	}
}

func testBytePathBound(t *testing.T, n int) {
	ctx := context.Background()
	const dim, nq = 448, 9
	r := rand.New(rand.NewPCG(21, 22))
	base, queries := NewMatrix(dim, n), NewMatrix(dim, nq)
	row := func(seg int) []float32 {
		v := make([]float32, dim)
		for i := range v {
			if i/byteSegDims == seg {
				v[i] = float32(100 + r.IntN(156))
			} else {
				v[i] = float32(r.IntN(8))
			}
		}
		return v
	}
	for i := range nq {
		require.NoError(t, queries.Append(row(i%7)))
	}
	for i := range n {
		v := row(r.IntN(7))
		if i%10 == 0 {
			// A copy of a query with a few components moved by one, so
			// keys near the threshold come in many kinds and ties.
			v = slices.Clone(queries.Row(r.IntN(nq)))
			for range r.IntN(4) {
				c := r.IntN(dim)
				v[c] = max(0, v[c]-1)
			}
		}
		require.NoError(t, base.Append(v))
	}
	for _, metric := range []Metric{L2, InnerProduct} {
		for _, k := range []int{1, 10, 150} {
			want := bruteForce(base, queries, metric, k)
			for _, mode := range byteModes() {
				for _, noBound := range []bool{false, true} {
					for _, workers := range []int{1, 3} {
						got, err := GroundTruth(ctx, base, queries, metric, k, GroundTruthOptions{
							bytePath: mode, byteNoBound: noBound, Workers: workers, baseBlock: 60, queryChunk: 8})
						require.NoError(t, err)
						require.Equal(t, pathByte, got.path)
						requireSameTruth(t, want, got, fmt.Sprintf("%v k=%d mode %d no bound %v workers %d", metric, k, mode, noBound, workers))
					}
				}
			}
		}
	}
}

// TestBytePathCancel checks that cancelling stops the byte path.
func TestBytePathCancel(t *testing.T) {
	base, queries := byteData(13, 2000, 64), byteData(14, 40, 64)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, mode := range byteModes() {
		_, err := GroundTruth(ctx, base, queries, L2, 10, GroundTruthOptions{bytePath: mode, baseBlock: 16})
		require.True(t, errors.Is(err, context.Canceled), "mode %d: %v", mode, err)
	}
}

// TestSelectByteCand checks the selection against a sort, on sizes around
// the insertion-sort cut-over and on ordered and reversed input.
func TestSelectByteCand(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	for _, size := range []int{1, 2, 15, 16, 17, 100, 201, 1000} {
		for order := range 3 {
			b := make([]byteCand, size)
			for i := range b {
				b[i] = newByteCand(int32(r.IntN(50)-25), int32(i)) // many equal keys, distinct ids
			}
			switch order {
			case 1:
				slices.Sort(b)
			case 2:
				slices.Sort(b)
				slices.Reverse(b)
			}
			want := slices.Sorted(slices.Values(b))
			for _, n := range []int{0, size / 2, size - 1} {
				c := slices.Clone(b)
				selectByteCand(c, n)
				require.Equal(t, want[n], c[n], "size %d order %d n %d", size, order, n)
				for i := range c {
					if i < n {
						require.Less(t, c[i], c[n])
					} else if i > n {
						require.Greater(t, c[i], c[n])
					}
				}
			}
		}
	}
}
