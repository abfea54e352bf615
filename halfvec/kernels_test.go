package halfvec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smallworld-go/smallworld/distance"
)

// testLengths are the vector lengths every kernel is checked at: every length
// 0–130 (all main-loop, one-vector and tail combinations of both tiers) and
// the common embedding sizes.
func testLengths() []int {
	var out []int
	for n := 0; n <= 130; n++ {
		out = append(out, n)
	}
	return append(out, 384, 768, 1536, 2000)
}

// pairKernels names the sum kernels of a tier.
type hhKernel struct {
	name string
	f    func(a, b []Float16) float32
}

type fhKernel struct {
	name string
	f    func(q []float32, h []Float16) float32
}

func hhKernels(k *Kernels) []hhKernel {
	return []hhKernel{{"dot", k.Dot}, {"l2", k.L2Squared}, {"l1", k.L1}}
}

func fhKernels(k *Kernels) []fhKernel {
	return []fhKernel{{"dot", k.DotF32}, {"l2", k.L2SquaredF32}, {"l1", k.L1F32}}
}

// TestKernelsAgainstReference checks every kernel of every tier against the
// float64 reference, at every test length and at unaligned start offsets,
// within the bound |got − ref| ≤ (n+4)·2⁻²⁴·Σ|termᵢ| (cosine: 3(n+4)·2⁻²⁴ +
// 4·2⁻²⁴ absolute). It logs the largest error seen relative to the bound.
func TestKernelsAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	worst := map[string]float64{}
	for _, scale := range []float64{1, 300} {
		for _, n := range testLengths() {
			for _, off := range []int{0, 1, 3} {
				// Allocate with room so the offset slices are misaligned
				// relative to any vector width.
				a := halfVector(r, n+off, scale)[off:]
				b := halfVector(r, n+off+2, scale)[off:] // longer: n = min(len)
				q := f32Vector(r, n+off, scale)[off:]
				ra, rb, rq := widenAll(a), widenAll(b[:n]), f64All(q)
				for _, k := range tiers(t) {
					for _, kern := range hhKernels(k) {
						want, mag := refSums(kern.name, ra, rb)
						got := kern.f(a, b)
						bound := errorBound(n, mag)
						diff := math.Abs(float64(got) - want)
						require.LessOrEqualf(t, diff, bound, "%s %s hh n=%d off=%d: got %v want %v", k.ISA, kern.name, n, off, got, want)
						if bound > 0 {
							worst["hh-"+kern.name] = max(worst["hh-"+kern.name], diff/bound)
						}
						if n == 0 {
							require.Zero(t, got, "empty input gives 0")
						}
					}
					for _, kern := range fhKernels(k) {
						want, mag := refSums(kern.name, rq, rb)
						got := kern.f(q, b)
						bound := errorBound(n, mag)
						diff := math.Abs(float64(got) - want)
						require.LessOrEqualf(t, diff, bound, "%s %s fh n=%d off=%d: got %v want %v", k.ISA, kern.name, n, off, got, want)
						if bound > 0 {
							worst["fh-"+kern.name] = max(worst["fh-"+kern.name], diff/bound)
						}
					}
					for _, c := range []struct {
						name string
						got  float32
						x    []float64
					}{{"hh-cos", k.Cosine(a, b), ra}, {"fh-cos", k.CosineF32(q, b), rq}} {
						want, bound := refCosine(c.x, rb)
						if n == 0 {
							require.True(t, math.IsNaN(float64(c.got)), "%s %s: empty vectors give NaN", k.ISA, c.name)
							continue
						}
						diff := math.Abs(float64(c.got) - want)
						require.LessOrEqualf(t, diff, bound, "%s %s n=%d off=%d: got %v want %v", k.ISA, c.name, n, off, c.got, want)
						worst[c.name] = max(worst[c.name], diff/bound)
					}
				}
			}
		}
	}
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range worst {
			if !yield(k) {
				return
			}
		}
	}) {
		t.Logf("%-7s largest error = %.3g of the bound", name, worst[name])
	}
}

func TestCosineEdgeCases(t *testing.T) {
	zero := make([]Float16, 20)
	one := make([]Float16, 20)
	neg := make([]Float16, 20)
	q := make([]float32, 20)
	for i := range one {
		one[i] = 0x3c00 // 1
		neg[i] = 0xbc00 // −1
		q[i] = 2
	}
	for _, k := range tiers(t) {
		assert.True(t, math.IsNaN(float64(k.Cosine(zero, one))), "%s: zero vector gives NaN", k.ISA)
		assert.True(t, math.IsNaN(float64(k.Cosine(one, zero))), "%s", k.ISA)
		assert.True(t, math.IsNaN(float64(k.CosineF32(make([]float32, 20), one))), "%s", k.ISA)
		assert.True(t, math.IsNaN(float64(k.CosineF32(q, zero))), "%s", k.ISA)
		assert.Equal(t, float32(0), k.Cosine(one, one), "%s: parallel vectors, clamped", k.ISA)
		assert.Equal(t, float32(2), k.Cosine(one, neg), "%s: opposite vectors", k.ISA)
		assert.Equal(t, float32(0), k.CosineF32(q, one), "%s", k.ISA)
		// A query whose squared norm underflows float32 while its dot
		// product with h does not: NaN, as in package distance, not ±1.
		tiny := make([]float32, 20)
		tiny[0] = 1e-25
		assert.True(t, math.IsNaN(float64(k.CosineF32(tiny, one))), "%s: underflowed norm", k.ISA)
		dk, err := distance.For(distance.Generic)
		require.NoError(t, err)
		ones := make([]float32, 20)
		for i := range ones {
			ones[i] = 1
		}
		assert.True(t, math.IsNaN(float64(dk.Cosine(tiny, ones))), "distance agrees")
	}
}

// valueClass sorts a result into NaN, ±Inf or finite.
func valueClass(x float64) string {
	switch {
	case math.IsNaN(x):
		return "NaN"
	case math.IsInf(x, 1):
		return "+Inf"
	case math.IsInf(x, -1):
		return "-Inf"
	}
	return "finite"
}

// TestNonFiniteParity puts NaN and ±Inf at every position of vectors of
// several lengths (so they land in main loops, one-vector loops and tails)
// and checks every tier produces the class — NaN, +Inf, −Inf or finite — the
// float64 reference does.
func TestNonFiniteParity(t *testing.T) {
	specials := []Float16{QuietNaN, 0x7c01, PosInf, NegInf}
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 3, 4, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 100} {
		for pos := range n {
			for _, sp := range specials {
				for _, side := range []int{0, 1, 2} { // special in a, in b, or both
					a := halfVector(r, n, 2)
					b := halfVector(r, n, 2)
					if side != 1 {
						a[pos] = sp
					}
					if side != 0 {
						b[pos] = sp ^ Float16(r.IntN(2))<<15
					}
					q := ToSlice(a)
					ra, rb := widenAll(a), widenAll(b)
					for _, k := range tiers(t) {
						for _, kern := range hhKernels(k) {
							want, _ := refSums(kern.name, ra, rb)
							got := kern.f(a, b)
							require.Equalf(t, valueClass(want), valueClass(float64(got)), "%s %s hh n=%d pos=%d a=%#04x b=%#04x", k.ISA, kern.name, n, pos, a[pos], b[pos])
						}
						for _, kern := range fhKernels(k) {
							want, _ := refSums(kern.name, ra, rb)
							got := kern.f(q, b)
							require.Equalf(t, valueClass(want), valueClass(float64(got)), "%s %s fh n=%d pos=%d", k.ISA, kern.name, n, pos)
						}
						want, _ := refCosine(ra, rb)
						require.Equal(t, valueClass(want), valueClass(float64(k.Cosine(a, b))), "%s cos n=%d pos=%d", k.ISA, n, pos)
						require.Equal(t, valueClass(want), valueClass(float64(k.CosineF32(q, b))), "%s cosF32 n=%d pos=%d", k.ISA, n, pos)
					}
				}
			}
		}
	}
}

// TestBatchKernels checks the batch kernels of every tier: each valid id gives
// bit for bit what the same tier's pair kernel gives on that vector (the
// assembly shares the pair kernel's body), and an out-of-range id gives NaN.
func TestBatchKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, dim := range []int{1, 5, 16, 17, 33, 100, 128, 768} {
		for _, pad := range []int{0, 3} {
			stride := dim + pad
			const count = 40
			arena := halfVector(r, count*stride-pad, 1) // the last vector ends the arena
			q := f32Vector(r, dim, 1)
			ids := []uint32{0, 39, 1, 40, 7, math.MaxUint32, 38, 2, 1 << 31, 39, 5}
			for _, k := range tiers(t) {
				batches := []struct {
					name  string
					batch BatchFunc
					pair  func([]float32, []Float16) float32
				}{{"dot", k.DotBatchF32, k.DotF32}, {"l2", k.L2SquaredBatchF32, k.L2SquaredF32}, {"l1", k.L1BatchF32, k.L1F32}}
				for _, b := range batches {
					out := make([]float32, len(ids)+1)
					out[len(ids)] = 42
					b.batch(q, arena, stride, ids, out)
					for i, id := range ids {
						if id >= count {
							require.Truef(t, math.IsNaN(float64(out[i])), "%s %s id %d is out of range", k.ISA, b.name, id)
							continue
						}
						v := arena[int(id)*stride : int(id)*stride+dim]
						want := b.pair(q, v)
						require.Equalf(t, math.Float32bits(want), math.Float32bits(out[i]), "%s %s dim=%d id=%d", k.ISA, b.name, dim, id)
					}
					require.Equal(t, float32(42), out[len(ids)], "only min(len(ids), len(out)) entries are written")
				}
			}
		}
	}
}

func TestBatchContract(t *testing.T) {
	arena := make([]Float16, 100)
	for i := range arena {
		arena[i] = Float16(0x3c00) // 1
	}
	q := []float32{1, 2, 3, 4}
	for _, k := range tiers(t) {
		for _, batch := range []BatchFunc{k.DotBatchF32, k.L2SquaredBatchF32, k.L1BatchF32} {
			// stride < dim: every output NaN.
			out := []float32{1, 2, 3}
			batch(q, arena, 3, []uint32{0, 1, 2}, out)
			for _, v := range out {
				assert.True(t, math.IsNaN(float64(v)), "%s: stride < dim", k.ISA)
			}
			// Arena shorter than one vector.
			out = []float32{1}
			batch(q, arena[:3], 4, []uint32{0}, out)
			assert.True(t, math.IsNaN(float64(out[0])), "%s: short arena", k.ISA)
			// Fewer outputs than ids, and the reverse: only min is computed.
			out = []float32{-1, -1}
			batch(q, arena, 4, []uint32{0, 1, 2, 3}, out[:1])
			assert.Equal(t, float32(-1), out[1], "%s", k.ISA)
			batch(q, arena, 4, []uint32{0}, out)
			assert.Equal(t, float32(-1), out[1], "%s", k.ISA)
			// Nothing to do.
			batch(q, arena, 4, nil, out)
			batch(q, arena, 4, []uint32{1}, nil)
			// A huge stride must not overflow into a valid offset.
			out = []float32{0, 0}
			batch(q, arena, math.MaxInt/2, []uint32{0, 3}, out)
			assert.False(t, math.IsNaN(float64(out[0])), "%s: id 0 is valid at any stride", k.ISA)
			assert.True(t, math.IsNaN(float64(out[1])), "%s: huge stride", k.ISA)
			// An empty query: every id whose (empty) vector starts inside
			// the arena gives 0.
			out = []float32{-1, -1}
			batch(nil, arena, 50, []uint32{2, 3}, out)
			assert.Equal(t, float32(0), out[0], "%s", k.ISA)
			assert.True(t, math.IsNaN(float64(out[1])), "%s", k.ISA)
		}
		out := []float32{0, 0, 0}
		k.DotBatchF32(q, arena, 4, []uint32{24, 25, 0}, out)
		assert.Equal(t, float32(10), out[0], "%s: the last whole vector", k.ISA)
		assert.True(t, math.IsNaN(float64(out[1])), "%s: id 25 would end past the arena", k.ISA)
		assert.Equal(t, float32(10), out[2], "%s", k.ISA)
	}
}

func TestTiers(t *testing.T) {
	sup := Supported()
	require.NotEmpty(t, sup)
	assert.Equal(t, distance.Generic, sup[0])
	assert.Contains(t, sup, Tier())
	assert.LessOrEqual(t, Tier(), distance.Tier(), "halfvec never runs above distance's tier")
	for _, isa := range []distance.ISA{distance.Generic, distance.AVX2, distance.AVX512} {
		k, err := For(isa)
		if !slices.Contains(sup, isa) {
			assert.Error(t, err, isa)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, isa, k.ISA)
		k.Dot = nil // a copy: package state is untouched
	}
	_, err := For(distance.ISA(99))
	assert.Error(t, err)
	assert.NotNil(t, kernelsFor(Tier()).Dot)
	if env := os.Getenv(distance.EnvSIMD); env != "" {
		t.Logf("%s=%s: tier %s", distance.EnvSIMD, env, Tier())
	}
	assert.Equal(t, chooseTier(distance.Generic), distance.Generic)
	for _, isa := range sup {
		assert.Equal(t, isa, chooseTier(isa))
	}
}

// TestPackageFunctions checks the package-level functions call the selected
// tier.
func TestPackageFunctions(t *testing.T) {
	k, err := For(Tier())
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(5, 6))
	a, b := halfVector(r, 77, 3), halfVector(r, 77, 3)
	q := f32Vector(r, 77, 3)
	same := func(want, got float32, what string) {
		assert.Equal(t, math.Float32bits(want), math.Float32bits(got), what)
	}
	same(k.Dot(a, b), Dot(a, b), "Dot")
	same(k.L2Squared(a, b), L2Squared(a, b), "L2Squared")
	same(k.L1(a, b), L1(a, b), "L1")
	same(k.Cosine(a, b), Cosine(a, b), "Cosine")
	same(k.DotF32(q, b), DotF32(q, b), "DotF32")
	same(k.L2SquaredF32(q, b), L2SquaredF32(q, b), "L2SquaredF32")
	same(k.L1F32(q, b), L1F32(q, b), "L1F32")
	same(k.CosineF32(q, b), CosineF32(q, b), "CosineF32")
	arena := append(slices.Clone(a), b...)
	ids := []uint32{1, 0, 2}
	for _, c := range []struct {
		name      string
		pkg, tier BatchFunc
	}{{"DotBatchF32", DotBatchF32, k.DotBatchF32}, {"L2SquaredBatchF32", L2SquaredBatchF32, k.L2SquaredBatchF32}, {"L1BatchF32", L1BatchF32, k.L1BatchF32}} {
		got, want := make([]float32, 3), make([]float32, 3)
		c.pkg(q, arena, 77, ids, got)
		c.tier(q, arena, 77, ids, want)
		assert.Equal(t, fmt.Sprint(want), fmt.Sprint(got), c.name)
	}
}

// TestConcurrentUse runs every tier's kernels and conversions from several
// goroutines at once; with -race it checks that they share no mutable state
// (the generic tier's table is built once, on first use).
func TestConcurrentUse(t *testing.T) {
	ks := tiers(t)
	done := make(chan [2]float32)
	for g := range 8 {
		go func() {
			r := rand.New(rand.NewPCG(uint64(g), 1))
			a, b := halfVector(r, 300, 2), halfVector(r, 300, 2)
			var sums [2]float32
			for _, k := range ks {
				sums[0] += k.Dot(a, b) + k.L2Squared(a, b) + k.L1(a, b) + k.Cosine(a, b)
				q := make([]float32, len(a))
				k.Decode(q, a)
				if _, err := k.Encode(a, q); err != nil {
					sums[1] = float32(math.NaN())
				}
				out := make([]float32, 2)
				k.DotBatchF32(q[:100], b, 100, []uint32{0, 2}, out)
				sums[1] += out[0] + out[1]
			}
			done <- sums
		}()
	}
	for range 8 {
		s := <-done
		assert.False(t, math.IsNaN(float64(s[0])) || math.IsNaN(float64(s[1])))
	}
}
