package bench

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// vecsKind is the element type of a TEXMEX file.
type vecsKind uint8

const (
	kindFloat32 vecsKind = iota // .fvecs
	kindInt32                   // .ivecs
	kindUint8                   // .bvecs
)

func (k vecsKind) size() int {
	if k == kindUint8 {
		return 1
	}
	return 4
}

// maxExactInt is the largest integer magnitude every float32 below it holds
// exactly (2^24); .ivecs values beyond it cannot be read as float32.
const maxExactInt = 1 << 24

// VecsReader reads a TEXMEX .fvecs, .ivecs or .bvecs stream: records of a
// little-endian int32 dimension followed by that many values.
//
// Every record must have the dimension of the first. A record cut short is an
// [ErrTruncated] error; a dimension outside 1–1,048,576 is [ErrDimension].
type VecsReader struct {
	r      io.Reader
	path   string
	kind   vecsKind
	dim    int
	row    int
	size   int64   // bytes in the stream, or −1
	hdr    [4]byte // here, not on the stack: passed to an io.Reader it would escape
	raw    []byte
	floats []float32
	ints   []int32
}

// NewFvecsReader returns a reader of .fvecs records from r; name is used in
// error messages.
func NewFvecsReader(r io.Reader, name string) *VecsReader {
	return newVecsReader(r, name, kindFloat32, -1)
}

// NewIvecsReader returns a reader of .ivecs records from r. Read converts
// the integers to float32 (an error beyond ±2^24); ReadInt32 returns them
// as they are.
func NewIvecsReader(r io.Reader, name string) *VecsReader {
	return newVecsReader(r, name, kindInt32, -1)
}

// NewBvecsReader returns a reader of .bvecs (unsigned byte) records from r.
func NewBvecsReader(r io.Reader, name string) *VecsReader {
	return newVecsReader(r, name, kindUint8, -1)
}

func newVecsReader(r io.Reader, name string, kind vecsKind, size int64) *VecsReader {
	if _, ok := r.(io.ByteReader); !ok {
		r = bufio.NewReaderSize(r, 1<<16)
	}
	return &VecsReader{r: r, path: name, kind: kind, size: size}
}

// Dim returns the dimension, 0 before the first record is read.
func (v *VecsReader) Dim() int { return v.dim }

// Row returns the number of records read so far.
func (v *VecsReader) Row() int { return v.row }

func (v *VecsReader) rowHint() int {
	if v.size < 0 || v.dim == 0 {
		return 0
	}
	return int(v.size / int64(4+v.dim*v.kind.size()))
}

// next reads one record's raw bytes into v.raw.
func (v *VecsReader) next() error {
	hdr := v.hdr[:]
	n, err := io.ReadFull(v.r, hdr)
	if err == io.EOF {
		return io.EOF
	}
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return formatErrorf(v.path, v.row, 0, ErrTruncated, "file ends inside the dimension field (%d of 4 bytes)", n)
		}
		return &FormatError{Path: v.path, Row: v.row, Err: err}
	}
	d := int64(int32(binary.LittleEndian.Uint32(hdr)))
	if d < 1 || d > maxDim {
		return formatErrorf(v.path, v.row, 0, ErrDimension, "record claims dimension %d", d)
	}
	if v.dim == 0 {
		v.dim = int(d)
	} else if int(d) != v.dim {
		return formatErrorf(v.path, v.row, 0, ErrDimension, "dimension %d, but earlier records have %d", d, v.dim)
	}
	want := v.dim * v.kind.size()
	var got int
	v.raw, got, err = readFullGrow(v.r, v.raw, want)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return formatErrorf(v.path, v.row, 0, ErrTruncated, "record needs %d bytes of values, file holds %d", want, got)
		}
		return &FormatError{Path: v.path, Row: v.row, Err: err}
	}
	return nil
}

// Read returns the next record as float32 values, or io.EOF at the end.
// The slice is reused by the next call.
func (v *VecsReader) Read() ([]float32, error) {
	if err := v.next(); err != nil {
		return nil, err
	}
	if cap(v.floats) < v.dim {
		v.floats = make([]float32, v.dim)
	}
	out := v.floats[:v.dim]
	raw := v.raw[:v.dim*v.kind.size()]
	switch v.kind {
	case kindFloat32:
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
		if i := checkFinite(out); i >= 0 {
			return nil, nonFiniteError(v.path, v.row, 0, i, out[i])
		}
	case kindInt32:
		for i := range out {
			x := int32(binary.LittleEndian.Uint32(raw[4*i:]))
			if x > maxExactInt || x < -maxExactInt {
				return nil, formatErrorf(v.path, v.row, 0, ErrRange, "component %d is %d, beyond the ±2^24 a float32 holds exactly", i, x)
			}
			out[i] = float32(x)
		}
	case kindUint8:
		for i := range out {
			out[i] = float32(raw[i])
		}
	}
	v.row++
	return out, nil
}

// ReadInt32 returns the next record of an .ivecs stream as integers, or
// io.EOF at the end. The slice is reused by the next call.
func (v *VecsReader) ReadInt32() ([]int32, error) {
	if v.kind != kindInt32 {
		return nil, fmt.Errorf("bench: %s: ReadInt32 on a non-ivecs reader", v.path)
	}
	if err := v.next(); err != nil {
		return nil, err
	}
	if cap(v.ints) < v.dim {
		v.ints = make([]int32, v.dim)
	}
	out := v.ints[:v.dim]
	for i := range out {
		out[i] = int32(binary.LittleEndian.Uint32(v.raw[4*i:]))
	}
	v.row++
	return out, nil
}

// LoadIvecs reads a whole .ivecs file (plain or gzip) as rows of integers,
// the form ground-truth files take. All rows must have the same length.
func LoadIvecs(path string) ([][]int32, error) {
	in, err := openInput(path)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	return ReadIvecs(in.r, path)
}

// ReadIvecs reads every record of an .ivecs stream as rows of integers.
func ReadIvecs(r io.Reader, name string) ([][]int32, error) {
	vr := newVecsReader(r, name, kindInt32, -1)
	var rows [][]int32
	for {
		v, err := vr.ReadInt32()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, err
		}
		rows = append(rows, append([]int32(nil), v...))
	}
}

// WriteFvecs writes m as .fvecs records.
func WriteFvecs(w io.Writer, m *Matrix) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	var buf []byte
	for i := range m.Len() {
		row := m.Row(i)
		buf = binary.LittleEndian.AppendUint32(buf[:0], uint32(len(row)))
		for _, x := range row {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(x))
		}
		if _, err := bw.Write(buf); err != nil {
			return fmt.Errorf("bench: write fvecs: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("bench: write fvecs: %w", err)
	}
	return nil
}

// WriteBvecs writes m as .bvecs records. Every value must be an integer
// from 0 to 255 ([ErrRange] otherwise).
func WriteBvecs(w io.Writer, m *Matrix) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	var buf []byte
	for i := range m.Len() {
		row := m.Row(i)
		buf = binary.LittleEndian.AppendUint32(buf[:0], uint32(len(row)))
		for j, x := range row {
			if x < 0 || x > 255 || x != float32(math.Trunc(float64(x))) {
				return fmt.Errorf("bench: write bvecs: row %d, component %d: %w: %v is not a byte", i, j, ErrRange, x)
			}
			buf = append(buf, byte(x))
		}
		if _, err := bw.Write(buf); err != nil {
			return fmt.Errorf("bench: write bvecs: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("bench: write bvecs: %w", err)
	}
	return nil
}

// WriteIvecs writes rows of integers as .ivecs records (ground truth ids,
// for instance). Rows may differ in length; readers of this package require
// equal lengths.
func WriteIvecs(w io.Writer, rows [][]int32) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	var buf []byte
	for _, row := range rows {
		buf = binary.LittleEndian.AppendUint32(buf[:0], uint32(len(row)))
		for _, x := range row {
			buf = binary.LittleEndian.AppendUint32(buf, uint32(x))
		}
		if _, err := bw.Write(buf); err != nil {
			return fmt.Errorf("bench: write ivecs: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("bench: write ivecs: %w", err)
	}
	return nil
}

// SaveIvecs writes rows to path as .ivecs, gzip-compressed if the name ends
// in .gz. The file is replaced atomically.
func SaveIvecs(path string, rows [][]int32) error {
	return writeFileAtomic(path, func(w io.Writer) error { return WriteIvecs(w, rows) })
}
