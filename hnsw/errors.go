package hnsw

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error the package returns wraps one of these (or a
// context error), so callers can branch with errors.Is; the typed errors below
// carry the details for errors.As.
var (
	// ErrInvalidConfig: a Config field or option is out of range (*ConfigError).
	ErrInvalidConfig = errors.New("hnsw: invalid configuration")
	// ErrDimension: a vector has the wrong number of components (*DimensionError).
	ErrDimension = errors.New("hnsw: dimension mismatch")
	// ErrNotFinite: a vector holds NaN or ±Inf (*NotFiniteError).
	ErrNotFinite = errors.New("hnsw: vector has a NaN or infinite component")
	// ErrZeroVector: a zero vector under the Cosine metric, which has no
	// direction; pgvector does not index such rows either.
	ErrZeroVector = errors.New("hnsw: zero vector has no cosine distance")
	// ErrOverflow: a component does not fit float16 storage (|x| rounds
	// past 65504).
	ErrOverflow = errors.New("hnsw: value out of range for float16 storage")
	// ErrKeyNotFound: the key is not in the index (*KeyError).
	ErrKeyNotFound = errors.New("hnsw: key not found")
	// ErrKeyExists: Add was given a key the index already holds (*KeyError).
	ErrKeyExists = errors.New("hnsw: key already exists")
	// ErrCorrupt: serialized data failed validation.
	ErrCorrupt = errors.New("hnsw: corrupt index data")
	// ErrIndexFull: the index reached its 2³²−2 node limit (or the upper
	// layer limit).
	ErrIndexFull = errors.New("hnsw: index is full")
	// ErrNodeNotFound: an inspection call named a node id that is not in use.
	ErrNodeNotFound = errors.New("hnsw: no such node")
)

// ConfigError reports a configuration field (or search option) outside its
// valid range.
type ConfigError struct {
	Field string // the field's name, e.g. "M" or "SearchOptions.Ef"
	Value any    // the rejected value
	Range string // the valid range, e.g. "2..100"
}

// Error names the field, the value and the valid range.
func (e *ConfigError) Error() string {
	return fmt.Sprintf("hnsw: invalid %s %v: valid range is %s", e.Field, e.Value, e.Range)
}

// Unwrap returns ErrInvalidConfig.
func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }

// DimensionError reports a vector whose length differs from the index's
// dimension.
type DimensionError struct {
	Want int // the index's dimension
	Got  int // the vector's length
}

// Error reads like pgvector's "expected %d dimensions, not %d".
func (e *DimensionError) Error() string {
	return fmt.Sprintf("hnsw: expected %d dimensions, not %d", e.Want, e.Got)
}

// Unwrap returns ErrDimension.
func (e *DimensionError) Unwrap() error { return ErrDimension }

// NotFiniteError reports the first NaN or infinite component of a vector.
type NotFiniteError struct {
	Index int     // position of the component
	Value float32 // the NaN or ±Inf found there
}

// Error names the component and its value.
func (e *NotFiniteError) Error() string {
	return fmt.Sprintf("hnsw: component %d is %v; NaN and infinite values are not allowed", e.Index, e.Value)
}

// Unwrap returns ErrNotFinite.
func (e *NotFiniteError) Unwrap() error { return ErrNotFinite }

// KeyError reports a key that is missing or already present.
type KeyError struct {
	Key uint64
	Err error // ErrKeyNotFound or ErrKeyExists
}

// Error names the key and what is wrong with it.
func (e *KeyError) Error() string { return fmt.Sprintf("%v: %d", e.Err, e.Key) }

// Unwrap returns the sentinel.
func (e *KeyError) Unwrap() error { return e.Err }

// corruptf returns an error wrapping ErrCorrupt.
func corruptf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}
