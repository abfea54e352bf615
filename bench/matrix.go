package bench

import (
	"fmt"
	"math"
)

// Matrix is a set of vectors of one dimension, stored row-major in one
// slice: row i is Data[i*Dim : (i+1)*Dim]. One allocation for the whole set
// keeps the garbage collector out of the way and rows adjacent in memory,
// which is what the brute-force kernels want.
//
// A Matrix with Dim 0 takes its dimension from the first row appended.
type Matrix struct {
	// Dim is the number of components of every row.
	Dim int
	// Data holds the rows back to back; len(Data) is a multiple of Dim.
	Data []float32
}

// NewMatrix returns an empty matrix of dimension dim with room for capacity
// rows. A negative capacity counts as zero.
func NewMatrix(dim, capacity int) *Matrix {
	if dim < 0 {
		dim = 0
	}
	if capacity < 0 {
		capacity = 0
	}
	return &Matrix{Dim: dim, Data: make([]float32, 0, dim*capacity)}
}

// FromRows copies rows into a new matrix. Every row must have the same,
// non-zero length.
func FromRows(rows [][]float32) (*Matrix, error) {
	if len(rows) == 0 {
		return &Matrix{}, nil
	}
	m := NewMatrix(len(rows[0]), len(rows))
	for i, r := range rows {
		if err := m.Append(r); err != nil {
			return nil, fmt.Errorf("bench: row %d: %w", i, err)
		}
	}
	return m, nil
}

// Len returns the number of rows.
func (m *Matrix) Len() int {
	if m == nil || m.Dim <= 0 {
		return 0
	}
	return len(m.Data) / m.Dim
}

// Row returns row i as a slice of Data (not a copy). Its capacity is capped
// at Dim so that appending to it cannot overwrite the next row. Like a slice
// index, it panics when i is out of range.
func (m *Matrix) Row(i int) []float32 {
	return m.Data[i*m.Dim : (i+1)*m.Dim : (i+1)*m.Dim]
}

// Append copies v to the end of the matrix. It fails if v is empty or its
// length differs from Dim (an empty matrix with Dim 0 adopts len(v)).
func (m *Matrix) Append(v []float32) error {
	if len(v) == 0 {
		return fmt.Errorf("bench: append: %w: empty vector", ErrDimension)
	}
	if m.Dim == 0 && len(m.Data) == 0 {
		m.Dim = len(v)
	}
	if len(v) != m.Dim {
		return fmt.Errorf("bench: append: %w: vector has %d components, matrix has %d", ErrDimension, len(v), m.Dim)
	}
	m.Data = append(m.Data, v...)
	return nil
}

// Rows returns one slice per row, each a view into Data.
func (m *Matrix) Rows() [][]float32 {
	out := make([][]float32, m.Len())
	for i := range out {
		out[i] = m.Row(i)
	}
	return out
}

// Slice returns a matrix sharing rows [from, to) with m.
func (m *Matrix) Slice(from, to int) *Matrix {
	return &Matrix{Dim: m.Dim, Data: m.Data[from*m.Dim : to*m.Dim : to*m.Dim]}
}

// Clone returns a deep copy of m.
func (m *Matrix) Clone() *Matrix {
	return &Matrix{Dim: m.Dim, Data: append([]float32(nil), m.Data...)}
}

// Bytes returns the size of the vector data in bytes, 4 per component.
func (m *Matrix) Bytes() int64 { return int64(len(m.Data)) * 4 }

// Validate checks that the matrix is well formed: a positive dimension when
// it has data, a length that is a multiple of it, and only finite values.
// The error names the first offending row.
func (m *Matrix) Validate() error {
	if m == nil {
		return fmt.Errorf("bench: nil matrix")
	}
	if m.Dim < 0 || (m.Dim == 0 && len(m.Data) > 0) {
		return fmt.Errorf("bench: %w: dimension %d", ErrDimension, m.Dim)
	}
	if m.Dim > 0 && len(m.Data)%m.Dim != 0 {
		return fmt.Errorf("bench: %w: %d values do not make whole rows of %d", ErrDimension, len(m.Data), m.Dim)
	}
	for i, x := range m.Data {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Errorf("bench: row %d, component %d: %w (%v)", i/m.Dim, i%m.Dim, ErrNonFinite, x)
		}
	}
	return nil
}
