package pgcompat

import "fmt"

// OpClass describes one of pgvector's HNSW operator classes: which column
// type it indexes, which ORDER BY operator it serves, the distance the graph
// is built and searched with, and whether values are normalised first.
type OpClass struct {
	// Name is the SQL name, e.g. "vector_cosine_ops".
	Name string
	// Type is the column type: "vector", "halfvec", "sparsevec" or "bit".
	Type string
	// Operator is the ORDER BY operator the index can serve.
	Operator Operator
	// Support is the support function 1, the distance the graph uses:
	// "vector_l2_squared_distance", "vector_negative_inner_product", …
	Support string
	// Normalize is true for the cosine classes: stored values and queries
	// are l2-normalised (in the column type) and zero vectors are not indexed.
	Normalize bool
	// MaxDims is the most dimensions (bits, for bit) the column may have for
	// an HNSW index; 0 for sparsevec, whose limit is instead HNSWMaxNNZ
	// non-zero elements per row.
	MaxDims int
}

// opClasses is pgvector 0.8.7's table of HNSW operator classes. None is the
// default for its type.
var opClasses = [...]OpClass{
	{"vector_l2_ops", "vector", OpL2, "vector_l2_squared_distance", false, HNSWMaxDim},
	{"vector_ip_ops", "vector", OpNegInner, "vector_negative_inner_product", false, HNSWMaxDim},
	{"vector_cosine_ops", "vector", OpCosine, "vector_negative_inner_product", true, HNSWMaxDim},
	{"vector_l1_ops", "vector", OpL1, "l1_distance", false, HNSWMaxDim},
	{"halfvec_l2_ops", "halfvec", OpL2, "halfvec_l2_squared_distance", false, HNSWMaxHalfDim},
	{"halfvec_ip_ops", "halfvec", OpNegInner, "halfvec_negative_inner_product", false, HNSWMaxHalfDim},
	{"halfvec_cosine_ops", "halfvec", OpCosine, "halfvec_negative_inner_product", true, HNSWMaxHalfDim},
	{"halfvec_l1_ops", "halfvec", OpL1, "l1_distance", false, HNSWMaxHalfDim},
	{"sparsevec_l2_ops", "sparsevec", OpL2, "sparsevec_l2_squared_distance", false, 0},
	{"sparsevec_ip_ops", "sparsevec", OpNegInner, "sparsevec_negative_inner_product", false, 0},
	{"sparsevec_cosine_ops", "sparsevec", OpCosine, "sparsevec_negative_inner_product", true, 0},
	{"sparsevec_l1_ops", "sparsevec", OpL1, "l1_distance", false, 0},
	{"bit_hamming_ops", "bit", OpHamming, "hamming_distance", false, HNSWMaxBitDim},
	{"bit_jaccard_ops", "bit", OpJaccard, "jaccard_distance", false, HNSWMaxBitDim},
}

// OpClasses returns every HNSW operator class pgvector defines.
func OpClasses() []OpClass { return append([]OpClass(nil), opClasses[:]...) }

// LookupOpClass finds an HNSW operator class by its SQL name.
func LookupOpClass(name string) (OpClass, bool) {
	for _, c := range opClasses {
		if c.Name == name {
			return c, true
		}
	}
	return OpClass{}, false
}

// IndexValue returns the value an HNSW index with this operator class stores
// for a column value v (Vector, HalfVec, SparseVec or Bit; nil for NULL), as
// HnswFormIndexValue forms it. indexed is false for rows the index skips:
// NULL, and under a cosine class any value whose norm is not > 0. A sparse
// value with more than 1000 non-zero elements is an error.
func (c OpClass) IndexValue(v any) (stored any, indexed bool, err error) {
	if v == nil {
		return nil, false, nil
	}
	if sqlTypeName(v) != c.Type {
		return nil, false, fmt.Errorf("pgcompat: operator class %s indexes %s, not %s", c.Name, c.Type, sqlTypeName(v))
	}
	if s, ok := v.(SparseVec); ok && len(s.idx) > HNSWMaxNNZ {
		return nil, false, newError(ProgramLimitExceeded, fmt.Sprintf("sparsevec cannot have more than %d non-zero elements for hnsw index", HNSWMaxNNZ))
	}
	if !c.Normalize {
		return v, true, nil
	}
	switch x := v.(type) {
	case Vector:
		if !(L2Norm(x) > 0) {
			return nil, false, nil
		}
		n, err := L2Normalize(x)
		return n, err == nil, err
	case HalfVec:
		if !(L2Norm(x) > 0) {
			return nil, false, nil
		}
		n, err := L2Normalize(x)
		return n, err == nil, err
	case SparseVec:
		if !(L2Norm(x) > 0) {
			return nil, false, nil
		}
		n, err := L2Normalize(x)
		return n, err == nil, err
	}
	return v, true, nil
}

// QueryValue returns the value an index scan searches with for the ORDER BY
// argument q: normalised under a cosine class (a zero query stays zero, so
// every distance is 0 and the scan returns arbitrary rows), unchanged
// otherwise.
func (c OpClass) QueryValue(q any) (any, error) {
	if !c.Normalize || q == nil {
		return q, nil
	}
	switch x := q.(type) {
	case Vector:
		return L2Normalize(x)
	case HalfVec:
		return L2Normalize(x)
	case SparseVec:
		return L2Normalize(x)
	}
	return q, nil
}

// IndexDistance is the operator class's support function 1: the distance
// the HNSW graph is built and searched with, between two values already
// formed by IndexValue/QueryValue. For l2 it is the squared distance, for ip
// and cosine the negative inner product.
func (c OpClass) IndexDistance(a, b any) (float64, error) {
	switch c.Support {
	case "hamming_distance", "jaccard_distance":
		return c.Operator.Distance(a, b)
	}
	switch x := a.(type) {
	case Vector:
		if y, ok := b.(Vector); ok {
			return indexDistance(c, x, y)
		}
	case HalfVec:
		if y, ok := b.(HalfVec); ok {
			return indexDistance(c, x, y)
		}
	case SparseVec:
		if y, ok := b.(SparseVec); ok {
			return indexDistance(c, x, y)
		}
	}
	return 0, undefinedOperator(c.Operator, sqlTypeName(a), sqlTypeName(b))
}

func indexDistance[T AnyVector](c OpClass, a, b T) (float64, error) {
	switch c.Operator {
	case OpL2:
		return L2SquaredDistance(a, b)
	case OpNegInner, OpCosine:
		return NegativeInnerProduct(a, b)
	case OpL1:
		return L1Distance(a, b)
	}
	return 0, undefinedOperator(c.Operator, c.Type, c.Type)
}
