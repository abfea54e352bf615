package pgcompat

import (
	"fmt"
	"math/bits"

	"github.com/smallworld-go/smallworld/hnsw"
)

// The pgvector-mode index stores every value in an hnsw.Index, which holds
// dense float32 (or float16) vectors. This file maps each pgvector type onto
// such vectors without changing a single distance:
//
//   - vector: the float32 elements as they are;
//   - halfvec: the halves, stored as float16 (exact: they are halves);
//   - sparsevec: the dense expansion. Zeros add nothing to pgvector's
//     float32 sums (x + 0 = x, and a sum never becomes −0), so the dense
//     sequential sums equal pgvector's sparse merge-order sums bit for bit;
//   - bit: 16 bits per float32 component, as the integer 0..65535 (exact in
//     float32), so that Hamming and Jaccard distances are popcounts.
//
// The graph distance is the operator class's support function computed as
// pgvector computes it: float32 accumulation in element order (PGlite and
// scalar builds; see the spec's platform note).

// bitsPerWord is how many bits of a bit string one float32 component holds.
const bitsPerWord = 16

// valueCodec converts column values of one operator class to and from the
// float32 vectors the graph stores.
type valueCodec struct {
	oc    OpClass
	dims  int // the column's typmod (bits, for bit)
	width int // components of the stored float32 vectors
}

func newValueCodec(oc OpClass, dims int) (valueCodec, error) {
	c := valueCodec{oc: oc, dims: dims, width: dims}
	if oc.Type == "bit" {
		c.width = (dims + bitsPerWord - 1) / bitsPerWord
	}
	if c.width > hnsw.MaxDim {
		return c, fmt.Errorf("%w: %s(%d) needs %d graph dimensions, more than the %d the index supports",
			ErrUnsupportedIndex, oc.Type, dims, c.width, hnsw.MaxDim)
	}
	return c, nil
}

// column converts v to the column's type and checks it against the typmod,
// as an INSERT into the column would. nil stands for NULL.
func (c valueCodec) column(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []float32:
		switch c.oc.Type {
		case "vector":
			vv, err := NewVector(x)
			if err != nil {
				return nil, err
			}
			v = vv
		case "halfvec":
			hv, err := NewHalfVec(x)
			if err != nil {
				return nil, err
			}
			v = hv
		case "sparsevec":
			sv, err := sparseFromDense(x)
			if err != nil {
				return nil, err
			}
			v = sv
		default:
			return nil, fmt.Errorf("%w: a []float32 cannot be a value of type %s", ErrValueType, c.oc.Type)
		}
	case *Vector:
		if x == nil {
			return nil, nil
		}
		v = *x
	case *HalfVec:
		if x == nil {
			return nil, nil
		}
		v = *x
	case *SparseVec:
		if x == nil {
			return nil, nil
		}
		v = *x
	case *Bit:
		if x == nil {
			return nil, nil
		}
		v = *x
	}
	if got := sqlTypeName(v); got != c.oc.Type {
		return nil, fmt.Errorf("%w: operator class %s indexes %s, not %s", ErrValueType, c.oc.Name, c.oc.Type, got)
	}
	switch x := v.(type) {
	case Vector:
		return x, x.CheckTypmod(c.dims)
	case HalfVec:
		return x, x.CheckTypmod(c.dims)
	case SparseVec:
		return x, x.CheckTypmod(c.dims)
	case Bit:
		return x.CastBit(c.dims, false)
	}
	return nil, fmt.Errorf("%w: %T", ErrValueType, v)
}

// sparseFromDense returns the sparse vector with x's non-zero elements.
func sparseFromDense(x []float32) (SparseVec, error) {
	var idx []int32
	var val []float32
	for i, f := range x {
		if f != 0 {
			idx = append(idx, int32(i))
			val = append(val, f)
		}
	}
	return NewSparseVec(len(x), idx, val)
}

// encode appends the graph form of a value formed by OpClass.IndexValue (or
// QueryValue) to dst.
func (c valueCodec) encode(dst []float32, v any) []float32 {
	switch x := v.(type) {
	case Vector:
		return append(dst, x.x...)
	case HalfVec:
		for _, h := range x.x {
			dst = append(dst, h.Float32())
		}
		return dst
	case SparseVec:
		start := len(dst)
		dst = append(dst, make([]float32, c.width)...)
		for i, j := range x.idx {
			dst[start+int(j)] = x.val[i]
		}
		return dst
	case Bit:
		for w := range c.width {
			var word uint16
			for b := range bitsPerWord {
				i := w*bitsPerWord + b
				if i < x.n && x.b[i>>3]&(0x80>>(i&7)) != 0 {
					word |= 1 << (bitsPerWord - 1 - b)
				}
			}
			dst = append(dst, float32(word))
		}
		return dst
	}
	return dst
}

// decode turns a stored graph vector back into the column value it came
// from. It is only used for operator classes that do not normalise, whose
// stored value is the row's value.
func (c valueCodec) decode(vec []float32) (any, error) {
	switch c.oc.Type {
	case "vector":
		return NewVector(vec)
	case "halfvec":
		// The stored components are halves widened to float32, so rounding
		// them back is exact.
		return NewHalfVec(vec)
	case "sparsevec":
		return sparseFromDense(vec)
	case "bit":
		b := make([]byte, (c.dims+7)/8)
		for i := range c.dims {
			word := uint16(vec[i/bitsPerWord])
			if word&(1<<(bitsPerWord-1-i%bitsPerWord)) != 0 {
				b[i>>3] |= 0x80 >> (i & 7)
			}
		}
		return BitFromBytes(b, c.dims)
	}
	return nil, fmt.Errorf("%w: %s", ErrValueType, c.oc.Type)
}

// valueSize is the varlena size of a value as the index stores it.
func (c valueCodec) valueSize(stored any) int {
	switch x := stored.(type) {
	case Vector:
		return VectorValueSize(len(x.x))
	case HalfVec:
		return HalfVecValueSize(len(x.x))
	case SparseVec:
		return SparseVecValueSize(len(x.idx))
	case Bit:
		return BitValueSize(x.n)
	}
	return 0
}

// graphConfig returns the hnsw configuration that reproduces the operator
// class: its metric (cosine is the negative inner product of normalised
// values, which pgcompat forms itself), its storage, and, unless fast is
// set, pgvector's sequential float32 arithmetic.
func (c valueCodec) graphConfig(fast bool) (metric hnsw.Metric, storage hnsw.Storage, dist hnsw.DistanceFunc, err error) {
	switch c.oc.Operator {
	case OpL2:
		metric, dist = hnsw.L2, l2sqF32
	case OpNegInner, OpCosine:
		metric, dist = hnsw.InnerProduct, negDotF32
	case OpL1:
		metric, dist = hnsw.L1, l1F32
	case OpHamming:
		metric, dist = hnsw.L1, hammingWords
	case OpJaccard:
		metric, dist = hnsw.L1, jaccardWords
	default:
		return 0, 0, nil, fmt.Errorf("%w: operator %s", ErrUnsupportedIndex, c.oc.Operator)
	}
	if c.oc.Type == "halfvec" {
		storage = hnsw.Float16
	}
	if fast {
		if c.oc.Type != "vector" && c.oc.Type != "halfvec" {
			return 0, 0, nil, fmt.Errorf("%w: FastDistance needs a vector or halfvec operator class, not %s", ErrUnsupportedIndex, c.oc.Name)
		}
		dist = nil
	}
	return metric, storage, dist, nil
}

// negDotF32 is vector_negative_inner_product in float32.
func negDotF32(a, b []float32) float32 { return -dotF32(a, b) }

// hammingWords is hamming_distance over 16-bit words.
func hammingWords(a, b []float32) float32 {
	var d int
	for i := range a {
		d += bits.OnesCount16(uint16(a[i]) ^ uint16(b[i]))
	}
	return float32(d)
}

// jaccardWords is jaccard_distance over 16-bit words. pgvector returns it as
// a double; the graph compares it rounded to float32 (see the divergence
// note on Index).
func jaccardWords(a, b []float32) float32 {
	var ab, aa, bb int
	for i := range a {
		x, y := uint16(a[i]), uint16(b[i])
		ab += bits.OnesCount16(x & y)
		aa += bits.OnesCount16(x)
		bb += bits.OnesCount16(y)
	}
	if ab == 0 {
		return 1
	}
	return float32(1 - float64(ab)/float64(aa+bb-ab))
}
