package bench

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// IDX element type codes.
const (
	idxUint8   = 0x08
	idxInt8    = 0x09
	idxInt16   = 0x0B
	idxInt32   = 0x0C
	idxFloat32 = 0x0D
	idxFloat64 = 0x0E
)

func idxTypeSize(t byte) int {
	switch t {
	case idxUint8, idxInt8:
		return 1
	case idxInt16:
		return 2
	case idxInt32, idxFloat32:
		return 4
	case idxFloat64:
		return 8
	}
	return 0
}

// IDXReader reads the IDX format of MNIST and Fashion-MNIST: a big-endian
// header (two zero bytes, an element type, the number of dimensions, then
// each dimension as a uint32) followed by the elements in row-major order.
// The first dimension counts the vectors; the product of the others is the
// vector dimension (784 for 28×28 images; 1 for a label file).
type IDXReader struct {
	r     io.Reader
	path  string
	etype byte
	shape []int
	rows  int
	dim   int
	row   int
	size  int64 // data bytes after the header, or −1
	raw   []byte
	out   []float32
	done  bool
}

// NewIDXReader parses an IDX header from r (decompressed already) and
// returns a reader of its vectors; name is used in error messages.
func NewIDXReader(r io.Reader, name string) (*IDXReader, error) {
	return newIDXReader(r, name, -1, false)
}

func newIDXReader(r io.Reader, name string, size int64, exact bool) (*IDXReader, error) {
	if _, ok := r.(io.ByteReader); !ok {
		r = bufio.NewReaderSize(r, 1<<16)
	}
	bad := func(kind error, format string, args ...any) error {
		return formatErrorf(name, -1, 0, kind, format, args...)
	}
	var magic [4]byte
	if got, err := io.ReadFull(r, magic[:]); err != nil {
		return nil, bad(ErrHeader, "file too short for an IDX header (%d bytes)", got)
	}
	if magic[0] != 0 || magic[1] != 0 {
		return nil, bad(ErrHeader, "not an IDX file (magic % x)", magic)
	}
	etype, nd := magic[2], int(magic[3])
	es := idxTypeSize(etype)
	if es == 0 {
		return nil, bad(ErrUnsupported, "IDX element type 0x%02x", etype)
	}
	if nd < 1 || nd > 8 {
		return nil, bad(ErrHeader, "IDX file with %d dimensions", nd)
	}
	dims := make([]byte, 4*nd)
	if _, err := io.ReadFull(r, dims); err != nil {
		return nil, bad(ErrHeader, "file ends inside the IDX dimensions")
	}
	x := &IDXReader{r: r, path: name, etype: etype, size: -1}
	x.dim = 1
	for i := range nd {
		d := int(binary.BigEndian.Uint32(dims[4*i:]))
		x.shape = append(x.shape, d)
		if i == 0 {
			x.rows = d
			continue
		}
		if d == 0 || x.dim > maxDim/d {
			return nil, bad(ErrDimension, "IDX shape %v gives vectors of more than %d components (or none)", x.shape, maxDim)
		}
		x.dim *= d
	}
	total, ok := mulFits(x.rows, x.dim, es)
	if !ok {
		return nil, bad(ErrHeader, "IDX shape %v is too large", x.shape)
	}
	if size >= 0 {
		data := size - int64(4+4*nd)
		if exact && data != int64(total) {
			return nil, bad(ErrHeader, "header shape %v needs %d bytes of data, file holds %d", x.shape, total, data)
		}
		x.size = data
	}
	return x, nil
}

// Dim returns the vector dimension from the header.
func (x *IDXReader) Dim() int { return x.dim }

// Row returns the number of vectors read so far.
func (x *IDXReader) Row() int { return x.row }

// Shape returns the dimensions the header declares, the count first.
func (x *IDXReader) Shape() []int { return append([]int(nil), x.shape...) }

func (x *IDXReader) rowHint() int {
	if x.size < 0 {
		return 0
	}
	return int(min(int64(x.rows-x.row), x.size/int64(x.dim*idxTypeSize(x.etype))))
}

// Read returns the next vector, or io.EOF after the number the header
// declares. The slice is reused by the next call.
func (x *IDXReader) Read() ([]float32, error) {
	if x.row >= x.rows {
		if !x.done {
			x.done = true
			var b [1]byte
			if got, _ := io.ReadFull(x.r, b[:]); got > 0 {
				return nil, formatErrorf(x.path, x.row, 0, ErrHeader, "file holds more data than the header's %d vectors", x.rows)
			}
		}
		return nil, io.EOF
	}
	es := idxTypeSize(x.etype)
	want := x.dim * es
	var got int
	var err error
	x.raw, got, err = readFullGrow(x.r, x.raw, want)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, formatErrorf(x.path, x.row, 0, ErrTruncated, "header promises %d vectors, data ends after %d bytes of vector %d", x.rows, got, x.row)
		}
		return nil, &FormatError{Path: x.path, Row: x.row, Err: err}
	}
	if cap(x.out) < x.dim {
		x.out = make([]float32, x.dim)
	}
	out := x.out[:x.dim]
	raw := x.raw[:want]
	be := binary.BigEndian
	for i := range out {
		switch x.etype {
		case idxUint8:
			out[i] = float32(raw[i])
		case idxInt8:
			out[i] = float32(int8(raw[i]))
		case idxInt16:
			out[i] = float32(int16(be.Uint16(raw[2*i:])))
		case idxInt32:
			v := int32(be.Uint32(raw[4*i:]))
			if v > maxExactInt || v < -maxExactInt {
				return nil, formatErrorf(x.path, x.row, 0, ErrRange, "component %d is %d, beyond the ±2^24 a float32 holds exactly", i, v)
			}
			out[i] = float32(v)
		case idxFloat32:
			out[i] = math.Float32frombits(be.Uint32(raw[4*i:]))
		case idxFloat64:
			f := math.Float64frombits(be.Uint64(raw[8*i:]))
			v, ok := toFloat32(f)
			if !ok {
				return nil, formatErrorf(x.path, x.row, 0, ErrRange, "component %d is %g, beyond float32", i, f)
			}
			out[i] = v
		}
	}
	if i := checkFinite(out); i >= 0 {
		return nil, nonFiniteError(x.path, x.row, 0, i, out[i])
	}
	x.row++
	return out, nil
}

// WriteIDX writes m as an IDX file. shape gives the layout of one vector
// (28, 28 for an MNIST image) and must multiply to m.Dim; without it the
// file is 2-D, (Len, Dim). The element type is unsigned byte when every value
// is an integer from 0 to 255, float32 otherwise.
func WriteIDX(w io.Writer, m *Matrix, shape ...int) error {
	if len(shape) == 0 {
		shape = []int{m.Dim}
	}
	prod := 1
	for _, d := range shape {
		if d <= 0 || d > math.MaxUint32 {
			return fmt.Errorf("bench: write idx: bad shape %v", shape)
		}
		prod *= d
	}
	if prod != m.Dim || len(shape) > 7 {
		return fmt.Errorf("bench: write idx: %w: shape %v does not fit dimension %d", ErrDimension, shape, m.Dim)
	}
	bytesOK := true
	for _, v := range m.Data {
		if v < 0 || v > 255 || v != float32(math.Trunc(float64(v))) {
			bytesOK = false
			break
		}
	}
	etype := byte(idxFloat32)
	if bytesOK {
		etype = idxUint8
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	hdr := []byte{0, 0, etype, byte(1 + len(shape))}
	hdr = binary.BigEndian.AppendUint32(hdr, uint32(m.Len()))
	for _, d := range shape {
		hdr = binary.BigEndian.AppendUint32(hdr, uint32(d))
	}
	bw.Write(hdr)
	var buf []byte
	for i := range m.Len() {
		buf = buf[:0]
		for _, v := range m.Row(i) {
			if bytesOK {
				buf = append(buf, byte(v))
			} else {
				buf = binary.BigEndian.AppendUint32(buf, math.Float32bits(v))
			}
		}
		if _, err := bw.Write(buf); err != nil {
			return fmt.Errorf("bench: write idx: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("bench: write idx: %w", err)
	}
	return nil
}
