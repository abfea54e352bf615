package bench

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"strconv"
)

// jsonVectorKeys are the object fields JSONLReader looks for, in order.
var jsonVectorKeys = []string{"vector", "embedding", "values", "emb"}

// JSONLReader reads JSON lines: each non-blank line is an array of numbers,
// or an object whose "vector", "embedding", "values" or "emb" field is one
// (the first of those present; other fields, such as an id, are ignored).
type JSONLReader struct {
	bracketReader
}

// NewJSONLReader returns a reader of JSON lines from r; name is used in
// error messages.
func NewJSONLReader(r io.Reader, name string) *JSONLReader {
	return &JSONLReader{bracketReader{lr: newLineReader(r), path: name}}
}

// Dim returns the dimension, 0 before the first vector is read.
func (j *JSONLReader) Dim() int { return j.dim }

// Row returns the number of vectors read so far.
func (j *JSONLReader) Row() int { return j.row }

// Read returns the next vector, or io.EOF at the end. The slice is reused by
// the next call.
func (j *JSONLReader) Read() ([]float32, error) {
	for {
		line, err := j.lr.next()
		if err == io.EOF {
			return nil, io.EOF
		}
		if err != nil {
			return nil, &FormatError{Path: j.path, Row: j.row, Line: j.lr.line, Err: err}
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if line[0] == '{' {
			line, err = pickVectorField(line)
			if err != nil {
				return nil, &FormatError{Path: j.path, Row: j.row, Line: j.lr.line, Err: err}
			}
		}
		v, perr := parseBracketed(line, j.out[:0], true)
		if perr != nil {
			return nil, formatErrorf(j.path, j.row, j.lr.line, perr.kind, "%s", perr.msg)
		}
		return j.finish(v)
	}
}

// pickVectorField extracts the array of the first known vector field of a
// JSON object.
func pickVectorField(obj []byte) ([]byte, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(obj, &fields); err != nil {
		return nil, &numberErrorAsError{ErrSyntax, "invalid JSON object: " + err.Error()}
	}
	for _, k := range jsonVectorKeys {
		if raw, ok := fields[k]; ok {
			return raw, nil
		}
	}
	return nil, &numberErrorAsError{ErrSyntax, `object has no "vector", "embedding", "values" or "emb" field`}
}

// numberErrorAsError is a numberError used as an error value.
type numberErrorAsError numberError

func (e *numberErrorAsError) Error() string { return e.kind.Error() + ": " + e.msg }
func (e *numberErrorAsError) Unwrap() error { return e.kind }

// WriteJSONL writes m as JSON lines, one array per row.
func WriteJSONL(w io.Writer, m *Matrix) error {
	return writeBracketed(w, m, "jsonl")
}

// appendFloat32 appends the shortest decimal that reads back as x. JSON and
// pgvector both accept the result (finite values only).
func appendFloat32(b []byte, x float32) []byte {
	if x == float32(math.Trunc(float64(x))) && math.Abs(float64(x)) < 1e15 {
		return strconv.AppendInt(b, int64(x), 10)
	}
	return strconv.AppendFloat(b, float64(x), 'g', -1, 32)
}
