package distance

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// allTiers returns the kernels of every tier this CPU and build can run.
func allTiers(t testing.TB) []*Kernels {
	t.Helper()
	var out []*Kernels
	for _, isa := range Supported() {
		k, err := For(isa)
		require.NoError(t, err)
		require.Equal(t, isa, k.ISA)
		out = append(out, k)
	}
	return out
}

// testLengths are the vector lengths every kernel is checked at: every
// length through 130 covers every path of every tier's loop structure (main
// loops of 64 and 128 floats, each number of whole blocks after them, each
// tail length), and the larger ones are the sizes embeddings come in.
func testLengths() []int {
	var ls []int
	for n := 0; n <= 130; n++ {
		ls = append(ls, n)
	}
	return append(ls, 384, 768, 1536, 2000)
}

// randomFloats fills a buffer with values of mixed sign and magnitude: a
// uniform mantissa scaled by 2^k for k in [−8, 8], so sums cancel and the
// error bound is exercised on more than unit-range data.
func randomFloats(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		x := rng.Float64()*2 - 1
		v[i] = float32(math.Ldexp(x, rng.IntN(17)-8))
	}
	return v
}

func randomWords(rng *rand.Rand, n int) []uint64 {
	v := make([]uint64, n)
	for i := range v {
		switch rng.IntN(4) {
		case 0:
			v[i] = 0
		case 1:
			v[i] = ^uint64(0)
		default:
			v[i] = rng.Uint64()
		}
	}
	return v
}

// checkFloat asserts that got is within the reference's bound, or that both
// are NaN.
func checkFloat(t *testing.T, got float32, ref refResult, msg string) {
	t.Helper()
	if math.IsNaN(ref.val) || math.IsNaN(float64(got)) {
		if math.IsNaN(ref.val) != math.IsNaN(float64(got)) {
			t.Errorf("%s: got %v, reference %v", msg, got, ref.val)
		}
		return
	}
	diff := math.Abs(float64(got) - ref.val)
	if !(diff <= ref.bound) {
		t.Errorf("%s: got %v, reference %v, |diff| %g > bound %g", msg, got, ref.val, diff, ref.bound)
	}
}

// TestFloatKernelsMatchReference checks every float kernel of every tier
// against the float64 reference, for every length in testLengths, with each
// operand starting at element 0–3 of a larger buffer (so the SIMD tiers see
// every misalignment relative to 16 bytes, and a and b are misaligned
// differently).
func TestFloatKernelsMatchReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, k := range allTiers(t) {
		for _, fk := range floatKernels {
			kernel := fk.get(k)
			t.Run(k.ISA.String()+"/"+fk.name, func(t *testing.T) {
				for _, n := range testLengths() {
					bufA := randomFloats(rng, n+4)
					bufB := randomFloats(rng, n+4)
					for off := range 4 {
						a := bufA[off : off+n]
						b := bufB[3-off : 3-off+n]
						checkFloat(t, kernel(a, b), fk.ref(a, b), fmt.Sprintf("n=%d off=%d", n, off))
					}
				}
			})
		}
	}
}

// TestFloatKernelsExtremeScales runs the kernels on vectors whose elements
// are all very large or all very small (products in the subnormal range),
// where the bound's absolute term matters.
func TestFloatKernelsExtremeScales(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, scale := range []int{-75, -70, 40, 55} {
		for _, k := range allTiers(t) {
			for _, fk := range floatKernels {
				if fk.name == "Cosine" && scale < -60 {
					continue // the norms underflow; see TestCosineSpecialCases
				}
				kernel := fk.get(k)
				for _, n := range []int{1, 7, 16, 33, 100, 768} {
					a, b := make([]float32, n), make([]float32, n)
					for i := range a {
						a[i] = float32(math.Ldexp(rng.Float64()*2-1, scale))
						b[i] = float32(math.Ldexp(rng.Float64()*2-1, scale))
					}
					checkFloat(t, kernel(a, b), fk.ref(a, b),
						fmt.Sprintf("%s/%s scale=2^%d n=%d", k.ISA, fk.name, scale, n))
				}
			}
		}
	}
}

// TestBitKernelsMatchReference checks Hamming and Jaccard exactly.
func TestBitKernelsMatchReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, k := range allTiers(t) {
		t.Run(k.ISA.String(), func(t *testing.T) {
			for _, n := range testLengths() {
				bufA := randomWords(rng, n+4)
				bufB := randomWords(rng, n+4)
				for off := range 4 {
					a := bufA[off : off+n]
					b := bufB[3-off : 3-off+n]
					require.Equal(t, refHamming(a, b), k.Hamming(a, b), "Hamming n=%d off=%d", n, off)
					require.Equal(t, refJaccard(a, b), k.Jaccard(a, b), "Jaccard n=%d off=%d", n, off)
				}
			}
		})
	}
}

// TestTiersAgreeClosely is a sanity check that the error bound is not hiding
// a gross difference: on unit-range data every tier stays within a
// few ulps·√n of the reference, far inside the stated bound.
func TestTiersAgreeClosely(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{128, 768, 1536} {
		a, b := make([]float32, n), make([]float32, n)
		for i := range a {
			a[i] = rng.Float32()
			b[i] = rng.Float32()
		}
		ref := refDot(a, b)
		for _, k := range allTiers(t) {
			rel := math.Abs(float64(k.Dot(a, b))-ref.val) / ref.val
			assert.Less(t, rel, 1e-5, "%s Dot n=%d relative error", k.ISA, n)
		}
	}
}

// TestEmptyInput: an empty operand gives 0 (cosine: NaN; Jaccard: 1, as for
// two zero vectors), on every tier, for nil and for empty non-nil slices.
func TestEmptyInput(t *testing.T) {
	some := []float32{1, 2, 3}
	words := []uint64{1, 2, 3}
	for _, k := range allTiers(t) {
		for _, pair := range [][2][]float32{{nil, nil}, {{}, {}}, {nil, some}, {some, nil}, {some[:0], some}} {
			a, b := pair[0], pair[1]
			assert.Zero(t, k.Dot(a, b), "%s Dot", k.ISA)
			assert.Zero(t, k.L2Squared(a, b), "%s L2Squared", k.ISA)
			assert.Zero(t, k.L1(a, b), "%s L1", k.ISA)
			assert.True(t, math.IsNaN(float64(k.Cosine(a, b))), "%s Cosine", k.ISA)
		}
		for _, pair := range [][2][]uint64{{nil, nil}, {nil, words}, {words[:0], words}} {
			assert.Zero(t, k.Hamming(pair[0], pair[1]), "%s Hamming", k.ISA)
			assert.Equal(t, 1.0, k.Jaccard(pair[0], pair[1]), "%s Jaccard", k.ISA)
		}
	}
}

// TestLengthMismatch: the kernels use the first min(len(a), len(b))
// elements.
func TestLengthMismatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	a := randomFloats(rng, 300)
	b := randomFloats(rng, 200)
	w := randomWords(rng, 30)
	x := randomWords(rng, 20)
	for _, k := range allTiers(t) {
		for _, fk := range floatKernels {
			kernel := fk.get(k)
			assert.Equal(t, kernel(a[:200], b), kernel(a, b), "%s %s", k.ISA, fk.name)
			assert.Equal(t, kernel(b, a[:200]), kernel(b, a), "%s %s", k.ISA, fk.name)
		}
		assert.Equal(t, k.Hamming(w[:20], x), k.Hamming(w, x), "%s Hamming", k.ISA)
		assert.Equal(t, k.Jaccard(w[:20], x), k.Jaccard(w, x), "%s Jaccard", k.ISA)
	}
}

// TestCosineSpecialCases covers pgvector's rules: a zero vector gives NaN,
// parallel vectors give 0, opposite ones 2, orthogonal ones 1, and the
// similarity is clamped so rounding never yields a distance below 0 or
// above 2.
func TestCosineSpecialCases(t *testing.T) {
	zero := make([]float32, 100)
	v := make([]float32, 100)
	neg := make([]float32, 100)
	for i := range v {
		v[i] = float32(i%7) - 3.3
		neg[i] = -v[i]
	}
	e1 := []float32{1, 0, 0, 0, 0}
	e2 := []float32{0, 1, 0, 0, 0}
	tiny := make([]float32, 40)
	for i := range tiny {
		tiny[i] = 0x1p-80 // squares underflow float32 to zero
	}
	for _, k := range allTiers(t) {
		assert.True(t, math.IsNaN(float64(k.Cosine(zero, v))), "%s zero vs v", k.ISA)
		assert.True(t, math.IsNaN(float64(k.Cosine(v, zero))), "%s v vs zero", k.ISA)
		assert.True(t, math.IsNaN(float64(k.Cosine(zero, zero))), "%s zero vs zero", k.ISA)
		assert.True(t, math.IsNaN(float64(k.Cosine(tiny, tiny))), "%s underflowing norms", k.ISA)
		// Found by FuzzCosine: b's squares underflow but a·b does not, and
		// its rounding residue depends on the summation order. Every tier
		// must still say NaN, not 2.
		a := []float32{6.4096906e-10, 2.4815418e+14, -2.4815418e+14}
		b := []float32{8.6867505e-30, 7.0533445e-30, 7.0533445e-30}
		for off := range 4 {
			buf := make([]float32, 8)
			copy(buf[off:], b)
			assert.True(t, math.IsNaN(float64(k.Cosine(a, buf[off:off+3]))), "%s underflowing norm of b, offset %d", k.ISA, off)
			assert.True(t, math.IsNaN(float64(k.Cosine(buf[off:off+3], a))), "%s underflowing norm of a, offset %d", k.ISA, off)
		}
		assert.Equal(t, float32(1), k.Cosine(e1, e2), "%s orthogonal", k.ISA)
		for _, n := range []int{1, 3, 16, 17, 64, 100} {
			same := k.Cosine(v[:n], v[:n])
			opp := k.Cosine(v[:n], neg[:n])
			assert.GreaterOrEqual(t, same, float32(0), "%s parallel n=%d", k.ISA, n)
			assert.InDelta(t, 0, same, 1e-6, "%s parallel n=%d", k.ISA, n)
			assert.LessOrEqual(t, opp, float32(2), "%s opposite n=%d", k.ISA, n)
			assert.InDelta(t, 2, opp, 1e-6, "%s opposite n=%d", k.ISA, n)
		}
	}
}

// TestSpecialValues puts one NaN or infinity (or a pair of them) at each of
// several positions: in the main loop, in the whole blocks after it, and in
// the tail that each tier handles differently. The result's class (NaN,
// +Inf, −Inf or finite) must be that of the float64 reference, which is
// exact for these inputs, on every tier.
func TestSpecialValues(t *testing.T) {
	inf := float32(math.Inf(1))
	nan := float32(math.NaN())
	type special struct {
		name   string
		ai, bi float32 // values placed at the position in a and b
	}
	specials := []special{
		{"NaN in a", nan, 1},
		{"NaN in b", 1, nan},
		{"NaN in both", nan, nan},
		{"+Inf·positive", inf, 2},
		{"+Inf·negative", inf, -2},
		{"-Inf·positive", -inf, 2},
		{"Inf·0", inf, 0},
		{"Inf vs Inf", inf, inf},
		{"Inf vs -Inf", inf, -inf},
		{"-Inf vs -Inf", -inf, -inf},
	}
	rng := rand.New(rand.NewPCG(11, 12))
	for _, n := range []int{1, 5, 9, 17, 31, 70, 130, 768} {
		base := randomFloats(rng, 2*n)
		for _, pos := range []int{0, n / 2, n - 1} {
			for _, sp := range specials {
				a := append([]float32(nil), base[:n]...)
				b := append([]float32(nil), base[n:]...)
				a[pos], b[pos] = sp.ai, sp.bi
				for _, fk := range floatKernels {
					want := classOf(fk.ref(a, b).val)
					for _, k := range allTiers(t) {
						got := classOf(float64(fk.get(k)(a, b)))
						assert.Equal(t, want, got, "%s %s n=%d pos=%d %s", k.ISA, fk.name, n, pos, sp.name)
					}
				}
			}
		}
	}
	// Two opposite infinite terms at different positions: NaN whatever the
	// summation order.
	for _, n := range []int{2, 20, 200} {
		a, b := make([]float32, n), make([]float32, n)
		for i := range a {
			a[i], b[i] = 1, 1
		}
		a[0], a[n-1] = inf, -inf
		for _, k := range allTiers(t) {
			assert.True(t, math.IsNaN(float64(k.Dot(a, b))), "%s Dot +Inf and -Inf terms n=%d", k.ISA, n)
			assert.True(t, math.IsInf(float64(k.L2Squared(a, b)), 1), "%s L2Squared n=%d", k.ISA, n)
			assert.True(t, math.IsInf(float64(k.L1(a, b)), 1), "%s L1 n=%d", k.ISA, n)
		}
	}
}

// TestPackageFunctionsUseActiveTier checks that the package-level functions
// are the active tier's kernels.
func TestPackageFunctionsUseActiveTier(t *testing.T) {
	k, err := For(Tier())
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(13, 14))
	a, b := randomFloats(rng, 777), randomFloats(rng, 777)
	w, x := randomWords(rng, 77), randomWords(rng, 77)
	assert.Equal(t, k.Dot(a, b), Dot(a, b))
	assert.Equal(t, k.L2Squared(a, b), L2Squared(a, b))
	assert.Equal(t, k.L1(a, b), L1(a, b))
	assert.Equal(t, k.Cosine(a, b), Cosine(a, b))
	assert.Equal(t, k.Hamming(w, x), Hamming(w, x))
	assert.Equal(t, k.Jaccard(w, x), Jaccard(w, x))

	arena := randomFloats(rng, 777*10)
	ids := []uint32{3, 1, 9, 10}
	got, want := make([]float32, 4), make([]float32, 4)
	for _, c := range []struct {
		pkg  BatchFunc
		tier BatchFunc
	}{{DotBatch, k.DotBatch}, {L2SquaredBatch, k.L2SquaredBatch}, {L1Batch, k.L1Batch}} {
		c.pkg(a, arena, 777, ids, got)
		c.tier(a, arena, 777, ids, want)
		assert.Equal(t, fmt.Sprint(want), fmt.Sprint(got))
	}
}

// TestConcurrentUse runs every tier's kernels from several goroutines at
// once on shared inputs: the kernels keep no state, so under -race this must
// be clean and every goroutine must see the same results.
func TestConcurrentUse(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	const dim, nvec = 300, 40
	a, b := randomFloats(rng, dim), randomFloats(rng, dim)
	w, x := randomWords(rng, 20), randomWords(rng, 20)
	arena := randomFloats(rng, dim*nvec)
	ids := make([]uint32, nvec)
	for i := range ids {
		ids[i] = uint32(i)
	}
	for _, k := range allTiers(t) {
		want := []float64{float64(k.Dot(a, b)), float64(k.L2Squared(a, b)), float64(k.L1(a, b)),
			float64(k.Cosine(a, b)), float64(k.Hamming(w, x)), k.Jaccard(w, x)}
		wantBatch := make([]float32, nvec)
		k.L2SquaredBatch(a, arena, dim, ids, wantBatch)
		errs := make(chan string, 8)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				out := make([]float32, nvec)
				for range 200 {
					got := []float64{float64(k.Dot(a, b)), float64(k.L2Squared(a, b)), float64(k.L1(a, b)),
						float64(k.Cosine(a, b)), float64(k.Hamming(w, x)), k.Jaccard(w, x)}
					k.L2SquaredBatch(a, arena, dim, ids, out)
					if fmt.Sprint(got) != fmt.Sprint(want) || fmt.Sprint(out) != fmt.Sprint(wantBatch) {
						errs <- fmt.Sprintf("%s: results changed under concurrency", k.ISA)
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
	}
}
