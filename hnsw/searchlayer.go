package hnsw

// layerSearch holds the parameters of one SearchLayer call.
type layerSearch struct {
	ef int
	lc int
	// skipDeleted: tombstones are traversed and kept in W but do not
	// count towards ef (pgvector does this while vacuuming; this index
	// does it whenever it holds tombstones, so they cost no recall).
	skipDeleted bool
	// discard collects rejected and evicted candidates into st.disc for
	// an iterative scan.
	discard bool
	// resume: the entry points are already marked visited (and counted)
	// by an earlier batch of the same scan.
	resume bool
}

// searchLayer is pgvector's SearchLayer (the paper's Algorithm 2) over layer
// p.lc, from the entry points in st.ep. It leaves W in st.res.
//
// Every entry point is marked visited and pushed into C and W. Then, until C
// is empty: pop the nearest c; stop if it is further than the furthest of W.
// Collect c's unvisited neighbours in stored order (marking them visited
// immediately), compute their distances in one kernel call, and for each, in
// list order, add it to C and W if it is nearer than the furthest of W or W
// holds fewer than ef counted elements; once more than ef are counted, each
// addition evicts W's furthest. wlen counts additions and is never
// decremented, exactly as pgvector's loop does, which fixes W's size at ef.
func (ix *Index) searchLayer(st *searchState, l *layout, q []float32, p layerSearch) {
	st.cand.reset()
	st.res.reset()
	wlen := 0
	for _, e := range st.ep {
		if !p.resume {
			st.visit(e.id)
			if p.lc == 0 {
				st.tuples++
			}
		}
		st.cand.push(e)
		st.res.push(e)
		if !p.skipDeleted || !ix.isDeleted(l, e.id) {
			wlen++
		}
	}
	if st.res.len() == 0 {
		return
	}
	ef := p.ef
	maxList := ix.lm(p.lc)
	if cap(st.dist) < maxList {
		st.dist = make([]float32, maxList)
	}
	if cap(st.nbr) < maxList {
		st.nbr = make([]uint32, 0, maxList)
	}
	for st.cand.len() > 0 {
		c := st.cand.pop()
		if c.d > st.res.top().d {
			break
		}
		var slots []uint32
		if p.lc == 0 {
			slots = ix.record(l, c.id)[1:]
		} else {
			slots = ix.upperList(l, ix.headerOf(l, c.id), p.lc)
		}
		nbr := st.nbr[:0]
		vis, epoch := st.visited, st.epoch
		for i := range slots {
			v := loadSlot(&slots[i])
			if v == noNode {
				break
			}
			if int(v) < len(vis) {
				if vis[v] == epoch {
					continue
				}
				vis[v] = epoch
			} else if st.visit(v) {
				continue
			} else {
				vis = st.visited
			}
			nbr = append(nbr, v)
		}
		st.nbr = nbr
		if len(nbr) == 0 {
			continue
		}
		if p.lc == 0 {
			st.tuples += len(nbr)
		}
		st.dists += uint64(len(nbr))
		dist := st.dist[:len(nbr)]
		ix.distBatch(st, l, q, nbr, dist)
		pf := st.pf[:0]
		for i, id := range nbr {
			d := dist[i]
			if !(d < st.res.top().d || wlen < ef) {
				if p.discard {
					st.disc.push(item{d, id})
				}
				continue
			}
			e := item{d, id}
			st.cand.push(e)
			st.res.push(e)
			pf = append(pf, id)
			if p.skipDeleted && ix.isDeleted(l, id) {
				continue
			}
			wlen++
			if wlen > ef {
				x := st.res.pop()
				if p.discard {
					st.disc.push(x)
				}
			}
		}
		st.pf = pf
		if p.lc == 0 && len(pf) > 0 && len(l.segs) == 1 && len(l.segs[0].links) > 0 {
			// The new candidates' lists live apart from their vectors
			// (which the kernel just read), so the first read of each
			// list would miss the cache when it is expanded; start
			// those loads now.
			s := l.segs[0]
			prefetchRows(&s.links[0], pf, uintptr(ix.linkStride)*4, ix.recLines)
		}
	}
}

// drainW empties W into st.w, furthest first.
func (st *searchState) drainW() []item {
	st.w = st.res.drainFurthestFirst(st.w[:0])
	return st.w
}

// descend runs the greedy phase of a search or insert: from the entry point
// (with its distance already in st.ep) down to layer stop+1 with ef = 1, each
// layer with a fresh visited set. st.ep holds the result.
func (ix *Index) descend(st *searchState, l *layout, q []float32, top, stop int, skipDeleted bool) {
	for lc := top; lc > stop; lc-- {
		st.newEpoch()
		ix.searchLayer(st, l, q, layerSearch{ef: 1, lc: lc, skipDeleted: skipDeleted})
		st.ep = append(st.ep[:0], st.drainW()...)
	}
}
