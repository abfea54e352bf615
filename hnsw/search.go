package hnsw

import (
	"iter"
	"slices"
)

// Result is one search hit.
type Result struct {
	// Key is the key the vector was added under.
	Key uint64
	// Distance is the metric's distance to the query: Euclidean distance
	// for L2, the negative inner product for InnerProduct, 1 − cos for
	// Cosine, the Manhattan distance for L1.
	Distance float32
}

// IterativeMode selects pgvector 0.8's iterative index scan behaviour.
type IterativeMode uint8

// Iterative scan modes.
const (
	// IterativeAuto (the zero value) is IterativeRelaxed when a Filter is
	// set and IterativeOff otherwise.
	IterativeAuto IterativeMode = iota
	// IterativeOff searches once: at most the ef nearest nodes are
	// considered, and a Filter only removes hits from them (pgvector's
	// hnsw.iterative_scan = off).
	IterativeOff
	// IterativeRelaxed keeps searching from the candidates a batch
	// discarded until k results pass the filter or the scan budget is
	// spent. Hits may be found slightly out of order; SearchWith sorts
	// them, SearchIter yields them as found (relaxed_order).
	IterativeRelaxed
	// IterativeStrict is IterativeRelaxed that drops any hit nearer than
	// one already returned, so results are always in distance order
	// (strict_order).
	IterativeStrict
)

// String returns "auto", "off", "relaxed" or "strict".
func (m IterativeMode) String() string {
	switch m {
	case IterativeAuto:
		return "auto"
	case IterativeOff:
		return "off"
	case IterativeRelaxed:
		return "relaxed"
	case IterativeStrict:
		return "strict"
	}
	return "IterativeMode(" + itoa(int(m)) + ")"
}

// DefaultMaxScanTuples is the default iterative scan budget (pgvector's
// hnsw.max_scan_tuples).
const DefaultMaxScanTuples = 20000

// SearchOptions tunes one search. The zero value uses the index defaults.
type SearchOptions struct {
	// Ef is the candidate list size (0 = Config.EfSearch, else 1..10000).
	// A search for k results uses at least k.
	Ef int
	// Filter, when set, admits only the keys it returns true for. It is
	// called from the searching goroutine, possibly several times per key,
	// while the search holds the index's read lock: it must not call Add,
	// AddBatch or Vacuum on the same index (other searches are fine).
	Filter func(key uint64) bool
	// Iterative selects the iterative scan mode (see IterativeMode).
	Iterative IterativeMode
	// MaxScanTuples bounds the layer-0 nodes an iterative scan visits
	// before it stops exploring (0 = 20000); the candidates already found
	// are still returned.
	MaxScanTuples int
}

// SearchStats describes the work one search did.
type SearchStats struct {
	// DistanceEvaluations counts query-to-vector distances computed.
	DistanceEvaluations int
	// Visited counts the layer-0 nodes the search marked visited.
	Visited int
	// Batches counts layer-0 searches: 1, plus one per iterative resume.
	Batches int
}

// Search returns the k nearest keys to q, nearest first, using the index's
// default options. See SearchWith.
func (ix *Index) Search(q []float32, k int) ([]Result, error) {
	res, _, err := ix.AppendSearch(make([]Result, 0, min(max(k, 0), 1024)), q, k, SearchOptions{})
	return res, err
}

// SearchWith returns up to k keys nearest to q that pass opts.Filter, nearest
// first, and what the search cost. Errors: *DimensionError, *NotFiniteError,
// ErrZeroVector (Cosine), *ConfigError for out-of-range k or options.
func (ix *Index) SearchWith(q []float32, k int, opts SearchOptions) ([]Result, SearchStats, error) {
	return ix.AppendSearch(make([]Result, 0, min(max(k, 0), 1024)), q, k, opts)
}

// AppendSearch is SearchWith that appends the results to dst. With a dst of
// sufficient capacity it does not allocate.
func (ix *Index) AppendSearch(dst []Result, q []float32, k int, opts SearchOptions) ([]Result, SearchStats, error) {
	ef, mode, maxTuples, err := ix.resolveOptions(k, opts)
	if err != nil || k == 0 {
		return dst, SearchStats{}, err
	}
	st := ix.getState(ix.lay.Load())
	defer ix.putState(st)
	qq, err := ix.prepareQuery(st, q)
	if err != nil {
		return dst, SearchStats{}, err
	}
	ix.searches.Add(1)
	ix.reclaimMu.RLock()
	defer ix.reclaimMu.RUnlock()
	l := ix.lay.Load()
	sc := &st.scan
	sc.start(ix, st, l, qq, ef, mode, maxTuples)
	start := len(dst)
	for len(dst)-start < k {
		it, ok := sc.next()
		if !ok {
			break
		}
		dst = ix.emit(st, l, sc, it, opts.Filter, dst, start+k)
	}
	if mode == IterativeRelaxed {
		slices.SortStableFunc(dst[start:], func(a, b Result) int {
			switch {
			case a.Distance < b.Distance:
				return -1
			case a.Distance > b.Distance:
				return 1
			}
			return 0
		})
	}
	return dst, sc.stats(), nil
}

// SearchIter streams the keys nearest to q that pass opts.Filter, in the order
// the scan finds them, until the caller stops or the scan ends: pgvector's
// index scan, where the LIMIT is how far the caller iterates. The default
// mode with or without a filter is IterativeRelaxed here (use Off for a
// single batch of ef nodes). The index is not locked while the loop body
// runs; if a Vacuum frees nodes meanwhile, the scan ends early. An invalid
// query or option yields one error and ends.
func (ix *Index) SearchIter(q []float32, opts SearchOptions) iter.Seq2[Result, error] {
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
		qq = append(st.qcopy[:0], qq...) // st.q is reused by searches below
		st.qcopy = qq
		ix.searches.Add(1)
		sc := &st.scan
		started := false
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
			// Gather the rest of the current batch (or one element of the
			// final drain) under the lock, then yield without it.
			buf := st.results[:0]
			more := false
			for {
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

// resolveOptions validates k and opts and fills in defaults.
func (ix *Index) resolveOptions(k int, opts SearchOptions) (ef int, mode IterativeMode, maxTuples int, err error) {
	if k < 0 {
		return 0, 0, 0, &ConfigError{Field: "k", Value: k, Range: "≥ 0"}
	}
	ef = opts.Ef
	if ef == 0 {
		ef = ix.cfg.EfSearch
	}
	if ef < 1 || ef > MaxEf {
		return 0, 0, 0, &ConfigError{Field: "SearchOptions.Ef", Value: opts.Ef, Range: rangeString(1, MaxEf)}
	}
	ef = max(ef, min(k, MaxEf))
	mode = opts.Iterative
	switch mode {
	case IterativeAuto:
		mode = IterativeOff
		if opts.Filter != nil {
			mode = IterativeRelaxed
		}
	case IterativeOff, IterativeRelaxed, IterativeStrict:
	default:
		return 0, 0, 0, &ConfigError{Field: "SearchOptions.Iterative", Value: opts.Iterative, Range: "IterativeAuto, IterativeOff, IterativeRelaxed or IterativeStrict"}
	}
	maxTuples = opts.MaxScanTuples
	if maxTuples == 0 {
		maxTuples = DefaultMaxScanTuples
	}
	if maxTuples < 0 {
		return 0, 0, 0, &ConfigError{Field: "SearchOptions.MaxScanTuples", Value: opts.MaxScanTuples, Range: "≥ 1 (0 = default)"}
	}
	return ef, mode, maxTuples, nil
}

// emit appends the keys of element it that pass filter (last-added key first,
// as pgvector returns an element's heap TIDs), honouring strict order, until
// dst reaches limit (−1: no limit).
func (ix *Index) emit(st *searchState, l *layout, sc *scanner, it item, filter func(uint64) bool, dst []Result, limit int) []Result {
	h := ix.headerOf(l, it.id)
	if h&flagDeleted != 0 {
		return dst
	}
	keys := st.keys[:0]
	if h&flagMulti != 0 {
		ix.keyMu.RLock()
		keys = append(keys, firstKey(l, it.id))
		keys = append(keys, ix.extraKeys[it.id]...)
		ix.keyMu.RUnlock()
	} else {
		keys = append(keys, firstKey(l, it.id))
	}
	st.keys = keys
	dist := ix.reportDistance(it.d)
	for i := len(keys) - 1; i >= 0; i-- {
		if limit >= 0 && len(dst) >= limit {
			break
		}
		if filter != nil && !filter(keys[i]) {
			continue
		}
		if sc.mode == IterativeStrict {
			if sc.emitted && it.d < sc.last {
				continue
			}
			sc.last, sc.emitted = it.d, true
		}
		dst = append(dst, Result{Key: keys[i], Distance: dist})
	}
	return dst
}

// scanner walks the graph for one query and returns elements in pgvector's
// scan order: the first batch (layer-0 W, nearest first), then, in iterative
// modes, batches searched from the discarded candidates, and once the visit
// budget is spent the remaining discarded candidates one by one.
type scanner struct {
	ix          *Index
	st          *searchState
	l           *layout
	q           []float32
	ef          int
	mode        IterativeMode
	maxTuples   int
	skipDeleted bool

	batch   []item // current batch, nearest first
	pos     int
	started bool
	empty   bool
	single  bool // draining discarded one element at a time
	batches int

	last    float32 // strict mode: distance of the last emitted hit
	emitted bool
}

// start prepares a scan; the graph work happens lazily in next.
func (sc *scanner) start(ix *Index, st *searchState, l *layout, q []float32, ef int, mode IterativeMode, maxTuples int) {
	*sc = scanner{ix: ix, st: st, l: l, q: q, ef: ef, mode: mode, maxTuples: maxTuples, batch: sc.batch[:0]}
	sc.skipDeleted = ix.nDeleted.Load() > 0
	st.disc.reset()
}

// batchDone reports whether the current batch has been fully returned.
func (sc *scanner) batchDone() bool { return sc.single || sc.pos >= len(sc.batch) }

// stats reports the scan's cost so far.
func (sc *scanner) stats() SearchStats {
	return SearchStats{DistanceEvaluations: int(sc.st.dists), Visited: sc.st.tuples, Batches: sc.batches}
}

// next returns the next element of the scan.
func (sc *scanner) next() (item, bool) {
	st := sc.st
	for {
		if sc.pos < len(sc.batch) {
			it := sc.batch[sc.pos]
			sc.pos++
			return it, true
		}
		if !sc.started {
			sc.started = true
			if !sc.first() {
				sc.empty = true
				return item{}, false
			}
			continue
		}
		if sc.empty || sc.mode == IterativeOff || st.disc.len() == 0 {
			return item{}, false
		}
		if st.tuples >= sc.maxTuples {
			sc.single = true
			return st.disc.pop(), true
		}
		// Resume from the ef nearest discarded candidates, with the
		// visited set of the earlier batches.
		st.ep = st.ep[:0]
		for len(st.ep) < sc.ef && st.disc.len() > 0 {
			st.ep = append(st.ep, st.disc.pop())
		}
		sc.ix.searchLayer(st, sc.l, sc.q, layerSearch{ef: sc.ef, lc: 0, skipDeleted: sc.skipDeleted, discard: true, resume: true})
		sc.batches++
		sc.setBatch()
	}
}

// first runs the greedy descent and the first layer-0 batch.
func (sc *scanner) first() bool {
	ix, st, l := sc.ix, sc.st, sc.l
	epID, epLevel, ok := ix.entryPoint()
	if !ok {
		return false
	}
	st.ep = append(st.ep[:0], item{ix.distTo(st, l, sc.q, epID), epID})
	st.dists++
	ix.descend(st, l, sc.q, epLevel, 0, false)
	st.newEpoch()
	ix.searchLayer(st, l, sc.q, layerSearch{ef: sc.ef, lc: 0, skipDeleted: sc.skipDeleted, discard: sc.mode != IterativeOff})
	sc.batches++
	sc.setBatch()
	return true
}

// setBatch turns W into the next batch, nearest first.
func (sc *scanner) setBatch() {
	w := sc.st.drainW()
	sc.batch = sc.batch[:0]
	for i := len(w) - 1; i >= 0; i-- {
		sc.batch = append(sc.batch, w[i])
	}
	sc.pos = 0
}
