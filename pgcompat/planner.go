package pgcompat

import (
	"errors"
	"fmt"
	"math"
)

// PlanSpec describes a k-nearest-neighbour query,
//
//	SELECT … FROM t ORDER BY embedding <-> $1 LIMIT k
//
// on a table with an HNSW index, for Plan. Table statistics are what
// pg_class holds right after CREATE INDEX on a loaded table (or after
// ANALYZE). The index's own tuple count does not enter: for an index without
// a WHERE clause the planner takes the table's row estimate as the index's
// (so rows an index skips, NULLs and zero vectors under cosine, still count).
type PlanSpec struct {
	// Settings supplies hnsw.ef_search and the planner's cost settings;
	// nil means the defaults.
	Settings *Settings
	// Rows is the table's row count (reltuples).
	Rows float64
	// HeapPages is the table's size in pages (relpages); see
	// EstimateHeapPages. TOAST pages are not part of it.
	HeapPages float64
	// IndexPages is the index size in pages, metapage included (IndexSize).
	IndexPages float64
	// M is the index's m.
	M int
	// Limit is k; 0 means no LIMIT.
	Limit int
	// Width is the estimated width in bytes of a row the sort keeps (the
	// selected columns plus the float8 distance); 0 means 12 (an int4 id and
	// the distance).
	Width int
}

// PathCost is the cost of one plan, in the planner's units, as EXPLAIN
// shows it (cost=Startup..Total).
type PathCost struct {
	Startup float64
	Total   float64
}

// Explain is the planner's view of a k-NN query: the cost of both plans and
// the one it picks.
type Explain struct {
	// IndexScan is the Index Scan using the HNSW index (ordered by the
	// index), and SeqScanSort the Seq Scan with a Sort above it (top-N
	// heapsort under a LIMIT). Both exclude the Limit node.
	IndexScan   PathCost
	SeqScanSort PathCost
	// IndexLimit and SortLimit are the Limit nodes over each plan (equal
	// to the plans' costs without a LIMIT).
	IndexLimit PathCost
	SortLimit  PathCost
	// UseIndex reports whether PostgreSQL plans an Index Scan.
	UseIndex bool
	// Ratio is pgvector's estimate of the fraction of the index a scan
	// visits before the first row.
	Ratio float64
}

// Plan estimates both plans for a k-NN query with PostgreSQL 18's cost
// model and pgvector's hnswcostestimate (spec §7.1) and reports which one
// the planner chooses. It covers a single table with no WHERE clause, no
// parallelism and default page costs per tablespace.
func Plan(spec PlanSpec) (Explain, error) {
	s := spec.Settings
	if s == nil {
		d := DefaultSettings(Linux64)
		s = &d
	}
	if spec.M < MinM || spec.M > MaxM {
		return Explain{}, fmt.Errorf("pgcompat: m = %d out of range %d..%d", spec.M, MinM, MaxM)
	}
	if spec.Rows < 0 || spec.HeapPages < 0 || spec.IndexPages < 0 || spec.Limit < 0 {
		return Explain{}, errors.New("pgcompat: negative table statistics")
	}
	ef := float64(s.EfSearch)
	if ef < 1 {
		return Explain{}, errors.New("pgcompat: hnsw.ef_search must be at least 1")
	}
	rows := clampRowEst(spec.Rows)
	// IndexOptInfo.tuples is the table's estimate for a non-partial index.
	T := spec.Rows
	P := spec.IndexPages
	rpc, spc := s.RandomPageCost, s.SeqPageCost
	opCost := s.CPUOperatorCost
	// The distance expression is evaluated once per row by the scan's
	// target list, whichever plan.
	distCost := opCost

	// genericcostestimate: no index quals, one ORDER BY operator.
	nIdx := math.Min(spec.Rows, T)
	nIdx = math.Max(math.RoundToEven(nIdx), 1)
	var idxPages float64
	if P > 1 && T > 1 {
		idxPages = math.Ceil(nIdx * P / T)
	} else {
		idxPages = 1
	}
	idxTotal := idxPages*rpc + nIdx*(s.CPUIndexTupleCost+opCost)

	// hnswcostestimate.
	m := float64(spec.M)
	ratio := 1.0
	if T > 0 {
		entryLevel := math.Trunc(math.Log(T) / math.Log(m))
		layer0Max := 2 * m * ef
		sel := 0.55 * math.Log(T) / (math.Log(m) * (1 + math.Log(ef)))
		ratio = math.Min((entryLevel*m+layer0Max*sel)/T, 1)
	}
	idxStartup := idxTotal * ratio
	if sp := idxPages * ratio; sp > spec.HeapPages && ratio < 0.5 {
		idxStartup -= sp * (rpc - spc)
		idxStartup -= (sp - spec.HeapPages) * spc
	}

	// cost_index: heap fetches with correlation 0 (Mackert-Lohman).
	fetched := indexPagesFetched(rows, spec.HeapPages, P, spec.HeapPages, float64(s.EffectiveCacheSize))
	idx := PathCost{Startup: idxStartup}
	idx.Total = idxStartup + (idxTotal - idxStartup) + fetched*rpc + s.CPUTupleCost*rows + distCost*rows

	// cost_seqscan + cost_sort.
	seqTotal := spc*spec.HeapPages + (s.CPUTupleCost+distCost)*rows
	width := spec.Width
	if width <= 0 {
		width = 12
	}
	sortStartup, sortRun := costTuplesort(s, rows, width, float64(spec.Limit))
	sort := PathCost{Startup: seqTotal + sortStartup}
	sort.Total = sort.Startup + sortRun

	ex := Explain{IndexScan: idx, SeqScanSort: sort, Ratio: ratio}
	ex.IndexLimit, ex.SortLimit = idx, sort
	if spec.Limit > 0 {
		ex.IndexLimit = limitCost(idx, rows, float64(spec.Limit))
		ex.SortLimit = limitCost(sort, rows, float64(spec.Limit))
	}
	ex.UseIndex = choosePath(s, ex, spec.Limit > 0)
	return ex, nil
}

// choosePath reproduces how the planner keeps and picks paths. add_path
// first compares the two ordered paths (Index Scan; Seq Scan + Sort) with a
// 1% fuzz, considering startup cost when there is a LIMIT: a path worse on
// both counts is dropped, and when the totals are within 1% the better
// startup wins. The survivors get their Limit node and are compared the same
// way; the cheapest remaining total wins. Disabled plans (enable_* = off)
// lose to enabled ones first.
func choosePath(s *Settings, ex Explain, hasLimit bool) bool {
	idxDisabled := !s.EnableIndexScan
	sortDisabled := !s.EnableSeqScan || !s.EnableSort
	if idxDisabled != sortDisabled {
		return sortDisabled
	}
	// With a LIMIT the planner's tuple fraction is positive, and paths
	// are compared on startup cost as well.
	consider := hasLimit
	keepIdx, keepSort := survivors(ex.IndexScan, ex.SeqScanSort, consider)
	if keepIdx && keepSort {
		keepIdx, keepSort = survivors(ex.IndexLimit, ex.SortLimit, consider)
	}
	switch {
	case keepIdx && !keepSort:
		return true
	case keepSort && !keepIdx:
		return false
	}
	return ex.IndexLimit.Total < ex.SortLimit.Total
}

// survivors is add_path's verdict on two paths with the same ordering and
// row count: which of them it keeps.
func survivors(a, b PathCost, considerStartup bool) (keepA, keepB bool) {
	switch compareCostsFuzzily(a, b, 1.01, considerStartup) {
	case 1:
		return true, false
	case 2:
		return false, true
	case 0:
		// Fuzzily equal: keep one, by a near-exact comparison.
		if compareCostsFuzzily(a, b, 1.0000000001, considerStartup) == 2 {
			return false, true
		}
		return true, false
	}
	return true, true
}

// compareCostsFuzzily is compare_path_costs_fuzzily: 1 if a is better, 2
// if b is, 0 if they are the same, −1 if each is better on one count.
func compareCostsFuzzily(a, b PathCost, fuzz float64, considerStartup bool) int {
	if a.Total > b.Total*fuzz {
		if considerStartup && b.Startup > a.Startup*fuzz {
			return -1
		}
		return 2
	}
	if b.Total > a.Total*fuzz {
		if considerStartup && a.Startup > b.Startup*fuzz {
			return -1
		}
		return 1
	}
	if a.Startup > b.Startup*fuzz {
		return 2
	}
	if b.Startup > a.Startup*fuzz {
		return 1
	}
	return 0
}

// limitCost is the Limit node over a path returning rows rows.
func limitCost(p PathCost, rows, k float64) PathCost {
	out := p
	if rows > k {
		out.Total = p.Startup + (p.Total-p.Startup)*k/rows
	}
	return out
}

// clampRowEst is clamp_row_est.
func clampRowEst(n float64) float64 {
	if n <= 1 {
		return 1
	}
	return math.RoundToEven(n)
}

// indexPagesFetched is PostgreSQL's Mackert-Lohman estimate of the heap
// pages fetched for tuples random accesses.
func indexPagesFetched(tuples, pages, indexPages, totalTablePages, effectiveCacheSize float64) float64 {
	T := 1.0
	if pages > 1 {
		T = pages
	}
	total := math.Max(totalTablePages+indexPages, 1)
	b := effectiveCacheSize * T / total
	if b <= 1 {
		b = 1
	} else {
		b = math.Ceil(b)
	}
	if T <= b {
		f := 2 * T * tuples / (2*T + tuples)
		if f >= T {
			return T
		}
		return math.Ceil(f)
	}
	lim := 2 * T * b / (2*T - b)
	var f float64
	if tuples <= lim {
		f = 2 * T * tuples / (2*T + tuples)
	} else {
		f = b + (tuples-lim)*(T-b)/T
	}
	return math.Ceil(f)
}

// costTuplesort is cost_tuplesort: the sort's startup and run costs.
func costTuplesort(s *Settings, tuples float64, width int, limit float64) (startup, run float64) {
	tupleBytes := float64(maxAlign8(width) + maxAlign8(23))
	inputBytes := tuples * tupleBytes
	memBytes := float64(s.WorkMem) * 1024
	if tuples < 2 {
		tuples = 2
	}
	cmp := 2 * s.CPUOperatorCost
	outTuples, outBytes := tuples, inputBytes
	if limit > 0 && limit < tuples {
		outTuples = limit
		outBytes = limit * tupleBytes
	}
	switch {
	case outBytes > memBytes:
		npages := math.Ceil(inputBytes / BlockSize)
		nruns := inputBytes / memBytes
		mergeOrder := tuplesortMergeOrder(memBytes)
		logRuns := 1.0
		if nruns > mergeOrder {
			logRuns = math.Ceil(math.Log(nruns) / math.Log(mergeOrder))
		}
		startup = cmp*tuples*math.Log2(tuples) + 2*npages*logRuns*(s.SeqPageCost*0.75+s.RandomPageCost*0.25)
	case tuples > 2*outTuples || inputBytes > memBytes:
		startup = cmp * tuples * math.Log2(2*outTuples)
	default:
		startup = cmp * tuples * math.Log2(tuples)
	}
	return startup, s.CPUOperatorCost * tuples
}

// tuplesortMergeOrder is tuplesort_merge_order.
func tuplesortMergeOrder(memBytes float64) float64 {
	const tapeBufferOverhead = BlockSize
	const mergeBufferSize = BlockSize * 32
	order := math.Floor((memBytes - tapeBufferOverhead) / (mergeBufferSize + tapeBufferOverhead))
	return math.Min(math.Max(order, 6), 500)
}

// EstimateHeapPages estimates the pages holding a table's rows: rows rows
// of tupleData bytes of user data each (columns laid out with their
// alignment, see VectorRowData), packed at fillfactor 100. A table loaded by
// COPY is larger on disk until VACUUM truncates it, because COPY extends the
// heap ahead of need (by up to 64 pages at a time); pass pg_class.relpages
// to Plan when it is known.
func EstimateHeapPages(rows float64, tupleData int) float64 {
	if rows <= 0 {
		return 0
	}
	tuple := maxAlign8(23+0) + tupleData // heap tuple header, no NULLs
	perTuple := maxAlign8(tuple) + itemIDSize
	perPage := (BlockSize - pageHeaderSize) / perTuple
	perPage = min(perPage, 291) // MaxHeapTuplesPerPage
	return math.Ceil(rows / float64(perPage))
}

// toastThreshold is TOAST_TUPLE_THRESHOLD for 8 kB pages.
const toastThreshold = 2032

// VectorRowData returns the bytes of user data of a row holding an integer
// key of keyBytes (4 for integer, 8 for bigint) followed by one pgvector
// value of valueSize bytes (VectorValueSize, …), as PostgreSQL stores it:
// a short 1-byte varlena header when the value is under 127 bytes, and a
// TOAST pointer when the row would exceed the 2032-byte threshold (the
// vector types use external storage, so they are moved out of line
// uncompressed).
func VectorRowData(keyBytes, valueSize int) int {
	if valueSize-4+1 <= 127 {
		return keyBytes + valueSize - 3
	}
	aligned := (keyBytes + 3) &^ 3
	if maxAlign8(23)+aligned+valueSize > toastThreshold {
		return keyBytes + 18 // varatt_external behind a 2-byte header
	}
	return aligned + valueSize
}
