package halfvec

import (
	"math"
	"sync"

	"github.com/smallworld-go/smallworld/distance"
)

// The generic tier: portable Go, four independent accumulators so that
// consecutive additions do not wait on each other.
//
// Halves are widened through a table of all 65,536 float32 values. Measured
// on the 768-d half dot product, the table version takes about 1.4× the time
// of the float32 generic kernel, while the best inlinable bit conversion
// (shift, mask, multiply by 2¹¹², a predicted branch for Inf/NaN) takes about
// 4.7× — too slow for the tier every non-amd64 user runs. The price is 256 KiB,
// so the table is built on first use of a generic kernel (amd64 programs on
// the assembly tiers never build it) and never modified afterwards.

// widenTable returns the float32 value of every half, indexed by its bits.
var widenTable = sync.OnceValue(func() *[1 << 16]float32 {
	t := new([1 << 16]float32)
	for i := range t {
		t[i] = math.Float32frombits(toFloat32Bits(Float16(i)))
	}
	return t
})

func abs32(x float32) float32 {
	return math.Float32frombits(math.Float32bits(x) &^ (1 << 31))
}

func dotGeneric(a, b []Float16) float32 {
	t := widenTable()
	n := min(len(a), len(b))
	a, b = a[:n], b[:n]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= n; i += 4 {
		s0 += t[a[i]] * t[b[i]]
		s1 += t[a[i+1]] * t[b[i+1]]
		s2 += t[a[i+2]] * t[b[i+2]]
		s3 += t[a[i+3]] * t[b[i+3]]
	}
	for ; i < n; i++ {
		s0 += t[a[i]] * t[b[i]]
	}
	return (s0 + s1) + (s2 + s3)
}

func l2SquaredGeneric(a, b []Float16) float32 {
	t := widenTable()
	n := min(len(a), len(b))
	a, b = a[:n], b[:n]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= n; i += 4 {
		d0 := t[a[i]] - t[b[i]]
		d1 := t[a[i+1]] - t[b[i+1]]
		d2 := t[a[i+2]] - t[b[i+2]]
		d3 := t[a[i+3]] - t[b[i+3]]
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
	}
	for ; i < n; i++ {
		d := t[a[i]] - t[b[i]]
		s0 += d * d
	}
	return (s0 + s1) + (s2 + s3)
}

func l1Generic(a, b []Float16) float32 {
	t := widenTable()
	n := min(len(a), len(b))
	a, b = a[:n], b[:n]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= n; i += 4 {
		s0 += abs32(t[a[i]] - t[b[i]])
		s1 += abs32(t[a[i+1]] - t[b[i+1]])
		s2 += abs32(t[a[i+2]] - t[b[i+2]])
		s3 += abs32(t[a[i+3]] - t[b[i+3]])
	}
	for ; i < n; i++ {
		s0 += abs32(t[a[i]] - t[b[i]])
	}
	return (s0 + s1) + (s2 + s3)
}

func cosineGeneric(a, b []Float16) float32 {
	t := widenTable()
	n := min(len(a), len(b))
	a, b = a[:n], b[:n]
	var d0, d1, x0, x1, y0, y1 float32
	i := 0
	for ; i+2 <= n; i += 2 {
		p, q := t[a[i]], t[b[i]]
		d0 += p * q
		x0 += p * p
		y0 += q * q
		p, q = t[a[i+1]], t[b[i+1]]
		d1 += p * q
		x1 += p * p
		y1 += q * q
	}
	for ; i < n; i++ {
		p, q := t[a[i]], t[b[i]]
		d0 += p * q
		x0 += p * p
		y0 += q * q
	}
	return cosineFinish(d0+d1, x0+x1, y0+y1)
}

func dotF32Generic(q []float32, h []Float16) float32 {
	t := widenTable()
	n := min(len(q), len(h))
	q, h = q[:n], h[:n]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= n; i += 4 {
		s0 += q[i] * t[h[i]]
		s1 += q[i+1] * t[h[i+1]]
		s2 += q[i+2] * t[h[i+2]]
		s3 += q[i+3] * t[h[i+3]]
	}
	for ; i < n; i++ {
		s0 += q[i] * t[h[i]]
	}
	return (s0 + s1) + (s2 + s3)
}

func l2SquaredF32Generic(q []float32, h []Float16) float32 {
	t := widenTable()
	n := min(len(q), len(h))
	q, h = q[:n], h[:n]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= n; i += 4 {
		d0 := q[i] - t[h[i]]
		d1 := q[i+1] - t[h[i+1]]
		d2 := q[i+2] - t[h[i+2]]
		d3 := q[i+3] - t[h[i+3]]
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
	}
	for ; i < n; i++ {
		d := q[i] - t[h[i]]
		s0 += d * d
	}
	return (s0 + s1) + (s2 + s3)
}

func l1F32Generic(q []float32, h []Float16) float32 {
	t := widenTable()
	n := min(len(q), len(h))
	q, h = q[:n], h[:n]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= n; i += 4 {
		s0 += abs32(q[i] - t[h[i]])
		s1 += abs32(q[i+1] - t[h[i+1]])
		s2 += abs32(q[i+2] - t[h[i+2]])
		s3 += abs32(q[i+3] - t[h[i+3]])
	}
	for ; i < n; i++ {
		s0 += abs32(q[i] - t[h[i]])
	}
	return (s0 + s1) + (s2 + s3)
}

func cosineF32Generic(q []float32, h []Float16) float32 {
	t := widenTable()
	n := min(len(q), len(h))
	q, h = q[:n], h[:n]
	var d0, d1, x0, x1, y0, y1 float32
	i := 0
	for ; i+2 <= n; i += 2 {
		p, r := q[i], t[h[i]]
		d0 += p * r
		x0 += p * p
		y0 += r * r
		p, r = q[i+1], t[h[i+1]]
		d1 += p * r
		x1 += p * p
		y1 += r * r
	}
	for ; i < n; i++ {
		p, r := q[i], t[h[i]]
		d0 += p * r
		x0 += p * p
		y0 += r * r
	}
	return cosineFinish(d0+d1, x0+x1, y0+y1)
}

// cosineFinish turns the three float32 sums of a one-pass cosine into a
// distance the way pgvector does: the similarity in float64, clamped to
// [−1, 1] (NaN is not clamped), then 1 − similarity. A squared norm of 0 —
// a zero vector, or a float32 query so small that its squared norm
// underflows — gives NaN, as package distance's cosine does, rather than a
// similarity of ±1 from a nonzero dot product over a zero norm.
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

// batchMaxID returns the largest id whose vector of dim elements lies inside
// an arena of arenaLen elements laid out with the given stride, or −1 when no
// id is valid (the arena is too short, or stride < dim). Comparing ids with it
// replaces a per-id multiplication that could overflow.
func batchMaxID(dim, arenaLen, stride int) int {
	switch {
	case stride < dim || arenaLen < dim:
		return -1
	case stride == 0: // dim == 0 too: every id names the empty vector at 0
		return math.MaxInt
	}
	return (arenaLen - dim) / stride
}

// batchWith builds a BatchFunc from a pair kernel. It is the generic tier's
// batch loop and the reference the assembly batch loops are tested against.
func batchWith(kernel func(q []float32, h []Float16) float32) BatchFunc {
	return func(q []float32, arena []Float16, stride int, ids []uint32, out []float32) {
		n := min(len(ids), len(out))
		dim := len(q)
		maxID := batchMaxID(dim, len(arena), stride)
		for i := range n {
			// Compare in 64 bits: on a 32-bit platform a large uint32 id
			// would turn negative as an int.
			if int64(ids[i]) > int64(maxID) {
				out[i] = float32(math.NaN())
				continue
			}
			off := int(ids[i]) * stride
			out[i] = kernel(q, arena[off:off+dim])
		}
	}
}

var genericKernels = Kernels{
	ISA:               distance.Generic,
	Dot:               dotGeneric,
	L2Squared:         l2SquaredGeneric,
	L1:                l1Generic,
	Cosine:            cosineGeneric,
	DotF32:            dotF32Generic,
	L2SquaredF32:      l2SquaredF32Generic,
	L1F32:             l1F32Generic,
	CosineF32:         cosineF32Generic,
	DotBatchF32:       batchWith(dotF32Generic),
	L2SquaredBatchF32: batchWith(l2SquaredF32Generic),
	L1BatchF32:        batchWith(l1F32Generic),
	Encode:            encodeGeneric,
	Decode:            decodeGeneric,
}
