package bench

import (
	"context"
	"math"
	"math/bits"
	"sync"
	"sync/atomic"
)

// The byte path of GroundTruth.
//
// Most benchmark sets hold small integers: SIFT (.bvecs), MNIST and
// Fashion-MNIST pixels, any uint8 embedding. When every component of the
// base and the queries is an integer in [0, 255], distances are computed
// exactly in integer arithmetic instead: the vectors are packed into bytes
// (a quarter of the memory traffic) and multiplied with AVX-512 VNNI's
// VPDPBUSD, 64 byte products summed into int32 per instruction, four times
// the multiply-add rate of float32 FMA. The product is u8 × s8, so the base
// stays unsigned and the query is shifted to q−128:
//
//	x·q = Σ x(q−128) + 128·Σx
//	‖x−q‖² = ‖x‖² − 2x·q + ‖q‖²
//
// The kernel scores tiles of four queries × four rows and turns each dot
// into the key ‖x‖² − 2x·q (L2; the per-query ‖q‖² does not change the
// order) or −x·q (inner product, cosine), compared at once with the
// query's current threshold: almost every pair is rejected by that one
// compare, and only the few that pass reach Go (see byteKeys).
//
// Most rows are not scored in full. For L2 and inner product, a row's key
// is bounded from below by the norms of its 64-component segments, which
// the pack computes on the way (see byteBoundGeneric): sixteen rows × four
// queries at a time, one fused multiply-add per segment, a fifteenth of
// the exact kernel's work; the exact kernel then scores only the rows
// whose bound is within a query's threshold, and queries are grouped with
// their neighbours so that the four of a group tend to keep the same
// rows. On Fashion-MNIST 45% of the rows are scored.
//
// For L2 and inner product the keys are exact integers, and so is the
// selection (byteTopK): the k smallest (key, id), and the rows tied with
// the k-th. The reported distance is the exact one (key + ‖q‖² for L2)
// rounded to float32 once, which is what the float path reports too: its
// float64 distances are exact for such inputs. Cosine distances are not
// integers: there the byte path only selects candidates, offering the
// float32 distance computed from the exact dot product to the float path's
// heaps, whose rounding margins (made for float32 kernels with larger
// errors) hold here too, and the float path's float64 re-rank decides. Both
// ways the result is the float path's, bit for bit, ties included.
//
// Whether the data qualifies is checked, not assumed: the queries before
// starting, the base block by block as it is packed (the check is part of
// the pack, so it costs no extra pass). At the first value that is not an
// integer in [0, 255] (a fraction, a negative, 256, NaN, ±Inf) the byte
// path stops and the float path computes the truth from scratch. The pack
// happens per block in each worker's cache, so the byte path needs no copy
// of the base: it reads the float32 base once per chunk of queries, as the
// float path does.

// bytePathMode is GroundTruthOptions' internal switch for tests.
type bytePathMode int8

const (
	byteAuto    bytePathMode = iota // where the VNNI kernel runs
	byteForce                       // whenever the data qualifies, on any kernel
	byteForceGo                     // as byteForce, with the Go kernels
	byteOff                         // never
)

// truthPath records how a Truth was computed, for tests and reports.
type truthPath uint8

const (
	pathFloat truthPath = iota
	pathByte
	pathCache
)

func (p truthPath) String() string {
	switch p {
	case pathByte:
		return "bytes (exact integer kernel)"
	case pathCache:
		return "cache"
	}
	return "float32 kernels"
}

// byteBlockBytes is the size of a packed block of base rows: the block is
// reread from the L2 cache by each group of four queries, beside the
// float32 rows it was packed from on their way through. On Fashion-MNIST
// 96 KB (116 rows) ran 2–3% faster than 128 KB or 64 KB.
const byteBlockBytes = 96 << 10

// byteChunkCandBytes bounds the memory of a chunk's top-k buffers.
const byteChunkCandBytes = 64 << 20

// bytePlan is the state of one run of the byte path.
type bytePlan struct {
	// stride is the bytes per packed row: dim rounded up to 64, so that
	// rows start on cache lines (a variant with 16-byte tail steps and
	// stride 784 for Fashion-MNIST ran 13% slower: every load split lines).
	stride int
	shift  int // key = c − D<<shift: 1 for L2, 0 for the dot metrics
	keys   byteKeysFunc
	pack   bytePackFunc
	bound  byteBoundFunc

	// nseg is the segments per row in the layout the pack kernel writes
	// (byteSegs); boundSegs of them, the non-empty ones, enter the bound.
	nseg, boundSegs int
	// prune: score only the rows the segment-norm bound leaves in (L2
	// and inner product, with at least byteMinBoundSegs segments).
	prune bool
	scale float32 // the bound's: 2 for L2, 1 for inner product

	qall    []byte    // every query packed, in order
	qallSeg []int32   // and its segments' sums of squares, nseg a query
	qb      []byte    // the chunk's queries, q−128 as int8, padded to whole tiles
	qseg    []float32 // the chunk's segment norms, segment s of query i at [s·ldq + i]
	ldq     int
	perm    []int                 // chunk position i holds query q0+perm[i]
	margin  []float64             // per chunk position: the bound's rounding margin
	qq      []int64               // ‖q‖² of every query
	thr     []byteSharedThreshold // L2, inner product: the chunk's thresholds, by chunk position
	fail    atomic.Bool
}

// byteMinBoundSegs is the fewest segments (of 64 components) for which the
// bound is tried. With two or three the segment norms say little more than
// the norms, and the bound would cost more than it saves (SIFT's 128
// components); Fashion-MNIST's 784 make 13, and the bound rules out more
// than half the rows (see scanBytes).
const byteMinBoundSegs = 4

// byteWorker is one worker's scratch space for the byte path.
type byteWorker struct {
	packed  []byte // a block of rows as bytes, padded to whole tiles
	sq, sum []int32
	c       []int32
	keys    []int32
	masks   []uint16
	ids     [byteTile][]uint32  // cosine: rows offered
	dist    [byteTile][]float32 // cosine: their distances
	tops    []byteTopK          // L2, inner product: the chunk's top k, by chunk position (cosine uses topK)

	// The bound's: the block's segment norms, segment s of row r at
	// [s·ldx + r] (ldx: the block's rows rounded up to 16), and segSq the
	// sums of squares they are the roots of; cx, the rows' ‖x‖² (L2) or
	// 0, NaN past the block's end; ident, the rows in order; rows and cc,
	// the rows the bound leaves in and their c.
	seg   []float32
	segSq []int32
	// thr and bt are the current group's thresholds, here rather than on
	// the stack because the kernels, called through function values,
	// would make them escape: two allocations per group.
	thr      [byteTile]int32
	bt       [byteTile]float32
	ldx      int
	cx       []float32
	ident    []int32
	rows, cc []int32
}

// newBytePlan returns the plan for the byte path, or nil when it does not
// apply: a metric it does not cover (L1 keeps its own early-abandoning
// scan), a dimension too large for exact int32 keys, queries that are not
// all integers in [0, 255], or (in auto mode) no VNNI kernel to run it.
func (j *truthJob) newBytePlan() *bytePlan {
	mode := j.opts.bytePath
	switch {
	case mode == byteOff, mode == byteAuto && !byteVNNI:
		return nil
	case j.metric != L2 && j.metric != InnerProduct && j.metric != Cosine:
		return nil
	case j.dim > byteMaxDim, j.queries.Len() == 0:
		return nil
	}
	p := &bytePlan{stride: (j.dim + 63) &^ 63, keys: byteKeys, pack: bytePack, bound: byteBound,
		nseg: byteSegs(j.dim), boundSegs: (j.dim + byteSegDims - 1) / byteSegDims}
	if mode == byteForceGo {
		p.keys, p.pack, p.bound = byteKeysGeneric, bytePackGeneric, byteBoundGeneric
	}
	switch j.metric {
	case L2:
		p.shift, p.scale = 1, 2
	case InnerProduct:
		p.scale = 1
	}
	p.prune = p.scale != 0 && p.boundSegs >= byteMinBoundSegs && !j.opts.byteNoBound
	// The queries: checked (and their norms taken) with the pack kernel.
	// They stay packed for the chunks (packQueries).
	nq := j.queries.Len()
	p.qall, p.qallSeg = make([]byte, nq*p.stride), make([]int32, nq*p.nseg)
	sq, sum := make([]int32, nq), make([]int32, nq)
	if !p.pack(j.queries.Data, j.dim, nq, p.qall, p.stride, sq, sum, p.qallSeg, p.nseg, 1) {
		return nil
	}
	p.qq = make([]int64, nq)
	for i := range nq {
		p.qq[i] = int64(sq[i])
	}
	gamma := float64(j.dim+4) * u
	switch j.metric {
	case InnerProduct, Cosine:
		j.qNorm = make([]float32, nq)
		j.absEps = make([]float64, nq)
		for i := range nq {
			j.qNorm[i] = float32(math.Sqrt(float64(sq[i])))
			if j.metric == InnerProduct {
				// The offered value is float32(−x·q), within u·|x·q| ≤
				// u·255·Σq of exact; the candidate's and the k-th's
				// errors both count.
				j.absEps[i] = 2.01*u*255*float64(sum[i]) + 1e-30
			} else {
				// 1 − x·q/(‖q‖‖x‖) in float32 from an exact dot and
				// correctly rounded norms: a few roundings, well inside
				// the float path's margin, which is kept.
				j.absEps[i] = 2 * (gamma + 4*u) * 1.01
			}
		}
		if j.metric == Cosine {
			j.baseNorm = make([]float32, j.base.Len())
		}
	}
	return p
}

// runBytes computes the truth on the byte path. It returns nil, nil when a
// base value turned out not to qualify: the caller then takes the float
// path.
func (j *truthJob) runBytes(ctx context.Context, p *bytePlan) (*Truth, error) {
	nq, nb, dim := j.queries.Len(), j.base.Len(), j.dim
	t := &Truth{K: j.k, Metric: j.metric, IDs: make([][]int32, nq), Dists: make([][]float32, nq), Ties: make([][]int32, nq), path: pathByte}
	chunk := max(byteTile, queryChunkBytes/p.stride&^(byteTile-1))
	// Each query of a chunk holds up to byteBufferLimit(k) candidates per
	// worker: for short vectors and large k, fewer queries per chunk keep
	// that within byteChunkCandBytes.
	chunk = min(chunk, max(byteTile, byteChunkCandBytes/(8*byteBufferLimit(j.k)*j.workers)&^(byteTile-1)))
	block := max(byteTile, byteBlockBytes/p.stride&^(byteTile-1))
	if j.opts.queryChunk > 0 {
		chunk = j.opts.queryChunk
	}
	if j.opts.baseBlock > 0 {
		block = j.opts.baseBlock
	}
	nblocks := (nb + block - 1) / block
	padded := (block + byteTile - 1) &^ (byteTile - 1)
	workers := make([]*worker, min(j.workers, nblocks))
	scratch := make([]*byteWorker, len(workers))
	ldx := (padded + 15) &^ 15
	for w := range workers {
		workers[w] = &worker{}
		scratch[w] = &byteWorker{
			packed: make([]byte, padded*p.stride),
			sq:     make([]int32, padded),
			sum:    make([]int32, padded),
			c:      make([]int32, ldx),
			keys:   make([]int32, byteTile*padded),
			masks:  make([]uint16, padded/byteTile),
			seg:    make([]float32, p.nseg*ldx),
			segSq:  make([]int32, p.nseg*ldx),
			ldx:    ldx,
			cx:     make([]float32, ldx),
			ident:  make([]int32, padded),
			rows:   make([]int32, ldx+16),
			cc:     make([]int32, ldx+16),
		}
		for i := range padded {
			scratch[w].ident[i] = int32(i)
		}
		for i := range byteTile {
			scratch[w].ids[i] = make([]uint32, 0, padded)
			scratch[w].dist[i] = make([]float32, 0, padded)
		}
	}
	for q0 := 0; q0 < nq; q0 += chunk {
		q1 := min(nq, q0+chunk)
		nc := q1 - q0
		p.packQueries(j, q0, q1)
		if j.metric == Cosine {
			for _, w := range workers {
				w.tops = w.tops[:0]
				for q := q0; q < q1; q++ {
					w.tops = append(w.tops, topK{k: j.k, heap: make([]cand, 0, j.k), bound: func(top float32) float64 { return j.keepBound(q, top) }})
				}
			}
			j.pooledQ.cur.q0 = q0
			j.pooledQ.cur.share(workers, nc)
		} else {
			if len(p.thr) < nc {
				p.thr = make([]byteSharedThreshold, nc)
			}
			for i := range nc {
				p.thr[i].v.Store(math.MaxInt32)
			}
			for _, w := range scratch {
				if len(w.tops) < nc {
					w.tops = make([]byteTopK, nc)
				}
				for i := range nc {
					w.tops[i].reset(j.k)
				}
			}
		}
		groups := (nc + byteTile - 1) / byteTile
		if j.metric != Cosine && !j.seedThresholds(p, scratch, block, q0, q1) {
			return nil, nil
		}
		blocks := newBlockRanges(nblocks, len(workers))
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for ctx.Err() == nil && !p.fail.Load() {
					b := blocks.take(w)
					if b < 0 {
						return
					}
					b0 := b * block
					b1 := min(nb, b0+block)
					// Workers start at different groups of queries, so
					// that they seldom lower the same query's threshold
					// at the same time.
					first := groups * w / len(workers)
					if !j.scanBytes(scratch[w], p, q0, q1, j.base.Data[b0*dim:b1*dim], b0, b1-b0, scratch[w].tops, 0, groups, first) {
						p.fail.Store(true)
						return
					}
					j.done.Add(int64(nc) * int64(b1-b0))
				}
			})
		}
		wg.Wait()
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if p.fail.Load() {
			return nil, nil
		}
		if j.metric == Cosine {
			// Cosine distances are not integers: the float path's exact
			// re-rank decides.
			if err := j.parallel(ctx, nc, func(i int) { j.finish(t, workers, q0, i) }); err != nil {
				return nil, err
			}
			continue
		}
		if err := j.parallel(ctx, nc, func(i int) {
			tops := make([]*byteTopK, len(scratch))
			for w := range scratch {
				tops[w] = &scratch[w].tops[i]
			}
			h, ties := byteMerge(tops, j.k, j.maxTies)
			ids, dists := make([]int32, len(h)), make([]float32, len(h))
			for r, c := range h {
				ids[r] = c.id()
				// One rounding of the exact value, as the float path's
				// float32(float64 distance), which is exact for these
				// inputs. Its inner product is the negated dot product,
				// so a zero dot gives −0: negate the same way.
				if p.shift == 1 {
					dists[r] = float32(int64(c.key()) + p.qq[q0+p.perm[i]]) // the exact squared distance
				} else {
					dists[r] = -float32(-int64(c.key()))
				}
			}
			q := q0 + p.perm[i]
			t.IDs[q], t.Dists[q], t.Ties[q] = ids, dists, ties
		}); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// packQueries packs the chunk's queries [q0, q1) into p.qb (as q−128)
// and their segment norms into p.qseg. Where the bound is used, it orders
// them so that similar queries share a group of four: a row is scored for
// the whole group when the bound leaves it in for any of the four, and on
// Fashion-MNIST grouping neighbours left in 43% of the rows where queries
// in their own order left in 69%.
func (p *bytePlan) packQueries(j *truthJob, q0, q1 int) {
	nc, stride, nseg, dim := q1-q0, p.stride, p.nseg, j.dim
	ncp := (nc + byteTile - 1) &^ (byteTile - 1)
	qb := p.qall[q0*stride : q1*stride]
	qseg := make([]float32, nc*nseg)
	byteSegNorms(qseg, p.qallSeg[q0*nseg:q1*nseg])
	p.perm = make([]int, nc)
	for i := range p.perm {
		p.perm[i] = i
	}
	if p.prune {
		p.perm = chainOrder(qseg, nc, nseg)
	}
	if cap(p.qb) < ncp*stride {
		p.qb = make([]byte, ncp*stride)
		p.qseg = make([]float32, nseg*ncp)
		p.margin = make([]float64, ncp)
	}
	p.qb, p.qseg, p.margin = p.qb[:ncp*stride], p.qseg[:nseg*ncp], p.margin[:ncp]
	clear(p.qb)
	clear(p.qseg)
	p.ldq = ncp
	for i, q := range p.perm {
		copy(p.qb[i*stride:(i+1)*stride], qb[q*stride:])
		for s := range nseg {
			p.qseg[s*ncp+i] = qseg[q*nseg+s]
		}
		p.margin[i] = byteBoundMargin(p.boundSegs, 255*255*float64(dim), float64(p.qq[q0+q]))
	}
	for i := range p.qb {
		p.qb[i] ^= 0x80 // q − 128 as int8; padding becomes q = 0
	}
}

// chainOrder orders n vectors of dimension d (row-major in v) as a greedy
// nearest-neighbour chain from the first: each next one is the nearest not
// yet taken. It is quadratic, which for a chunk of queries and their few
// segment norms is little beside the scan.
func chainOrder(v []float32, n, d int) []int {
	order := make([]int, 0, n)
	taken := make([]bool, n)
	cur := 0
	for range n {
		order = append(order, cur)
		taken[cur] = true
		best, next := float32(math.Inf(1)), -1
		a := v[cur*d : (cur+1)*d]
		for i := range n {
			if taken[i] {
				continue
			}
			var s float32
			for k, x := range v[i*d : (i+1)*d] {
				e := x - a[k]
				s += e * e
			}
			if next < 0 || s < best {
				best, next = s, i
			}
		}
		cur = next
	}
	return order
}

// scanBytes packs the n rows in src, base rows b0…b0+n−1, and runs the
// groups of four of the chunk's queries [q0, q1) numbered gLo…gHi−1
// against them, starting at the first-th, offering to tops. It reports
// false if a row is not all integers in [0, 255].
//
// Where the bound is used (p.prune), each group of four queries first
// bounds every row's key from below by its segment norms (byteBound), at
// about a fifteenth of the cost of the exact key, and the exact kernel
// scores only the rows whose bound is within some query's threshold: no
// row that could enter a top k (ties included) is left out, since its
// bound, widened by the rounding margin, is at most its key. Thresholds
// only fall, so the ones read before the group are safe to use.
func (j *truthJob) scanBytes(w *byteWorker, p *bytePlan, q0, q1 int, src []float32, b0, n int, tops []byteTopK, gLo, gHi, first int) bool {
	dim, stride := j.dim, p.stride
	tiles := (n + byteTile - 1) / byteTile
	if !p.pack(src, dim, n, w.packed, stride, w.sq, w.sum, w.segSq, 1, w.ldx) {
		return false
	}
	// Rows past the end of the last tile are zero; their keys are ignored.
	clear(w.packed[n*stride : tiles*byteTile*stride])
	c := w.c
	for r := range n {
		if j.metric == L2 {
			c[r] = w.sq[r] - 256*w.sum[r] // ‖x‖² − 2·128·Σx
		} else {
			c[r] = -128 * w.sum[r]
		}
	}
	bgroups := (n + 15) / 16
	if p.prune {
		byteSegNorms(w.seg[:p.boundSegs*w.ldx], w.segSq[:p.boundSegs*w.ldx])
		for r := range n {
			w.cx[r] = 0
			if j.metric == L2 {
				w.cx[r] = float32(w.sq[r])
			}
		}
		for r := n; r < 16*bgroups; r++ {
			w.cx[r] = float32(math.NaN()) // never kept
		}
	}
	if j.metric == Cosine {
		for r := range n {
			j.baseNorm[b0+r] = float32(math.Sqrt(float64(w.sq[r])))
		}
	}
	nc := q1 - q0
	for gi := range gHi - gLo {
		g := (gLo + (first+gi)%(gHi-gLo)) * byteTile
		thr := &w.thr
		for i := range byteTile {
			thr[i] = math.MinInt32
			if g+i < nc {
				thr[i] = j.byteThreshold(p, tops, g+i)
			}
		}
		rows, cc, nsel := w.ident, c, n
		if p.boundThresholds(thr, &w.bt, g) {
			nsel = p.bound(w.seg, w.ldx, bgroups, p.boundSegs, p.qseg[g:], p.ldq, w.cx, p.scale, &w.bt,
				c, w.rows, w.cc)
			rows, cc = w.rows, w.cc
			for i := nsel; i < (nsel+byteTile-1)&^(byteTile-1); i++ {
				rows[i], cc[i] = 0, 0 // fills the last tile; ignored
			}
		}
		if nsel == 0 {
			continue
		}
		stiles := (nsel + byteTile - 1) / byteTile
		keys, masks := w.keys[:16*stiles], w.masks[:stiles]
		p.keys(p.qb[g*stride:], w.packed, stride, stiles, cc, thr, p.shift, keys, masks, rows)
		if j.metric == Cosine {
			j.offerCosine(w, q0, g, min(byteTile, nc-g), b0, n, keys)
			continue
		}
		// The pairs the kernel let through go straight to the top k,
		// checked again against thresholds that offers of this group
		// may have lowered.
		for t, m := range masks {
			for m != 0 {
				pos := bits.TrailingZeros16(m)
				m &= m - 1
				at, i := t*byteTile+pos/byteTile, pos%byteTile
				if at >= nsel || g+i >= nc {
					continue
				}
				if key := keys[16*t+pos]; key <= thr[i] {
					thr[i] = tops[g+i].push(j.k, j.maxTies, newByteCand(key, int32(b0)+rows[at]), &p.thr[g+i])
				}
			}
		}
	}
	return true
}

// byteSeedPieces × byteSeedPiece rows, spread evenly over the base, give
// the first thresholds (seedThresholds).
const (
	byteSeedPieces = 8
	byteSeedPiece  = 128
)

// seedThresholds sets the chunk's shared thresholds before the scan, to
// the k-th key of each query among byteSeedPieces runs of rows spread
// over the base, which bounds its k-th key in the whole base. Without it
// the first blocks run with no threshold, or the median of a couple of
// hundred rows, and both the bound and the top-k buffers let through
// most of what they see. Each worker scores all the sample for its share
// of the queries, on the byte path like any block, into its top-k
// buffers, which are then emptied, so no row is offered twice and
// nothing is allocated. It reports false if a sample row does not
// qualify for the byte path.
func (j *truthJob) seedThresholds(p *bytePlan, scratch []*byteWorker, block, q0, q1 int) bool {
	nb, dim, nc := j.base.Len(), j.dim, q1-q0
	if !p.prune || nb < 4*byteSeedPieces*byteSeedPiece {
		return true
	}
	groups := (nc + byteTile - 1) / byteTile
	var fail atomic.Bool
	var wg sync.WaitGroup
	for w := range scratch {
		wg.Go(func() {
			gLo, gHi := groups*w/len(scratch), groups*(w+1)/len(scratch)
			if gLo == gHi {
				return
			}
			for pc := range byteSeedPieces {
				r0 := int(int64(pc) * int64(nb) / byteSeedPieces)
				for b0 := r0; b0 < r0+byteSeedPiece; b0 += block {
					b1 := min(r0+byteSeedPiece, b0+block)
					if !j.scanBytes(scratch[w], p, q0, q1, j.base.Data[b0*dim:b1*dim], b0, b1-b0, scratch[w].tops, gLo, gHi, 0) {
						fail.Store(true)
						return
					}
				}
			}
			for i := gLo * byteTile; i < min(nc, gHi*byteTile); i++ {
				t := &scratch[w].tops[i]
				if len(t.buf) >= j.k {
					p.thr[i].lower(t.cut(j.k, j.maxTies))
				}
			}
		})
	}
	wg.Wait()
	for _, w := range scratch {
		for i := range nc {
			w.tops[i].reset(j.k)
		}
	}
	return !fail.Load()
}

// boundThresholds turns the key thresholds of the group of queries at
// chunk position g into the bound's, in bt: widened by the rounding margin
// and rounded up to float32, −∞ for padding (nothing kept). It reports
// false when the bound is off or cannot rule anything out, as when a
// query has no threshold yet (its top k is not full).
func (p *bytePlan) boundThresholds(thr *[byteTile]int32, bt *[byteTile]float32, g int) bool {
	if !p.prune {
		return false
	}
	for i, t := range thr {
		switch t {
		case math.MaxInt32:
			return false
		case math.MinInt32:
			bt[i] = float32(math.Inf(-1))
		default:
			x := float64(t) + p.margin[g+i]
			f := float32(x)
			if float64(f) < x {
				f = math.Nextafter32(f, float32(math.Inf(1)))
			}
			bt[i] = f
		}
	}
	return true
}

// byteThreshold returns the largest key of chunk query qc that may still
// enter its top k (ties included). Cosine keys are not distances: every
// pair passes the kernel, and offerCosine filters.
func (j *truthJob) byteThreshold(p *bytePlan, tops []byteTopK, qc int) int32 {
	if j.metric == Cosine {
		return math.MaxInt32
	}
	return min(tops[qc].thr, p.thr[qc].v.Load())
}

// offerCosine turns the keys (−x·q) of queries g…g+nq−1 of the chunk into
// cosine distances, as scanDense does with float32 dot products, and
// offers those within the bound.
func (j *truthJob) offerCosine(w *byteWorker, q0, g, nq, b0, n int, keys []int32) {
	xn := j.baseNorm[b0 : b0+n]
	for i := range nq {
		qc := g + i
		qn := j.qNorm[q0+qc]
		bound := math.Float64frombits(j.pooledQ.cur.state[qc].bound.Load())
		ids, dist := w.ids[i][:0], w.dist[i][:0]
		for r := range n {
			v := float32(-keys[16*(r/byteTile)+byteTile*(r%byteTile)+i])
			d := 1 - v/(qn*xn[r])
			if !(float64(d) > bound) { // NaN (a zero vector) is kept
				ids = append(ids, uint32(r))
				dist = append(dist, d)
			}
		}
		w.ids[i], w.dist[i] = ids, dist
		if len(ids) > 0 {
			j.offerRows(qc, b0, ids, dist)
		}
	}
}
