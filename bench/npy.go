package bench

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/smallworld-go/smallworld/halfvec"
)

// npyMagic opens every .npy file.
const npyMagic = "\x93NUMPY"

// maxNpyHeader bounds the header length field. Real headers are a few
// hundred bytes; version 2 allows 4 GiB, which a corrupt file must not get.
const maxNpyHeader = 1 << 20

// npyDType is an element type of a .npy file that this package reads.
type npyDType struct {
	kind  byte // 'f' float, 'i' signed, 'u' unsigned
	size  int  // bytes per element
	order binary.ByteOrder
}

// NpyReader reads a NumPy .npy file holding a 2-D array of shape (n, d) in
// C order (a 1-D array of shape (d,) reads as one vector). Float32,
// float64 and float16 are read, in either byte order, as are 8- to 64-bit
// integers; every value must convert to a finite float32.
//
// The header's shape is checked against the real length of the file when
// that is known, and otherwise trusted only as far as data arrives: a short
// file is an [ErrTruncated] error at the first missing row.
type NpyReader struct {
	r     io.Reader
	path  string
	dtype npyDType
	rows  int
	dim   int
	row   int
	size  int64 // data bytes in the stream after the header, or −1
	raw   []byte
	out   []float32
	done  bool
}

// NewNpyReader parses the header of a .npy stream and returns a reader of
// its rows; name is used in error messages.
func NewNpyReader(r io.Reader, name string) (*NpyReader, error) {
	return newNpyReader(r, name, -1, false)
}

func newNpyReader(r io.Reader, name string, size int64, exact bool) (*NpyReader, error) {
	if _, ok := r.(io.ByteReader); !ok {
		r = bufio.NewReaderSize(r, 1<<16)
	}
	n := &NpyReader{r: r, path: name, size: -1}
	hdrLen, err := n.readHeader()
	if err != nil {
		return nil, err
	}
	total, ok := mulFits(n.rows, n.dim, n.dtype.size)
	if !ok {
		return nil, formatErrorf(name, -1, 0, ErrHeader, "shape (%d, %d) is too large", n.rows, n.dim)
	}
	if size >= 0 {
		data := size - int64(hdrLen)
		if exact && data != int64(total) {
			return nil, formatErrorf(name, -1, 0, ErrHeader, "header claims %d rows × %d × %d bytes = %d bytes of data, file holds %d", n.rows, n.dim, n.dtype.size, total, data)
		}
		n.size = data
	}
	return n, nil
}

// mulFits returns a·b·c and whether it fits comfortably in an int.
func mulFits(a, b, c int) (int, bool) {
	const limit = 1 << 50
	if a < 0 || b < 0 || c < 0 {
		return 0, false
	}
	p := a
	for _, x := range []int{b, c} {
		if x != 0 && p > limit/x {
			return 0, false
		}
		p *= x
	}
	return p, true
}

// readHeader parses magic, version and the header dictionary, returning the
// total header length in bytes.
func (n *NpyReader) readHeader() (int, error) {
	bad := func(format string, args ...any) error {
		return formatErrorf(n.path, -1, 0, ErrHeader, format, args...)
	}
	var pre [8]byte
	if got, err := io.ReadFull(n.r, pre[:]); err != nil {
		if got == 0 && err == io.EOF {
			return 0, bad("empty file, no .npy magic")
		}
		return 0, bad("file too short for a .npy header (%d bytes)", got)
	}
	if string(pre[:6]) != npyMagic {
		return 0, bad("not a .npy file (magic %q)", pre[:6])
	}
	major := pre[6]
	var hlen, fixed int
	switch major {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(n.r, b[:]); err != nil {
			return 0, bad("file ends inside the header length")
		}
		hlen, fixed = int(binary.LittleEndian.Uint16(b[:])), 10
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(n.r, b[:]); err != nil {
			return 0, bad("file ends inside the header length")
		}
		hlen, fixed = int(binary.LittleEndian.Uint32(b[:])), 12
	default:
		return 0, formatErrorf(n.path, -1, 0, ErrUnsupported, ".npy format version %d.%d", major, pre[7])
	}
	if hlen > maxNpyHeader {
		return 0, bad("header length %d exceeds %d bytes", hlen, maxNpyHeader)
	}
	hdr := make([]byte, hlen)
	if got, err := io.ReadFull(n.r, hdr); err != nil {
		return 0, bad("header claims %d bytes, file holds %d", hlen, got)
	}
	if err := n.parseDict(string(hdr)); err != nil {
		return 0, err
	}
	return fixed + hlen, nil
}

// parseDict reads the Python dict literal of a .npy header:
// {'descr': '<f4', 'fortran_order': False, 'shape': (10, 128), }
func (n *NpyReader) parseDict(s string) error {
	bad := func(format string, args ...any) error {
		return formatErrorf(n.path, -1, 0, ErrHeader, format, args...)
	}
	p := &pyLexer{s: strings.TrimRight(s, " \n\x00")}
	if !p.eat('{') {
		return bad("header is not a dict: %q", s)
	}
	var haveDescr, haveOrder, haveShape bool
	var shape []int
	for {
		if p.eat('}') {
			break
		}
		key, ok := p.str()
		if !ok || !p.eat(':') {
			return bad("malformed header dict %q", s)
		}
		switch key {
		case "descr":
			d, ok := p.str()
			if !ok {
				return bad("descr is not a string in %q", s)
			}
			dt, err := parseNpyDescr(d)
			if err != nil {
				return &FormatError{Path: n.path, Row: -1, Err: err}
			}
			n.dtype, haveDescr = dt, true
		case "fortran_order":
			w := p.word()
			switch w {
			case "False":
			case "True":
				return formatErrorf(n.path, -1, 0, ErrUnsupported, "Fortran-ordered arrays (save with np.ascontiguousarray)")
			default:
				return bad("fortran_order is %q", w)
			}
			haveOrder = true
		case "shape":
			var ok bool
			if shape, ok = p.tuple(); !ok {
				return bad("malformed shape in %q", s)
			}
			haveShape = true
		default:
			return bad("unexpected key %q", key)
		}
		if !p.eat(',') {
			if !p.eat('}') {
				return bad("malformed header dict %q", s)
			}
			break
		}
	}
	if !haveDescr || !haveOrder || !haveShape {
		return bad("header lacks descr, fortran_order or shape: %q", s)
	}
	switch len(shape) {
	case 1:
		n.rows, n.dim = 1, shape[0]
	case 2:
		n.rows, n.dim = shape[0], shape[1]
	default:
		return formatErrorf(n.path, -1, 0, ErrUnsupported, "array of %d dimensions (want (n, d))", len(shape))
	}
	if n.dim < 1 || n.dim > maxDim {
		return formatErrorf(n.path, -1, 0, ErrDimension, "vector dimension %d", n.dim)
	}
	return nil
}

// parseNpyDescr maps a NumPy type string such as "<f4" to a dtype.
func parseNpyDescr(d string) (npyDType, error) {
	if len(d) < 3 {
		return npyDType{}, fmt.Errorf("%w: dtype %q", ErrUnsupported, d)
	}
	var order binary.ByteOrder
	switch d[0] {
	case '<', '|', '=':
		order = binary.LittleEndian
	case '>':
		order = binary.BigEndian
	default:
		return npyDType{}, fmt.Errorf("%w: dtype %q", ErrUnsupported, d)
	}
	size, err := strconv.Atoi(d[2:])
	if err != nil {
		return npyDType{}, fmt.Errorf("%w: dtype %q", ErrUnsupported, d)
	}
	kind := d[1]
	switch {
	case kind == 'f' && (size == 2 || size == 4 || size == 8):
	case (kind == 'i' || kind == 'u') && (size == 1 || size == 2 || size == 4 || size == 8):
	default:
		return npyDType{}, fmt.Errorf("%w: dtype %q (want float16/32/64 or an integer type)", ErrUnsupported, d)
	}
	return npyDType{kind: kind, size: size, order: order}, nil
}

// Dim returns the vector dimension from the header.
func (n *NpyReader) Dim() int { return n.dim }

// Row returns the number of rows read so far.
func (n *NpyReader) Row() int { return n.row }

// Rows returns the number of rows the header declares. It is a claim until
// Read has returned io.EOF.
func (n *NpyReader) Rows() int { return n.rows }

func (n *NpyReader) rowHint() int {
	if n.size < 0 {
		return 0
	}
	return int(min(int64(n.rows-n.row), n.size/int64(n.dim*n.dtype.size)))
}

// Read returns the next row, or io.EOF after the last one the header
// declares. The slice is reused by the next call.
func (n *NpyReader) Read() ([]float32, error) {
	if n.row >= n.rows {
		if !n.done {
			n.done = true
			var b [1]byte
			if got, _ := io.ReadFull(n.r, b[:]); got > 0 {
				return nil, formatErrorf(n.path, n.row, 0, ErrHeader, "file holds more data than the header's %d rows", n.rows)
			}
		}
		return nil, io.EOF
	}
	want := n.dim * n.dtype.size
	var got int
	var err error
	n.raw, got, err = readFullGrow(n.r, n.raw, want)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, formatErrorf(n.path, n.row, 0, ErrTruncated, "header promises %d rows, data ends after %d bytes of row %d", n.rows, got, n.row)
		}
		return nil, &FormatError{Path: n.path, Row: n.row, Err: err}
	}
	if cap(n.out) < n.dim {
		n.out = make([]float32, n.dim)
	}
	out := n.out[:n.dim]
	if err := n.decode(out, n.raw[:want]); err != nil {
		return nil, err
	}
	n.row++
	return out, nil
}

// decode converts one row of raw elements to float32.
func (n *NpyReader) decode(out []float32, raw []byte) error {
	o, sz := n.dtype.order, n.dtype.size
	for i := range out {
		b := raw[i*sz : (i+1)*sz]
		var x float32
		switch n.dtype.kind {
		case 'f':
			switch sz {
			case 2:
				x = halfvec.Float16(o.Uint16(b)).Float32()
			case 4:
				x = math.Float32frombits(o.Uint32(b))
			case 8:
				f := math.Float64frombits(o.Uint64(b))
				var ok bool
				if x, ok = toFloat32(f); !ok {
					return formatErrorf(n.path, n.row, 0, ErrRange, "component %d is %g, beyond float32", i, f)
				}
			}
		case 'i':
			var v int64
			switch sz {
			case 1:
				v = int64(int8(b[0]))
			case 2:
				v = int64(int16(o.Uint16(b)))
			case 4:
				v = int64(int32(o.Uint32(b)))
			case 8:
				v = int64(o.Uint64(b))
			}
			if v > maxExactInt || v < -maxExactInt {
				return formatErrorf(n.path, n.row, 0, ErrRange, "component %d is %d, beyond the ±2^24 a float32 holds exactly", i, v)
			}
			x = float32(v)
		case 'u':
			var v uint64
			switch sz {
			case 1:
				v = uint64(b[0])
			case 2:
				v = uint64(o.Uint16(b))
			case 4:
				v = uint64(o.Uint32(b))
			case 8:
				v = o.Uint64(b)
			}
			if v > maxExactInt {
				return formatErrorf(n.path, n.row, 0, ErrRange, "component %d is %d, beyond the 2^24 a float32 holds exactly", i, v)
			}
			x = float32(v)
		}
		out[i] = x
	}
	if i := checkFinite(out); i >= 0 {
		return nonFiniteError(n.path, n.row, 0, i, out[i])
	}
	return nil
}

// pyLexer tokenises the small subset of Python literals .npy headers use.
type pyLexer struct {
	s string
	i int
}

func (p *pyLexer) skip() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n') {
		p.i++
	}
}

func (p *pyLexer) eat(c byte) bool {
	p.skip()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// str reads a quoted string, single or double quotes, without escapes.
func (p *pyLexer) str() (string, bool) {
	p.skip()
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", false
	}
	q := p.s[p.i]
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", false
	}
	v := p.s[p.i+1 : p.i+1+end]
	p.i += end + 2
	return v, true
}

// word reads a bare identifier or number.
func (p *pyLexer) word() string {
	p.skip()
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == ',' || c == ')' || c == '}' || c == ' ' || c == ':' {
			break
		}
		p.i++
	}
	return p.s[start:p.i]
}

// tuple reads "(a, b, ...)" of non-negative integers; "()" and "(a,)" too.
func (p *pyLexer) tuple() ([]int, bool) {
	if !p.eat('(') {
		return nil, false
	}
	var out []int
	for {
		if p.eat(')') {
			return out, true
		}
		w := strings.TrimSuffix(p.word(), "L") // Python 2 longs
		v, err := strconv.Atoi(w)
		if err != nil || v < 0 || len(out) >= 32 {
			return nil, false
		}
		out = append(out, v)
		if !p.eat(',') {
			return out, p.eat(')')
		}
	}
}

// WriteNpy writes m as a version 1.0 .npy file of little-endian float32,
// shape (Len, Dim), readable by numpy.load.
func WriteNpy(w io.Writer, m *Matrix) error {
	return writeNpy(w, m, "<f4", 4, func(b []byte, x float32) error {
		binary.LittleEndian.PutUint32(b, math.Float32bits(x))
		return nil
	})
}

// WriteNpyFloat16 writes m as a .npy file of little-endian float16 ("<f2").
// Values are rounded to nearest, ties to even; one too large for float16 is
// an error, as in halfvec.
func WriteNpyFloat16(w io.Writer, m *Matrix) error {
	return writeNpy(w, m, "<f2", 2, func(b []byte, x float32) error {
		h, err := halfvec.FromFloat32(x)
		if err != nil {
			return err
		}
		binary.LittleEndian.PutUint16(b, uint16(h))
		return nil
	})
}

func writeNpy(w io.Writer, m *Matrix, descr string, size int, put func([]byte, float32) error) error {
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%d, %d), }", descr, m.Len(), m.Dim)
	// NumPy pads the header with spaces and a newline so the data starts at
	// a multiple of 64 bytes.
	total := 10 + len(dict) + 1
	pad := (64 - total%64) % 64
	header := dict + strings.Repeat(" ", pad) + "\n"
	if len(header) > math.MaxUint16 {
		return fmt.Errorf("bench: write npy: header too long")
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString(npyMagic)
	bw.Write([]byte{1, 0})
	binary.Write(bw, binary.LittleEndian, uint16(len(header)))
	bw.WriteString(header)
	buf := make([]byte, m.Dim*size)
	for i := range m.Len() {
		for j, x := range m.Row(i) {
			if err := put(buf[j*size:], x); err != nil {
				return fmt.Errorf("bench: write npy: row %d, component %d: %w", i, j, err)
			}
		}
		if _, err := bw.Write(buf); err != nil {
			return fmt.Errorf("bench: write npy: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("bench: write npy: %w", err)
	}
	return nil
}
