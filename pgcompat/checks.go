package pgcompat

import (
	"math"
	"strconv"
)

// Limits of pgvector's types and of its HNSW index.
const (
	// VectorMaxDim is the most dimensions a vector may have.
	VectorMaxDim = 16000
	// HalfVecMaxDim is the most dimensions a halfvec may have.
	HalfVecMaxDim = 16000
	// SparseVecMaxDim is the most dimensions a sparsevec may have.
	SparseVecMaxDim = 1000000000
	// SparseVecMaxNNZ is the most non-zero elements a sparsevec may have.
	SparseVecMaxNNZ = 16000
	// HNSWMaxDim is the most dimensions of a vector column an HNSW index accepts.
	HNSWMaxDim = 2000
	// HNSWMaxHalfDim is the most dimensions of a halfvec column an HNSW index accepts.
	HNSWMaxHalfDim = 4000
	// HNSWMaxBitDim is the longest bit column an HNSW index accepts.
	HNSWMaxBitDim = 64000
	// HNSWMaxNNZ is the most non-zero elements a sparsevec may have to be
	// inserted into an HNSW index.
	HNSWMaxNNZ = 1000
)

// checkDim is pgvector's CheckDim for the named type.
func checkDim(typ string, dim, maxDim int) error {
	if dim < 1 {
		return newError(DataException, typ+" must have at least 1 dimension")
	}
	if dim > maxDim {
		return newError(ProgramLimitExceeded, typ+" cannot have more than "+strconv.Itoa(maxDim)+" dimensions")
	}
	return nil
}

// checkExpectedDim is pgvector's CheckExpectedDim: typmod −1 accepts any
// number of dimensions.
func checkExpectedDim(typmod, dim int) error {
	if typmod != -1 && typmod != dim {
		return newError(DataException, "expected "+strconv.Itoa(typmod)+" dimensions, not "+strconv.Itoa(dim))
	}
	return nil
}

// checkDims is the "different … dimensions" check of every binary operator.
func checkDims(typ string, a, b int) error {
	if a != b {
		return newError(DataException, "different "+typ+" dimensions "+strconv.Itoa(a)+" and "+strconv.Itoa(b))
	}
	return nil
}

// checkElement is pgvector's CheckElement for float32 elements.
func checkElement(typ string, v float32) error {
	if v != v {
		return newError(DataException, "NaN not allowed in "+typ)
	}
	if math.IsInf(float64(v), 0) {
		return newError(DataException, "infinite value not allowed in "+typ)
	}
	return nil
}

// checkTypmodValue validates a type modifier the way the *_typmod_in
// functions do: exactly one integer, at least 1, at most maxDim.
func checkTypmodValue(typ string, mods []int, maxDim int) (int, error) {
	if len(mods) != 1 {
		return 0, newError(InvalidParameterValue, "invalid type modifier")
	}
	if mods[0] < 1 {
		return 0, newError(InvalidParameterValue, "dimensions for type "+typ+" must be at least 1")
	}
	if mods[0] > maxDim {
		return 0, newError(InvalidParameterValue, "dimensions for type "+typ+" cannot exceed "+strconv.Itoa(maxDim))
	}
	return mods[0], nil
}

// VectorTypmod validates the modifiers of vector(n) and returns n.
func VectorTypmod(mods ...int) (int, error) { return checkTypmodValue("vector", mods, VectorMaxDim) }

// HalfVecTypmod validates the modifiers of halfvec(n) and returns n.
func HalfVecTypmod(mods ...int) (int, error) {
	return checkTypmodValue("halfvec", mods, HalfVecMaxDim)
}

// SparseVecTypmod validates the modifiers of sparsevec(n) and returns n.
func SparseVecTypmod(mods ...int) (int, error) {
	return checkTypmodValue("sparsevec", mods, SparseVecMaxDim)
}

// syntaxError is "invalid input syntax for type T: "lit"" with an optional
// DETAIL.
func syntaxError(typ, lit, detail string) *Error {
	return &Error{
		Code:    InvalidTextRepresentation,
		Message: "invalid input syntax for type " + typ + ": \"" + lit + "\"",
		Detail:  detail,
	}
}

// rangeError is ""tok" is out of range for type T".
func rangeError(typ, tok string) *Error {
	return newError(NumericValueOutOfRange, "\""+tok+"\" is out of range for type "+typ)
}

// skipSpace advances i past C whitespace.
func skipSpace(s string, i int) int {
	for i < len(s) && cIsSpace(s[i]) {
		i++
	}
	return i
}

// f32abs is |x| without going through float64.
func f32abs(x float32) float32 {
	return math.Float32frombits(math.Float32bits(x) &^ (1 << 31))
}

func isInf32(x float32) bool { return math.IsInf(float64(x), 0) }
