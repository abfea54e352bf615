package bench

import (
	"errors"
	"fmt"
)

// Sentinel errors wrapped by [FormatError]; test for them with errors.Is.
var (
	// ErrDimension reports a vector whose length differs from the others,
	// or a dimension that is zero, negative or absurdly large.
	ErrDimension = errors.New("inconsistent or invalid dimension")
	// ErrNonFinite reports a NaN or an infinity among the values.
	ErrNonFinite = errors.New("value is NaN or infinite")
	// ErrTruncated reports a file that ends in the middle of a record, or
	// before the number of records its header promises.
	ErrTruncated = errors.New("truncated record")
	// ErrHeader reports a malformed header, or one that claims more (or
	// less) data than the file holds.
	ErrHeader = errors.New("bad header")
	// ErrSyntax reports a field that is not a number, or text that does not
	// follow the format's grammar.
	ErrSyntax = errors.New("syntax error")
	// ErrRange reports a number that the target type cannot hold exactly:
	// a byte outside 0–255 for .bvecs, an integer beyond ±2^24 read as
	// float32, a float64 that overflows float32.
	ErrRange = errors.New("value out of range")
	// ErrUnsupported reports a valid file that uses a feature this package
	// does not read (a NumPy dtype, Fortran order, an unknown extension).
	ErrUnsupported = errors.New("unsupported format feature")
)

// FormatError describes bad input in a dataset file. Use errors.As to get at
// it and errors.Is on it to test for one of the sentinel errors.
type FormatError struct {
	// Path is the file name, or the name given to a reader of a stream.
	Path string
	// Row is the zero-based number of the vector (record) at fault, or −1
	// when the problem is not tied to one record (a file header, say).
	Row int
	// Line is the one-based line number for text formats, 0 otherwise.
	Line int
	// Err is the problem; it wraps one of the sentinel errors.
	Err error
}

// Error returns "PATH: row N (line L): PROBLEM".
func (e *FormatError) Error() string {
	path := e.Path
	if path == "" {
		path = "<stream>"
	}
	switch {
	case e.Row < 0:
		return fmt.Sprintf("%s: %v", path, e.Err)
	case e.Line > 0:
		return fmt.Sprintf("%s: row %d (line %d): %v", path, e.Row, e.Line, e.Err)
	default:
		return fmt.Sprintf("%s: row %d: %v", path, e.Row, e.Err)
	}
}

// Unwrap returns the underlying problem.
func (e *FormatError) Unwrap() error { return e.Err }

// formatErrorf builds a FormatError whose Err wraps kind with a message.
func formatErrorf(path string, row, line int, kind error, format string, args ...any) *FormatError {
	return &FormatError{Path: path, Row: row, Line: line, Err: fmt.Errorf("%w: %s", kind, fmt.Sprintf(format, args...))}
}
