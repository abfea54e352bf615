package pgxvec

import (
	"fmt"
	"strconv"

	"github.com/pgvector/pgvector-go"
)

// sparsevec's binary form is int32 dimensions, int32 nnz, int32 unused (0),
// then nnz int32 zero-based indices and nnz float32 values, big-endian. Its
// text form is {i:x,...}/dim with one-based indices. pgvector-go's
// SparseVector reads and writes the binary form; this codec adds the
// checks that make a decoded value safe to use (its Slice indexes by the
// indices), and a text form that reads back exactly.

// newSparsevecCodec returns the codec of pgvector's sparsevec.
func newSparsevecCodec() *codec[pgvector.SparseVector] {
	return &codec[pgvector.SparseVector]{
		name: "sparsevec",
		param: func(value any) (pgvector.SparseVector, bool) {
			v, ok := value.(pgvector.SparseVector)
			return v, ok
		},
		appendBinary: func(buf []byte, v pgvector.SparseVector) ([]byte, error) { return v.EncodeBinary(buf) },
		appendText:   appendSparseText,
		decodeBinary: decodeSparseBinary,
		decodeText:   parseSparseText,
		goValue:      func(v pgvector.SparseVector) any { return v },
		scanTo: func(target any) (func(any, pgvector.SparseVector), func(any) error, bool) {
			if _, ok := target.(*pgvector.SparseVector); !ok {
				return nil, nil, false
			}
			return func(t any, v pgvector.SparseVector) { *t.(*pgvector.SparseVector) = v }, refuseNull, true
		},
	}
}

// decodeSparseBinary decodes a binary message and checks it.
func decodeSparseBinary(src []byte) (pgvector.SparseVector, error) {
	var v pgvector.SparseVector
	if err := v.DecodeBinary(src); err != nil {
		return pgvector.SparseVector{}, fmt.Errorf("%w sparsevec: %w", ErrMalformed, err)
	}
	return v, checkSparse(v)
}

// parseSparseText parses the text form as the server prints it, and checks
// the value.
func parseSparseText(s string) (pgvector.SparseVector, error) {
	var v pgvector.SparseVector
	if err := v.Parse(s); err != nil {
		return pgvector.SparseVector{}, fmt.Errorf("%w sparsevec: %w", ErrMalformed, err)
	}
	return v, checkSparse(v)
}

// checkSparse checks what the server guarantees of a sparsevec and
// pgvector-go's binary decoder does not: dimensions not negative, indices
// strictly increasing and below the dimensions.
func checkSparse(v pgvector.SparseVector) error {
	dim := v.Dimensions()
	if dim < 0 {
		return malformed("sparsevec", "%d dimensions", dim)
	}
	prev := int32(-1)
	for i, idx := range v.Indices() {
		if idx <= prev || idx >= dim {
			return malformed("sparsevec", "index %d of %d is %d, after %d, in %d dimensions", i, len(v.Indices()), idx, prev, dim)
		}
		prev = idx
	}
	return nil
}

// appendSparseText appends v's text form.
func appendSparseText(buf []byte, v pgvector.SparseVector) []byte {
	buf = append(buf, '{')
	values := v.Values()
	for i, idx := range v.Indices() {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = strconv.AppendInt(buf, int64(idx)+1, 10)
		buf = append(buf, ':')
		buf = appendFloat(buf, values[i])
	}
	buf = append(buf, "}/"...)
	return strconv.AppendInt(buf, int64(v.Dimensions()), 10)
}
