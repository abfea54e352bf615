package bench

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/smallworld-go/smallworld/distance"
)

// Truth is the exact answer to a set of k-nearest-neighbour queries.
type Truth struct {
	// K is the number of neighbours per query: the k asked for, or the size
	// of the base set if that is smaller.
	K int
	// Metric is the metric the distances are in.
	Metric Metric
	// IDs[q] lists the K nearest base rows of query q, nearest first; equal
	// distances are ordered by the lower id.
	IDs [][]int32
	// Dists[q][i] is the distance of IDs[q][i]: squared for L2, negated for
	// inner product (see [Metric]). It is computed in float64 and rounded to
	// float32 once. Nil when the truth was read from an ids-only file.
	Dists [][]float32
	// Ties[q] lists base rows beyond the first K whose distance equals the
	// K-th exactly (at most GroundTruthOptions.MaxTies of them, lowest ids
	// first). [Recall] counts them as hits. Nil when there are none.
	Ties [][]int32
	// Cached reports that GroundTruth found this result in its cache
	// directory instead of computing it.
	Cached bool

	path truthPath // how it was computed; see bytetruth.go
}

// Len returns the number of queries.
func (t *Truth) Len() int { return len(t.IDs) }

// GroundTruthOptions tunes [GroundTruth]. The zero value is ready to use.
type GroundTruthOptions struct {
	// Workers is the number of goroutines; 0 means GOMAXPROCS.
	Workers int
	// Progress, if set, is called from a single goroutine about five times
	// a second, and once at the end, with the number of query × base pairs
	// dealt with so far and the total. The figure never decreases: if the
	// integer path gives way to the float path part way (see GroundTruth),
	// it holds until the float path has caught up.
	Progress func(done, total int64)
	// CacheDir, if set, is a directory where results are stored and looked
	// up, keyed by a SHA-256 of the base and query vectors, the metric and k
	// (see [TruthCacheKey]). It is created if missing.
	CacheDir string
	// MaxTies caps Truth.Ties per query; 0 means 1000, negative means none
	// are recorded.
	MaxTies int

	// queryChunk and baseBlock override the cache-derived batch sizes, so
	// tests can exercise many chunks and blocks on small data.
	queryChunk, baseBlock int
	// bytePath lets tests force the byte path on or off (bytetruth.go),
	// and byteNoBound turns off its lower bound.
	bytePath    bytePathMode
	byteNoBound bool
}

// ErrCacheWrite is wrapped by the error GroundTruth returns, together with a
// valid Truth, when the result was computed but could not be cached.
var ErrCacheWrite = errors.New("bench: could not write ground truth cache")

const defaultMaxTies = 1000

// GroundTruth returns the exact k nearest neighbours in base of every query
// under metric (L2, InnerProduct, Cosine or L1; bit vectors go to
// [GroundTruthHamming]).
//
// It is brute force, made fast three ways. Workers share each block of base
// rows, so the base streams from memory once per batch of queries while the
// block and the queries stay in cache. The float32 SIMD kernels of package
// distance compute the distances, the block and panel kernels (many queries
// × many rows per call) for L2, inner product and cosine. And for L2 and L1
// most distances are never computed in full: for L2, distances between
// vectors pooled 64 and 4 components at a time (plus the norm of what the
// pooling leaves out) are lower bounds that rule out most of the base for a
// fiftieth and a quarter of the cost (see pool.go and scan_pooled.go); for
// L1, a distance is abandoned as soon as a partial sum exceeds the current
// k-th distance.
//
// The float32 kernels only select candidates: every candidate within their
// rounding error of the k-th distance is kept, and the final order comes from
// distances recomputed in float64. So the result is exact — ties are broken
// by the lower id and found exactly — and it is the same on every machine,
// kernel tier and worker count.
//
// Integer data takes a faster path. When every component of the base and
// the queries is an integer in [0, 255] (−0 counts as 0), as in SIFT,
// MNIST, Fashion-MNIST or any uint8 embedding, the metric is L2, inner
// product or cosine, the dimension is at most 32768 and the CPU has
// AVX-512 VNNI (and SMALLWORLD_SIMD and the purego tag allow AVX-512), the
// vectors are packed into bytes block by block and their dot products
// computed exactly in integer arithmetic, 64 multiply-adds per instruction.
// For L2 and inner product the integer distances select the answer
// directly; for cosine they select candidates for the float64 re-rank. The
// data is checked, not assumed: at the first value that is not such an
// integer (a fraction, a negative, 256, NaN, ±Inf) the float path computes
// the answer instead, from the start. Either way the result is the same,
// bit for bit: the distances reported for integer inputs are exact either
// way, rounded to float32 once.
//
// A zero vector has no cosine distance (NaN); NaN distances rank after all
// others. k larger than the base is reduced to its size. Cancelling ctx stops
// the work and returns ctx's error.
func GroundTruth(ctx context.Context, base, queries *Matrix, metric Metric, k int, opts GroundTruthOptions) (*Truth, error) {
	if err := checkTruthInput(base, queries, metric, k); err != nil {
		return nil, err
	}
	k = min(k, base.Len())
	var key string
	if opts.CacheDir != "" {
		key = TruthCacheKey(base, queries, metric, k)
		if t, err := loadCachedTruth(opts.CacheDir, key, metric, k, queries.Len()); err == nil {
			t.Cached = true
			t.path = pathCache
			if opts.Progress != nil {
				total := int64(queries.Len()) * int64(base.Len())
				opts.Progress(total, total)
			}
			return t, nil
		}
	}
	j := newTruthJob(base, queries, metric, k, opts)
	t, err := j.run(ctx)
	if err != nil {
		return nil, err
	}
	if opts.CacheDir != "" {
		if err := saveCachedTruth(opts.CacheDir, key, t); err != nil {
			return t, fmt.Errorf("%w: %w", ErrCacheWrite, err)
		}
	}
	return t, nil
}

func checkTruthInput(base, queries *Matrix, metric Metric, k int) error {
	switch {
	case metric == Hamming:
		return errors.New("bench: ground truth: Hamming distance is over bit vectors; use GroundTruthHamming")
	case metric > Hamming:
		return fmt.Errorf("bench: ground truth: invalid metric %v", metric)
	case base == nil || queries == nil:
		return errors.New("bench: ground truth: nil matrix")
	case k < 1:
		return fmt.Errorf("bench: ground truth: k must be at least 1, got %d", k)
	case base.Len() == 0:
		return errors.New("bench: ground truth: empty base set")
	case len(base.Data)%base.Dim != 0 || (queries.Dim > 0 && len(queries.Data)%queries.Dim != 0):
		return fmt.Errorf("bench: ground truth: %w: matrix data is not whole rows", ErrDimension)
	case queries.Len() > 0 && queries.Dim != base.Dim:
		return fmt.Errorf("bench: ground truth: %w: queries have %d dimensions, base has %d", ErrDimension, queries.Dim, base.Dim)
	case base.Len() > math.MaxInt32:
		return fmt.Errorf("bench: ground truth: base of %d rows exceeds int32 ids", base.Len())
	}
	return nil
}

// Cache sizes for the blocked layout. A batch of queries and a block of base
// rows together should sit in a core's L2 cache (1 MiB on the machines this
// was tuned on, 256 KiB–2 MiB elsewhere).
const (
	queryChunkBytes = 384 << 10
	baseBlockBytes  = 192 << 10
)

// truthJob is one ground-truth computation.
type truthJob struct {
	base, queries *Matrix
	metric        Metric
	k, dim        int
	workers       int
	maxTies       int
	progress      func(done, total int64)
	opts          GroundTruthOptions

	segs   []int     // segment boundaries for early abandoning: 0, ..., dim
	relEps float64   // L2, L1: a candidate may be in the top k if d ≤ T·(1+relEps)
	absEps []float64 // IP, cosine: keep d ≤ T + absEps[q], the rounding error of dot products

	levels   []poolLevel // L2: pooled lower-bound resolutions
	pooledQ  pooledQueries
	qNorm    []float32 // cosine: ‖q‖
	baseNorm []float32 // cosine: ‖x‖ of every base row

	batch  distance.BatchFunc
	done   atomic.Int64
	shared []atomic.Uint64 // per query of the chunk: best keep bound of any worker
}

// u is the unit roundoff of float32.
const u = 1.0 / (1 << 24)

func newTruthJob(base, queries *Matrix, metric Metric, k int, opts GroundTruthOptions) *truthJob {
	j := &truthJob{
		base: base, queries: queries, metric: metric, k: k, dim: base.Dim,
		progress: opts.Progress, maxTies: opts.MaxTies, opts: opts,
	}
	if j.maxTies == 0 {
		j.maxTies = defaultMaxTies
	}
	j.workers = opts.Workers
	if j.workers <= 0 {
		j.workers = runtime.GOMAXPROCS(0)
	}
	// gamma bounds the relative error of a float32 sum of n non-negative
	// terms, each itself rounded a couple of times, in any summation order.
	gamma := float64(j.dim+4) * u
	switch metric {
	case L2, L1:
		// L2 prunes with pooled lower bounds (pool.go) and then needs whole
		// distances for the few survivors; L1 abandons segment by segment.
		j.segs = []int{0, j.dim}
		if metric == L1 {
			j.segs = segmentBounds(j.dim)
		}
		// The float32 value of a candidate and of the current k-th are each
		// within a factor (1±gamma) of exact; keep what could still tie.
		j.relEps = 2*gamma + gamma*gamma + 1e-12
		j.batch = distance.L2SquaredBatch
		if metric == L1 {
			j.batch = distance.L1Batch
		}
	case InnerProduct, Cosine:
		j.segs = []int{0, j.dim}
		j.batch = distance.DotBatch
	}
	return j
}

// segmentBounds splits dim components into segments of about an eighth of
// the vector (at least 32, a multiple of 16 so the SIMD loops stay whole),
// after each of which a distance may be abandoned. Short vectors are not
// split: the check would cost more than it saves.
func segmentBounds(dim int) []int {
	if dim < 96 {
		return []int{0, dim}
	}
	step := max(32, (dim/8+15)/16*16)
	segs := []int{0}
	for s := step; s < dim-step/2; s += step {
		segs = append(segs, s)
	}
	return append(segs, dim)
}

// prepare computes the per-query and per-base quantities the bounds need.
func (j *truthJob) prepare(ctx context.Context) error {
	nq := j.queries.Len()
	gamma := float64(j.dim+4) * u
	switch j.metric {
	case L2:
		j.levels = poolLevels(j.dim)
		j.pooledQ = poolQueries(j.levels, j.queries)
	case InnerProduct, Cosine:
		// |float32 dot − exact| ≤ gamma·‖q‖·‖x‖; both the candidate's and the
		// k-th's errors count, so the margin uses the largest base norm.
		j.baseNorm = make([]float32, j.base.Len())
		if err := j.parallel(ctx, j.base.Len(), func(i int) {
			x := j.base.Row(i)
			j.baseNorm[i] = float32(math.Sqrt(float64(distance.Dot(x, x))))
		}); err != nil {
			return err
		}
		maxNorm := float64(slices.Max(j.baseNorm))
		j.qNorm = make([]float32, nq)
		j.absEps = make([]float64, nq)
		for i := range nq {
			q := j.queries.Row(i)
			j.qNorm[i] = float32(math.Sqrt(float64(distance.Dot(q, q))))
			if j.metric == InnerProduct {
				// A zero query against an infinite row would make this
				// 0·∞ = NaN, and a NaN bound lets the first rows offered
				// win whatever their ids; its dot products are exact.
				e := 2.01 * gamma * float64(j.qNorm[i]) * maxNorm
				if e != e {
					e = 0
				}
				j.absEps[i] = e + 1e-30
			} else {
				// cosine: the dot's error relative to ‖q‖‖x‖ plus the norms'.
				j.absEps[i] = 2 * (gamma + 4*u) * 1.01
			}
		}
	}
	return nil
}

// keepBound returns the largest float32 distance of a candidate that could
// still be among the exact top k of query q, given the k-th float32
// distance top found so far.
func (j *truthJob) keepBound(q int, top float32) float64 {
	if j.absEps != nil {
		return float64(top) + j.absEps[q]
	}
	t := float64(top)
	return t*(1+j.relEps) + 1e-37 // the constant absorbs float32 underflow
}

// parallel runs fn(i) for i in [0, n) on the job's workers.
func (j *truthJob) parallel(ctx context.Context, n int, fn func(i int)) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(j.workers, max(n, 1)) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
	return ctx.Err()
}

// worker is one goroutine's scratch space.
type worker struct {
	tops   []topK
	ids    []uint32
	part   []float32
	out    []float32
	xRest  []float64 // L2: rest norms of the block's rows, len(segs) each
	pooled pooledBlock
}

// run computes the truth: on the byte path where the data allows it, else
// (or when the base turns out not to qualify half way) on the float path.
func (j *truthJob) run(ctx context.Context) (*Truth, error) {
	stop := j.startProgress(int64(j.queries.Len()) * int64(j.base.Len()))
	defer stop()
	if p := j.newBytePlan(); p != nil {
		if t, err := j.runBytes(ctx, p); t != nil || err != nil {
			return t, err
		}
		// The work done so far does not count; the progress reporter
		// holds its last figure until the float path passes it.
		j.done.Store(0)
	}
	return j.runFloat(ctx)
}

// runFloat computes the truth with the float32 kernels.
func (j *truthJob) runFloat(ctx context.Context) (*Truth, error) {
	if err := j.prepare(ctx); err != nil {
		return nil, err
	}
	nq, nb := j.queries.Len(), j.base.Len()
	t := &Truth{K: j.k, Metric: j.metric, IDs: make([][]int32, nq), Dists: make([][]float32, nq), Ties: make([][]int32, nq)}
	rowBytes := j.dim * 4
	chunk := max(1, queryChunkBytes/rowBytes)
	block := max(16, baseBlockBytes/rowBytes)
	if j.opts.queryChunk > 0 {
		chunk = j.opts.queryChunk
	}
	if j.opts.baseBlock > 0 {
		block = j.opts.baseBlock
	}
	nblocks := (nb + block - 1) / block
	workers := make([]*worker, min(j.workers, nblocks))
	for w := range workers {
		workers[w] = &worker{
			ids:  make([]uint32, block),
			part: make([]float32, block),
			out:  make([]float32, block),
		}
	}
	for q0 := 0; q0 < nq; q0 += chunk {
		q1 := min(nq, q0+chunk)
		j.shared = make([]atomic.Uint64, q1-q0)
		for i := range j.shared {
			j.shared[i].Store(math.Float64bits(math.Inf(1)))
		}
		for _, w := range workers {
			w.tops = w.tops[:0]
			for q := q0; q < q1; q++ {
				w.tops = append(w.tops, topK{k: j.k, heap: make([]cand, 0, j.k), bound: func(top float32) float64 { return j.keepBound(q, top) }})
			}
		}
		j.beginChunk(workers, q0, q1)
		var next atomic.Int64
		var wg sync.WaitGroup
		for _, w := range workers {
			wg.Go(func() {
				for ctx.Err() == nil {
					b := int(next.Add(1)) - 1
					if b >= nblocks {
						return
					}
					b0 := b * block
					b1 := min(nb, b0+block)
					j.scanBlock(w, q0, q1, b0, b1)
					j.done.Add(int64(q1-q0) * int64(b1-b0))
				}
			})
		}
		wg.Wait()
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := j.parallel(ctx, q1-q0, func(i int) { j.finish(t, workers, q0, i) }); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// scanBlock runs queries [q0, q1) against base rows [b0, b1).
func (j *truthJob) scanBlock(w *worker, q0, q1, b0, b1 int) {
	switch {
	case j.dense():
		j.scanDense(w, q0, q1, b0, b1)
		return
	case j.levels != nil:
		j.scanPooled(w, q0, q1, b0, b1)
		return
	}
	n := b1 - b0
	dim := j.dim
	segs := j.segs
	nseg := len(segs) - 1
	for qi := q0; qi < q1; qi++ {
		top := &w.tops[qi-q0]
		bound := min(top.keepBound(), math.Float64frombits(j.shared[qi-q0].Load()))
		q := j.queries.Row(qi)
		ids := w.ids[:n]
		for i := range ids {
			ids[i] = uint32(i)
		}
		part := w.part[:n]
		clear(part)
		for s := range nseg {
			s0, s1 := segs[s], segs[s+1]
			out := w.out[:len(ids)]
			j.batch(q[s0:s1], j.base.Data[b0*dim+s0:], dim, ids, out)
			kept := ids[:0]
			switch j.metric {
			case L2, L1:
				// Partial sums of non-negative terms only grow, and float32
				// rounding is monotone: a partial sum beyond the bound means
				// the whole distance is.
				for i, id := range ids {
					p := part[id] + out[i]
					part[id] = p
					if float64(p) <= bound {
						kept = append(kept, id)
					}
				}
			case InnerProduct:
				for i, id := range ids {
					part[id] = -out[i]
					if float64(-out[i]) <= bound {
						kept = append(kept, id)
					}
				}
			case Cosine:
				qn := j.qNorm[qi]
				for i, id := range ids {
					d := 1 - out[i]/(qn*j.baseNorm[b0+int(id)])
					part[id] = d
					if float64(d) <= bound || d != d { // NaN: zero vector, ranks last
						kept = append(kept, id)
					}
				}
			}
			ids = kept
			if len(ids) == 0 {
				break
			}
		}
		// Most survivors of the bounds still lose to the heap: test against
		// the keep bound, recomputed only when the heap changes, before
		// paying for an offer.
		keep := top.keepBound()
		for _, id := range ids {
			d := part[id]
			if top.full() && !(float64(d) <= keep) && d == d {
				continue
			}
			top.offer(cand{d: d, id: int32(b0) + int32(id)})
			keep = top.keepBound()
		}
		if top.full() {
			b := top.keepBound()
			sh := &j.shared[qi-q0]
			for {
				old := sh.Load()
				if !(b < math.Float64frombits(old)) || sh.CompareAndSwap(old, math.Float64bits(b)) {
					break
				}
			}
		}
	}
}

// finish merges the workers' candidates for query q0+i, re-ranks them by
// exact distance and stores the result in t.
func (j *truthJob) finish(t *Truth, workers []*worker, q0, i int) {
	var all []cand
	for _, w := range workers {
		all = append(all, w.tops[i].heap...)
		all = append(all, w.tops[i].near...)
	}
	slices.SortFunc(all, func(a, b cand) int {
		if a.less(b) {
			return -1
		}
		if b.less(a) {
			return 1
		}
		return 0
	})
	bound := math.Inf(1)
	if kth := all[min(j.k, len(all))-1].d; kth == kth {
		bound = j.keepBound(q0+i, kth)
	}
	q := j.queries.Row(q0 + i)
	type exactCand struct {
		d  float64
		id int32
	}
	var qNorm float64
	if j.metric == Cosine {
		qNorm = math.Sqrt(exactDot(q, q))
	}
	ex := make([]exactCand, 0, len(all))
	for r, c := range all {
		if r >= j.k && !(float64(c.d) <= bound) {
			break // sorted: everything after is farther (or NaN)
		}
		x := j.base.Row(int(c.id))
		var d float64
		switch j.metric {
		case L2:
			d = exactL2(q, x)
		case L1:
			d = exactL1(q, x)
		case InnerProduct:
			d = -exactDot(q, x)
		case Cosine:
			d = exactCosine(q, x, qNorm)
		}
		ex = append(ex, exactCand{d, c.id})
	}
	slices.SortFunc(ex, func(a, b exactCand) int {
		an, bn := math.IsNaN(a.d), math.IsNaN(b.d)
		if an != bn {
			if an {
				return 1
			}
			return -1
		}
		if c := cmp.Compare(a.d, b.d); c != 0 && !an {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	k := j.k
	ids := make([]int32, k)
	dists := make([]float32, k)
	for r := range k {
		ids[r], dists[r] = ex[r].id, float32(ex[r].d)
	}
	t.IDs[q0+i], t.Dists[q0+i] = ids, dists
	kth := ex[k-1].d
	var ties []int32
	for _, e := range ex[k:] {
		if e.d != kth || len(ties) >= j.maxTies {
			break
		}
		ties = append(ties, e.id)
	}
	t.Ties[q0+i] = ties
}

// startProgress starts the progress reporter, if any, and returns the
// function that stops it after a final report.
func (j *truthJob) startProgress(total int64) func() {
	if j.progress == nil {
		return func() {}
	}
	quit := make(chan struct{})
	var wg sync.WaitGroup
	// The reported figure never goes back, even when the byte path gives
	// way to the float path and the count starts again.
	var last int64
	report := func() {
		last = max(last, j.done.Load())
		j.progress(last, total)
	}
	wg.Go(func() {
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case <-tick.C:
				report()
			}
		}
	})
	return func() {
		close(quit)
		wg.Wait()
		report()
	}
}
