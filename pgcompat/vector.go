package pgcompat

import (
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
)

// Vector is pgvector's vector type: 1 to 16000 finite float32 elements.
//
// The zero Vector has no elements; pgvector has no such value, and it prints
// as "[]". Construct vectors with NewVector, ParseVector or RecvVector, which
// enforce pgvector's rules.
type Vector struct {
	x []float32
}

// NewVector returns a vector holding a copy of x, checked as pgvector checks
// a real[] cast to vector: at least 1 and at most 16000 elements, none NaN
// or infinite.
func NewVector(x []float32) (Vector, error) {
	if err := checkDim("vector", len(x), VectorMaxDim); err != nil {
		return Vector{}, err
	}
	for _, v := range x {
		if err := checkElement("vector", v); err != nil {
			return Vector{}, err
		}
	}
	return Vector{x: append([]float32(nil), x...)}, nil
}

// VectorFromFloat64 converts x as pgvector casts a double precision[] to
// vector: each element is rounded to float32, and one that becomes infinite
// is an error ("infinite value not allowed in vector").
func VectorFromFloat64(x []float64) (Vector, error) {
	if err := checkDim("vector", len(x), VectorMaxDim); err != nil {
		return Vector{}, err
	}
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	for _, v := range out {
		if err := checkElement("vector", v); err != nil {
			return Vector{}, err
		}
	}
	return Vector{x: out}, nil
}

// Dims returns the number of elements (vector_dims).
func (v Vector) Dims() int { return len(v.x) }

// At returns element i (0-based). It panics if i is out of range, like a
// slice index.
func (v Vector) At(i int) float32 { return v.x[i] }

// Slice returns a copy of the elements.
func (v Vector) Slice() []float32 { return append([]float32(nil), v.x...) }

// String returns pgvector's text output, e.g. "[1,2.5,1e-07]".
func (v Vector) String() string { return string(v.AppendText(nil)) }

// AppendText appends pgvector's text output of v to b.
func (v Vector) AppendText(b []byte) []byte {
	b = append(b, '[')
	for i, e := range v.x {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendFloat32(b, e)
	}
	return append(b, ']')
}

// Equal reports whether v and w have the same dimensions and elements
// (vector's = operator: -0 equals 0).
func (v Vector) Equal(w Vector) bool {
	if len(v.x) != len(w.x) {
		return false
	}
	for i := range v.x {
		if v.x[i] != w.x[i] {
			return false
		}
	}
	return true
}

// CheckTypmod reports whether v fits the column type vector(typmod); −1
// means no modifier. The error is pgvector's "expected N dimensions, not M".
func (v Vector) CheckTypmod(typmod int) error { return checkExpectedDim(typmod, len(v.x)) }

// ParseVector parses pgvector's text form of a vector, e.g. "[1, 2.5, 3]",
// exactly as vector_in does: elements are read with C strtof (so "+1", ".5",
// "1e3", "0x1p-2" and "inf"/"nan" are read, the last two then rejected), C
// whitespace is allowed around every token, and errors carry pgvector's
// SQLSTATE and wording.
func ParseVector(s string) (Vector, error) { return ParseVectorTypmod(s, -1) }

// ParseVectorTypmod is ParseVector for a column of type vector(typmod);
// typmod −1 means no modifier.
func ParseVectorTypmod(s string, typmod int) (Vector, error) {
	x, err := parseDense(cString(s), "vector", VectorMaxDim, func(tok string, v float32, erange bool) (float32, error) {
		if erange && isInf32(v) {
			return 0, rangeError("vector", tok)
		}
		return v, checkElement("vector", v)
	})
	if err != nil {
		return Vector{}, err
	}
	if err := checkExpectedDim(typmod, len(x)); err != nil {
		return Vector{}, err
	}
	return Vector{x: x}, nil
}

// cString cuts s at its first NUL byte, as a C string would end there.
func cString(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// parseDense is the grammar shared by vector_in and halfvec_in. elem turns
// each strtof result into the stored value or an error.
func parseDense[E any](lit, typ string, maxDim int, elem func(tok string, v float32, erange bool) (E, error)) ([]E, error) {
	i := skipSpace(lit, 0)
	if i >= len(lit) || lit[i] != '[' {
		return nil, syntaxError(typ, lit, `Vector contents must start with "[".`)
	}
	i = skipSpace(lit, i+1)
	if i < len(lit) && lit[i] == ']' {
		return nil, newError(DataException, typ+" must have at least 1 dimension")
	}
	var x []E
	for {
		if len(x) == maxDim {
			return nil, newError(ProgramLimitExceeded, fmt.Sprintf("%s cannot have more than %d dimensions", typ, maxDim))
		}
		i = skipSpace(lit, i)
		if i >= len(lit) {
			return nil, syntaxError(typ, lit, "")
		}
		f, n, erange := cStrtof(lit[i:])
		if n == 0 {
			return nil, syntaxError(typ, lit, "")
		}
		v, err := elem(lit[i:i+n], f, erange)
		if err != nil {
			return nil, err
		}
		x = append(x, v)
		i = skipSpace(lit, i+n)
		if i < len(lit) && lit[i] == ',' {
			i++
			continue
		}
		if i < len(lit) && lit[i] == ']' {
			i++
			break
		}
		return nil, syntaxError(typ, lit, "")
	}
	i = skipSpace(lit, i)
	if i < len(lit) {
		return nil, syntaxError(typ, lit, "Junk after closing right brace.")
	}
	if err := checkDim(typ, len(x), maxDim); err != nil {
		return nil, err
	}
	return x, nil
}

// MarshalText implements encoding.TextMarshaler with pgvector's text output.
func (v Vector) MarshalText() ([]byte, error) { return v.AppendText(nil), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParseVector.
func (v *Vector) UnmarshalText(b []byte) error {
	p, err := ParseVector(string(b))
	if err != nil {
		return err
	}
	*v = p
	return nil
}

// MarshalBinary implements encoding.BinaryMarshaler with vector_send's format:
// big-endian int16 dims, int16 unused (0), then float32 elements.
func (v Vector) MarshalBinary() ([]byte, error) {
	b := make([]byte, 4+4*len(v.x))
	binary.BigEndian.PutUint16(b, uint16(len(v.x)))
	for i, e := range v.x {
		binary.BigEndian.PutUint32(b[4+4*i:], math.Float32bits(e))
	}
	return b, nil
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler with RecvVector.
func (v *Vector) UnmarshalBinary(b []byte) error {
	p, err := RecvVector(b, -1)
	if err != nil {
		return err
	}
	*v = p
	return nil
}

// errInsufficientData is pq_getmsg*'s error when a binary value ends early.
func errInsufficientData() *Error {
	return newError(ProtocolViolation, "insufficient data left in message")
}

// errTrailingData is PostgreSQL's error for a binary value with bytes left
// over after the receive function finished.
func errTrailingData() *Error {
	return newError(InvalidBinaryRepresentation, "incorrect binary data format")
}

// RecvVector decodes vector_send's binary format as vector_recv does, for a
// column of type vector(typmod) (−1: no modifier). Checks run in pgvector's
// order: dimensions, typmod, the unused field, then each element.
func RecvVector(b []byte, typmod int) (Vector, error) {
	if len(b) < 4 {
		return Vector{}, errInsufficientData()
	}
	dim := int(binary.BigEndian.Uint16(b))
	unused := int(binary.BigEndian.Uint16(b[2:]))
	if err := checkDim("vector", dim, VectorMaxDim); err != nil {
		return Vector{}, err
	}
	if err := checkExpectedDim(typmod, dim); err != nil {
		return Vector{}, err
	}
	if unused != 0 {
		return Vector{}, newError(DataException, fmt.Sprintf("expected unused to be 0, not %d", unused))
	}
	x := make([]float32, dim)
	p := b[4:]
	for i := range x {
		if len(p) < 4 {
			return Vector{}, errInsufficientData()
		}
		x[i] = math.Float32frombits(binary.BigEndian.Uint32(p))
		p = p[4:]
		if err := checkElement("vector", x[i]); err != nil {
			return Vector{}, err
		}
	}
	if len(p) != 0 {
		return Vector{}, errTrailingData()
	}
	return Vector{x: x}, nil
}

// Value implements driver.Valuer: the text form, which PostgreSQL reads into
// a vector column.
func (v Vector) Value() (driver.Value, error) { return v.String(), nil }

// Scan implements sql.Scanner for text or binary column values.
func (v *Vector) Scan(src any) error {
	switch s := src.(type) {
	case string:
		return v.UnmarshalText([]byte(s))
	case []byte:
		return v.UnmarshalText(s)
	case nil:
		return errors.New("pgcompat: cannot scan NULL into Vector")
	}
	return fmt.Errorf("pgcompat: cannot scan %T into Vector", src)
}
