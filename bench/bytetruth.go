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
// float32 rows it was packed from on their way through.
const byteBlockBytes = 128 << 10

// byteChunkCandBytes bounds the memory of a chunk's top-k buffers.
const byteChunkCandBytes = 64 << 20

// bytePlan is the state of one run of the byte path.
type bytePlan struct {
	// stride is the bytes per packed row: dim rounded up to 64, so that
	// rows start on cache lines (a variant with 16-byte tail steps and
	// stride 784 for Fashion-MNIST ran 13% slower: every load split lines).
	stride int
	shift  int // key = c − D<<shift: 1 for L2, 0 for the dot metrics
	keys   func(q, x []byte, stride, tiles int, c []int32, thr *[byteTile]int32, shift int, keys []int32, masks []uint16, ahead []float32)
	pack   func(src []float32, dim, rows int, dst []byte, stride int, sq, sum []int32) bool

	qb   []byte     // the chunk's queries, q−128 as int8, padded to whole tiles
	qq   []int64    // ‖q‖² of every query
	tops []byteTopK // L2, inner product: the chunk's heaps (cosine uses topK)
	fail atomic.Bool
}

// byteWorker is one worker's scratch space for the byte path.
type byteWorker struct {
	packed  []byte // a block of rows as bytes, padded to whole tiles
	sq, sum []int32
	c       []int32
	keys    []int32
	masks   []uint16
	ids     [byteTile][]uint32
	hits    [byteTile][]int32   // L2, inner product: keys of ids
	dist    [byteTile][]float32 // cosine: distances of ids
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
	p := &bytePlan{stride: (j.dim + 63) &^ 63, keys: byteKeys, pack: bytePack}
	if mode == byteForceGo {
		p.keys, p.pack = byteKeysGeneric, bytePackGeneric
	}
	if j.metric == L2 {
		p.shift = 1
	}
	// The queries: checked (and their norms taken) with the pack kernel.
	nq := j.queries.Len()
	buf := make([]byte, nq*p.stride)
	sq, sum := make([]int32, nq), make([]int32, nq)
	if !p.pack(j.queries.Data, j.dim, nq, buf, p.stride, sq, sum) {
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
	// Each query of a chunk holds up to byteBufferLimit(k) candidates: for
	// short vectors and large k, fewer queries per chunk keep that within
	// byteChunkCandBytes.
	chunk = min(chunk, max(byteTile, byteChunkCandBytes/(8*byteBufferLimit(j.k))&^(byteTile-1)))
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
	for w := range workers {
		workers[w] = &worker{}
		scratch[w] = &byteWorker{
			packed: make([]byte, padded*p.stride),
			sq:     make([]int32, padded),
			sum:    make([]int32, padded),
			c:      make([]int32, padded),
			keys:   make([]int32, byteTile*padded),
			masks:  make([]uint16, padded/byteTile),
		}
		for i := range byteTile {
			scratch[w].ids[i] = make([]uint32, 0, padded)
			scratch[w].hits[i] = make([]int32, 0, padded)
			scratch[w].dist[i] = make([]float32, 0, padded)
		}
	}
	for q0 := 0; q0 < nq; q0 += chunk {
		q1 := min(nq, q0+chunk)
		nc := q1 - q0
		ncp := (nc + byteTile - 1) &^ (byteTile - 1)
		p.qb = make([]byte, ncp*p.stride)
		sq, sum := make([]int32, nc), make([]int32, nc)
		p.pack(j.queries.Data[q0*dim:q1*dim], dim, nc, p.qb, p.stride, sq, sum) // checked in newBytePlan
		for i := range p.qb {
			p.qb[i] ^= 0x80 // q − 128 as int8; padding becomes q = 0
		}
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
			if len(p.tops) < nc {
				p.tops = make([]byteTopK, nc)
			}
			for i := range nc {
				p.tops[i].reset(j.k)
			}
		}
		blocks := newBlockRanges(nblocks, len(workers))
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for ctx.Err() == nil && !p.fail.Load() {
					b, nextBlock := blocks.take(w)
					if b < 0 {
						return
					}
					b0 := b * block
					b1 := min(nb, b0+block)
					var ahead []float32
					if nextBlock >= 0 {
						ahead = j.base.Data[nextBlock*block*dim : min(nb, (nextBlock+1)*block)*dim]
					}
					if !j.scanBytes(scratch[w], w, p, q0, q1, b0, b1, ahead) {
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
			h, ties := p.tops[i].result(j.k, j.maxTies)
			ids, dists := make([]int32, len(h)), make([]float32, len(h))
			for r, c := range h {
				ids[r] = c.id()
				// One rounding of the exact value, as the float path's
				// float32(float64 distance), which is exact for these
				// inputs. Its inner product is the negated dot product,
				// so a zero dot gives −0: negate the same way.
				if p.shift == 1 {
					dists[r] = float32(int64(c.key()) + p.qq[q0+i]) // the exact squared distance
				} else {
					dists[r] = -float32(-int64(c.key()))
				}
			}
			t.IDs[q0+i], t.Dists[q0+i], t.Ties[q0+i] = ids, dists, ties
		}); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// scanBytes packs base rows [b0, b1) and runs the chunk's queries [q0, q1)
// against them, prefetching next, the rows the worker packs next; wi is the
// worker's number. It
// reports false if a row is not all integers in [0, 255].
func (j *truthJob) scanBytes(w *byteWorker, wi int, p *bytePlan, q0, q1, b0, b1 int, next []float32) bool {
	n, dim, stride := b1-b0, j.dim, p.stride
	tiles := (n + byteTile - 1) / byteTile
	if !p.pack(j.base.Data[b0*dim:b1*dim], dim, n, w.packed, stride, w.sq, w.sum) {
		return false
	}
	// Rows past the end of the last tile are zero; their keys are ignored.
	clear(w.packed[n*stride : tiles*byteTile*stride])
	c := w.c[:tiles*byteTile]
	for r := range n {
		if j.metric == L2 {
			c[r] = w.sq[r] - 256*w.sum[r] // ‖x‖² − 2·128·Σx
		} else {
			c[r] = -128 * w.sum[r]
		}
	}
	if j.metric == Cosine {
		for r := range n {
			j.baseNorm[b0+r] = float32(math.Sqrt(float64(w.sq[r])))
		}
	}
	keys, masks := w.keys[:16*tiles], w.masks[:tiles]
	nc := q1 - q0
	// While this block is scored, the kernel brings the next one into the
	// cache, a slice per group of queries: scoring is bound by arithmetic
	// and packing by memory, and this way they overlap.
	groups := (nc + byteTile - 1) / byteTile
	piece := (len(next)/groups + 16) &^ 15
	// Workers start at different groups of queries, so that they seldom
	// want the same query's lock at the same time.
	first := groups * wi / j.workers
	for gi := range groups {
		g := (first + gi) % groups * byteTile
		ahead := next[:min(piece, len(next))]
		next = next[len(ahead):]
		var thr [byteTile]int32
		for i := range byteTile {
			thr[i] = math.MinInt32
			if g+i < nc {
				thr[i] = j.byteThreshold(p, g+i)
			}
		}
		p.keys(p.qb[g*stride:], w.packed, stride, tiles, c, &thr, p.shift, keys, masks, ahead)
		if j.metric == Cosine {
			j.offerCosine(w, q0, g, min(byteTile, nc-g), b0, n, keys)
			continue
		}
		for i := range byteTile {
			w.ids[i], w.hits[i] = w.ids[i][:0], w.hits[i][:0]
		}
		for t, m := range masks {
			for m != 0 {
				pos := bits.TrailingZeros16(m)
				m &= m - 1
				r, i := t*byteTile+pos/byteTile, pos%byteTile
				if r >= n || g+i >= nc {
					continue
				}
				w.ids[i] = append(w.ids[i], uint32(r))
				w.hits[i] = append(w.hits[i], keys[16*t+pos])
			}
		}
		for i := range byteTile {
			if len(w.ids[i]) > 0 {
				p.tops[g+i].offer(j.k, j.maxTies, b0, w.ids[i], w.hits[i])
			}
		}
	}
	return true
}

// byteThreshold returns the largest key of chunk query qc that may still
// enter its top k (ties included). Cosine keys are not distances: every
// pair passes the kernel, and offerCosine filters.
func (j *truthJob) byteThreshold(p *bytePlan, qc int) int32 {
	if j.metric == Cosine {
		return math.MaxInt32
	}
	return p.tops[qc].thr.Load()
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
