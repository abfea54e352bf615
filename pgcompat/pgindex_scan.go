package pgcompat

import (
	"fmt"
	"iter"
	"math"
	"strconv"

	"github.com/smallworld-go/smallworld/hnsw"
)

// ScanRow is one row an index scan returns to the query.
type ScanRow struct {
	// TID is the heap row.
	TID TID
	// Distance is the ORDER BY expression as the executor evaluates it on
	// the heap row: the operator applied to the row's value and the query
	// (<-> is a square root of the float32 sum, <=> uses the row as stored
	// in the table, not normalised). It is NaN when the query is NULL
	// (SQL NULL) or, under <=>, a zero vector.
	Distance float64
}

// ScanStats describes what a scan did.
type ScanStats struct {
	// Rows is the number of rows returned.
	Rows int
	// IndexTuples is the number of heap TIDs the index handed to the
	// executor, including those it then discarded.
	IndexTuples int
	// DeadTuples counts TIDs of deleted rows not yet vacuumed, which the
	// executor skips.
	DeadTuples int
	// FilteredTuples counts TIDs the WHERE condition rejected.
	FilteredTuples int
	// Visited is the number of elements the scan visited on layer 0, which
	// hnsw.max_scan_tuples bounds (pgvector counts elements, not rows).
	Visited int
	// DistanceEvaluations counts the graph distances the scan computed.
	DistanceEvaluations int
	// Batches counts the layer-0 searches: 1, plus one per iterative resume.
	Batches int
	// StoppedByTuples and StoppedByMemory tell which limit, if any, ended
	// an iterative scan's exploration: hnsw.max_scan_tuples, or work_mem ×
	// hnsw.scan_mem_multiplier (as modelled; see Index).
	StoppedByTuples bool
	StoppedByMemory bool
}

// Scan runs SELECT … ORDER BY column <op> q LIMIT limit through the index
// with the session settings s: hnsw.ef_search (which caps the rows when
// iterative scans are off), hnsw.iterative_scan, hnsw.max_scan_tuples,
// hnsw.scan_mem_multiplier and work_mem. limit < 0 means no LIMIT. q is a
// value of the column's type (or []float32 for the float types); nil is a
// NULL query. The rows come in the order the index returns them, which
// under relaxed_order need not be sorted by distance (pgvector does not
// re-sort them either).
func (ix *Index) Scan(q any, limit int, s Settings) ([]ScanRow, ScanStats, error) {
	return ix.ScanWhere(q, limit, s, nil)
}

// ScanWhere is Scan with a WHERE condition on other columns, applied as the
// executor applies it: to each row the index returns, after the index has
// chosen it. With iterative scans off, the rows come only from the
// ef_search nearest elements, so a selective condition leaves few.
func (ix *Index) ScanWhere(q any, limit int, s Settings, where func(TID) bool) ([]ScanRow, ScanStats, error) {
	var stats ScanStats
	var out []ScanRow
	if limit == 0 {
		return nil, stats, checkScanSettings(s)
	}
	for r, err := range ix.Rows(q, s, where, &stats) {
		if err != nil {
			return nil, stats, err
		}
		out = append(out, r)
		if limit > 0 && len(out) == limit {
			break
		}
	}
	return out, stats, nil
}

// Rows streams the rows of an index scan to the caller, who plays the part
// of the LIMIT node: each further row is searched for only when asked for,
// as pgvector's iterative scans search further batches only when the
// executor wants more rows. stats, when not nil, is kept up to date.
//
// The index is not locked while the loop body runs; Insert, Delete and
// Vacuum may run meanwhile (a scan that meets a Vacuum freeing elements
// ends early).
func (ix *Index) Rows(q any, s Settings, where func(TID) bool, stats *ScanStats) iter.Seq2[ScanRow, error] {
	return func(yield func(ScanRow, error) bool) {
		var local ScanStats
		if stats == nil {
			stats = &local
		}
		*stats = ScanStats{}
		if err := checkScanSettings(s); err != nil {
			yield(ScanRow{}, err)
			return
		}
		qcol, qvec, err := ix.prepareQuery(q)
		if err != nil {
			yield(ScanRow{}, err)
			return
		}
		if q == nil || qcol == nil {
			ix.nullQueryRows(s, where, stats, yield)
			return
		}
		mode := hnsw.IterativeOff
		switch s.IterativeScan {
		case RelaxedOrder:
			mode = hnsw.IterativeRelaxed
		case StrictOrder:
			mode = hnsw.IterativeStrict
		}
		opts := hnsw.SearchOptions{Ef: s.EfSearch, Iterative: mode, MaxScanTuples: s.MaxScanTuples}
		_, entryLevel, _ := ix.g.EntryPoint()
		mem := newScanMemory(s, ix.opts.M, entryLevel)
		var hs hnsw.SearchStats
		emitted := 0 // elements returned so far (freed by pgvector once done)
		lastNode := hnsw.NodeID(math.MaxUint32)
		ctl := hnsw.ScanControl{
			Stats: &hs,
			Explore: func(cur hnsw.SearchStats) bool {
				if mem.exceeded(cur, emitted) {
					stats.StoppedByMemory = true
					return false
				}
				return true
			},
		}
		sync := func() {
			stats.Visited = hs.Visited
			stats.DistanceEvaluations = hs.DistanceEvaluations
			stats.Batches = hs.Batches
			if mode != hnsw.IterativeOff && !stats.StoppedByMemory && hs.Visited >= s.MaxScanTuples {
				stats.StoppedByTuples = true
			}
		}
		defer sync()
		for r, err := range ix.g.SearchIterControl(qvec, opts, ctl) {
			if err != nil {
				yield(ScanRow{}, fmt.Errorf("pgcompat: index scan: %w", err))
				return
			}
			sync()
			stats.IndexTuples++
			row, keep, err := ix.executorRow(r.Key, qcol, where, stats, &lastNode, &emitted)
			if err != nil {
				yield(ScanRow{}, err)
				return
			}
			if !keep {
				continue
			}
			stats.Rows++
			if !yield(row, nil) {
				return
			}
		}
	}
}

// executorRow plays the executor's part for one heap TID from the index:
// the visibility check, the WHERE condition and the ORDER BY expression.
func (ix *Index) executorRow(key uint64, qcol any, where func(TID) bool, stats *ScanStats, lastNode *hnsw.NodeID, emitted *int) (ScanRow, bool, error) {
	tid := tidOfKey(key)
	ix.mu.RLock()
	st, ok := ix.rows[key]
	var orig any
	if ix.oc.Normalize {
		orig = ix.orig[key]
	}
	node, _ := ix.g.NodeOf(key)
	ix.mu.RUnlock()
	if node != *lastNode {
		*lastNode = node
		*emitted++
	}
	if !ok || st&rowDead != 0 {
		stats.DeadTuples++
		return ScanRow{}, false, nil
	}
	if where != nil && !where(tid) {
		stats.FilteredTuples++
		return ScanRow{}, false, nil
	}
	value := orig
	if value == nil {
		vec, err := ix.g.Vector(key, nil)
		if err != nil {
			// Vacuumed away while the loop body ran: the row is gone.
			stats.DeadTuples++
			return ScanRow{}, false, nil
		}
		if value, err = ix.codec.decode(vec); err != nil {
			return ScanRow{}, false, err
		}
	}
	d, err := ix.oc.Operator.Distance(value, qcol)
	if err != nil {
		return ScanRow{}, false, err
	}
	return ScanRow{TID: tid, Distance: d}, true, nil
}

// prepareQuery converts a query to the column type (checking its
// dimensions as the scan's coercion to the column type does: "expected N
// dimensions, not M") and forms the graph query: normalised under a cosine
// class, where a zero query stays zero and every distance is 0.
func (ix *Index) prepareQuery(q any) (qcol any, qvec []float32, err error) {
	qcol, err = ix.codec.column(q)
	if err != nil || qcol == nil {
		return nil, nil, err
	}
	qv, err := ix.oc.QueryValue(qcol)
	if err != nil {
		return nil, nil, err
	}
	return qcol, ix.codec.encode(make([]float32, 0, ix.codec.width), qv), nil
}

// checkScanSettings checks the settings a scan reads, with PostgreSQL's
// messages, since Settings fields may be assigned without checks.
func checkScanSettings(s Settings) error {
	if s.IterativeScan < IterativeScanOff || s.IterativeScan > StrictOrder {
		e := newError(InvalidParameterValue, "invalid value for parameter \"hnsw.iterative_scan\": \""+strconv.Itoa(int(s.IterativeScan))+"\"")
		e.Hint = "Available values: off, relaxed_order, strict_order."
		return e
	}
	for _, name := range []string{"hnsw.ef_search", "hnsw.max_scan_tuples", "hnsw.scan_mem_multiplier", "work_mem"} {
		v, err := s.Show(name)
		if err != nil {
			return err
		}
		probe := s
		if err := probe.Set(name, v); err != nil {
			return err
		}
	}
	return nil
}

// nullQueryRows answers a NULL ORDER BY argument. pgvector then computes
// every distance as 0, so the search never finds a closer element: it
// keeps the entry point and the first ef_search − 1 elements it meets, in
// the stored order of the lists it expands, and (with iterative scans)
// every other element it visits goes to the discarded candidates, which it
// returns once explored. Among equal distances pgvector's order is that of
// its pairing heaps, which no model reproduces; this returns the elements
// in breadth-first order from the entry point. Every distance is NULL
// (NaN here).
func (ix *Index) nullQueryRows(s Settings, where func(TID) bool, stats *ScanStats, yield func(ScanRow, error) bool) {
	ix.mu.RLock()
	ep, _, ok := ix.g.EntryPoint()
	if !ok {
		ix.mu.RUnlock()
		return
	}
	var order []hnsw.NodeID
	seen := map[hnsw.NodeID]bool{ep: true}
	queue := []hnsw.NodeID{ep}
	limit := s.EfSearch
	iterative := s.IterativeScan != IterativeScanOff
	for len(queue) > 0 && (iterative || len(order) < limit) {
		n := queue[0]
		queue = queue[1:]
		order = append(order, n)
		nbrs, err := ix.g.Neighbors(n, 0, nil)
		if err != nil {
			continue
		}
		for _, x := range nbrs {
			if !seen[x] {
				seen[x] = true
				queue = append(queue, x)
			}
		}
	}
	if !iterative && len(order) > limit {
		order = order[:limit]
	}
	var tids []TID
	for _, n := range order {
		if e, ok := ix.elems[n]; ok {
			for i := len(e.tids) - 1; i >= 0; i-- {
				tids = append(tids, e.tids[i])
			}
		}
	}
	stats.Visited = len(seen)
	stats.Batches = 1
	ix.mu.RUnlock()
	for _, tid := range tids {
		stats.IndexTuples++
		ix.mu.RLock()
		st, ok := ix.rows[tid.key()]
		ix.mu.RUnlock()
		if !ok || st&rowDead != 0 {
			stats.DeadTuples++
			continue
		}
		if where != nil && !where(tid) {
			stats.FilteredTuples++
			continue
		}
		stats.Rows++
		if !yield(ScanRow{TID: tid, Distance: math.NaN()}, nil) {
			return
		}
	}
}
