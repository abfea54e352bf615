package distance

import (
	"math"
	"math/bits"
)

// The generic tier: portable Go with four independent accumulators so the
// additions of consecutive elements do not wait on each other.

func dotGeneric(a, b []float32) float32 {
	n := min(len(a), len(b))
	a, b = a[:n], b[:n]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= n; i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < n; i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func l2SquaredGeneric(a, b []float32) float32 {
	n := min(len(a), len(b))
	a, b = a[:n], b[:n]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= n; i += 4 {
		d0 := a[i] - b[i]
		d1 := a[i+1] - b[i+1]
		d2 := a[i+2] - b[i+2]
		d3 := a[i+3] - b[i+3]
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
	}
	for ; i < n; i++ {
		d := a[i] - b[i]
		s0 += d * d
	}
	return (s0 + s1) + (s2 + s3)
}

func abs32(x float32) float32 {
	return math.Float32frombits(math.Float32bits(x) &^ (1 << 31))
}

func l1Generic(a, b []float32) float32 {
	n := min(len(a), len(b))
	a, b = a[:n], b[:n]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= n; i += 4 {
		s0 += abs32(a[i] - b[i])
		s1 += abs32(a[i+1] - b[i+1])
		s2 += abs32(a[i+2] - b[i+2])
		s3 += abs32(a[i+3] - b[i+3])
	}
	for ; i < n; i++ {
		s0 += abs32(a[i] - b[i])
	}
	return (s0 + s1) + (s2 + s3)
}

// cosineFinish turns the three sums of a one-pass cosine into a distance the
// way pgvector does: the similarity in float64, clamped to [−1, 1] (NaN is not
// clamped), then 1 − similarity. A zero squared norm gives NaN whatever the
// dot product: pgvector's 0/0 for a zero vector. The explicit test matters
// when a vector's squares underflow float32 but its products with the other
// vector do not: the dot product is then a rounding residue whose value (and
// whether it is exactly 0, which pgvector's formula would turn into NaN
// rather than ±1) depends on the summation order, so without the test the
// tiers would disagree between NaN and 0 or 2.
func cosineFinish(dot, na, nb float32) float32 {
	if na == 0 || nb == 0 {
		return float32(math.NaN())
	}
	sim := float64(dot) / math.Sqrt(float64(na)*float64(nb))
	if sim > 1 {
		sim = 1
	} else if sim < -1 {
		sim = -1
	}
	return float32(1 - sim)
}

func cosineGeneric(a, b []float32) float32 {
	n := min(len(a), len(b))
	a, b = a[:n], b[:n]
	var d0, d1, x0, x1, y0, y1 float32
	i := 0
	for ; i+2 <= n; i += 2 {
		d0 += a[i] * b[i]
		x0 += a[i] * a[i]
		y0 += b[i] * b[i]
		d1 += a[i+1] * b[i+1]
		x1 += a[i+1] * a[i+1]
		y1 += b[i+1] * b[i+1]
	}
	for ; i < n; i++ {
		d0 += a[i] * b[i]
		x0 += a[i] * a[i]
		y0 += b[i] * b[i]
	}
	return cosineFinish(d0+d1, x0+x1, y0+y1)
}

func hammingGeneric(a, b []uint64) int {
	n := min(len(a), len(b))
	a, b = a[:n], b[:n]
	c := 0
	for i := range a {
		c += bits.OnesCount64(a[i] ^ b[i])
	}
	return c
}

// jaccardFinish applies pgvector's formula to the popcounts of a∧b and a∨b:
// 1 − |a∧b|/|a∨b|, and 1 when a∧b is empty (which covers two zero vectors).
func jaccardFinish(and, or int) float64 {
	if and == 0 {
		return 1
	}
	return 1 - float64(and)/float64(or)
}

func jaccardGeneric(a, b []uint64) float64 {
	n := min(len(a), len(b))
	a, b = a[:n], b[:n]
	var and, or int
	for i := range a {
		and += bits.OnesCount64(a[i] & b[i])
		or += bits.OnesCount64(a[i] | b[i])
	}
	return jaccardFinish(and, or)
}

// batchGeometry validates a batch call. It returns the number of whole
// vectors of dim elements that arena holds at the given stride (an id is valid
// iff id < nvec) and false when the stride cannot describe an arena of such
// vectors (stride < 1 or stride < dim), in which case every output is NaN.
// Working with a vector count instead of id·stride keeps the bounds check free
// of overflow for any id and stride.
func batchGeometry(dim, arenaLen, stride int) (nvec int, ok bool) {
	if stride < 1 || stride < dim {
		return 0, false
	}
	if arenaLen < dim {
		return 0, true
	}
	return (arenaLen-dim)/stride + 1, true
}

// fillNaN sets every element of out to NaN.
func fillNaN(out []float32) {
	nan := float32(math.NaN())
	for i := range out {
		out[i] = nan
	}
}

// batchWith builds a BatchFunc from a pair kernel. It is the generic tier's
// batch loop and the reference the assembly batch loops are tested against.
func batchWith(kernel func(a, b []float32) float32) BatchFunc {
	return func(q, arena []float32, stride int, ids []uint32, out []float32) {
		n := min(len(ids), len(out))
		ids, out = ids[:n], out[:n]
		dim := len(q)
		nvec, ok := batchGeometry(dim, len(arena), stride)
		if !ok {
			fillNaN(out)
			return
		}
		nan := float32(math.NaN())
		for i, id := range ids {
			if uint64(id) >= uint64(nvec) {
				out[i] = nan
				continue
			}
			off := int(id) * stride
			out[i] = kernel(q, arena[off:off+dim])
		}
	}
}

var genericKernels = Kernels{
	ISA:            Generic,
	Dot:            dotGeneric,
	L2Squared:      l2SquaredGeneric,
	L1:             l1Generic,
	Cosine:         cosineGeneric,
	Hamming:        hammingGeneric,
	Jaccard:        jaccardGeneric,
	DotBatch:       batchWith(dotGeneric),
	L2SquaredBatch: batchWith(l2SquaredGeneric),
	L1Batch:        batchWith(l1Generic),
	DotBlock:       blockWith(dotBlockGeneric),
	L2SquaredBlock: blockWith(l2SquaredBlockGeneric),

	DotPanels:       panelWith(dotPanelsGeneric),
	L2SquaredPanels: panelWith(l2SquaredPanelsGeneric),
}
