package hnsw

import (
	"errors"
	"math"

	"github.com/smallworld-go/smallworld/distance"
	"github.com/smallworld-go/smallworld/halfvec"
)

// kernelKind names the batch kernel the index calls. A switch over it (a
// well-predicted branch) replaces a function pointer in the search loop.
type kernelKind uint8

const (
	kL2F32 kernelKind = iota
	kDotF32
	kL1F32
	kL2F16
	kDotF16
	kL1F16
	kCustom
)

// chooseKernel picks the kernel for a config; negate is true when the kernel
// computes a·b and the graph orders by −a·b.
func chooseKernel(cfg Config) (k kernelKind, negate bool) {
	if cfg.Distance != nil {
		return kCustom, false
	}
	f16 := cfg.Storage == Float16
	switch cfg.Metric {
	case InnerProduct, Cosine:
		if f16 {
			return kDotF16, true
		}
		return kDotF32, true
	case L1:
		if f16 {
			return kL1F16, false
		}
		return kL1F32, false
	}
	if f16 {
		return kL2F16, false
	}
	return kL2F32, false
}

// checkVector validates length and finiteness.
func (ix *Index) checkVector(v []float32) error {
	if len(v) != ix.dim {
		return &DimensionError{Want: ix.dim, Got: len(v)}
	}
	for i, x := range v {
		// x-x is NaN exactly when x is NaN or ±Inf.
		if x-x != 0 {
			return &NotFiniteError{Index: i, Value: x}
		}
	}
	return nil
}

// prepareQuery validates a query and returns the float32 form the graph
// compares against: a copy normalised to unit length under Cosine, else v
// itself.
func (ix *Index) prepareQuery(st *searchState, v []float32) ([]float32, error) {
	if err := ix.checkVector(v); err != nil {
		return nil, err
	}
	if ix.cfg.Metric != Cosine {
		return v, nil
	}
	st.q = growF32(st.q, ix.dim)
	if !normalize(st.q, v) {
		return nil, ErrZeroVector
	}
	return st.q, nil
}

// prepareStored validates a vector to insert and returns the float32 form of
// the value the index will store: normalised under Cosine, and rounded to
// float16 and widened back under Float16 storage, so that the distances the
// insert computes are those between stored values. st.h16 receives the
// halves.
func (ix *Index) prepareStored(st *searchState, v []float32) ([]float32, error) {
	if err := ix.checkVector(v); err != nil {
		return nil, err
	}
	st.q = growF32(st.q, ix.dim)
	if ix.cfg.Metric == Cosine {
		if !normalize(st.q, v) {
			return nil, ErrZeroVector
		}
	} else {
		copy(st.q, v)
	}
	if ix.cfg.Storage == Float16 {
		st.h16 = growF16(st.h16, ix.dim)
		if _, err := halfvec.Encode(st.h16, st.q); err != nil {
			if errors.Is(err, halfvec.ErrOverflow) {
				return nil, errors.Join(ErrOverflow, err)
			}
			return nil, err
		}
		halfvec.Decode(st.q, st.h16)
	}
	return st.q, nil
}

// normalize writes v/‖v‖ into dst the way pgvector does (the norm summed in
// float64, each component divided in float64 and rounded to float32); it
// reports false for a vector whose norm is not > 0.
func normalize(dst, v []float32) bool {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	norm := math.Sqrt(s)
	if !(norm > 0) {
		return false
	}
	for i, x := range v {
		dst[i] = float32(float64(x) / norm)
	}
	return true
}

func growF32(b []float32, n int) []float32 {
	if cap(b) < n {
		return make([]float32, n)
	}
	return b[:n]
}

func growF16(b []halfvec.Float16, n int) []halfvec.Float16 {
	if cap(b) < n {
		return make([]halfvec.Float16, n)
	}
	return b[:n]
}

func growU32(b []uint32, n int) []uint32 {
	if cap(b) < n {
		return make([]uint32, n, max(n, 2*cap(b)))
	}
	return b[:n]
}

// distBatch sets out[i] to the graph distance between q and node ids[i]. It
// makes one kernel call per run of ids that share a segment: one call per
// expanded node in the common case of an index built in one segment.
func (ix *Index) distBatch(st *searchState, l *layout, q []float32, ids []uint32, out []float32) {
	n := len(ids)
	out = out[:n]
	if len(l.segs) == 1 {
		// One segment starting at id 0: the ids are its local ids, unless
		// one was published after l was loaded.
		s := l.segs[0]
		fits := true
		for _, id := range ids {
			if id >= s.n {
				fits = false
				break
			}
		}
		if fits {
			ix.kernelRun(st, s, q, ids, out)
			if ix.negate {
				for i := range out {
					out[i] = -out[i]
				}
			}
			return
		}
	}
	st.loc = growU32(st.loc, n)
	loc := st.loc[:n]
	chunks := l.chunks
	for i := 0; i < n; {
		c := ids[i] >> chunkShift
		if c >= uint32(len(chunks)) {
			// Published after l was loaded: continue with the latest.
			chunks = l.latest.Load().chunks
		}
		s := chunks[c]
		base := s.base
		j := i
		for ; j < n; j++ {
			c := ids[j] >> chunkShift
			if c >= uint32(len(chunks)) || chunks[c] != s {
				break
			}
			loc[j] = ids[j] - base
		}
		ix.kernelRun(st, s, q, loc[i:j], out[i:j])
		i = j
	}
	if ix.negate {
		for i := range out {
			out[i] = -out[i]
		}
	}
}

// kernelRun calls the batch kernel over one segment.
func (ix *Index) kernelRun(st *searchState, s *segment, q []float32, loc []uint32, out []float32) {
	d := ix.dim
	switch ix.kern {
	case kL2F32:
		distance.L2SquaredBatch(q, s.vec32, d, loc, out)
	case kDotF32:
		distance.DotBatch(q, s.vec32, d, loc, out)
	case kL1F32:
		distance.L1Batch(q, s.vec32, d, loc, out)
	case kL2F16:
		halfvec.L2SquaredBatchF32(q, s.vec16, d, loc, out)
	case kDotF16:
		halfvec.DotBatchF32(q, s.vec16, d, loc, out)
	case kL1F16:
		halfvec.L1BatchF32(q, s.vec16, d, loc, out)
	case kCustom:
		for i, id := range loc {
			o := int(id) * d
			if s.vec16 != nil {
				st.tmp = growF32(st.tmp, d)
				halfvec.Decode(st.tmp, s.vec16[o:o+d])
				out[i] = ix.cfg.Distance(q, st.tmp)
			} else {
				out[i] = ix.cfg.Distance(q, s.vec32[o:o+d])
			}
		}
	}
}

// nodeQuery returns node id's stored vector as float32: the arena slice for
// Float32 storage, or the halves widened into buf.
func (ix *Index) nodeQuery(l *layout, id uint32, buf []float32) []float32 {
	if ix.cfg.Storage == Float16 {
		buf = growF32(buf, ix.dim)
		halfvec.Decode(buf, ix.vec16(l, id))
		return buf
	}
	return ix.vec32(l, id)
}

// distTo returns the graph distance between q and node id.
func (ix *Index) distTo(st *searchState, l *layout, q []float32, id uint32) float32 {
	var d float32
	switch ix.kern {
	case kL2F32:
		d = distance.L2Squared(q, ix.vec32(l, id))
	case kDotF32:
		d = -distance.Dot(q, ix.vec32(l, id))
	case kL1F32:
		d = distance.L1(q, ix.vec32(l, id))
	case kL2F16:
		d = halfvec.L2SquaredF32(q, ix.vec16(l, id))
	case kDotF16:
		d = -halfvec.DotF32(q, ix.vec16(l, id))
	case kL1F16:
		d = halfvec.L1F32(q, ix.vec16(l, id))
	case kCustom:
		if ix.cfg.Storage == Float16 {
			st.tmp = growF32(st.tmp, ix.dim)
			halfvec.Decode(st.tmp, ix.vec16(l, id))
			d = ix.cfg.Distance(q, st.tmp)
		} else {
			d = ix.cfg.Distance(q, ix.vec32(l, id))
		}
	}
	return d
}

// reportDistance turns a graph distance into the metric's distance.
func (ix *Index) reportDistance(d float32) float32 {
	switch ix.cfg.Metric {
	case L2:
		return float32(math.Sqrt(float64(d)))
	case Cosine:
		return 1 + d
	}
	return d
}
