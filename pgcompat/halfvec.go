package pgcompat

import (
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/smallworld-go/smallworld/halfvec"
)

// HalfVec is pgvector's halfvec type: 1 to 16000 finite IEEE binary16
// elements.
//
// The zero HalfVec has no elements and prints as "[]". Construct values with
// NewHalfVec, ParseHalfVec or RecvHalfVec.
type HalfVec struct {
	x []halfvec.Float16
}

// toHalf is pgvector's Float4ToHalf: round to nearest even, and an error
// naming the float32 (in its shortest form) when a finite value would round
// to infinity.
func toHalf(f float32) (halfvec.Float16, error) {
	h, err := halfvec.FromFloat32(f)
	if err != nil {
		return h, rangeError("halfvec", formatFloat32(f))
	}
	return h, nil
}

// toHalfUnchecked is Float4ToHalfUnchecked: an overflow gives ±Inf.
func toHalfUnchecked(f float32) halfvec.Float16 {
	h, _ := halfvec.FromFloat32(f)
	return h
}

// checkHalfElement is pgvector's CheckElement for halves.
func checkHalfElement(h halfvec.Float16) error {
	if h.IsNaN() {
		return newError(DataException, "NaN not allowed in halfvec")
	}
	if h.IsInf(0) {
		return newError(DataException, "infinite value not allowed in halfvec")
	}
	return nil
}

func halfIsZero(h halfvec.Float16) bool { return h&0x7fff == 0 }

// NewHalfVec rounds each float32 of x to a half, as pgvector casts a real[]
// to halfvec: a finite value that would round to infinity is an error
// (""100000" is out of range for type halfvec"), and NaN or infinite values
// are rejected.
func NewHalfVec(x []float32) (HalfVec, error) {
	if err := checkDim("halfvec", len(x), HalfVecMaxDim); err != nil {
		return HalfVec{}, err
	}
	out := make([]halfvec.Float16, len(x))
	for i, f := range x {
		h, err := toHalf(f)
		if err != nil {
			return HalfVec{}, err
		}
		out[i] = h
	}
	for _, h := range out {
		if err := checkHalfElement(h); err != nil {
			return HalfVec{}, err
		}
	}
	return HalfVec{x: out}, nil
}

// HalfVecFromHalves returns a halfvec holding a copy of x, checked as
// halfvec_recv checks its input.
func HalfVecFromHalves(x []halfvec.Float16) (HalfVec, error) {
	if err := checkDim("halfvec", len(x), HalfVecMaxDim); err != nil {
		return HalfVec{}, err
	}
	for _, h := range x {
		if err := checkHalfElement(h); err != nil {
			return HalfVec{}, err
		}
	}
	return HalfVec{x: append([]halfvec.Float16(nil), x...)}, nil
}

// Dims returns the number of elements.
func (v HalfVec) Dims() int { return len(v.x) }

// At returns element i widened to float32.
func (v HalfVec) At(i int) float32 { return v.x[i].Float32() }

// Halves returns a copy of the raw elements.
func (v HalfVec) Halves() []halfvec.Float16 { return append([]halfvec.Float16(nil), v.x...) }

// Slice returns the elements widened to float32.
func (v HalfVec) Slice() []float32 {
	out := make([]float32, len(v.x))
	for i, h := range v.x {
		out[i] = h.Float32()
	}
	return out
}

// String returns pgvector's text output: each half widened to float32 and
// printed in its shortest float32 form (0.1 prints as 0.099975586).
func (v HalfVec) String() string { return string(v.AppendText(nil)) }

// AppendText appends pgvector's text output of v to b.
func (v HalfVec) AppendText(b []byte) []byte {
	b = append(b, '[')
	for i, h := range v.x {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendFloat32(b, h.Float32())
	}
	return append(b, ']')
}

// Equal reports whether v and w are equal as halfvec's = operator sees it.
func (v HalfVec) Equal(w HalfVec) bool {
	if len(v.x) != len(w.x) {
		return false
	}
	for i := range v.x {
		if v.x[i].Float32() != w.x[i].Float32() {
			return false
		}
	}
	return true
}

// CheckTypmod reports whether v fits halfvec(typmod); −1 means no modifier.
func (v HalfVec) CheckTypmod(typmod int) error { return checkExpectedDim(typmod, len(v.x)) }

// ParseHalfVec parses pgvector's text form of a halfvec as halfvec_in does:
// each element is read with C strtof, then rounded to a half (so a decimal is
// rounded twice, as in pgvector). A value that rounds to infinity is
// ""65520" is out of range for type halfvec", quoting the input token.
func ParseHalfVec(s string) (HalfVec, error) { return ParseHalfVecTypmod(s, -1) }

// ParseHalfVecTypmod is ParseHalfVec for a column of type halfvec(typmod).
func ParseHalfVecTypmod(s string, typmod int) (HalfVec, error) {
	x, err := parseDense(cString(s), "halfvec", HalfVecMaxDim, func(tok string, v float32, erange bool) (halfvec.Float16, error) {
		h := toHalfUnchecked(v)
		if erange && isInf32(v) || h.IsInf(0) && !isInf32(v) {
			return 0, rangeError("halfvec", tok)
		}
		return h, checkHalfElement(h)
	})
	if err != nil {
		return HalfVec{}, err
	}
	if err := checkExpectedDim(typmod, len(x)); err != nil {
		return HalfVec{}, err
	}
	return HalfVec{x: x}, nil
}

// MarshalText implements encoding.TextMarshaler.
func (v HalfVec) MarshalText() ([]byte, error) { return v.AppendText(nil), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParseHalfVec.
func (v *HalfVec) UnmarshalText(b []byte) error {
	p, err := ParseHalfVec(string(b))
	if err != nil {
		return err
	}
	*v = p
	return nil
}

// MarshalBinary implements encoding.BinaryMarshaler with halfvec_send's
// format: big-endian int16 dims, int16 unused (0), then the raw halves.
func (v HalfVec) MarshalBinary() ([]byte, error) {
	b := make([]byte, 4+2*len(v.x))
	binary.BigEndian.PutUint16(b, uint16(len(v.x)))
	for i, h := range v.x {
		binary.BigEndian.PutUint16(b[4+2*i:], uint16(h))
	}
	return b, nil
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler with RecvHalfVec.
func (v *HalfVec) UnmarshalBinary(b []byte) error {
	p, err := RecvHalfVec(b, -1)
	if err != nil {
		return err
	}
	*v = p
	return nil
}

// RecvHalfVec decodes halfvec_send's binary format as halfvec_recv does.
func RecvHalfVec(b []byte, typmod int) (HalfVec, error) {
	if len(b) < 4 {
		return HalfVec{}, errInsufficientData()
	}
	dim := int(binary.BigEndian.Uint16(b))
	unused := int(binary.BigEndian.Uint16(b[2:]))
	if err := checkDim("halfvec", dim, HalfVecMaxDim); err != nil {
		return HalfVec{}, err
	}
	if err := checkExpectedDim(typmod, dim); err != nil {
		return HalfVec{}, err
	}
	if unused != 0 {
		return HalfVec{}, newError(DataException, fmt.Sprintf("expected unused to be 0, not %d", unused))
	}
	x := make([]halfvec.Float16, dim)
	p := b[4:]
	for i := range x {
		if len(p) < 2 {
			return HalfVec{}, errInsufficientData()
		}
		x[i] = halfvec.Float16(binary.BigEndian.Uint16(p))
		p = p[2:]
		if err := checkHalfElement(x[i]); err != nil {
			return HalfVec{}, err
		}
	}
	if len(p) != 0 {
		return HalfVec{}, errTrailingData()
	}
	return HalfVec{x: x}, nil
}

// Value implements driver.Valuer with the text form.
func (v HalfVec) Value() (driver.Value, error) { return v.String(), nil }

// Scan implements sql.Scanner for text column values.
func (v *HalfVec) Scan(src any) error {
	switch s := src.(type) {
	case string:
		return v.UnmarshalText([]byte(s))
	case []byte:
		return v.UnmarshalText(s)
	case nil:
		return errors.New("pgcompat: cannot scan NULL into HalfVec")
	}
	return fmt.Errorf("pgcompat: cannot scan %T into HalfVec", src)
}

// ToVector widens v to a vector (the halfvec → vector cast).
func (v HalfVec) ToVector() Vector { return Vector{x: v.Slice()} }

// ToHalfVec rounds v to a halfvec (the vector → halfvec cast). An element
// that would round to infinity is ""100000" is out of range for type halfvec".
func (v Vector) ToHalfVec() (HalfVec, error) {
	out := make([]halfvec.Float16, len(v.x))
	for i, f := range v.x {
		h, err := toHalf(f)
		if err != nil {
			return HalfVec{}, err
		}
		out[i] = h
	}
	return HalfVec{x: out}, nil
}
