package halfvec

import (
	"errors"
	"fmt"
)

// ErrOverflow is returned, possibly wrapped, when a finite float32 would round
// to ±Inf as a half (|x| ≥ 65520). Its message is pgvector's.
var ErrOverflow = errors.New("value out of range: overflow")

// OverflowError reports the first element of a bulk conversion that
// overflowed. It wraps ErrOverflow, so errors.Is(err, ErrOverflow) holds.
type OverflowError struct {
	// Index is the position of the element in the source slice.
	Index int
	// Value is the element that does not fit.
	Value float32
}

// Error describes the element and repeats pgvector's message.
func (e *OverflowError) Error() string {
	return fmt.Sprintf("halfvec: element %d (%v): %v", e.Index, e.Value, ErrOverflow)
}

// Unwrap returns ErrOverflow.
func (e *OverflowError) Unwrap() error { return ErrOverflow }
