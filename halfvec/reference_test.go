package halfvec

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// This file holds the independent references the tests compare against:
// binary16 decoded from its fields with math.Ldexp, rounding done in float64
// arithmetic, and distances summed in float64.

// refValue returns the value of half h computed from its fields in float64.
func refValue(h Float16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	e := int(h>>10) & 0x1f
	m := float64(h & 0x3ff)
	switch e {
	case 0:
		return sign * math.Ldexp(m, -24)
	case 0x1f:
		if m == 0 {
			return math.Inf(int(sign))
		}
		return math.NaN()
	}
	return sign * math.Ldexp(1024+m, e-25)
}

// refRound rounds the float32 x to binary16 in float64 arithmetic: scale by
// the ulp of x's binade (never below the subnormal ulp 2⁻²⁴), round to nearest
// even with math.RoundToEven, scale back. It reports overflow when a finite x
// lands beyond 65504. NaN and ±Inf are passed through.
func refRound(x float32) (v float64, overflow bool) {
	f := float64(x)
	if math.IsNaN(f) || math.IsInf(f, 0) || f == 0 {
		return f, false
	}
	_, exp := math.Frexp(math.Abs(f)) // |f| = frac·2^exp, frac ∈ [0.5, 1)
	ulpExp := max(exp-1, -14) - 10
	v = math.Ldexp(math.RoundToEven(math.Ldexp(f, -ulpExp)), ulpExp)
	if math.Abs(v) > 65504 {
		return math.Copysign(math.Inf(1), f), true
	}
	if v == 0 {
		v = math.Copysign(0, f)
	}
	return v, false
}

// sameValue reports whether float32 g equals the float64 reference r,
// including the sign of zero and NaN-ness.
func sameValue(g float32, r float64) bool {
	if math.IsNaN(r) {
		return math.IsNaN(float64(g))
	}
	return float64(g) == r && math.Signbit(float64(g)) == math.Signbit(r)
}

// tiers returns the kernels of every tier this machine and build can run.
func tiers(t testing.TB) []*Kernels {
	t.Helper()
	var out []*Kernels
	for _, isa := range Supported() {
		k, err := For(isa)
		require.NoError(t, err)
		out = append(out, k)
	}
	return out
}

// nextHalfUp returns the half after h in magnitude (same sign).
func nextHalfUp(h Float16) Float16 { return h + 1 }

// weightedInputs returns n float32 inputs weighted towards the hard cases of
// rounding to binary16: exact ties between adjacent halves and their float32
// neighbours, the subnormal range, the overflow edge around 65504…65536, NaN
// payloads, exact halves, and uniformly random bit patterns.
func weightedInputs(n int, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	edges := []float32{65504, 65519.99, 65520, 65535, 65536, 32768, 1, 0x1p-14, 0x1p-24, 0x1p-25}
	out := make([]float32, 0, n)
	for len(out) < n {
		sign := uint32(r.IntN(2)) << 31
		switch r.IntN(9) {
		case 0, 1: // the exact midpoint of two adjacent finite halves
			h := Float16(r.IntN(0x7bff)) // below MaxValue, so h+1 is finite…
			if r.IntN(64) == 0 {
				h = MaxValue // …except the tie 65520 between 65504 and "65536"
			}
			lo := refValue(h)
			hi := refValue(nextHalfUp(h))
			if h == MaxValue {
				hi = 65536
			}
			mid := float32((lo + hi) / 2) // exact: one more bit than a half has
			out = append(out, math.Float32frombits(math.Float32bits(mid)|sign))
		case 2: // a tie's float32 neighbours, 1–3 ulps away
			h := Float16(r.IntN(0x7bff))
			mid := float32((refValue(h) + refValue(h+1)) / 2)
			b := math.Float32bits(mid) + uint32(r.IntN(3)+1)
			if r.IntN(2) == 0 {
				b = math.Float32bits(mid) - uint32(r.IntN(3)+1)
			}
			out = append(out, math.Float32frombits(b|sign))
		case 3: // subnormal halves and just around them: |x| in [2⁻³⁰, 2⁻¹³)
			e := uint32(97 + r.IntN(17))
			out = append(out, math.Float32frombits(sign|e<<23|uint32(r.IntN(1<<23))))
		case 4: // the overflow edge and other edges, ±1000 float32 ulps
			x := edges[r.IntN(len(edges))]
			b := int64(math.Float32bits(x)) + int64(r.IntN(2001)-1000)
			out = append(out, math.Float32frombits(uint32(b)|sign))
		case 5: // NaNs with random payloads, quiet and signalling
			m := uint32(r.IntN(1<<23-1)) + 1
			out = append(out, math.Float32frombits(sign|0x7f800000|m))
		case 6: // exact halves, and their float32 neighbours
			h := Float16(r.IntN(0x10000))
			x := h.Float32()
			if !h.IsNaN() && r.IntN(2) == 0 {
				x = math.Nextafter32(x, float32(math.Inf(2*r.IntN(2)-1)))
			}
			out = append(out, x)
		case 7: // the half range, random mantissa
			e := uint32(100 + r.IntN(46))
			out = append(out, math.Float32frombits(sign|e<<23|uint32(r.IntN(1<<23))))
		default: // any bit pattern
			out = append(out, math.Float32frombits(r.Uint32()))
		}
	}
	// Fixed specials, always present.
	specials := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)),
		float32(math.NaN()), math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32,
		65504, -65504, 65519.99, 65520, -65520, math.Nextafter32(65520, 0), math.Nextafter32(65520, 1e9),
		math.Nextafter32(65504, 0), math.Nextafter32(65504, 1e9), 0x1p-25, math.Nextafter32(0x1p-25, 1),
		math.Nextafter32(0x1p-25, 0), 0x1p-24, 3 * 0x1p-25, 0x1p-14 - 0x1p-25,
		math.Float32frombits(0x7f800001), math.Float32frombits(0xff800001),
		math.Float32frombits(0x7fbfffff), math.Float32frombits(0x7fffe000), math.Float32frombits(0x7f802000)}
	copy(out, specials)
	return out[:n]
}

// halfVector returns n random halves: values uniform in [−scale, scale]
// rounded to half precision.
func halfVector(r *rand.Rand, n int, scale float64) []Float16 {
	out := make([]Float16, n)
	for i := range out {
		h, err := FromFloat32(float32((2*r.Float64() - 1) * scale))
		if err != nil {
			panic(err) // scale ≤ 65504 by construction
		}
		out[i] = h
	}
	return out
}

// f32Vector returns n random float32 values uniform in [−scale, scale].
func f32Vector(r *rand.Rand, n int, scale float64) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32((2*r.Float64() - 1) * scale)
	}
	return out
}

// refSums returns, in float64, the distance sum of kernel name over the
// widened vectors, and the sum of the absolute values of its terms (the scale
// of the float32 rounding error).
func refSums(name string, a, b []float64) (sum, mag float64) {
	n := min(len(a), len(b))
	for i := range n {
		var t float64
		switch name {
		case "dot":
			t = a[i] * b[i]
		case "l2":
			t = (a[i] - b[i]) * (a[i] - b[i])
		case "l1":
			t = math.Abs(a[i] - b[i])
		}
		sum += t
		mag += math.Abs(t)
	}
	return sum, mag
}

// refCosine returns pgvector's cosine distance in float64, clamped, and the
// bound on the float32 kernel's error: each of the three sums carries at most
// γ·(sum of |terms|) with γ = (n+4)·2⁻²⁴, which moves the similarity by at most
// 3γ (Cauchy–Schwarz bounds Σ|aᵢbᵢ| by ‖a‖‖b‖), plus the final float32
// rounding.
func refCosine(a, b []float64) (dist, bound float64) {
	n := min(len(a), len(b))
	var dot, na, nb float64
	for i := range n {
		dot += a[i] * b[i]
		na += a[i] * a[i]
		nb += b[i] * b[i]
	}
	sim := dot / math.Sqrt(na*nb)
	sim = max(-1, min(1, sim))
	gamma := float64(n+4) * 0x1p-24
	return 1 - sim, 3*gamma + 4*0x1p-24
}

// widenAll returns the halves as float64 via the field-based reference.
func widenAll(h []Float16) []float64 {
	out := make([]float64, len(h))
	for i, v := range h {
		out[i] = refValue(v)
	}
	return out
}

func f64All(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

// errorBound is the stated bound on a float32 sum of n terms against the
// float64 sum: (n+4)·2⁻²⁴ times the sum of the terms' magnitudes. Products of
// two halves are exact in float32; a difference and a product each round once
// more, hence the +4.
func errorBound(n int, mag float64) float64 { return float64(n+4) * 0x1p-24 * mag }
