package hnsw

import "iter"

// ScanControl lets the caller of SearchIterControl watch a scan's cost and
// decide, batch by batch, whether it may keep exploring. pgvector's index
// scan stops exploring when its memory passes work_mem ×
// hnsw.scan_mem_multiplier, which depends on allocator details that only the
// caller (pgcompat) models.
type ScanControl struct {
	// Stats, when non-nil, receives the scan's cost so far before every
	// yield and when the scan ends.
	Stats *SearchStats
	// Explore, when non-nil, is called each time an iterative scan has
	// returned its current batch and would search another, with the cost
	// so far. Returning false has the effect of reaching MaxScanTuples: the
	// scan stops exploring and returns the discarded candidates left, one
	// at a time, nearest first. Once false, it is not asked again.
	Explore func(SearchStats) bool
}

// SearchIterControl is SearchIter with a ScanControl. Apart from what ctl
// adds, it behaves exactly as SearchIter.
func (ix *Index) SearchIterControl(q []float32, opts SearchOptions, ctl ScanControl) iter.Seq2[Result, error] {
	return func(yield func(Result, error) bool) {
		if opts.Iterative == IterativeAuto {
			opts.Iterative = IterativeRelaxed
		}
		ef, mode, maxTuples, err := ix.resolveOptions(1, opts)
		if err != nil {
			yield(Result{}, err)
			return
		}
		st := ix.getState(ix.lay.Load())
		defer ix.putState(st)
		qq, err := ix.prepareQuery(st, q)
		if err != nil {
			yield(Result{}, err)
			return
		}
		qq = append(st.qcopy[:0], qq...)
		st.qcopy = qq
		ix.searches.Add(1)
		sc := &st.scan
		report := func() {
			if ctl.Stats != nil {
				*ctl.Stats = sc.stats()
			}
		}
		defer report()
		started := false
		exploring := true
		var gen uint64
		for {
			ix.reclaimMu.RLock()
			l := ix.lay.Load()
			if !started {
				sc.start(ix, st, l, qq, ef, mode, maxTuples)
				gen = ix.vacuumGen.Load()
				started = true
			} else if ix.vacuumGen.Load() != gen {
				ix.reclaimMu.RUnlock()
				return
			}
			buf := st.results[:0]
			more := false
			for {
				if exploring && ctl.Explore != nil && sc.started && sc.batchDone() && !sc.single &&
					sc.mode != IterativeOff && !sc.empty && st.disc.len() > 0 && st.tuples < sc.maxTuples {
					if !ctl.Explore(sc.stats()) {
						// Reaching the budget is what makes next switch to
						// draining the discarded candidates.
						sc.maxTuples = 0
						exploring = false
					}
				}
				it, ok := sc.next()
				if !ok {
					break
				}
				more = true
				buf = ix.emit(st, l, sc, it, opts.Filter, buf, -1)
				if sc.batchDone() {
					break
				}
			}
			st.results = buf
			ix.reclaimMu.RUnlock()
			report()
			for _, r := range buf {
				if !yield(r, nil) {
					return
				}
			}
			if !more {
				return
			}
		}
	}
}
