package pgcompat

import (
	"math"

	"github.com/smallworld-go/smallworld/halfvec"
)

// Dims is vector_dims: the number of dimensions of v.
func Dims[T AnyVector](v T) int {
	switch v := any(v).(type) {
	case Vector:
		return len(v.x)
	case HalfVec:
		return len(v.x)
	case SparseVec:
		return int(v.dim)
	}
	return 0
}

// VectorNorm is pgvector's vector_norm(vector): the Euclidean norm, summed in
// float64.
func VectorNorm(v Vector) float64 { return math.Sqrt(sumSquares64(v.x)) }

// L2Norm is the Euclidean norm summed in float64: pgvector's l2_norm for
// halfvec and sparsevec, and vector_norm for vector (where SQL spells it
// vector_norm; l2_norm(vector) is ambiguous there).
func L2Norm[T AnyVector](v T) float64 {
	switch v := any(v).(type) {
	case Vector:
		return math.Sqrt(sumSquares64(v.x))
	case HalfVec:
		return math.Sqrt(sumSquaresHalf64(v.x))
	case SparseVec:
		return math.Sqrt(sumSquares64(v.val))
	}
	return 0
}

func sumSquares64(x []float32) float64 {
	var s float64
	for _, e := range x {
		s += float64(float64(e) * float64(e))
	}
	return s
}

func sumSquaresHalf64(x []halfvec.Float16) float64 {
	var s float64
	for _, h := range x {
		e := float64(h.Float32())
		s += float64(e * e)
	}
	return s
}

// L2Normalize is pgvector's l2_normalize: each element divided by the
// float64 norm and rounded to the element type (for halfvec, through float32
// to half). A zero vector is returned unchanged; sparse elements that
// underflow to zero are dropped; an infinite result is "value out of range:
// overflow".
func L2Normalize[T AnyVector](v T) (T, error) {
	var out any
	switch v := any(v).(type) {
	case Vector:
		norm := math.Sqrt(sumSquares64(v.x))
		r := make([]float32, len(v.x))
		if norm > 0 {
			for i, e := range v.x {
				r[i] = float32(float64(e) / norm)
			}
			for _, e := range r {
				if isInf32(e) {
					var zero T
					return zero, errOverflow()
				}
			}
		}
		out = Vector{x: r}
	case HalfVec:
		norm := math.Sqrt(sumSquaresHalf64(v.x))
		r := make([]halfvec.Float16, len(v.x))
		if norm > 0 {
			for i, h := range v.x {
				r[i] = toHalfUnchecked(float32(float64(h.Float32()) / norm))
			}
			for _, h := range r {
				if h.IsInf(0) {
					var zero T
					return zero, errOverflow()
				}
			}
		}
		out = HalfVec{x: r}
	case SparseVec:
		norm := math.Sqrt(sumSquares64(v.val))
		if !(norm > 0) {
			out = SparseVec{dim: v.dim, idx: append([]int32(nil), v.idx...), val: append([]float32(nil), v.val...)}
			break
		}
		r := SparseVec{dim: v.dim}
		for i, e := range v.val {
			f := float32(float64(e) / norm)
			if isInf32(f) {
				var zero T
				return zero, errOverflow()
			}
			if f != 0 {
				r.idx = append(r.idx, v.idx[i])
				r.val = append(r.val, f)
			}
		}
		out = r
	}
	return out.(T), nil
}

// BinaryQuantize is pgvector's binary_quantize: bit i is set when element i
// is greater than zero (0 and −0 give 0).
func BinaryQuantize[T DenseVector](v T) Bit {
	var x []float32
	switch v := any(v).(type) {
	case Vector:
		x = v.x
	case HalfVec:
		x = v.Slice()
	}
	out := Bit{n: len(x), b: make([]byte, (len(x)+7)/8)}
	for i, e := range x {
		if e > 0 {
			out.b[i/8] |= 0x80 >> (i % 8)
		}
	}
	return out
}

// Subvector is pgvector's subvector(v, start, count): count elements from
// the 1-based position start. As in pgvector the end (start+count, capped at
// dims+1) is computed before start is raised to 1, so subvector('[1,2,3,4,5]',
// -1, 3) is [1]; count < 1, start > dims or an empty result is "vector must
// have at least 1 dimension".
func Subvector[T DenseVector](v T, start, count int32) (T, error) {
	var zero T
	typ := "vector"
	dim := Dims(v)
	if _, ok := any(v).(HalfVec); ok {
		typ = "halfvec"
	}
	tooFew := func() error { return newError(DataException, typ+" must have at least 1 dimension") }
	if count < 1 {
		return zero, tooFew()
	}
	d := int32(dim)
	var end int32
	if start > d-count {
		end = d + 1
	} else {
		end = start + count
	}
	if start < 1 {
		start = 1
	} else if start > d {
		return zero, tooFew()
	}
	n := int(end - start)
	if err := checkDim(typ, n, VectorMaxDim); err != nil {
		return zero, err
	}
	var out any
	switch v := any(v).(type) {
	case Vector:
		out = Vector{x: append([]float32(nil), v.x[start-1:int(start-1)+n]...)}
	case HalfVec:
		out = HalfVec{x: append([]halfvec.Float16(nil), v.x[start-1:int(start-1)+n]...)}
	}
	return out.(T), nil
}

// Add is the + operator: element-wise sum, rounded to the element type. An
// infinite element is "value out of range: overflow".
func Add[T DenseVector](a, b T) (T, error) { return arith(a, b, '+') }

// Sub is the - operator: element-wise difference.
func Sub[T DenseVector](a, b T) (T, error) { return arith(a, b, '-') }

// Mul is the * operator: element-wise product. An infinite element is an
// overflow error, and a zero from two non-zero elements is "value out of
// range: underflow".
func Mul[T DenseVector](a, b T) (T, error) { return arith(a, b, '*') }

func arith[T DenseVector](a, b T, op byte) (T, error) {
	var zero T
	switch a := any(a).(type) {
	case Vector:
		b := any(b).(Vector)
		if err := checkDims("vector", len(a.x), len(b.x)); err != nil {
			return zero, err
		}
		r := make([]float32, len(a.x))
		for i := range r {
			switch op {
			case '+':
				r[i] = a.x[i] + b.x[i]
			case '-':
				r[i] = a.x[i] - b.x[i]
			default:
				r[i] = a.x[i] * b.x[i]
			}
		}
		for i, e := range r {
			if isInf32(e) {
				return zero, errOverflow()
			}
			if op == '*' && e == 0 && a.x[i] != 0 && b.x[i] != 0 {
				return zero, errUnderflow()
			}
		}
		return any(Vector{x: r}).(T), nil
	case HalfVec:
		b := any(b).(HalfVec)
		if err := checkDims("halfvec", len(a.x), len(b.x)); err != nil {
			return zero, err
		}
		r := make([]halfvec.Float16, len(a.x))
		for i := range r {
			x, y := a.x[i].Float32(), b.x[i].Float32()
			var f float32
			switch op {
			case '+':
				f = x + y
			case '-':
				f = x - y
			default:
				f = x * y
			}
			r[i] = toHalfUnchecked(f)
		}
		for i, h := range r {
			if h.IsInf(0) {
				return zero, errOverflow()
			}
			if op == '*' && halfIsZero(h) && !halfIsZero(a.x[i]) && !halfIsZero(b.x[i]) {
				return zero, errUnderflow()
			}
		}
		return any(HalfVec{x: r}).(T), nil
	}
	return zero, nil
}

// Concat is the || operator: a followed by b, at most 16000 dimensions.
func Concat[T DenseVector](a, b T) (T, error) {
	var zero T
	switch a := any(a).(type) {
	case Vector:
		b := any(b).(Vector)
		if err := checkDim("vector", len(a.x)+len(b.x), VectorMaxDim); err != nil {
			return zero, err
		}
		r := make([]float32, 0, len(a.x)+len(b.x))
		return any(Vector{x: append(append(r, a.x...), b.x...)}).(T), nil
	case HalfVec:
		b := any(b).(HalfVec)
		if err := checkDim("halfvec", len(a.x)+len(b.x), HalfVecMaxDim); err != nil {
			return zero, err
		}
		r := make([]halfvec.Float16, 0, len(a.x)+len(b.x))
		return any(HalfVec{x: append(append(r, a.x...), b.x...)}).(T), nil
	}
	return zero, nil
}

// Compare is the btree comparison of pgvector's types (the <, =, > operators
// and ORDER BY v): element by element, then the shorter value first; for
// sparsevec, pgvector's comparison over the non-zero elements. It returns
// −1, 0 or +1.
func Compare[T AnyVector](a, b T) int {
	switch a := any(a).(type) {
	case Vector:
		return compareDense(a.x, any(b).(Vector).x)
	case HalfVec:
		b := any(b).(HalfVec)
		n := min(len(a.x), len(b.x))
		for i := 0; i < n; i++ {
			x, y := a.x[i].Float32(), b.x[i].Float32()
			if x < y {
				return -1
			}
			if x > y {
				return 1
			}
		}
		return cmpInt(len(a.x), len(b.x))
	case SparseVec:
		return compareSparse(a, any(b).(SparseVec))
	}
	return 0
}

func compareDense(a, b []float32) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] < b[i] {
			return -1
		}
		if a[i] > b[i] {
			return 1
		}
	}
	return cmpInt(len(a), len(b))
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compareSparse is sparsevec_cmp_internal.
func compareSparse(a, b SparseVec) int {
	n := min(len(a.idx), len(b.idx))
	for i := 0; i < n; i++ {
		if a.idx[i] < b.idx[i] {
			if a.val[i] < 0 {
				return -1
			}
			return 1
		}
		if a.idx[i] > b.idx[i] {
			if b.val[i] < 0 {
				return 1
			}
			return -1
		}
		if a.val[i] < b.val[i] {
			return -1
		}
		if a.val[i] > b.val[i] {
			return 1
		}
	}
	if len(a.idx) < len(b.idx) && b.idx[n] < a.dim {
		if b.val[n] < 0 {
			return 1
		}
		return -1
	}
	if len(a.idx) > len(b.idx) && a.idx[n] < b.dim {
		if a.val[n] < 0 {
			return -1
		}
		return 1
	}
	return cmpInt(int(a.dim), int(b.dim))
}
