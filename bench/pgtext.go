package bench

import (
	"bytes"
	"io"
)

// PgTextReader reads pgvector's text representation, one vector per line,
// as "COPY items (embedding) TO STDOUT" writes it: "[1,2.5,-3]". White
// space around numbers is allowed, as pgvector allows it; blank lines are
// skipped. SQL NULL ("\N") is an error naming the row.
type PgTextReader struct {
	bracketReader
}

// NewPgTextReader returns a reader of pgvector text lines from r; name is
// used in error messages.
func NewPgTextReader(r io.Reader, name string) *PgTextReader {
	return &PgTextReader{bracketReader{lr: newLineReader(r), path: name}}
}

// Dim returns the dimension, 0 before the first vector is read.
func (p *PgTextReader) Dim() int { return p.dim }

// Row returns the number of vectors read so far.
func (p *PgTextReader) Row() int { return p.row }

// Read returns the next vector, or io.EOF at the end. The slice is reused by
// the next call.
func (p *PgTextReader) Read() ([]float32, error) {
	for {
		line, err := p.lr.next()
		if err == io.EOF {
			return nil, io.EOF
		}
		if err != nil {
			return nil, &FormatError{Path: p.path, Row: p.row, Line: p.lr.line, Err: err}
		}
		t := bytes.TrimSpace(line)
		if len(t) == 0 {
			continue
		}
		if string(t) == `\N` {
			return nil, formatErrorf(p.path, p.row, p.lr.line, ErrSyntax, "NULL vector")
		}
		if bytes.IndexByte(t, '\t') >= 0 {
			return nil, formatErrorf(p.path, p.row, p.lr.line, ErrSyntax, "several tab-separated columns; COPY only the vector column")
		}
		v, perr := parseBracketed(t, p.out[:0], false)
		if perr != nil {
			return nil, formatErrorf(p.path, p.row, p.lr.line, perr.kind, "%s", perr.msg)
		}
		return p.finish(v)
	}
}

// WritePgText writes m in pgvector's text format, one vector per line,
// ready for "COPY items (embedding) FROM STDIN".
func WritePgText(w io.Writer, m *Matrix) error {
	return writeBracketed(w, m, "pgvector text")
}
