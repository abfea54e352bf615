package bench

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// maxLine bounds one line of a text format. A 16,000-dimensional vector
// written with full float32 precision takes about 250 KB; 64 MB leaves room
// for anything sane and stops a file without newlines from eating memory.
const maxLine = 64 << 20

// lineReader yields the lines of a text stream with their one-based numbers,
// without the line terminator (\n or \r\n). Long lines are assembled as they
// arrive, up to maxLine.
type lineReader struct {
	br   *bufio.Reader
	line int
	buf  []byte
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, 1<<16)}
}

// next returns the next line, or io.EOF. The slice is valid until the next
// call.
func (l *lineReader) next() ([]byte, error) {
	l.buf = l.buf[:0]
	for {
		chunk, err := l.br.ReadSlice('\n')
		if len(l.buf)+len(chunk) > maxLine {
			l.line++
			return nil, fmt.Errorf("%w: line longer than %d bytes", ErrSyntax, maxLine)
		}
		switch {
		case err == nil:
			l.line++
			if len(l.buf) == 0 {
				return trimEOL(chunk), nil
			}
			l.buf = append(l.buf, chunk...)
			return trimEOL(l.buf), nil
		case errors.Is(err, bufio.ErrBufferFull):
			l.buf = append(l.buf, chunk...)
		case err == io.EOF:
			l.buf = append(l.buf, chunk...)
			if len(l.buf) == 0 {
				return nil, io.EOF
			}
			l.line++
			return trimEOL(l.buf), nil
		default:
			return nil, err
		}
	}
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte{'\n'})
	return bytes.TrimSuffix(b, []byte{'\r'})
}

// isSpace reports the white space pgvector and JSON both skip.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// parseBracketed parses "[x, y, ...]" into out[:0], the common shape of
// pgvector's text format and a JSON array. With strictJSON the numbers must
// follow JSON's grammar; otherwise anything strconv.ParseFloat accepts is
// taken, like pgvector's strtof. Nothing but white space may follow ']'.
func parseBracketed(s []byte, out []float32, strictJSON bool) ([]float32, *numberError) {
	i := 0
	skip := func() {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
	}
	skip()
	if i >= len(s) || s[i] != '[' {
		return out, &numberError{ErrSyntax, "vector must start with \"[\""}
	}
	i++
	skip()
	if i < len(s) && s[i] == ']' {
		return out, &numberError{ErrDimension, "vector must have at least 1 dimension"}
	}
	for {
		skip()
		start := i
		for i < len(s) && s[i] != ',' && s[i] != ']' && !isSpace(s[i]) {
			i++
		}
		tok := s[start:i]
		if len(tok) == 0 {
			return out, &numberError{ErrSyntax, fmt.Sprintf("missing number at byte %d", start+1)}
		}
		if strictJSON && !isJSONNumber(tok) {
			return out, &numberError{ErrSyntax, fmt.Sprintf("%q is not a JSON number", clip(string(tok)))}
		}
		x, err := parseNumberBytes(tok)
		if err != nil {
			return out, err
		}
		if len(out) >= maxDim {
			return out, &numberError{ErrDimension, fmt.Sprintf("more than %d components", maxDim)}
		}
		out = append(out, x)
		skip()
		if i >= len(s) {
			return out, &numberError{ErrSyntax, "missing \"]\""}
		}
		if s[i] == ']' {
			i++
			break
		}
		if s[i] != ',' {
			return out, &numberError{ErrSyntax, fmt.Sprintf("unexpected %q at byte %d", s[i], i+1)}
		}
		i++
	}
	skip()
	if i != len(s) {
		return out, &numberError{ErrSyntax, fmt.Sprintf("junk after \"]\" at byte %d", i+1)}
	}
	return out, nil
}

// isJSONNumber reports whether b follows JSON's number grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func isJSONNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(b)
}

// bracketReader is the shared body of the JSON-lines and pgvector readers.
type bracketReader struct {
	lr   *lineReader
	path string
	dim  int
	row  int
	out  []float32
}

// finish checks a parsed vector's dimension and values.
func (b *bracketReader) finish(v []float32) ([]float32, error) {
	line := b.lr.line
	if b.dim == 0 {
		b.dim = len(v)
	} else if len(v) != b.dim {
		return nil, formatErrorf(b.path, b.row, line, ErrDimension, "%d components, but earlier rows have %d", len(v), b.dim)
	}
	if i := checkFinite(v); i >= 0 {
		return nil, nonFiniteError(b.path, b.row, line, i, v[i])
	}
	b.out = v
	b.row++
	return v, nil
}

// writeBracketed writes each row as "[x,y,...]" and a newline.
func writeBracketed(w io.Writer, m *Matrix, what string) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	var buf []byte
	for i := range m.Len() {
		buf = append(buf[:0], '[')
		for j, x := range m.Row(i) {
			if j > 0 {
				buf = append(buf, ',')
			}
			buf = appendFloat32(buf, x)
		}
		buf = append(buf, ']', '\n')
		if _, err := bw.Write(buf); err != nil {
			return fmt.Errorf("bench: write %s: %w", what, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("bench: write %s: %w", what, err)
	}
	return nil
}
