package pgcompat

import (
	"math"

	"github.com/smallworld-go/smallworld/halfvec"
)

// AvgAccumulator computes pgvector's avg(vector) or avg(halfvec) over values
// added one at a time, in the order a sequential aggregate sees its rows.
// The state is a float64 sum per element (vector_accum / halfvec_accum);
// the zero value is ready to use.
type AvgAccumulator[T DenseVector] struct {
	n    float64
	sums []float64
}

// Add adds one row. A row whose dimensions differ from the first row's is
// "expected N dimensions, not M" (pgvector checks it against the state), and
// an infinite float64 sum is "value out of range: overflow".
func (a *AvgAccumulator[T]) Add(v T) error {
	x := denseFloats(v)
	if a.sums == nil {
		a.sums = make([]float64, len(x))
		for i, e := range x {
			a.sums[i] = float64(e)
		}
		a.n++
		return nil
	}
	if err := checkExpectedDim(len(a.sums), len(x)); err != nil {
		return err
	}
	next := make([]float64, len(x))
	for i, e := range x {
		s := a.sums[i] + float64(e)
		if math.IsInf(s, 0) {
			return errOverflow()
		}
		next[i] = s
	}
	a.sums = next
	a.n++
	return nil
}

// Result returns the average. ok is false when no row was added (SQL's
// avg over no rows is NULL). Each element is the float64 mean rounded to
// float32 (and, for halfvec, to a half, with pgvector's range error).
func (a *AvgAccumulator[T]) Result() (avg T, ok bool, err error) {
	var zero T
	if a.n == 0 {
		return zero, false, nil
	}
	var out any
	switch any(zero).(type) {
	case Vector:
		r := make([]float32, len(a.sums))
		for i, s := range a.sums {
			r[i] = float32(s / a.n)
			if err := checkElement("vector", r[i]); err != nil {
				return zero, false, err
			}
		}
		out = Vector{x: r}
	case HalfVec:
		r := make([]halfvec.Float16, len(a.sums))
		for i, s := range a.sums {
			h, err := toHalf(float32(s / a.n))
			if err != nil {
				return zero, false, err
			}
			if err := checkHalfElement(h); err != nil {
				return zero, false, err
			}
			r[i] = h
		}
		out = HalfVec{x: r}
	}
	return out.(T), true, nil
}

// denseFloats returns a dense value's elements as float32s.
func denseFloats[T DenseVector](v T) []float32 {
	switch v := any(v).(type) {
	case Vector:
		return v.x
	case HalfVec:
		return v.Slice()
	}
	return nil
}

// Avg is pgvector's avg aggregate over vals in order. ok is false for no
// rows (NULL).
func Avg[T DenseVector](vals []T) (avg T, ok bool, err error) {
	var acc AvgAccumulator[T]
	for _, v := range vals {
		if err := acc.Add(v); err != nil {
			var zero T
			return zero, false, err
		}
	}
	return acc.Result()
}

// Sum is pgvector's sum aggregate over vals in order: the running sum is
// kept in the element type and each step is the + operator, so a mismatch is
// "different vector dimensions N and M" (the running sum first) and an
// infinite element "value out of range: overflow". ok is false for no rows.
func Sum[T DenseVector](vals []T) (sum T, ok bool, err error) {
	var zero T
	if len(vals) == 0 {
		return zero, false, nil
	}
	s := vals[0]
	for _, v := range vals[1:] {
		if s, err = Add(s, v); err != nil {
			return zero, false, err
		}
	}
	return s, true, nil
}
