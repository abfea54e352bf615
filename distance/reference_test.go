package distance

import (
	"math"
	"math/bits"
)

// The float64 references every tier is checked against, and the error bound
// each check uses.
//
// Error bound. Let u = 2⁻²⁴ (the unit roundoff of float32) and
// γ(k) = k·u / (1 − k·u). For n = min(len(a), len(b)) and the terms
//
//	Dot:       tᵢ = aᵢ·bᵢ
//	L2Squared: tᵢ = (aᵢ − bᵢ)²
//	L1:        tᵢ = |aᵢ − bᵢ|
//
// every tier returns a value within
//
//	|got − ref| ≤ γ(n+3)·Σ|tᵢ| + n·2⁻¹⁴⁹
//
// of the exact sum ref (computed here in float64, whose own error is far
// below the bound). This is the classical bound for floating-point
// summation in any order and any grouping (which covers the generic tier's
// four accumulators, the SIMD tiers' lanes and their tree reductions), plus
// up to three roundings per term (product or difference, square) and, for
// products that fall into the subnormal range, an absolute 2⁻¹⁵⁰ each.
//
// Cosine distance, where the three sums satisfy the bound above and the
// similarity is formed in float64, returns
//
//	|got − ref| ≤ 2·γ(n+3) + 2⁻²³
//
// (absolute; the distance lies in [0, 2]) as long as neither ‖a‖² nor ‖b‖²
// underflows: by Cauchy–Schwarz Σ|aᵢbᵢ| ≤ ‖a‖‖b‖, so the dot product's error
// is at most γ·‖a‖‖b‖, each norm's relative error is at most γ, and the final
// rounding of 1 − similarity to float32 adds at most 2u. Clamping the
// similarity to [−1, 1] can only reduce the error.
//
// Hamming and Jaccard count bits exactly; every tier must match the reference
// bit for bit.
//
// The bounds are worst cases, yet not loose for short vectors: over the test
// data the largest error seen was about 0.4 of the bound (L2Squared, a few
// elements). For long vectors random rounding errors grow like √n rather than
// n, and the bound is looser.

const unitRoundoff = 0x1p-24

// gamma is γ(k) = k·u / (1 − k·u).
func gamma(k int) float64 {
	ku := float64(k) * unitRoundoff
	return ku / (1 - ku)
}

// floatBound is the error bound of the dot, L2 and L1 kernels for n terms of
// absolute sum absSum.
func floatBound(n int, absSum float64) float64 {
	return gamma(n+3)*absSum + float64(n)*0x1p-149
}

// cosineBound is the absolute error bound of the cosine distance.
func cosineBound(n int) float64 {
	return 2*gamma(n+3) + 0x1p-23
}

// refResult is a reference value with its error bound.
type refResult struct {
	val   float64
	bound float64
}

func refDot(a, b []float32) refResult {
	n := min(len(a), len(b))
	var s, abs float64
	for i := range n {
		t := float64(a[i]) * float64(b[i])
		s += t
		abs += math.Abs(t)
	}
	return refResult{s, floatBound(n, abs)}
}

func refL2Squared(a, b []float32) refResult {
	n := min(len(a), len(b))
	var s float64
	for i := range n {
		d := float64(a[i]) - float64(b[i])
		s += d * d
	}
	return refResult{s, floatBound(n, s)}
}

func refL1(a, b []float32) refResult {
	n := min(len(a), len(b))
	var s float64
	for i := range n {
		s += math.Abs(float64(a[i]) - float64(b[i]))
	}
	return refResult{s, floatBound(n, s)}
}

// refCosineSums returns a·b, ‖a‖² and ‖b‖² in float64.
func refCosineSums(a, b []float32) (dot, aa, bb float64) {
	n := min(len(a), len(b))
	for i := range n {
		x, y := float64(a[i]), float64(b[i])
		dot += x * y
		aa += x * x
		bb += y * y
	}
	return dot, aa, bb
}

func refCosine(a, b []float32) refResult {
	dot, aa, bb := refCosineSums(a, b)
	sim := dot / math.Sqrt(aa*bb)
	if sim > 1 {
		sim = 1
	} else if sim < -1 {
		sim = -1
	}
	return refResult{1 - sim, cosineBound(min(len(a), len(b)))}
}

func refHamming(a, b []uint64) int {
	c := 0
	for i := range min(len(a), len(b)) {
		c += bits.OnesCount64(a[i] ^ b[i])
	}
	return c
}

// refJaccard follows pgvector's jaccard_distance: 1 − |a∧b| / (|a| + |b| −
// |a∧b|), and 1 when a∧b is empty.
func refJaccard(a, b []uint64) float64 {
	var ab, aa, bb int
	for i := range min(len(a), len(b)) {
		ab += bits.OnesCount64(a[i] & b[i])
		aa += bits.OnesCount64(a[i])
		bb += bits.OnesCount64(b[i])
	}
	if ab == 0 {
		return 1
	}
	return 1 - float64(ab)/float64(aa+bb-ab)
}

// floatKernel names one float kernel with its reference, so tests can loop
// over kernels.
type floatKernel struct {
	name string
	get  func(k *Kernels) func(a, b []float32) float32
	ref  func(a, b []float32) refResult
}

var floatKernels = []floatKernel{
	{"Dot", func(k *Kernels) func(a, b []float32) float32 { return k.Dot }, refDot},
	{"L2Squared", func(k *Kernels) func(a, b []float32) float32 { return k.L2Squared }, refL2Squared},
	{"L1", func(k *Kernels) func(a, b []float32) float32 { return k.L1 }, refL1},
	{"Cosine", func(k *Kernels) func(a, b []float32) float32 { return k.Cosine }, refCosine},
}

// batchKernel names one batch kernel with its pair kernel.
type batchKernelCase struct {
	name  string
	batch func(k *Kernels) BatchFunc
	pair  func(k *Kernels) func(a, b []float32) float32
}

var batchKernels = []batchKernelCase{
	{"DotBatch", func(k *Kernels) BatchFunc { return k.DotBatch }, func(k *Kernels) func(a, b []float32) float32 { return k.Dot }},
	{"L2SquaredBatch", func(k *Kernels) BatchFunc { return k.L2SquaredBatch }, func(k *Kernels) func(a, b []float32) float32 { return k.L2Squared }},
	{"L1Batch", func(k *Kernels) BatchFunc { return k.L1Batch }, func(k *Kernels) func(a, b []float32) float32 { return k.L1 }},
}

// class is the IEEE class of a result, for comparing special values.
type class int

const (
	classFinite class = iota
	classNaN
	classPosInf
	classNegInf
)

func classOf(x float64) class {
	switch {
	case math.IsNaN(x):
		return classNaN
	case math.IsInf(x, 1):
		return classPosInf
	case math.IsInf(x, -1):
		return classNegInf
	}
	return classFinite
}

func (c class) String() string {
	return [...]string{"finite", "NaN", "+Inf", "-Inf"}[c]
}
