package hnsw

// selectNeighbors runs the configured heuristic over the candidates w, which
// are sorted furthest first (as SearchLayer returns them, or as a back-link
// sorts them), for a list of capacity lm. It returns the selected candidates
// in the order they are to be stored and, when it had to leave some out, the
// "pruned" candidate a back-link overwrites.
//
// pgvector's variant (paper's Algorithm 4 without extended candidates, with
// kept pruned connections):
//
//  1. If |w| ≤ lm, return w unchanged, still furthest first.
//  2. R = D = []. While w is not empty and |R| < lm: take the nearest e out
//     of w. e is "closer" iff for every r already in R, d(e, r) > d(e, q)
//     strictly; append it to R if so, else to D.
//  3. Append D's entries in order (nearest rejected first) until |R| = lm.
//  4. pruned = the first unused entry of D if there is one, else the
//     furthest entry left in w.
//
// hnswlib's variant: if |w| < lm return w; otherwise the same loop with a
// non-strict rejection (d(e, r) < d(e, q)), no step 3, and no pruned entry.
func (ix *Index) selectNeighbors(st *searchState, l *layout, w []item, lm int) (sel []item, pruned item, hasPruned bool) {
	hnswlib := ix.cfg.Heuristic == HeuristicHNSWLib
	if len(w) <= lm && !(hnswlib && len(w) == lm) {
		st.selR = append(st.selR[:0], w...)
		return st.selR, item{}, false
	}
	r := st.selR[:0]
	d := st.selD[:0]
	i := len(w) - 1
	for ; i >= 0 && len(r) < lm; i-- {
		e := w[i]
		if ix.isCloser(st, l, e, r, hnswlib) {
			r = append(r, e)
		} else {
			d = append(d, e)
		}
	}
	st.selD = d
	if hnswlib {
		st.selR = r
		return r, item{}, false
	}
	j := 0
	for ; j < len(d) && len(r) < lm; j++ {
		r = append(r, d[j])
	}
	st.selR = r
	if j < len(d) {
		return r, d[j], true
	}
	return r, w[0], true
}

// isCloser reports whether candidate e is nearer to the list's owner than to
// every member of r (the heuristic's test).
func (ix *Index) isCloser(st *searchState, l *layout, e item, r []item, hnswlib bool) bool {
	if len(r) == 0 {
		return true
	}
	eq := ix.nodeQuery(l, e.id, st.eq)
	if ix.cfg.Storage == Float16 {
		st.eq = eq
	}
	for _, x := range r {
		dx := ix.distTo(st, l, eq, x.id)
		st.dists++
		if dx < e.d || (!hnswlib && dx == e.d) {
			return false
		}
	}
	return true
}

// sortFurthestFirst sorts candidates by descending distance, ties by
// descending id (pgvector breaks ties by descending element address, which
// follows insertion order in a serial build). Lists are short (≤ 2·M+1), so
// insertion sort beats a general sort.
func sortFurthestFirst(a []item) {
	for i := 1; i < len(a); i++ {
		x := a[i]
		j := i
		for j > 0 && furtherThan(x, a[j-1]) {
			a[j] = a[j-1]
			j--
		}
		a[j] = x
	}
}

// furtherThan orders a before b in a furthest-first list.
func furtherThan(a, b item) bool {
	if a.d != b.d {
		return a.d > b.d
	}
	return a.id > b.id
}
