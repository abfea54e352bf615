package pgtest

import (
	"context"
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/pgvector/pgvector-go"
)

// RegisterTypes teaches conn pgvector's vector, halfvec and sparsevec types
// (and their arrays), in pgvector's binary format, so that values travel
// bit-exactly. Parameters may be pgvector.Vector, pgvector.HalfVector,
// pgvector.SparseVector or []float32 (vector and halfvec); results scan into
// the same types.
//
// A float32 that is finite but too large for halfvec cannot be encoded in
// binary; pgx then falls back to the text format and the server reports its
// own "out of range" error. NaN and infinities are sent as such, so that the
// server rejects them with its own messages too. Call RegisterTypes again after DROP EXTENSION vector, since the
// types' OIDs change.
//
// This package implements the codecs itself, over the root pgvector-go
// package, instead of importing github.com/pgvector/pgvector-go/pgx, which
// would add a float16 dependency and is a separate module.
func RegisterTypes(ctx context.Context, conn *pgx.Conn) error {
	rows, err := conn.Query(ctx, `
		SELECT t.typname, t.oid, t.typarray
		FROM pg_catalog.pg_type t
		JOIN pg_catalog.pg_extension e ON e.extnamespace = t.typnamespace
		WHERE e.extname = 'vector' AND t.typname IN ('vector', 'halfvec', 'sparsevec')`)
	if err != nil {
		return fmt.Errorf("pgtest: looking up pgvector types: %w", err)
	}
	type oids struct{ elem, array uint32 }
	found := map[string]oids{}
	for rows.Next() {
		var name string
		var o oids
		if err := rows.Scan(&name, &o.elem, &o.array); err != nil {
			rows.Close()
			return fmt.Errorf("pgtest: looking up pgvector types: %w", err)
		}
		found[name] = o
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("pgtest: looking up pgvector types: %w", err)
	}
	codecs := map[string]pgtype.Codec{"vector": vectorCodec{}, "halfvec": halfvecCodec{}, "sparsevec": sparsevecCodec{}}
	m := conn.TypeMap()
	for _, name := range []string{"vector", "halfvec", "sparsevec"} {
		o, ok := found[name]
		if !ok {
			return fmt.Errorf("pgtest: type %s not found: is the vector extension installed?", name)
		}
		t := &pgtype.Type{Name: name, OID: o.elem, Codec: codecs[name]}
		m.RegisterType(t)
		m.RegisterType(&pgtype.Type{Name: "_" + name, OID: o.array, Codec: &pgtype.ArrayCodec{ElementType: t}})
	}
	// Parameters whose type the server does not announce (the exec and
	// simple-protocol modes) are encoded by their Go type.
	m.RegisterDefaultPgType(pgvector.Vector{}, "vector")
	m.RegisterDefaultPgType(pgvector.HalfVector{}, "halfvec")
	m.RegisterDefaultPgType(pgvector.SparseVector{}, "sparsevec")
	return nil
}

// errNullScan is returned when NULL is scanned into a non-pointer target;
// scan into a pointer to one of the vector types to accept NULL.
var errNullScan = errors.New("pgtest: cannot scan NULL into a non-pointer vector")

type encodeFunc func(value any, buf []byte) ([]byte, error)

func (f encodeFunc) Encode(value any, buf []byte) ([]byte, error) { return f(value, buf) }

type scanFunc func(src []byte, target any) error

func (f scanFunc) Scan(src []byte, target any) error { return f(src, target) }

func supportsTextAndBinary(format int16) bool {
	return format == pgtype.BinaryFormatCode || format == pgtype.TextFormatCode
}

// appendFloatList writes [x,y,...] with the shortest float32 spelling that
// reads back exactly.
func appendFloatList(buf []byte, xs []float32) []byte {
	buf = append(buf, '[')
	for i, x := range xs {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = strconv.AppendFloat(buf, float64(x), 'g', -1, 32)
	}
	return append(buf, ']')
}

// vectorCodec handles pgvector's vector: binary is uint16 dim, uint16 unused,
// then dim big-endian float32.
type vectorCodec struct{}

func (vectorCodec) FormatSupported(format int16) bool { return supportsTextAndBinary(format) }
func (vectorCodec) PreferredFormat() int16            { return pgtype.BinaryFormatCode }

func vectorElements(value any) ([]float32, bool) {
	switch v := value.(type) {
	case pgvector.Vector:
		return v.Slice(), true
	case []float32:
		return v, true
	}
	return nil, false
}

func (vectorCodec) PlanEncode(_ *pgtype.Map, _ uint32, format int16, value any) pgtype.EncodePlan {
	if _, ok := vectorElements(value); !ok {
		return nil
	}
	if format == pgtype.BinaryFormatCode {
		return encodeFunc(func(value any, buf []byte) ([]byte, error) {
			xs, _ := vectorElements(value)
			if len(xs) > math.MaxUint16 {
				return nil, fmt.Errorf("pgtest: vector has %d dimensions, more than the binary format can carry", len(xs))
			}
			return pgvector.NewVector(xs).EncodeBinary(buf)
		})
	}
	return encodeFunc(func(value any, buf []byte) ([]byte, error) {
		xs, _ := vectorElements(value)
		return appendFloatList(buf, xs), nil
	})
}

func decodeVector(format int16, src []byte) (pgvector.Vector, error) {
	var v pgvector.Vector
	var err error
	if format == pgtype.BinaryFormatCode {
		err = v.DecodeBinary(src)
	} else {
		err = v.Parse(string(src))
	}
	if err != nil {
		return v, fmt.Errorf("pgtest: decoding vector: %w", err)
	}
	return v, nil
}

func (vectorCodec) PlanScan(_ *pgtype.Map, _ uint32, format int16, target any) pgtype.ScanPlan {
	switch target.(type) {
	case *pgvector.Vector:
		return scanFunc(func(src []byte, target any) error {
			if src == nil {
				return errNullScan
			}
			v, err := decodeVector(format, src)
			if err == nil {
				*target.(*pgvector.Vector) = v
			}
			return err
		})
	case *[]float32:
		return scanFunc(func(src []byte, target any) error {
			if src == nil {
				*target.(*[]float32) = nil
				return nil
			}
			v, err := decodeVector(format, src)
			if err == nil {
				*target.(*[]float32) = v.Slice()
			}
			return err
		})
	}
	return nil
}

func (c vectorCodec) DecodeDatabaseSQLValue(_ *pgtype.Map, _ uint32, format int16, src []byte) (driver.Value, error) {
	if src == nil {
		return nil, nil
	}
	v, err := decodeVector(format, src)
	if err != nil {
		return nil, err
	}
	return string(appendFloatList(nil, v.Slice())), nil
}

func (vectorCodec) DecodeValue(_ *pgtype.Map, _ uint32, format int16, src []byte) (any, error) {
	if src == nil {
		return nil, nil
	}
	return decodeVector(format, src)
}

// halfvecCodec handles pgvector's halfvec: binary is uint16 dim, uint16
// unused, then dim big-endian binary16 values.
type halfvecCodec struct{}

func (halfvecCodec) FormatSupported(format int16) bool { return supportsTextAndBinary(format) }
func (halfvecCodec) PreferredFormat() int16            { return pgtype.BinaryFormatCode }

func halfvecElements(value any) ([]float32, bool) {
	switch v := value.(type) {
	case pgvector.HalfVector:
		return v.Slice(), true
	case []float32:
		return v, true
	}
	return nil, false
}

func (halfvecCodec) PlanEncode(_ *pgtype.Map, _ uint32, format int16, value any) pgtype.EncodePlan {
	if _, ok := halfvecElements(value); !ok {
		return nil
	}
	if format == pgtype.BinaryFormatCode {
		return encodeFunc(func(value any, buf []byte) ([]byte, error) {
			xs, _ := halfvecElements(value)
			return encodeHalfvecBinary(buf, xs)
		})
	}
	return encodeFunc(func(value any, buf []byte) ([]byte, error) {
		xs, _ := halfvecElements(value)
		return appendFloatList(buf, xs), nil
	})
}

func encodeHalfvecBinary(buf []byte, xs []float32) ([]byte, error) {
	if len(xs) > math.MaxUint16 {
		return nil, fmt.Errorf("pgtest: halfvec has %d dimensions, more than the binary format can carry", len(xs))
	}
	buf = binary.BigEndian.AppendUint16(buf, uint16(len(xs)))
	buf = binary.BigEndian.AppendUint16(buf, 0)
	for i, x := range xs {
		h, ok := halfFromFloat32(x)
		if !ok {
			return nil, fmt.Errorf("pgtest: halfvec element %d (%v) is out of range for binary16", i, x)
		}
		buf = binary.BigEndian.AppendUint16(buf, h)
	}
	return buf, nil
}

func decodeHalfvec(format int16, src []byte) (pgvector.HalfVector, error) {
	if format != pgtype.BinaryFormatCode {
		var v pgvector.HalfVector
		if err := v.Parse(string(src)); err != nil {
			return v, fmt.Errorf("pgtest: decoding halfvec: %w", err)
		}
		return v, nil
	}
	if len(src) < 4 {
		return pgvector.HalfVector{}, errors.New("pgtest: decoding halfvec: message too short")
	}
	dim := int(binary.BigEndian.Uint16(src))
	if unused := binary.BigEndian.Uint16(src[2:]); unused != 0 {
		return pgvector.HalfVector{}, fmt.Errorf("pgtest: decoding halfvec: unused field is %d, want 0", unused)
	}
	if len(src) != 4+2*dim {
		return pgvector.HalfVector{}, fmt.Errorf("pgtest: decoding halfvec: %d bytes for %d dimensions", len(src), dim)
	}
	xs := make([]float32, dim)
	for i := range xs {
		xs[i] = halfToFloat32(binary.BigEndian.Uint16(src[4+2*i:]))
	}
	return pgvector.NewHalfVector(xs), nil
}

func (halfvecCodec) PlanScan(_ *pgtype.Map, _ uint32, format int16, target any) pgtype.ScanPlan {
	switch target.(type) {
	case *pgvector.HalfVector:
		return scanFunc(func(src []byte, target any) error {
			if src == nil {
				return errNullScan
			}
			v, err := decodeHalfvec(format, src)
			if err == nil {
				*target.(*pgvector.HalfVector) = v
			}
			return err
		})
	case *[]float32:
		return scanFunc(func(src []byte, target any) error {
			if src == nil {
				*target.(*[]float32) = nil
				return nil
			}
			v, err := decodeHalfvec(format, src)
			if err == nil {
				*target.(*[]float32) = v.Slice()
			}
			return err
		})
	}
	return nil
}

func (halfvecCodec) DecodeDatabaseSQLValue(_ *pgtype.Map, _ uint32, format int16, src []byte) (driver.Value, error) {
	if src == nil {
		return nil, nil
	}
	v, err := decodeHalfvec(format, src)
	if err != nil {
		return nil, err
	}
	return string(appendFloatList(nil, v.Slice())), nil
}

func (halfvecCodec) DecodeValue(_ *pgtype.Map, _ uint32, format int16, src []byte) (any, error) {
	if src == nil {
		return nil, nil
	}
	return decodeHalfvec(format, src)
}

// sparsevecCodec handles pgvector's sparsevec: binary is int32 dim, int32
// nnz, int32 unused, nnz int32 zero-based indices, nnz float32 values.
type sparsevecCodec struct{}

func (sparsevecCodec) FormatSupported(format int16) bool { return supportsTextAndBinary(format) }
func (sparsevecCodec) PreferredFormat() int16            { return pgtype.BinaryFormatCode }

func (sparsevecCodec) PlanEncode(_ *pgtype.Map, _ uint32, format int16, value any) pgtype.EncodePlan {
	if _, ok := value.(pgvector.SparseVector); !ok {
		return nil
	}
	if format == pgtype.BinaryFormatCode {
		return encodeFunc(func(value any, buf []byte) ([]byte, error) {
			return value.(pgvector.SparseVector).EncodeBinary(buf)
		})
	}
	return encodeFunc(func(value any, buf []byte) ([]byte, error) {
		v := value.(pgvector.SparseVector)
		buf = append(buf, '{')
		for i, idx := range v.Indices() {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = strconv.AppendInt(buf, int64(idx)+1, 10)
			buf = append(buf, ':')
			buf = strconv.AppendFloat(buf, float64(v.Values()[i]), 'g', -1, 32)
		}
		buf = append(buf, "}/"...)
		return strconv.AppendInt(buf, int64(v.Dimensions()), 10), nil
	})
}

func decodeSparsevec(format int16, src []byte) (pgvector.SparseVector, error) {
	var v pgvector.SparseVector
	var err error
	if format == pgtype.BinaryFormatCode {
		err = v.DecodeBinary(src)
	} else {
		err = v.Parse(string(src))
	}
	if err != nil {
		return v, fmt.Errorf("pgtest: decoding sparsevec: %w", err)
	}
	return v, nil
}

func (sparsevecCodec) PlanScan(_ *pgtype.Map, _ uint32, format int16, target any) pgtype.ScanPlan {
	if _, ok := target.(*pgvector.SparseVector); !ok {
		return nil
	}
	return scanFunc(func(src []byte, target any) error {
		if src == nil {
			return errNullScan
		}
		v, err := decodeSparsevec(format, src)
		if err == nil {
			*target.(*pgvector.SparseVector) = v
		}
		return err
	})
}

func (sparsevecCodec) DecodeDatabaseSQLValue(_ *pgtype.Map, _ uint32, format int16, src []byte) (driver.Value, error) {
	if src == nil {
		return nil, nil
	}
	v, err := decodeSparsevec(format, src)
	if err != nil {
		return nil, err
	}
	return v.String(), nil
}

func (sparsevecCodec) DecodeValue(_ *pgtype.Map, _ uint32, format int16, src []byte) (any, error) {
	if src == nil {
		return nil, nil
	}
	return decodeSparsevec(format, src)
}
