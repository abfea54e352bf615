package bench

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// testVectors returns vectors that stress the pooled bounds: random values,
// large offsets with small differences (ρ² cancels badly), vectors constant
// on each group of 4 or 16 (ρ = 0), zero vectors, integers, and special
// values.
func testVectors(rng *rand.Rand, dim int) [][]float32 {
	var vs [][]float32
	add := func(f func(i int) float32) {
		v := make([]float32, dim)
		for i := range v {
			v[i] = f(i)
		}
		vs = append(vs, v)
	}
	for range 6 {
		add(func(int) float32 { return rng.Float32()*2 - 1 })
		add(func(int) float32 { return 3000 + rng.Float32()*0.01 })
		add(func(int) float32 { return float32(rng.IntN(256)) })
	}
	for _, g := range []int{4, 16} {
		c := make([]float32, dim/g+1)
		for i := range c {
			c[i] = rng.Float32() * 100
		}
		add(func(i int) float32 { return c[i/g] })
		add(func(i int) float32 { return c[i/g] + rng.Float32()*1e-4 })
	}
	add(func(int) float32 { return 0 })
	add(func(i int) float32 { return float32(i) * 1e-30 })
	return vs
}

// TestPoolBlocksMatchesGeneric: the assembly pooling loop writes the same
// group sums as the Go loop (in its own order for the fine sums, the same
// order for the coarse ones) and the same norms up to summation order.
func TestPoolBlocksMatchesGeneric(t *testing.T) {
	rng := rand.New(rand.NewPCG(71, 72))
	for blocks := range 9 {
		x := make([]float32, 16*blocks)
		for i := range x {
			x[i] = rng.Float32()*200 - 100
		}
		fa, ca := make([]float32, 4*blocks), make([]float32, blocks)
		fb, cb := make([]float32, 4*blocks), make([]float32, blocks)
		xa, ffa, cca := poolBlocks(x, blocks, fa, ca, nil)
		xb, ffb, ccb := poolBlocksGeneric(x, blocks, fb, cb, nil)
		require.Equal(t, cb, ca, "coarse, %d blocks", blocks)
		slices.Sort(fa)
		slices.Sort(fb)
		require.Equal(t, fb, fa, "fine, %d blocks", blocks)
		for _, p := range [][2]float32{{xa, xb}, {ffa, ffb}, {cca, ccb}} {
			require.InDelta(t, float64(p[1]), float64(p[0]), 1e-5*float64(p[1])+1e-30, "%d blocks", blocks)
		}
	}
}

// TestExactL2MatchesGeneric: the assembly exact L2 returns exactly the Go
// loop's bits, special values included.
func TestExactL2MatchesGeneric(t *testing.T) {
	rng := rand.New(rand.NewPCG(73, 74))
	specials := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0x1p-149, -0x1p-149, 3e38, -3e38, 0}
	for n := range 70 {
		for rep := range 4 {
			a, b := make([]float32, n), make([]float32, n+rep)
			for i := range a {
				a[i] = float32(math.Ldexp(rng.Float64()*2-1, rng.IntN(60)-30))
				b[i] = float32(math.Ldexp(rng.Float64()*2-1, rng.IntN(60)-30))
			}
			if rep == 3 && n > 0 {
				a[rng.IntN(n)] = specials[rng.IntN(len(specials))]
				b[rng.IntN(n)] = specials[rng.IntN(len(specials))]
			}
			want, got := exactL2Generic(a, b), exactL2(a, b)
			require.True(t, math.Float64bits(want) == math.Float64bits(got) || (math.IsNaN(want) && math.IsNaN(got)),
				"n=%d: %v vs %v", n, got, want)
		}
	}
}

// TestPooledBoundsAreLowerBounds checks the pruning rule itself: for every
// pair of test vectors, the float32 squared distance of the augmented
// vectors, less the stated errors, never exceeds the exact distance; so
// pooledThreshold never discards a vector within the bound.
func TestPooledBoundsAreLowerBounds(t *testing.T) {
	rng := rand.New(rand.NewPCG(75, 76))
	for _, dim := range []int{64, 65, 70, 79, 80, 100, 128, 130, 784, 1000} {
		levels := poolLevels(dim)
		require.Len(t, levels, 2)
		vs := testVectors(rng, dim)
		type pooled struct {
			aug  [2][]float32
			errs [2]float64
		}
		ps := make([]pooled, len(vs))
		for i, v := range vs {
			c, f := make([]float32, levels[0].stride), make([]float32, levels[1].stride)
			_, ps[i].errs = pooledVec(levels, v, c, f, make([]float32, dim/16+1), nil)
			ps[i].aug = [2][]float32{c, f}
		}
		for i := range vs {
			for k := range vs {
				exact := math.Sqrt(exactL2Generic(vs[i], vs[k]))
				for li, l := range levels {
					var lb float64
					for c := range l.stride {
						d := float64(ps[i].aug[li][c]) - float64(ps[k].aug[li][c])
						lb += d * d
					}
					e := ps[i].errs[li] + ps[k].errs[li]
					require.LessOrEqual(t, math.Sqrt(lb)-e, exact*(1+1e-12)+1e-30,
						"dim %d level %d vectors %d, %d", dim, li, i, k)
					// The rule as used: a vector at exactly the bound passes.
					thr := pooledThreshold(exact*exact, e, float64(l.stride+4)*u)
					require.LessOrEqual(t, float32(lb), thr, "dim %d level %d vectors %d, %d", dim, li, i, k)
				}
			}
		}
	}
}

// TestPooledVecSpecialValues: a vector with a NaN or infinite component
// gets zero errors (its own bounds are not finite), a finite vector whose
// squares overflow float32 gets infinite ones (no pruning against it).
func TestPooledVecSpecialValues(t *testing.T) {
	levels := poolLevels(100)
	c, f := make([]float32, levels[0].stride), make([]float32, levels[1].stride)
	v := make([]float32, 100)
	v[7] = float32(math.NaN())
	_, errs := pooledVec(levels, v, c, f, make([]float32, 7), nil)
	require.Equal(t, [2]float64{}, errs)
	v[7] = float32(math.Inf(-1))
	_, errs = pooledVec(levels, v, c, f, make([]float32, 7), nil)
	require.Equal(t, [2]float64{}, errs)
	v[7] = 1e30
	_, errs = pooledVec(levels, v, c, f, make([]float32, 7), nil)
	require.True(t, math.IsInf(errs[0], 1) && math.IsInf(errs[1], 1))
}

// TestFilter2MatchesGeneric: the assembly filter keeps exactly the rows the
// Go loop keeps, NaN bounds and infinite thresholds included, at every
// length around its 16-row steps.
func TestFilter2MatchesGeneric(t *testing.T) {
	rng := rand.New(rand.NewPCG(77, 78))
	nan := float32(math.NaN())
	for n := range 70 {
		l0, l1 := make([]float32, n), make([]float32, n)
		for i := range l0 {
			l0[i], l1[i] = rng.Float32(), rng.Float32()
			if rng.IntN(9) == 0 {
				l0[i] = nan
			}
		}
		for _, th := range [][2]float32{{0.3, 0.6}, {-1, 0.5}, {float32(math.Inf(1)), -1}, {float32(math.Inf(-1)), float32(math.Inf(-1))}, {nan, 0.2}} {
			want, got := make([]uint32, n+16), make([]uint32, n+16)
			k := filter2Generic(l0, l1, th[0], th[1], want)
			require.Equal(t, k, filter2(l0, l1, th[0], th[1], got), "n=%d thresholds %v", n, th)
			require.Equal(t, want[:k], got[:k], "n=%d thresholds %v", n, th)
		}
	}
}
