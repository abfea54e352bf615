package bench

import "math"

// Exact distances in float64, used to re-rank the candidates the float32
// kernels pick. Each product is rounded to float64 explicitly, which stops
// the compiler from fusing it with the addition (the Go spec allows that),
// so these return the same bits on every machine.

// exactL2Generic is exactL2 in Go; exact_amd64.s has the same arithmetic
// four lanes at a time.
func exactL2Generic(a, b []float32) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(a); i += 4 {
		d0 := float64(a[i]) - float64(b[i])
		d1 := float64(a[i+1]) - float64(b[i+1])
		d2 := float64(a[i+2]) - float64(b[i+2])
		d3 := float64(a[i+3]) - float64(b[i+3])
		s0 += float64(d0 * d0)
		s1 += float64(d1 * d1)
		s2 += float64(d2 * d2)
		s3 += float64(d3 * d3)
	}
	for ; i < len(a); i++ {
		d := float64(a[i]) - float64(b[i])
		s0 += float64(d * d)
	}
	return (s0 + s1) + (s2 + s3)
}

func exactDot(a, b []float32) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += float64(float64(a[i]) * float64(b[i]))
		s1 += float64(float64(a[i+1]) * float64(b[i+1]))
		s2 += float64(float64(a[i+2]) * float64(b[i+2]))
		s3 += float64(float64(a[i+3]) * float64(b[i+3]))
	}
	for ; i < len(a); i++ {
		s0 += float64(float64(a[i]) * float64(b[i]))
	}
	return (s0 + s1) + (s2 + s3)
}

func exactL1(a, b []float32) float64 {
	b = b[:len(a)]
	var s0, s1 float64
	i := 0
	for ; i+2 <= len(a); i += 2 {
		s0 += math.Abs(float64(a[i]) - float64(b[i]))
		s1 += math.Abs(float64(a[i+1]) - float64(b[i+1]))
	}
	for ; i < len(a); i++ {
		s0 += math.Abs(float64(a[i]) - float64(b[i]))
	}
	return s0 + s1
}

// exactCosine returns 1 − a·b/(‖a‖‖b‖), clamped like pgvector's to [0, 2];
// NaN when either vector is zero. qNorm is ‖a‖, computed once per query.
func exactCosine(a, b []float32, qNorm float64) float64 {
	bn := math.Sqrt(exactDot(b, b))
	sim := exactDot(a, b) / (qNorm * bn)
	if sim > 1 {
		sim = 1
	} else if sim < -1 {
		sim = -1
	}
	return 1 - sim
}

// ExactDistance returns the distance of a and b under m, computed in
// float64 the way ground truth computes it (L2 squared, inner product
// negated). Use it to check an index's reported distances. Hamming is not a
// float metric; it returns NaN.
func ExactDistance(m Metric, a, b []float32) float64 {
	if len(a) != len(b) {
		return math.NaN()
	}
	switch m {
	case L2:
		return exactL2(a, b)
	case InnerProduct:
		return -exactDot(a, b)
	case Cosine:
		return exactCosine(a, b, math.Sqrt(exactDot(a, a)))
	case L1:
		return exactL1(a, b)
	}
	return math.NaN()
}
