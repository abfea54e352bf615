package tune

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/smallworld-go/smallworld/bench"
	"github.com/smallworld-go/smallworld/halfvec"
	"github.com/smallworld-go/smallworld/pgcompat"
)

// opClassInfo is what the sweep needs to know of an operator class.
type opClassInfo struct {
	oc    pgcompat.OpClass
	truth bench.Metric // the exact-search metric (pgvector's operator)
}

// half reports whether the class stores float16 values (halfvec).
func (o opClassInfo) half() bool { return o.oc.Type == "halfvec" }

// valueSize is the stored size of one value of dim dimensions.
func (o opClassInfo) valueSize(dim int) int {
	if o.oc.Type == "halfvec" {
		return pgcompat.HalfVecValueSize(dim)
	}
	return pgcompat.VectorValueSize(dim)
}

// lookupOpClass resolves an operator class name the sweep can model.
func lookupOpClass(name string) (opClassInfo, error) {
	oc, ok := pgcompat.LookupOpClass(name)
	if !ok {
		return opClassInfo{}, fmt.Errorf("%w: operator class %q does not exist for access method \"hnsw\"", ErrUnsupported, name)
	}
	if oc.Type != "vector" && oc.Type != "halfvec" {
		return opClassInfo{}, fmt.Errorf("%w: operator class %s indexes %s; tune models the vector_* and halfvec_* classes", ErrUnsupported, name, oc.Type)
	}
	info := opClassInfo{oc: oc}
	switch oc.Operator {
	case pgcompat.OpL2:
		info.truth = bench.L2
	case pgcompat.OpNegInner:
		info.truth = bench.InnerProduct
	case pgcompat.OpCosine:
		info.truth = bench.Cosine
	case pgcompat.OpL1:
		info.truth = bench.L1
	default:
		return opClassInfo{}, fmt.Errorf("%w: operator %s of %s", ErrUnsupported, oc.Operator, name)
	}
	return info, nil
}

// OpClassNames returns the operator classes Run accepts.
func OpClassNames() []string {
	var out []string
	for _, oc := range pgcompat.OpClasses() {
		if oc.Type == "vector" || oc.Type == "halfvec" {
			out = append(out, oc.Name)
		}
	}
	return out
}

// dataset is the prepared input of a run.
type dataset struct {
	base, queries *bench.Matrix
	// indexed lists the base rows an index stores, in heap order: all of
	// them, except zero vectors under a cosine class.
	indexed []int32
	// zeroRows counts base rows not indexed because they are zero vectors
	// (cosine classes only); firstZero is the first of them.
	zeroRows, firstZero int
	// heldOut is the number of base rows taken out as queries (0 when the
	// queries came separately); sampled is the size of the query set a
	// sample was drawn from (0 when all queries were used).
	heldOut, sampled int
}

// prepare checks the data against what pgvector accepts and builds the
// dataset a sweep runs on. It never modifies spec's matrices.
func prepare(s Spec, oc opClassInfo) (*dataset, error) {
	base := s.Base
	if base.Len() == 0 || base.Dim == 0 {
		return nil, &InputError{Set: "base", Row: -1, Count: 0, Err: ErrEmpty}
	}
	if len(base.Data) != base.Len()*base.Dim {
		return nil, &InputError{Set: "base", Row: -1, Err: fmt.Errorf("%w: %d values do not form rows of %d", ErrDimension, len(base.Data), base.Dim)}
	}
	col := pgcompat.Column{Name: s.Column, Type: oc.oc.Type, Typmod: base.Dim}
	if err := pgcompat.CheckBuildColumn(oc.oc, col, pgcompat.DefaultHNSWOptions()); err != nil {
		if oc.oc.Type == "vector" && base.Dim <= pgcompat.HNSWMaxHalfDim {
			return nil, fmt.Errorf("%w: %w (use a halfvec column and a halfvec_* class: up to %d dimensions)", ErrUnsupported, err, pgcompat.HNSWMaxHalfDim)
		}
		return nil, fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	if err := checkFinite("base", base); err != nil {
		return nil, err
	}
	ds := &dataset{}
	queries := s.Queries
	if queries != nil {
		if queries.Len() == 0 {
			return nil, &InputError{Set: "queries", Row: -1, Err: ErrEmpty}
		}
		if queries.Dim != base.Dim {
			return nil, &InputError{Set: "queries", Row: -1, Err: fmt.Errorf("%w: queries have %d dimensions, base vectors %d", ErrDimension, queries.Dim, base.Dim)}
		}
		if err := checkFinite("queries", queries); err != nil {
			return nil, err
		}
	}

	// Round to half precision first: the column stores halves, the query
	// is cast to halfvec, and a value may round to zero.
	if oc.half() {
		var err error
		if base, err = roundHalf("base", base); err != nil {
			return nil, err
		}
		if queries != nil {
			if queries, err = roundHalf("queries", queries); err != nil {
				return nil, err
			}
		}
	}

	zero := make([]bool, base.Len())
	if oc.oc.Normalize {
		ds.firstZero = -1
		for i := range base.Len() {
			if isZero(base.Row(i)) {
				zero[i] = true
				ds.zeroRows++
				if ds.firstZero < 0 {
					ds.firstZero = i
				}
			}
		}
		if queries != nil {
			if n, first := countZero(queries); n > 0 {
				return nil, &InputError{Set: "queries", Row: first, Count: n,
					Err: fmt.Errorf("%w: the query has no direction, and pgvector returns arbitrary rows for it", ErrZeroVector)}
			}
		}
	}

	rng := rand.New(rand.NewPCG(s.Seed, 0x5eed_0f_7e57))
	if queries == nil {
		candidates := make([]int, 0, base.Len())
		for i := range base.Len() {
			if !zero[i] {
				candidates = append(candidates, i)
			}
		}
		n := s.HoldOut
		if n == 0 {
			n = base.Len() / 10
			if s.MaxQueries > 0 {
				n = min(n, s.MaxQueries)
			}
			n = max(n, 1)
		}
		if n >= len(candidates) {
			return nil, &InputError{Set: "base", Row: -1, Err: fmt.Errorf("%w: cannot hold out %d queries from %d indexable vectors and keep any to index", ErrEmpty, n, len(candidates))}
		}
		pick := sample(rng, candidates, n)
		held := make([]bool, base.Len())
		queries = bench.NewMatrix(base.Dim, n)
		for _, r := range pick {
			held[r] = true
			_ = queries.Append(base.Row(r))
		}
		rest := bench.NewMatrix(base.Dim, base.Len()-n)
		restZero := make([]bool, 0, base.Len()-n)
		for i := range base.Len() {
			if !held[i] {
				_ = rest.Append(base.Row(i))
				restZero = append(restZero, zero[i])
			}
		}
		base, zero = rest, restZero
		ds.heldOut = n
		if ds.zeroRows > 0 {
			ds.firstZero = slices.Index(zero, true)
		}
	} else if s.MaxQueries > 0 && queries.Len() > s.MaxQueries {
		rows := make([]int, queries.Len())
		for i := range rows {
			rows[i] = i
		}
		pick := sample(rng, rows, s.MaxQueries)
		sub := bench.NewMatrix(queries.Dim, len(pick))
		for _, r := range pick {
			_ = sub.Append(queries.Row(r))
		}
		ds.sampled = queries.Len()
		queries = sub
	}

	ds.indexed = make([]int32, 0, base.Len()-ds.zeroRows)
	for i := range base.Len() {
		if !zero[i] {
			ds.indexed = append(ds.indexed, int32(i))
		}
	}
	if len(ds.indexed) == 0 {
		return nil, &InputError{Set: "base", Row: 0, Count: ds.zeroRows,
			Err: fmt.Errorf("%w: every vector is zero, and pgvector indexes none of them under %s", ErrEmpty, oc.oc.Name)}
	}
	if base.Len() > math.MaxInt32 {
		return nil, &InputError{Set: "base", Row: -1, Err: fmt.Errorf("%w: more than 2^31-1 vectors", ErrInvalidSpec)}
	}
	ds.base, ds.queries = base, queries
	return ds, nil
}

// sample returns n distinct elements of from chosen at random, in the order
// they have in from.
func sample(rng *rand.Rand, from []int, n int) []int {
	idx := rng.Perm(len(from))[:n]
	slices.Sort(idx)
	out := make([]int, n)
	for i, j := range idx {
		out[i] = from[j]
	}
	return out
}

// checkFinite reports the first NaN or infinite value of m, and how many
// rows have one.
func checkFinite(set string, m *bench.Matrix) error {
	first, count := -1, 0
	for i := range m.Len() {
		for _, x := range m.Row(i) {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				if first < 0 {
					first = i
				}
				count++
				break
			}
		}
	}
	if count > 0 {
		return &InputError{Set: set, Row: first, Count: count, Err: ErrNonFinite}
	}
	return nil
}

// roundHalf returns a copy of m with every value rounded to the nearest
// float16, as a halfvec column stores it, or an error for values beyond
// halfvec's range.
func roundHalf(set string, m *bench.Matrix) (*bench.Matrix, error) {
	out := &bench.Matrix{Dim: m.Dim, Data: make([]float32, len(m.Data))}
	buf := make([]halfvec.Float16, m.Dim)
	first, count := -1, 0
	for i := range m.Len() {
		if _, err := halfvec.Encode(buf, m.Row(i)); err != nil {
			if !errors.Is(err, halfvec.ErrOverflow) {
				return nil, &InputError{Set: set, Row: i, Err: err}
			}
			if first < 0 {
				first = i
			}
			count++
			continue
		}
		halfvec.Decode(out.Data[i*m.Dim:(i+1)*m.Dim], buf)
	}
	if count > 0 {
		return nil, &InputError{Set: set, Row: first, Count: count,
			Err: fmt.Errorf("%w: a value's magnitude is 65520 or more, beyond float16", ErrOutOfRange)}
	}
	return out, nil
}

// isZero reports whether every component of v is zero: pgvector's cosine
// classes skip such rows (their norm is not > 0).
func isZero(v []float32) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}

// countZero counts the zero rows of m and returns the first.
func countZero(m *bench.Matrix) (n, first int) {
	first = -1
	for i := range m.Len() {
		if isZero(m.Row(i)) {
			if first < 0 {
				first = i
			}
			n++
		}
	}
	return n, first
}
