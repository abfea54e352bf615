package bench

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unsafe"
)

// CSVReader reads delimiter-separated numbers, one vector per line: CSV with
// a comma, TSV with a tab. Quoted fields, blank lines and lines starting with
// '#' are handled as encoding/csv does. A first line made only of
// non-numeric fields is taken as a column header and skipped; any other
// field that is not a number is an [ErrSyntax] error.
type CSVReader struct {
	cr     *csv.Reader
	path   string
	dim    int
	row    int
	header []string
	out    []float32
	first  bool
}

// NewCSVReader returns a reader of delimiter-separated numbers from r; comma
// is the delimiter (',' for CSV, '\t' for TSV) and name is used in errors.
func NewCSVReader(r io.Reader, name string, comma rune) *CSVReader {
	cr := csv.NewReader(bufio.NewReaderSize(r, 1<<16))
	cr.Comma = comma
	cr.Comment = '#'
	cr.FieldsPerRecord = -1 // dimensions are checked here, with better errors
	cr.ReuseRecord = true
	cr.TrimLeadingSpace = true
	return &CSVReader{cr: cr, path: name, first: true}
}

// Dim returns the dimension, 0 before the first vector is read.
func (c *CSVReader) Dim() int { return c.dim }

// Row returns the number of vectors read so far.
func (c *CSVReader) Row() int { return c.row }

// Header returns the column names of a header line, or nil if there was none
// (or no line has been read yet).
func (c *CSVReader) Header() []string { return c.header }

// Read returns the next vector, or io.EOF at the end. The slice is reused by
// the next call.
func (c *CSVReader) Read() ([]float32, error) {
	for {
		rec, err := c.cr.Read()
		if err == io.EOF {
			return nil, io.EOF
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, formatErrorf(c.path, c.row, pe.Line, ErrSyntax, "%v", pe.Err)
			}
			return nil, &FormatError{Path: c.path, Row: c.row, Err: err}
		}
		line, _ := c.cr.FieldPos(0)
		if c.first {
			c.first = false
			if isHeader(rec) {
				c.header = append([]string(nil), rec...)
				continue
			}
		}
		return c.parse(rec, line)
	}
}

// isHeader reports whether every field of a record fails to parse as a
// number, as column names do.
func isHeader(rec []string) bool {
	for _, f := range rec {
		if _, err := strconv.ParseFloat(strings.TrimSpace(f), 64); err == nil || errors.Is(err, strconv.ErrRange) {
			return false
		}
	}
	return true
}

func (c *CSVReader) parse(rec []string, line int) ([]float32, error) {
	if c.dim == 0 {
		if len(rec) > maxDim {
			return nil, formatErrorf(c.path, c.row, line, ErrDimension, "%d fields", len(rec))
		}
		c.dim = len(rec)
	} else if len(rec) != c.dim {
		return nil, formatErrorf(c.path, c.row, line, ErrDimension, "%d fields, but earlier rows have %d", len(rec), c.dim)
	}
	if cap(c.out) < c.dim {
		c.out = make([]float32, c.dim)
	}
	out := c.out[:c.dim]
	for i, f := range rec {
		x, err := parseNumber(strings.TrimSpace(f))
		if err != nil {
			return nil, formatErrorf(c.path, c.row, line, err.kind, "field %d: %s", i+1, err.msg)
		}
		out[i] = x
	}
	if i := checkFinite(out); i >= 0 {
		return nil, nonFiniteError(c.path, c.row, line, i, out[i])
	}
	c.row++
	return out, nil
}

// numberError is a parse failure of one number, kept cheap (no allocation
// until it is turned into a FormatError).
type numberError struct {
	kind error
	msg  string
}

// parseNumber parses a float with Go's grammar (which covers C's strtof
// for the forms that occur in practice), rejecting overflow beyond float32.
func parseNumber(s string) (float32, *numberError) {
	if s == "" {
		return 0, &numberError{ErrSyntax, "empty field"}
	}
	x, err := strconv.ParseFloat(s, 32)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) && (x > 1 || x < -1) {
			return 0, &numberError{ErrRange, fmt.Sprintf("%q overflows float32", s)}
		}
		if !errors.Is(err, strconv.ErrRange) { // underflow to 0 is fine
			return 0, &numberError{ErrSyntax, fmt.Sprintf("%q is not a number", clip(s))}
		}
	}
	return float32(x), nil
}

// parseNumberBytes is parseNumber without copying b into a new string: one
// allocation per number would dominate reading text formats. The string is
// only read during the call; strconv copies it into any error it returns
// and parseNumber's own messages are formatted copies.
func parseNumberBytes(b []byte) (float32, *numberError) {
	if len(b) == 0 {
		return parseNumber("")
	}
	return parseNumber(unsafe.String(&b[0], len(b)))
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}

// WriteCSV writes m as delimiter-separated values, one row per line, each
// number in the shortest form that reads back to the same float32.
func WriteCSV(w io.Writer, m *Matrix, comma rune) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	var buf []byte
	for i := range m.Len() {
		buf = buf[:0]
		for j, x := range m.Row(i) {
			if j > 0 {
				buf = append(buf, string(comma)...)
			}
			buf = strconv.AppendFloat(buf, float64(x), 'g', -1, 32)
		}
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return fmt.Errorf("bench: write csv: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("bench: write csv: %w", err)
	}
	return nil
}
