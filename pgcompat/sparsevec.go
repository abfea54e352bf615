package pgcompat

import (
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/smallworld-go/smallworld/halfvec"
)

// SparseVec is pgvector's sparsevec type: a dimension count (1 to
// 1,000,000,000) and up to 16000 non-zero float32 elements at strictly
// ascending 0-based indices.
//
// The text form uses 1-based indices, "{1:0.5,7:2}/10"; the Go API, like the
// binary format, uses 0-based ones.
type SparseVec struct {
	dim int32
	idx []int32
	val []float32
}

// NewSparseVec returns a sparse vector of dim dimensions with the given
// 0-based indices and values, checked as sparsevec_recv checks its input:
// indices in range, strictly ascending, values finite and non-zero.
func NewSparseVec(dim int, indices []int32, values []float32) (SparseVec, error) {
	if len(indices) != len(values) {
		return SparseVec{}, fmt.Errorf("pgcompat: %d indices but %d values", len(indices), len(values))
	}
	if dim > math.MaxInt32 {
		dim = math.MaxInt32
	}
	if err := checkDim("sparsevec", dim, SparseVecMaxDim); err != nil {
		return SparseVec{}, err
	}
	if err := checkNNZ(len(indices), dim); err != nil {
		return SparseVec{}, err
	}
	for i := range indices {
		if err := checkSparseIndex(indices, i, dim); err != nil {
			return SparseVec{}, err
		}
	}
	for _, v := range values {
		if err := checkElement("sparsevec", v); err != nil {
			return SparseVec{}, err
		}
		if v == 0 {
			return SparseVec{}, newError(DataException, "binary representation of sparsevec cannot contain zero values")
		}
	}
	return SparseVec{dim: int32(dim), idx: slices.Clone(indices), val: slices.Clone(values)}, nil
}

// checkNNZ is pgvector's CheckNnz.
func checkNNZ(nnz, dim int) error {
	if nnz < 0 {
		return newError(DataException, "sparsevec cannot have negative number of elements")
	}
	if nnz > SparseVecMaxNNZ {
		return newError(ProgramLimitExceeded, fmt.Sprintf("sparsevec cannot have more than %d non-zero elements", SparseVecMaxNNZ))
	}
	if nnz > dim {
		return newError(ProgramLimitExceeded, "sparsevec cannot have more elements than dimensions")
	}
	return nil
}

// checkSparseIndex is pgvector's CheckIndex for element i.
func checkSparseIndex(idx []int32, i, dim int) error {
	x := idx[i]
	if x < 0 || int(x) >= dim {
		return newError(DataException, "sparsevec index out of bounds")
	}
	if i > 0 {
		if x < idx[i-1] {
			return newError(DataException, "sparsevec indices must be in ascending order")
		}
		if x == idx[i-1] {
			return newError(DataException, "sparsevec indices must not contain duplicates")
		}
	}
	return nil
}

// Dims returns the number of dimensions.
func (v SparseVec) Dims() int { return int(v.dim) }

// NNZ returns the number of non-zero elements.
func (v SparseVec) NNZ() int { return len(v.idx) }

// Indices returns a copy of the 0-based indices of the non-zero elements.
func (v SparseVec) Indices() []int32 { return slices.Clone(v.idx) }

// Values returns a copy of the non-zero elements.
func (v SparseVec) Values() []float32 { return slices.Clone(v.val) }

// String returns pgvector's text output, e.g. "{1:0.5,3:2}/5", "{}/5".
func (v SparseVec) String() string { return string(v.AppendText(nil)) }

// AppendText appends pgvector's text output of v to b.
func (v SparseVec) AppendText(b []byte) []byte {
	b = append(b, '{')
	for i := range v.idx {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(v.idx[i])+1, 10)
		b = append(b, ':')
		b = appendFloat32(b, v.val[i])
	}
	b = append(b, '}', '/')
	return strconv.AppendInt(b, int64(v.dim), 10)
}

// Equal reports whether v and w are equal as sparsevec's = operator sees it.
func (v SparseVec) Equal(w SparseVec) bool { return compareSparse(v, w) == 0 }

// CheckTypmod reports whether v fits sparsevec(typmod); −1 means no modifier.
func (v SparseVec) CheckTypmod(typmod int) error { return checkExpectedDim(typmod, int(v.dim)) }

// ParseSparseVec parses pgvector's text form of a sparsevec as sparsevec_in
// does: "{index:value,...}/dim" with 1-based indices read by C strtol and
// values by C strtof, in any order (they are sorted). Zero values are
// dropped; unlike vector, a non-zero value that underflows to zero is an
// error (""1e-50" is out of range for type sparsevec").
func ParseSparseVec(s string) (SparseVec, error) { return ParseSparseVecTypmod(s, -1) }

// ParseSparseVecTypmod is ParseSparseVec for a column of type
// sparsevec(typmod). As in pgvector, the typmod is checked after the
// dimension and before the indices.
func ParseSparseVecTypmod(s string, typmod int) (SparseVec, error) {
	lit := cString(s)
	// pgvector sizes its buffer from a count of every comma in the literal.
	maxNNZ := strings.Count(lit, ",") + 1
	if maxNNZ > SparseVecMaxNNZ {
		return SparseVec{}, newError(ProgramLimitExceeded, fmt.Sprintf("sparsevec cannot have more than %d non-zero elements", SparseVecMaxNNZ))
	}
	type elem struct {
		index int32
		value float32
	}
	var elems []elem
	i := skipSpace(lit, 0)
	if i >= len(lit) || lit[i] != '{' {
		return SparseVec{}, syntaxError("sparsevec", lit, `Vector contents must start with "{".`)
	}
	i = skipSpace(lit, i+1)
	if i < len(lit) && lit[i] == '}' {
		i++
	} else {
		for {
			i = skipSpace(lit, i)
			if i >= len(lit) {
				return SparseVec{}, syntaxError("sparsevec", lit, "")
			}
			index, n, _ := cStrtol(lit[i:], 10)
			if n == 0 {
				return SparseVec{}, syntaxError("sparsevec", lit, "")
			}
			// Kept in int range so the error message is right later.
			if index > math.MaxInt32 {
				index = math.MaxInt32
			} else if index < math.MinInt32+1 {
				index = math.MinInt32 + 1
			}
			i = skipSpace(lit, i+n)
			if i >= len(lit) || lit[i] != ':' {
				return SparseVec{}, syntaxError("sparsevec", lit, "")
			}
			i = skipSpace(lit, i+1)
			f, m, erange := cStrtof(lit[i:])
			if m == 0 {
				return SparseVec{}, syntaxError("sparsevec", lit, "")
			}
			if erange && (f == 0 || isInf32(f)) {
				return SparseVec{}, rangeError("sparsevec", lit[i:i+m])
			}
			if err := checkElement("sparsevec", f); err != nil {
				return SparseVec{}, err
			}
			if f != 0 {
				elems = append(elems, elem{index: int32(index - 1), value: f})
			}
			i = skipSpace(lit, i+m)
			if i < len(lit) && lit[i] == ',' {
				i++
				continue
			}
			if i < len(lit) && lit[i] == '}' {
				i++
				break
			}
			return SparseVec{}, syntaxError("sparsevec", lit, "")
		}
	}
	i = skipSpace(lit, i)
	if i >= len(lit) || lit[i] != '/' {
		return SparseVec{}, syntaxError("sparsevec", lit, "Unexpected end of input.")
	}
	i = skipSpace(lit, i+1)
	ldim, n, _ := cStrtol(lit[i:], 10)
	if n == 0 {
		return SparseVec{}, syntaxError("sparsevec", lit, "")
	}
	if ldim > math.MaxInt32 {
		ldim = math.MaxInt32
	} else if ldim < math.MinInt32 {
		ldim = math.MinInt32
	}
	dim := int(ldim)
	i = skipSpace(lit, i+n)
	if i < len(lit) {
		return SparseVec{}, syntaxError("sparsevec", lit, "Junk after closing.")
	}
	if err := checkDim("sparsevec", dim, SparseVecMaxDim); err != nil {
		return SparseVec{}, err
	}
	if err := checkExpectedDim(typmod, dim); err != nil {
		return SparseVec{}, err
	}
	// Stable sort: the relative order of equal indices cannot be observed,
	// since equal indices are an error.
	slices.SortStableFunc(elems, func(a, b elem) int {
		switch {
		case a.index < b.index:
			return -1
		case a.index > b.index:
			return 1
		}
		return 0
	})
	out := SparseVec{dim: int32(dim), idx: make([]int32, len(elems)), val: make([]float32, len(elems))}
	for k, e := range elems {
		out.idx[k] = e.index
		out.val[k] = e.value
		if err := checkSparseIndex(out.idx, k, dim); err != nil {
			return SparseVec{}, err
		}
	}
	return out, nil
}

// MarshalText implements encoding.TextMarshaler.
func (v SparseVec) MarshalText() ([]byte, error) { return v.AppendText(nil), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParseSparseVec.
func (v *SparseVec) UnmarshalText(b []byte) error {
	p, err := ParseSparseVec(string(b))
	if err != nil {
		return err
	}
	*v = p
	return nil
}

// MarshalBinary implements encoding.BinaryMarshaler with sparsevec_send's
// format: big-endian int32 dim, nnz and unused (0), the 0-based int32
// indices, then the float32 values.
func (v SparseVec) MarshalBinary() ([]byte, error) {
	nnz := len(v.idx)
	b := make([]byte, 12+8*nnz)
	binary.BigEndian.PutUint32(b, uint32(v.dim))
	binary.BigEndian.PutUint32(b[4:], uint32(nnz))
	for i := range v.idx {
		binary.BigEndian.PutUint32(b[12+4*i:], uint32(v.idx[i]))
		binary.BigEndian.PutUint32(b[12+4*nnz+4*i:], math.Float32bits(v.val[i]))
	}
	return b, nil
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler with RecvSparseVec.
func (v *SparseVec) UnmarshalBinary(b []byte) error {
	p, err := RecvSparseVec(b, -1)
	if err != nil {
		return err
	}
	*v = p
	return nil
}

// RecvSparseVec decodes sparsevec_send's binary format as sparsevec_recv
// does, checks in pgvector's order: dimensions, nnz, typmod, unused, each
// index, each value.
func RecvSparseVec(b []byte, typmod int) (SparseVec, error) {
	if len(b) < 12 {
		return SparseVec{}, errInsufficientData()
	}
	dim := int(int32(binary.BigEndian.Uint32(b)))
	nnz := int(int32(binary.BigEndian.Uint32(b[4:])))
	unused := int(int32(binary.BigEndian.Uint32(b[8:])))
	if err := checkDim("sparsevec", dim, SparseVecMaxDim); err != nil {
		return SparseVec{}, err
	}
	if err := checkNNZ(nnz, dim); err != nil {
		return SparseVec{}, err
	}
	if err := checkExpectedDim(typmod, dim); err != nil {
		return SparseVec{}, err
	}
	if unused != 0 {
		return SparseVec{}, newError(DataException, fmt.Sprintf("expected unused to be 0, not %d", unused))
	}
	p := b[12:]
	idx := make([]int32, nnz)
	for i := range idx {
		if len(p) < 4 {
			return SparseVec{}, errInsufficientData()
		}
		idx[i] = int32(binary.BigEndian.Uint32(p))
		p = p[4:]
		if err := checkSparseIndex(idx, i, dim); err != nil {
			return SparseVec{}, err
		}
	}
	val := make([]float32, nnz)
	for i := range val {
		if len(p) < 4 {
			return SparseVec{}, errInsufficientData()
		}
		val[i] = math.Float32frombits(binary.BigEndian.Uint32(p))
		p = p[4:]
		if err := checkElement("sparsevec", val[i]); err != nil {
			return SparseVec{}, err
		}
		if val[i] == 0 {
			return SparseVec{}, newError(DataException, "binary representation of sparsevec cannot contain zero values")
		}
	}
	if len(p) != 0 {
		return SparseVec{}, errTrailingData()
	}
	return SparseVec{dim: int32(dim), idx: idx, val: val}, nil
}

// Value implements driver.Valuer with the text form.
func (v SparseVec) Value() (driver.Value, error) { return v.String(), nil }

// Scan implements sql.Scanner for text column values.
func (v *SparseVec) Scan(src any) error {
	switch s := src.(type) {
	case string:
		return v.UnmarshalText([]byte(s))
	case []byte:
		return v.UnmarshalText(s)
	case nil:
		return errors.New("pgcompat: cannot scan NULL into SparseVec")
	}
	return fmt.Errorf("pgcompat: cannot scan %T into SparseVec", src)
}

// ToSparseVec converts v to a sparse vector, dropping zeros (the vector →
// sparsevec cast).
func (v Vector) ToSparseVec() (SparseVec, error) {
	if err := checkDim("sparsevec", len(v.x), SparseVecMaxDim); err != nil {
		return SparseVec{}, err
	}
	out := SparseVec{dim: int32(len(v.x))}
	for i, e := range v.x {
		if e != 0 {
			out.idx = append(out.idx, int32(i))
			out.val = append(out.val, e)
		}
	}
	if err := checkNNZ(len(out.idx), len(v.x)); err != nil {
		return SparseVec{}, err
	}
	return out, nil
}

// ToSparseVec converts v to a sparse vector, dropping zeros (the halfvec →
// sparsevec cast).
func (v HalfVec) ToSparseVec() (SparseVec, error) {
	if err := checkDim("sparsevec", len(v.x), SparseVecMaxDim); err != nil {
		return SparseVec{}, err
	}
	out := SparseVec{dim: int32(len(v.x))}
	for i, h := range v.x {
		if !halfIsZero(h) {
			out.idx = append(out.idx, int32(i))
			out.val = append(out.val, h.Float32())
		}
	}
	if err := checkNNZ(len(out.idx), len(v.x)); err != nil {
		return SparseVec{}, err
	}
	return out, nil
}

// ToVector expands v to a dense vector (the sparsevec → vector cast); more
// than 16000 dimensions is an error.
func (v SparseVec) ToVector() (Vector, error) {
	if err := checkDim("vector", int(v.dim), VectorMaxDim); err != nil {
		return Vector{}, err
	}
	x := make([]float32, v.dim)
	for i, j := range v.idx {
		x[j] = v.val[i]
	}
	return Vector{x: x}, nil
}

// ToHalfVec expands v to a dense halfvec (the sparsevec → halfvec cast).
func (v SparseVec) ToHalfVec() (HalfVec, error) {
	if err := checkDim("halfvec", int(v.dim), HalfVecMaxDim); err != nil {
		return HalfVec{}, err
	}
	out := HalfVec{x: make([]halfvec.Float16, v.dim)}
	for i, j := range v.idx {
		h, err := toHalf(v.val[i])
		if err != nil {
			return HalfVec{}, err
		}
		out.x[j] = h
	}
	return out, nil
}
