package tune

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error Run and the loaders return for bad input wraps
// one of them (or a pgcompat.Error carrying pgvector's own message), so
// callers can branch with errors.Is.
var (
	// ErrInvalidSpec reports a Spec field out of range or inconsistent.
	ErrInvalidSpec = errors.New("tune: invalid spec")
	// ErrEmpty reports an input with no vectors (or none left to index or
	// query).
	ErrEmpty = errors.New("tune: no vectors")
	// ErrDimension reports vectors of different lengths, or a query whose
	// length differs from the base vectors'.
	ErrDimension = errors.New("tune: dimension mismatch")
	// ErrNonFinite reports a NaN or infinite component.
	ErrNonFinite = errors.New("tune: NaN or infinite value")
	// ErrZeroVector reports zero vectors where the cosine distance is
	// undefined: pgvector does not index them and cannot rank a zero query.
	ErrZeroVector = errors.New("tune: zero vector under cosine distance")
	// ErrOutOfRange reports a value too large for halfvec storage.
	ErrOutOfRange = errors.New("tune: value out of range for halfvec")
	// ErrUnsupported reports an operator class or column type the sweep
	// cannot model.
	ErrUnsupported = errors.New("tune: unsupported")
)

// InputError describes bad input data: which set (base or queries), which
// row, and how many rows share the problem.
type InputError struct {
	// Set is "base" or "queries".
	Set string
	// Row is the zero-based row of the first offending vector, or −1.
	Row int
	// Count is the number of offending rows (at least 1).
	Count int
	// Err is the problem; it wraps one of the sentinel errors.
	Err error
}

// Error describes the problem, its first row and how many rows have it.
func (e *InputError) Error() string {
	switch {
	case e.Row < 0:
		return fmt.Sprintf("%s: %v", e.Set, e.Err)
	case e.Count > 1:
		return fmt.Sprintf("%s row %d (and %d more): %v", e.Set, e.Row, e.Count-1, e.Err)
	default:
		return fmt.Sprintf("%s row %d: %v", e.Set, e.Row, e.Err)
	}
}

// Unwrap returns the underlying problem.
func (e *InputError) Unwrap() error { return e.Err }

// specErrorf returns an error wrapping ErrInvalidSpec.
func specErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidSpec, fmt.Sprintf(format, args...))
}
