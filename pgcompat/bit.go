package pgcompat

import (
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strconv"
)

// Bit is PostgreSQL's bit string (the bit(n) and bit varying types), which
// pgvector indexes with the Hamming and Jaccard distances. Bits are stored
// most significant first, 8 to a byte, with the unused low bits of the last
// byte zero.
type Bit struct {
	n int    // length in bits
	b []byte // ⌈n/8⌉ bytes
}

// varBitMaxLen is PostgreSQL's VARBITMAXLEN.
const varBitMaxLen = math.MaxInt32 - 8 + 1

// maxBitTypmod is the largest n of bit(n): MaxAttrSize·8.
const maxBitTypmod = 10 * 1024 * 1024 * 8

// NewBit returns a bit string of the given bits, true meaning 1.
func NewBit(bitsIn []bool) Bit {
	out := Bit{n: len(bitsIn), b: make([]byte, (len(bitsIn)+7)/8)}
	for i, set := range bitsIn {
		if set {
			out.b[i/8] |= 0x80 >> (i % 8)
		}
	}
	return out
}

// BitFromBytes returns a bit string of n bits taken from data, most
// significant bit first. Bits beyond n are cleared; data must hold at least
// ⌈n/8⌉ bytes.
func BitFromBytes(data []byte, n int) (Bit, error) {
	if n < 0 || n > varBitMaxLen {
		return Bit{}, newError(InvalidBinaryRepresentation, "invalid length in external bit string")
	}
	nb := (n + 7) / 8
	if len(data) < nb {
		return Bit{}, errInsufficientData()
	}
	out := Bit{n: n, b: append([]byte(nil), data[:nb]...)}
	out.pad()
	return out, nil
}

// pad clears the bits after the last one, as VARBIT_PAD does.
func (v *Bit) pad() {
	if r := v.n % 8; r != 0 && len(v.b) > 0 {
		v.b[len(v.b)-1] &= byte(0xff << (8 - r))
	}
}

// Len returns the length in bits.
func (v Bit) Len() int { return v.n }

// Bytes returns a copy of the packed bits, most significant first.
func (v Bit) Bytes() []byte { return append([]byte(nil), v.b...) }

// Get reports whether bit i (0-based, from the left) is set.
func (v Bit) Get(i int) bool { return v.b[i/8]&(0x80>>(i%8)) != 0 }

// String returns PostgreSQL's text output: one '0' or '1' per bit.
func (v Bit) String() string {
	out := make([]byte, v.n)
	for i := range out {
		if v.Get(i) {
			out[i] = '1'
		} else {
			out[i] = '0'
		}
	}
	return string(out)
}

// Equal reports whether v and w have the same length and bits.
func (v Bit) Equal(w Bit) bool {
	if v.n != w.n {
		return false
	}
	for i := range v.b {
		if v.b[i] != w.b[i] {
			return false
		}
	}
	return true
}

// BitTypmod validates the modifier of bit(n) or bit varying(n); typ is "bit"
// or "varbit" as PostgreSQL names them in its messages.
func BitTypmod(typ string, mods ...int) (int, error) {
	if len(mods) != 1 {
		return 0, newError(InvalidParameterValue, "invalid type modifier")
	}
	if mods[0] < 1 {
		return 0, newError(InvalidParameterValue, "length for type "+typ+" must be at least 1")
	}
	if mods[0] > maxBitTypmod {
		return 0, newError(InvalidParameterValue, "length for type "+typ+" cannot exceed "+strconv.Itoa(maxBitTypmod))
	}
	return mods[0], nil
}

// ParseBit parses a bit string literal as PostgreSQL's bit_in does with no
// length modifier: "0101", "B0101" (binary) or "X5f" (hex, 4 bits a digit).
// This is what a cast 'lit'::bit(n) or 'lit'::varbit runs before the length
// coercion (see CastBit and CastVarBit).
func ParseBit(s string) (Bit, error) { return parseBitString(cString(s), -1, false) }

// ParseBitTypmod parses s as input to a bit(typmod) column (COPY, or a
// parameter of that type): the length must match exactly.
func ParseBitTypmod(s string, typmod int) (Bit, error) {
	return parseBitString(cString(s), typmod, false)
}

// ParseVarBitTypmod parses s as input to a bit varying(typmod) column: the
// length must not exceed typmod.
func ParseVarBitTypmod(s string, typmod int) (Bit, error) {
	return parseBitString(cString(s), typmod, true)
}

// pgMBLen is pg_mblen for UTF-8: the length of the character starting at s,
// judged from its first byte.
func pgMBLen(s string) int {
	n := 1
	switch c := s[0]; {
	case c&0xe0 == 0xc0:
		n = 2
	case c&0xf0 == 0xe0:
		n = 3
	case c&0xf8 == 0xf0:
		n = 4
	}
	return min(n, len(s))
}

func parseBitString(s string, typmod int, varying bool) (Bit, error) {
	hex := false
	sp := s
	if len(s) > 0 && (s[0] == 'b' || s[0] == 'B') {
		sp = s[1:]
	} else if len(s) > 0 && (s[0] == 'x' || s[0] == 'X') {
		hex = true
		sp = s[1:]
	}
	bitlen := len(sp)
	if hex {
		if len(sp) > varBitMaxLen/4 {
			return Bit{}, newError(ProgramLimitExceeded, fmt.Sprintf("bit string length exceeds the maximum allowed (%d)", varBitMaxLen))
		}
		bitlen = 4 * len(sp)
	}
	if typmod > 0 {
		if varying && bitlen > typmod {
			return Bit{}, newError(StringDataRightTruncation, fmt.Sprintf("bit string too long for type bit varying(%d)", typmod))
		}
		if !varying && bitlen != typmod {
			return Bit{}, newError(StringDataLengthMismatch, fmt.Sprintf("bit string length %d does not match type bit(%d)", bitlen, typmod))
		}
	}
	out := Bit{n: bitlen, b: make([]byte, (bitlen+7)/8)}
	for i := 0; i < len(sp); i++ {
		c := sp[i]
		if !hex {
			switch c {
			case '1':
				out.b[i/8] |= 0x80 >> (i % 8)
			case '0':
			default:
				return Bit{}, newError(InvalidTextRepresentation, "\""+sp[i:i+pgMBLen(sp[i:])]+"\" is not a valid binary digit")
			}
			continue
		}
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		default:
			return Bit{}, newError(InvalidTextRepresentation, "\""+sp[i:i+pgMBLen(sp[i:])]+"\" is not a valid hexadecimal digit")
		}
		if i%2 == 0 {
			out.b[i/2] |= d << 4
		} else {
			out.b[i/2] |= d
		}
	}
	return out, nil
}

// CastBit applies PostgreSQL's length coercion to bit(n). An explicit cast
// ('…'::bit(n)) truncates or zero-pads on the right; an implicit one (an
// INSERT into a bit(n) column) requires the length to match. n ≤ 0 leaves v
// unchanged.
func (v Bit) CastBit(n int, explicit bool) (Bit, error) {
	if n <= 0 || n > varBitMaxLen || n == v.n {
		return v, nil
	}
	if !explicit {
		return Bit{}, newError(StringDataLengthMismatch, fmt.Sprintf("bit string length %d does not match type bit(%d)", v.n, n))
	}
	out := Bit{n: n, b: make([]byte, (n+7)/8)}
	copy(out.b, v.b)
	out.pad()
	return out, nil
}

// CastVarBit applies PostgreSQL's length coercion to bit varying(n): an
// explicit cast truncates, an implicit one rejects a longer string.
func (v Bit) CastVarBit(n int, explicit bool) (Bit, error) {
	if n <= 0 || n >= v.n {
		return v, nil
	}
	if !explicit {
		return Bit{}, newError(StringDataRightTruncation, fmt.Sprintf("bit string too long for type bit varying(%d)", n))
	}
	out := Bit{n: n, b: make([]byte, (n+7)/8)}
	copy(out.b, v.b)
	out.pad()
	return out, nil
}

// MarshalText implements encoding.TextMarshaler.
func (v Bit) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParseBit.
func (v *Bit) UnmarshalText(b []byte) error {
	p, err := ParseBit(string(b))
	if err != nil {
		return err
	}
	*v = p
	return nil
}

// MarshalBinary implements encoding.BinaryMarshaler with bit_send's format:
// big-endian int32 length in bits, then the packed bytes.
func (v Bit) MarshalBinary() ([]byte, error) {
	b := make([]byte, 4+len(v.b))
	binary.BigEndian.PutUint32(b, uint32(v.n))
	copy(b[4:], v.b)
	return b, nil
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler with RecvBit.
func (v *Bit) UnmarshalBinary(b []byte) error {
	p, err := RecvBit(b, -1)
	if err != nil {
		return err
	}
	*v = p
	return nil
}

// RecvBit decodes bit_send's binary format as bit_recv does for a bit(typmod)
// column (typmod ≤ 0: any length). Stray bits after the last one are cleared.
func RecvBit(b []byte, typmod int) (Bit, error) {
	if len(b) < 4 {
		return Bit{}, errInsufficientData()
	}
	n := int(int32(binary.BigEndian.Uint32(b)))
	if n < 0 || n > varBitMaxLen {
		return Bit{}, newError(InvalidBinaryRepresentation, "invalid length in external bit string")
	}
	if typmod > 0 && n != typmod {
		return Bit{}, newError(StringDataLengthMismatch, fmt.Sprintf("bit string length %d does not match type bit(%d)", n, typmod))
	}
	nb := (n + 7) / 8
	if len(b)-4 < nb {
		return Bit{}, errInsufficientData()
	}
	if len(b)-4 > nb {
		return Bit{}, errTrailingData()
	}
	return BitFromBytes(b[4:], n)
}

// Value implements driver.Valuer with the text form.
func (v Bit) Value() (driver.Value, error) { return v.String(), nil }

// Scan implements sql.Scanner for text column values.
func (v *Bit) Scan(src any) error {
	switch s := src.(type) {
	case string:
		return v.UnmarshalText([]byte(s))
	case []byte:
		return v.UnmarshalText(s)
	case nil:
		return errors.New("pgcompat: cannot scan NULL into Bit")
	}
	return fmt.Errorf("pgcompat: cannot scan %T into Bit", src)
}

// checkBitLens is the "different bit lengths" check of <~> and <%>.
func checkBitLens(a, b Bit) error {
	if a.n != b.n {
		return newError(DataException, fmt.Sprintf("different bit lengths %d and %d", a.n, b.n))
	}
	return nil
}

// HammingDistance is pgvector's <~> operator (hamming_distance): the number
// of positions at which a and b differ.
func HammingDistance(a, b Bit) (float64, error) {
	if err := checkBitLens(a, b); err != nil {
		return 0, err
	}
	var d uint64
	for i := range a.b {
		d += uint64(bits.OnesCount8(a.b[i] ^ b.b[i]))
	}
	return float64(d), nil
}

// JaccardDistance is pgvector's <%> operator (jaccard_distance):
// 1 − |a∧b| / (|a| + |b| − |a∧b|), and 1 when a and b share no set bit (even
// when both are all zeros).
func JaccardDistance(a, b Bit) (float64, error) {
	if err := checkBitLens(a, b); err != nil {
		return 0, err
	}
	var ab, aa, bb uint64
	for i := range a.b {
		ab += uint64(bits.OnesCount8(a.b[i] & b.b[i]))
		aa += uint64(bits.OnesCount8(a.b[i]))
		bb += uint64(bits.OnesCount8(b.b[i]))
	}
	if ab == 0 {
		return 1, nil
	}
	return 1 - float64(ab)/float64(aa+bb-ab), nil
}
