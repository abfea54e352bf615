package pgxvec

import (
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgtype"
)

// ErrMalformed is wrapped by the errors for values that are not in
// pgvector's text or binary format: a binary message whose length does not
// match its header, an unknown header field, a text form that does not
// parse.
var ErrMalformed = errors.New("pgxvec: malformed")

// codec implements pgtype.Codec for one of pgvector's types in its text and
// binary formats. What differs between the types is held in the function
// fields, so that pgx's plumbing (plans, NULLs, formats) is written once. T
// is the decoded form: []float32 for vector and halfvec,
// pgvector.SparseVector for sparsevec.
type codec[T any] struct {
	name string // the SQL type, for messages

	// param returns a parameter's value in decoded form, or false for the
	// Go types the codec does not take, so that pgx can try its other
	// plans (a pgvector.Vector is never sent as a halfvec's bytes).
	param func(value any) (T, bool)

	appendBinary func(buf []byte, v T) ([]byte, error)
	appendText   func(buf []byte, v T) []byte
	decodeBinary func(src []byte) (T, error)
	decodeText   func(src string) (T, error)

	// goValue converts a decoded value into the pgvector-go type that
	// DecodeValue returns (and rows.Values shows).
	goValue func(v T) any

	// scanTo returns how to store a decoded value into a scan target of
	// target's type, and how to store NULL there, or false for a target
	// type the codec cannot scan into.
	scanTo func(target any) (store func(target any, v T), storeNull func(target any) error, ok bool)
}

// FormatSupported reports text and binary.
func (c *codec[T]) FormatSupported(format int16) bool {
	return format == pgtype.BinaryFormatCode || format == pgtype.TextFormatCode
}

// PreferredFormat is binary, which is exact and smaller.
func (c *codec[T]) PreferredFormat() int16 { return pgtype.BinaryFormatCode }

// encodeFunc adapts a function to pgtype.EncodePlan.
type encodeFunc func(value any, buf []byte) ([]byte, error)

// Encode appends value's encoding to buf.
func (f encodeFunc) Encode(value any, buf []byte) ([]byte, error) { return f(value, buf) }

// scanFunc adapts a function to pgtype.ScanPlan.
type scanFunc func(src []byte, target any) error

// Scan decodes src into target.
func (f scanFunc) Scan(src []byte, target any) error { return f(src, target) }

// PlanEncode returns the plan for value's Go type in format, or nil when the
// codec does not take that type.
func (c *codec[T]) PlanEncode(_ *pgtype.Map, _ uint32, format int16, value any) pgtype.EncodePlan {
	if _, ok := c.param(value); !ok || !c.FormatSupported(format) {
		return nil
	}
	if format == pgtype.BinaryFormatCode {
		return encodeFunc(func(value any, buf []byte) ([]byte, error) {
			v, _ := c.param(value)
			return c.appendBinary(buf, v)
		})
	}
	return encodeFunc(func(value any, buf []byte) ([]byte, error) {
		v, _ := c.param(value)
		return c.appendText(buf, v), nil
	})
}

// decode decodes a non-NULL value sent in format.
func (c *codec[T]) decode(format int16, src []byte) (T, error) {
	if format == pgtype.BinaryFormatCode {
		return c.decodeBinary(src)
	}
	return c.decodeText(string(src))
}

// PlanScan returns the plan for scanning into target's type, or nil when
// the codec cannot scan into it.
func (c *codec[T]) PlanScan(_ *pgtype.Map, _ uint32, format int16, target any) pgtype.ScanPlan {
	store, storeNull, ok := c.scanTo(target)
	if !ok || !c.FormatSupported(format) {
		return nil
	}
	return scanFunc(func(src []byte, target any) error {
		if src == nil {
			return storeNull(target)
		}
		v, err := c.decode(format, src)
		if err != nil {
			return err
		}
		store(target, v)
		return nil
	})
}

// DecodeDatabaseSQLValue returns the value in pgvector's text form, which
// is what database/sql scanners (pgvector-go's among them) parse.
func (c *codec[T]) DecodeDatabaseSQLValue(_ *pgtype.Map, _ uint32, format int16, src []byte) (driver.Value, error) {
	if src == nil {
		return nil, nil
	}
	v, err := c.decode(format, src)
	if err != nil {
		return nil, err
	}
	return string(c.appendText(nil, v)), nil
}

// DecodeValue returns the value as a pgvector-go type.
func (c *codec[T]) DecodeValue(_ *pgtype.Map, _ uint32, format int16, src []byte) (any, error) {
	if src == nil {
		return nil, nil
	}
	v, err := c.decode(format, src)
	if err != nil {
		return nil, err
	}
	return c.goValue(v), nil
}

// refuseNull is the NULL handler of targets that cannot hold NULL.
func refuseNull(target any) error { return fmt.Errorf("%w (%T)", ErrNull, target) }

// malformed returns an error wrapping ErrMalformed for a value of type typ.
func malformed(typ, format string, args ...any) error {
	return fmt.Errorf("%w %s: %s", ErrMalformed, typ, fmt.Sprintf(format, args...))
}
