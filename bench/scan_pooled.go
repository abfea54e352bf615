package bench

import (
	"math"

	"github.com/smallworld-go/smallworld/distance"
)

// The L2 scan of a base block (scanPooled), built on the panel and block
// kernels of package distance, which score several queries against several
// rows per register tile:
//
//  1. the coarse bound (groups of 64) of every query of the chunk against
//     every row of the block, one L2SquaredPanels call (a fiftieth of a
//     distance per pair);
//  2. per tile of two queries: the rows whose coarse bound passes for at
//     least one of them get the fine bound (groups of 4, a quarter of a
//     distance), for both queries in one L2SquaredBlock call;
//  3. the rows whose bounds both pass for at least one of the two get their
//     float32 distance to both, again in one call, and are offered to the
//     queries' top-k heaps.
//
// A row that one query of a tile needs is scored against the other too:
// that waste is the price of the register tiles, and ordering the queries
// so that similar ones share a tile (chainOrder) keeps it small: similar
// queries need mostly the same rows. The bounds only ever discard rows that
// cannot be in the exact top k (see pooledThreshold); which rows survive
// changes the work, never the result.
//
// On Fashion-MNIST (100 queries, top 100) 33% of the query × row pairs
// reach step 2 and 9% step 3; the kernels of steps 2 and 3 are about half
// of the time, pooling the base (a pass over it) a fifth, the heaps and the
// exact float64 re-rank most of the rest.

// tileQueries is the number of queries scored together in steps 2 and 3.
// Two, not four: the block kernels run two-query tiles at full speed, and a
// row needed by one query of the tile is less often wasted on the other
// than on three others (on Fashion-MNIST tiles of four let 35% more pairs
// reach the fine bound and 50% more the full distance).
const tileQueries = 2

// beginChunk prepares the pooled scan (and the dense one, see scanDense)
// for queries [q0, q1): their order,
// their vectors laid out in that order, and one set of top-k heaps for all
// workers, the first worker's (the others' stay empty, so the final merge
// sees each candidate once).
//
// Shared heaps, rather than one per worker, make every worker prune with
// the k-th distance over all the rows scanned so far instead of over its own
// share: on Fashion-MNIST with two workers, separate heaps let 15% more
// pairs reach the fine bound and 26% more the full distance.
func (j *truthJob) beginChunk(workers []*worker, q0, q1 int) {
	p := &j.pooledQ
	nc := q1 - q0
	if j.dense() {
		p.cur.q0 = q0
		p.cur.share(workers, nc)
		return
	}
	if j.levels == nil {
		return
	}
	order := j.chainOrder(q0, q1)
	c := &p.cur
	c.q0, c.order = q0, order
	for li, l := range j.levels {
		c.lvl[li] = grow(c.lvl[li], nc*l.stride)
		for pos, qi := range order {
			copy(c.lvl[li][pos*l.stride:(pos+1)*l.stride], p.data[li][qi*l.stride:(qi+1)*l.stride])
		}
	}
	c.full = grow(c.full, nc*j.dim)
	for pos, qi := range order {
		copy(c.full[pos*j.dim:(pos+1)*j.dim], j.queries.Row(qi))
	}
	c.share(workers, nc)
}

// share sets up the chunk's shared heaps (the first worker's) and their
// locks and bounds, for nc queries.
func (c *pooledChunk) share(workers []*worker, nc int) {
	c.tops = workers[0].tops
	c.state = make([]sharedQuery, nc)
	for i := range c.state {
		c.state[i].bound.Store(math.Float64bits(math.Inf(1)))
	}
}

// chainOrder orders queries [q0, q1) greedily: start with the first, then
// always go to the nearest (by coarse bound) query not yet taken. Each tile
// of four consecutive queries then holds close neighbours, which need
// mostly the same base rows. It costs one coarse bound per pair of queries
// in the chunk.
func (j *truthJob) chainOrder(q0, q1 int) []int {
	nc := q1 - q0
	l := j.levels[0]
	data := j.pooledQ.data[0][q0*l.stride : q1*l.stride]
	order := make([]int, 0, nc)
	taken := make([]bool, nc)
	dist := grow(j.pooledQ.dist, nc)
	j.pooledQ.dist = dist
	cur := 0
	for {
		order = append(order, q0+cur)
		taken[cur] = true
		if len(order) == nc {
			return order
		}
		distance.L2SquaredBlock(data[cur*l.stride:(cur+1)*l.stride], l.stride, data, l.stride, nil, dist)
		next, best := -1, float32(math.Inf(1))
		for i, d := range dist {
			if !taken[i] && (next < 0 || d < best) {
				next, best = i, d
			}
		}
		cur = next
	}
}

// grow returns s resliced to n elements, reallocated if its capacity is
// short (the contents are then zero).
func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

func growIDs(s []uint32, n int) []uint32 {
	if cap(s) < n {
		return make([]uint32, n)
	}
	return s[:n]
}

// scanPooled runs the chunk's queries [q0, q1) against base rows [b0, b1)
// for L2; see the comment at the top of the file.
func (j *truthJob) scanPooled(w *worker, q0, q1, b0, b1 int) {
	pb := &w.pooled
	pb.fill(j.levels, j.base, b0, b1)
	ch := &j.pooledQ.cur
	n, nc, dim := b1-b0, q1-q0, j.dim
	cl, fl := j.levels[0], j.levels[1]
	lb := grow(pb.lb, nc*n)
	pb.lb = lb
	distance.L2SquaredPanels(ch.lvl[0], cl.stride, pb.panels, n, lb)
	rows := j.base.Data[b0*dim : b1*dim]
	gammaC := float64(cl.stride+4) * u
	gammaF := float64(fl.stride+4) * u

	// While this block is scored, bring the next one into cache, a slice
	// per tile: the block a worker takes next is usually the one
	// j.workers blocks on, and with the memory traffic hidden behind the
	// computation, pooling it costs only its arithmetic.
	next := j.base.Data[min(len(j.base.Data), (b1+(j.workers-1)*n)*dim):min(len(j.base.Data), (b1+j.workers*n)*dim)]
	piece := (len(next)/((nc+tileQueries-1)/tileQueries) + 16) &^ 15

	for p0 := 0; p0 < nc; p0 += tileQueries {
		np := min(tileQueries, nc-p0)
		ahead := next[:min(piece, len(next))]
		next = next[len(ahead):]
		prefetch(ahead)
		// Thresholds of the tile's queries. A short last tile repeats its
		// query in the second slot with thresholds that pass nothing.
		var tc, tf [tileQueries]float32
		var lbRow [tileQueries][]float32
		open := false // some query of the tile has no bound yet
		for t := range tileQueries {
			pos := p0 + min(t, np-1)
			lbRow[t] = lb[pos*n : (pos+1)*n]
			if t >= np {
				tc[t], tf[t] = float32(math.Inf(-1)), float32(math.Inf(-1))
				continue
			}
			qi := ch.order[pos]
			bound := math.Float64frombits(ch.state[qi-q0].bound.Load())
			qe := j.pooledQ.errs[qi]
			tc[t] = pooledThreshold(bound, pb.errMax[0]+qe[0], gammaC)
			tf[t] = pooledThreshold(bound, pb.errMax[1]+qe[1], gammaF)
			open = open || math.IsInf(float64(tc[t]), 1) || math.IsInf(float64(tf[t]), 1)
		}

		// Step 2: rows that pass the coarse bound for some query, all of
		// them while a query has no bound. The loops are branch-free: which
		// rows pass is unpredictable. A NaN bound (a row with NaN or
		// infinite components, whose distance cannot be finite) never
		// passes a finite threshold; see pooledBlock.fill for rows whose
		// pooled values overflow.
		cands := growIDs(pb.cand, n+16)
		pb.cand = cands
		m := n
		if open {
			for r := range n {
				cands[r] = uint32(r)
			}
		} else {
			m = filter2(lbRow[0][:n], lbRow[1][:n], tc[0], tc[1], cands)
		}
		cands = cands[:m]
		if m == 0 {
			continue
		}
		fine := grow(pb.fineLB, np*m)
		pb.fineLB = fine
		distance.L2SquaredBlock(ch.lvl[1][p0*fl.stride:(p0+np)*fl.stride], fl.stride, pb.fine[:n*fl.stride], fl.stride, cands, fine)

		// Step 3: rows that pass both bounds for some query.
		finals := growIDs(pb.finals, m)
		pb.finals = finals
		k := m
		if open {
			copy(finals, cands)
		} else {
			k = 0
			l0, l1 := lbRow[0], lbRow[1]
			f0, f1 := fine[:m], fine[(np-1)*m:np*m]
			c0, c1, t0, t1 := tc[0], tc[1], tf[0], tf[1]
			for i, r := range cands {
				finals[k] = r
				k += b2i(l0[r] <= c0)&b2i(f0[i] <= t0) | b2i(l1[r] <= c1)&b2i(f1[i] <= t1)
			}
		}
		finals = finals[:k]
		if k == 0 {
			continue
		}
		dist := grow(pb.dist, np*k)
		pb.dist = dist
		distance.L2SquaredBlock(ch.full[p0*dim:(p0+np)*dim], dim, rows, dim, finals, dist)

		for t := range np {
			qi := ch.order[p0+t]
			j.offerRows(qi-q0, b0, finals, dist[t*k:(t+1)*k])
		}
	}
}

// filter2Generic writes to ids, in order, every r with l0[r] ≤ t0 or
// l1[r] ≤ t1 (a NaN never passes) and returns how many; ids needs room for
// len(l0). Branch-free: which rows pass is unpredictable.
func filter2Generic(l0, l1 []float32, t0, t1 float32, ids []uint32) int {
	l1, ids = l1[:len(l0)], ids[:len(l0)]
	m := 0
	for r := range l0 {
		ids[m] = uint32(r)
		m += b2i(l0[r] <= t0) | b2i(l1[r] <= t1)
	}
	return m
}

// b2i is 1 for true and 0 for false; the compiler turns it into a SETcc.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// offerRows offers base rows b0+ids[i] at float32 distances d[i] to the
// shared top k of chunk query qc and publishes its new bound.
//
// Most calls have nothing to offer once the heap is full, so the
// candidates are first checked against the published bound without the
// lock.
func (j *truthJob) offerRows(qc, b0 int, ids []uint32, d []float32) {
	c := &j.pooledQ.cur
	st := &c.state[qc]
	keep := math.Float64frombits(st.bound.Load())
	any := false
	for _, v := range d {
		if float64(v) <= keep || v != v {
			any = true
			break
		}
	}
	if !any {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	top := &c.tops[qc]
	keep = top.keepBound()
	for i, r := range ids {
		v := d[i]
		if !(float64(v) <= keep) && v == v {
			continue
		}
		top.offer(cand{d: v, id: int32(b0) + int32(r)})
		keep = top.keepBound()
	}
	if top.full() {
		st.bound.Store(math.Float64bits(keep))
	}
}
