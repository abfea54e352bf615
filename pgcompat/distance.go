package pgcompat

import (
	"math"

	"github.com/smallworld-go/smallworld/halfvec"
)

// AnyVector is the set of pgvector's float vector types.
type AnyVector interface {
	Vector | HalfVec | SparseVec
}

// DenseVector is the set of pgvector's dense vector types.
type DenseVector interface {
	Vector | HalfVec
}

// The distance functions below reproduce pgvector's numerics bit for bit:
// the sums are float32 accumulators updated element by element in order, the
// result is widened to float64, and a square root, where there is one, is
// taken in float64 after widening. Every float32 product is converted
// explicitly before it is added so that no compiler may fuse the multiply
// and add into an FMA (the Go spec lets it otherwise), which would change the
// last bits. These are the reference values a real pgvector reports; they are
// deliberately not the SIMD kernels of package distance, which re-associate
// the sums.

// L2Distance is pgvector's <-> operator (l2_distance): the Euclidean
// distance, sqrt((float64) Σ_f32 (aᵢ−bᵢ)²). Different dimensions are an
// error ("different vector dimensions 2 and 3").
func L2Distance[T AnyVector](a, b T) (float64, error) {
	s, err := L2SquaredDistance(a, b)
	if err != nil {
		return 0, err
	}
	return math.Sqrt(s), nil
}

// L2SquaredDistance is pgvector's vector_l2_squared_distance, the distance
// the HNSW l2 operator classes order by: (float64) Σ_f32 (aᵢ−bᵢ)², with no
// square root.
func L2SquaredDistance[T AnyVector](a, b T) (float64, error) {
	return perType(a, b,
		func(x, y []float32) float64 { return float64(l2sqF32(x, y)) },
		func(x, y []halfvec.Float16) float64 { return float64(l2sqF16(x, y)) },
		func(x, y SparseVec) float64 { return float64(l2sqSparse(x, y)) })
}

// InnerProduct is pgvector's inner_product: (float64) Σ_f32 aᵢ·bᵢ.
func InnerProduct[T AnyVector](a, b T) (float64, error) {
	return perType(a, b,
		func(x, y []float32) float64 { return float64(dotF32(x, y)) },
		func(x, y []halfvec.Float16) float64 { return float64(dotF16(x, y)) },
		func(x, y SparseVec) float64 { return float64(dotSparse(x, y)) })
}

// NegativeInnerProduct is pgvector's <#> operator
// (vector_negative_inner_product): the float32 inner product negated, then
// widened. The ip and cosine HNSW operator classes order by it.
func NegativeInnerProduct[T AnyVector](a, b T) (float64, error) {
	ip, err := InnerProduct(a, b)
	if err != nil {
		return 0, err
	}
	// Negating before or after widening gives the same bits.
	return -ip, nil
}

// CosineDistance is pgvector's <=> operator (cosine_distance):
// 1 − sim, where sim = (float64)Σ_f32 aᵢbᵢ / sqrt((float64)Σ_f32 aᵢ² ·
// (float64)Σ_f32 bᵢ²), clamped to [−1, 1]. A zero vector on either side gives
// NaN (0/0), as do float32 overflow or underflow of the norms.
func CosineDistance[T AnyVector](a, b T) (float64, error) {
	sim, err := perType(a, b, cosineSimF32, cosineSimF16, cosineSimSparse)
	if err != nil {
		return 0, err
	}
	// NaN fails both tests and stays NaN.
	if sim > 1 {
		sim = 1
	} else if sim < -1 {
		sim = -1
	}
	return 1 - sim, nil
}

// perType checks that a and b have the same dimensions (pgvector's
// "different vector dimensions" error, worded for the type) and applies the
// reference function for their type.
func perType[T AnyVector](a, b T, vec func(x, y []float32) float64,
	half func(x, y []halfvec.Float16) float64, sparse func(x, y SparseVec) float64) (float64, error) {
	switch a := any(a).(type) {
	case Vector:
		b := any(b).(Vector)
		if err := checkDims("vector", len(a.x), len(b.x)); err != nil {
			return 0, err
		}
		return vec(a.x, b.x), nil
	case HalfVec:
		b := any(b).(HalfVec)
		if err := checkDims("halfvec", len(a.x), len(b.x)); err != nil {
			return 0, err
		}
		return half(a.x, b.x), nil
	case SparseVec:
		b := any(b).(SparseVec)
		if err := checkDims("sparsevec", int(a.dim), int(b.dim)); err != nil {
			return 0, err
		}
		return sparse(a, b), nil
	}
	return 0, nil // unreachable: AnyVector has exactly these three types
}

// L1Distance is pgvector's <+> operator (l1_distance): (float64) Σ_f32 |aᵢ−bᵢ|.
func L1Distance[T AnyVector](a, b T) (float64, error) {
	return perType(a, b,
		func(x, y []float32) float64 { return float64(l1F32(x, y)) },
		func(x, y []halfvec.Float16) float64 { return float64(l1F16(x, y)) },
		func(x, y SparseVec) float64 { return float64(l1Sparse(x, y)) })
}

func l2sqF32(a, b []float32) float32 {
	var s float32
	for i := range a {
		d := a[i] - b[i]
		s += float32(d * d)
	}
	return s
}

func dotF32(a, b []float32) float32 {
	var s float32
	for i := range a {
		s += float32(a[i] * b[i])
	}
	return s
}

func l1F32(a, b []float32) float32 {
	var s float32
	for i := range a {
		s += f32abs(a[i] - b[i])
	}
	return s
}

// cosineSimF32 accumulates the dot product and both squared norms in one
// pass, as pgvector's VectorCosineSimilarity does.
func cosineSimF32(a, b []float32) float64 {
	var sim, na, nb float32
	for i := range a {
		sim += float32(a[i] * b[i])
		na += float32(a[i] * a[i])
		nb += float32(b[i] * b[i])
	}
	return float64(sim) / math.Sqrt(float64(na)*float64(nb))
}

func l2sqF16(a, b []halfvec.Float16) float32 {
	var s float32
	for i := range a {
		d := a[i].Float32() - b[i].Float32()
		s += float32(d * d)
	}
	return s
}

func dotF16(a, b []halfvec.Float16) float32 {
	var s float32
	for i := range a {
		s += float32(a[i].Float32() * b[i].Float32())
	}
	return s
}

func l1F16(a, b []halfvec.Float16) float32 {
	var s float32
	for i := range a {
		s += f32abs(a[i].Float32() - b[i].Float32())
	}
	return s
}

func cosineSimF16(a, b []halfvec.Float16) float64 {
	var sim, na, nb float32
	for i := range a {
		x, y := a[i].Float32(), b[i].Float32()
		sim += float32(x * y)
		na += float32(x * x)
		nb += float32(y * y)
	}
	return float64(sim) / math.Sqrt(float64(na)*float64(nb))
}

// The sparse kernels walk both index lists in pgvector's merge order; the
// order of the float32 additions is part of the result.

func l2sqSparse(a, b SparseVec) float32 {
	var s float32
	bpos := 0
	for i, ai := range a.idx {
		bi := int32(-1)
		for j := bpos; j < len(b.idx); j++ {
			bi = b.idx[j]
			if ai == bi {
				d := a.val[i] - b.val[j]
				s += float32(d * d)
			} else if ai > bi {
				s += float32(b.val[j] * b.val[j])
			}
			if ai >= bi {
				bpos = j + 1
			}
			if bi >= ai {
				break
			}
		}
		if ai != bi {
			s += float32(a.val[i] * a.val[i])
		}
	}
	for j := bpos; j < len(b.idx); j++ {
		s += float32(b.val[j] * b.val[j])
	}
	return s
}

func dotSparse(a, b SparseVec) float32 {
	var s float32
	bpos := 0
	for i, ai := range a.idx {
		for j := bpos; j < len(b.idx); j++ {
			bi := b.idx[j]
			if ai == bi {
				s += float32(a.val[i] * b.val[j])
			}
			if ai >= bi {
				bpos = j + 1
			}
			if bi >= ai {
				break
			}
		}
	}
	return s
}

func l1Sparse(a, b SparseVec) float32 {
	var s float32
	bpos := 0
	for i, ai := range a.idx {
		bi := int32(-1)
		for j := bpos; j < len(b.idx); j++ {
			bi = b.idx[j]
			if ai == bi {
				s += f32abs(a.val[i] - b.val[j])
			} else if ai > bi {
				s += f32abs(b.val[j])
			}
			if ai >= bi {
				bpos = j + 1
			}
			if bi >= ai {
				break
			}
		}
		if ai != bi {
			s += f32abs(a.val[i])
		}
	}
	for j := bpos; j < len(b.idx); j++ {
		s += f32abs(b.val[j])
	}
	return s
}

// cosineSimSparse follows sparsevec_cosine_distance: the dot product over
// the merged lists, then each squared norm over its own non-zeros.
func cosineSimSparse(a, b SparseVec) float64 {
	sim := float64(dotSparse(a, b))
	var na, nb float32
	for _, v := range a.val {
		na += float32(v * v)
	}
	for _, v := range b.val {
		nb += float32(v * v)
	}
	return sim / math.Sqrt(float64(na)*float64(nb))
}

// Operator is one of pgvector's distance operators, as written in SQL.
type Operator string

// pgvector's distance operators.
const (
	OpL2       Operator = "<->" // L2Distance
	OpNegInner Operator = "<#>" // NegativeInnerProduct
	OpCosine   Operator = "<=>" // CosineDistance
	OpL1       Operator = "<+>" // L1Distance
	OpHamming  Operator = "<~>" // HammingDistance (bit)
	OpJaccard  Operator = "<%>" // JaccardDistance (bit)
)

// Distance evaluates the operator on two values of the same type: Vector,
// HalfVec, SparseVec, or Bit for <~> and <%>. A type the operator does not
// take is an error in PostgreSQL's words ("operator does not exist: …").
func (op Operator) Distance(a, b any) (float64, error) {
	switch a := a.(type) {
	case Vector:
		if b, ok := b.(Vector); ok {
			return distanceOf(op, a, b, "vector")
		}
	case HalfVec:
		if b, ok := b.(HalfVec); ok {
			return distanceOf(op, a, b, "halfvec")
		}
	case SparseVec:
		if b, ok := b.(SparseVec); ok {
			return distanceOf(op, a, b, "sparsevec")
		}
	case Bit:
		if b, ok := b.(Bit); ok {
			switch op {
			case OpHamming:
				return HammingDistance(a, b)
			case OpJaccard:
				return JaccardDistance(a, b)
			}
			return 0, undefinedOperator(op, "bit", "bit")
		}
	}
	return 0, undefinedOperator(op, sqlTypeName(a), sqlTypeName(b))
}

func distanceOf[T AnyVector](op Operator, a, b T, typ string) (float64, error) {
	switch op {
	case OpL2:
		return L2Distance(a, b)
	case OpNegInner:
		return NegativeInnerProduct(a, b)
	case OpCosine:
		return CosineDistance(a, b)
	case OpL1:
		return L1Distance(a, b)
	}
	return 0, undefinedOperator(op, typ, typ)
}

// undefinedOperator is PostgreSQL's error for an operator with no matching
// signature.
func undefinedOperator(op Operator, left, right string) *Error {
	return &Error{
		Code:    "42883",
		Message: "operator does not exist: " + left + " " + string(op) + " " + right,
		Hint:    "No operator matches the given name and argument types. You might need to add explicit type casts.",
	}
}

// sqlTypeName names a Go value's SQL type for messages.
func sqlTypeName(v any) string {
	switch v.(type) {
	case Vector:
		return "vector"
	case HalfVec:
		return "halfvec"
	case SparseVec:
		return "sparsevec"
	case Bit:
		return "bit"
	}
	return "unknown"
}
