package pgcompat

import (
	"github.com/pgvector/pgvector-go"
)

// This file converts between pgcompat's types and those of
// github.com/pgvector/pgvector-go, which applications use with database/sql
// and pgx. Conversions into pgcompat apply pgvector's checks, since
// pgvector-go values are not validated.

// VectorFromPgvector converts a pgvector-go vector, checked as NewVector
// checks it.
func VectorFromPgvector(v pgvector.Vector) (Vector, error) { return NewVector(v.Slice()) }

// ToPgvector converts v to a pgvector-go vector.
func (v Vector) ToPgvector() pgvector.Vector { return pgvector.NewVector(v.Slice()) }

// HalfVecFromPgvector converts a pgvector-go half vector, whose elements
// are float32, rounding them to halves as the server would on input (see
// NewHalfVec).
func HalfVecFromPgvector(v pgvector.HalfVector) (HalfVec, error) { return NewHalfVec(v.Slice()) }

// ToPgvector converts v to a pgvector-go half vector; its float32 elements
// are the exact half values.
func (v HalfVec) ToPgvector() pgvector.HalfVector { return pgvector.NewHalfVector(v.Slice()) }

// SparseVecFromPgvector converts a pgvector-go sparse vector (0-based
// indices), checked as NewSparseVec checks it.
func SparseVecFromPgvector(v pgvector.SparseVector) (SparseVec, error) {
	return NewSparseVec(int(v.Dimensions()), v.Indices(), v.Values())
}

// ToPgvector converts v to a pgvector-go sparse vector.
func (v SparseVec) ToPgvector() pgvector.SparseVector {
	var out pgvector.SparseVector
	if v.dim == 0 {
		return out // the zero SparseVec
	}
	// Going through the binary format keeps the indices and values exactly
	// and avoids NewSparseVectorFromMap, which panics on bad input. v is
	// valid by construction, so decoding cannot fail.
	b, _ := v.MarshalBinary()
	if err := out.DecodeBinary(b); err != nil {
		return pgvector.SparseVector{}
	}
	return out
}
