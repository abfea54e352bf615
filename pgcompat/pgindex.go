package pgcompat

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/smallworld-go/smallworld/hnsw"
)

// Errors of the pgvector-mode index. Errors a PostgreSQL server would raise
// (a wrong number of dimensions, a sparsevec with too many non-zero
// elements, an invalid setting) are *Error values instead.
var (
	// ErrUnsupportedIndex: the operator class or column cannot be modelled
	// (a sparsevec or bit column wider than the graph supports, an unknown
	// operator class, FastDistance on a sparsevec or bit class).
	ErrUnsupportedIndex = errors.New("pgcompat: unsupported index")
	// ErrValueType: a value is not of the column's type.
	ErrValueType = errors.New("pgcompat: value of the wrong type")
	// ErrDuplicateTID: a heap row id is already in use (live, or deleted but
	// not yet vacuumed).
	ErrDuplicateTID = errors.New("pgcompat: heap row id already in use")
	// ErrNoSuchRow: Delete named a heap row id that is not in the table, or
	// one already deleted.
	ErrNoSuchRow = errors.New("pgcompat: no such heap row")
	// ErrInvalidTID: a heap row id with offset 0, which PostgreSQL never
	// hands out.
	ErrInvalidTID = errors.New("pgcompat: invalid heap row id")
	// ErrNotEmpty: Build was called on an index that already holds rows.
	ErrNotEmpty = errors.New("pgcompat: index is not empty")
)

// TID is a heap tuple identifier, PostgreSQL's ctid: a block number and a
// 1-based line pointer offset. The index stores TIDs, never row values.
type TID struct {
	Block  uint32
	Offset uint16
}

// String formats t as PostgreSQL prints a ctid, e.g. "(0,1)".
func (t TID) String() string {
	return "(" + strconv.FormatUint(uint64(t.Block), 10) + "," + strconv.FormatUint(uint64(t.Offset), 10) + ")"
}

// key is the TID as an hnsw key.
func (t TID) key() uint64 { return uint64(t.Block)<<16 | uint64(t.Offset) }

func tidOfKey(k uint64) TID { return TID{Block: uint32(k >> 16), Offset: uint16(k)} }

// IndexSpec describes a pgvector HNSW index: CREATE INDEX … USING hnsw
// (column opclass) WITH (m = …, ef_construction = …) on a column of type
// opclass.Type(Dims).
type IndexSpec struct {
	// OpClass is the operator class (see LookupOpClass). Required.
	OpClass OpClass
	// Dims is the column's type modifier: the n of vector(n), halfvec(n),
	// sparsevec(n) or bit(n). Required.
	Dims int
	// Options are the index options; zero fields take pgvector's defaults
	// (m = 16, ef_construction = 64).
	Options HNSWOptions
	// Levels, when set, decides each element's level: it is called once
	// for every row that reaches the graph (also rows then merged into a
	// duplicate, as pgvector draws a level for each), in insertion order,
	// and must return 0..MaxLevel(m). It injects the levels read from a
	// real index's pages. When nil, levels are drawn as pgvector draws
	// them, ⌊−ln(U)/ln(m)⌋ capped at MaxLevel(m), from a generator seeded
	// with Seed (a real server's levels come from an unseeded generator,
	// so only their distribution can match).
	Levels func(tid TID) int
	// Seed seeds the default level generator.
	Seed uint64
	// FastDistance computes graph distances with smallworld's SIMD kernels
	// instead of pgvector's sequential float32 sums (vector and halfvec
	// only). It is several times faster, but distances may differ from
	// pgvector's in the last bits, so the graph can differ where two
	// candidates are nearly tied.
	FastDistance bool
}

// Index is a pgvector 0.8.7 HNSW index: an hnsw.Index configured as pgvector
// builds and searches its graph, plus what only the database has: the heap
// rows (their ids, which are deleted, which were never indexed), the
// operator class's treatment of values, duplicate merging into one element
// of up to 10 heap TIDs, the executor's LIMIT, WHERE and row visibility,
// iterative scans, VACUUM, and a model of the index pages, which decides
// the order in which VACUUM repairs the graph and where new elements go.
//
// Given the same rows in the same order and the same levels, it builds the
// same graph as pgvector (every neighbour list in stored order, the entry
// point, and every element at the same page position), a scan returns the
// same rows in the same order with bit-identical distances, and VACUUM and
// later inserts leave the same graph, deleted slots and insert page. The
// conformance tests check this against pgvector 0.8.7 (PGlite). Known
// divergences:
//
//   - Exact distance ties: pgvector orders equal distances by the internals
//     of its pairing heaps (and, when sorting a full list, by memory
//     address); the graph's heaps order them otherwise. Where two
//     candidates tie, lists can differ, and the difference spreads to later
//     inserts. Bit strings under Hamming distance tie constantly.
//   - bit_jaccard_ops: pgvector's search compares Jaccard distances as
//     doubles, the graph as float32, so near-ties can resolve differently.
//   - Duplicates are found by comparing values numerically, pgvector
//     compares their bytes: rows that differ only in the sign of a zero
//     component are merged here, not by pgvector.
//   - The memory limit of iterative scans (work_mem ×
//     hnsw.scan_mem_multiplier) is a model of PostgreSQL's allocator, not a
//     replay: when the visited set's hash table grows depends on the hashes
//     of the index TIDs visited, so a scan can stop exploring a batch or a
//     few batches earlier or later than pgvector's.
//   - A NULL query returns the entry point and the elements nearest it in
//     the graph; pgvector's choice and order among these all-equal distances
//     is that of its heaps.
//   - Builds are serial: a parallel build's graph depends on timing and is
//     not reproducible. ALTER INDEX … SET (ef_construction) is not modelled.
//   - Levels: pgvector draws them from its backend's unseeded generator, so
//     only their distribution can match (or pass the real ones in
//     IndexSpec.Levels, read from the index pages).
//   - sparsevec and bit values are stored densely (16 bits per component for
//     bit), which is exact but costs time and memory proportional to the
//     column's dimensions, at most hnsw.MaxDim graph components.
//   - If a Vacuum is cancelled, the elements it was deleting stay in the
//     graph as tombstones until the next Vacuum, and searches meanwhile do
//     not count them towards ef, which pgvector's scans do.
//
// All methods are safe for concurrent use.
type Index struct {
	mu    sync.RWMutex
	spec  IndexSpec
	oc    OpClass
	opts  HNSWOptions
	codec valueCodec
	g     *hnsw.Index

	levelSrc  *LevelSource
	lastLevel int // the level the graph drew for the insert in progress

	// rows is the heap: every row inserted and not yet vacuumed away.
	rows map[uint64]rowState
	// orig holds the row values of normalising operator classes, whose
	// stored values are not the rows' values; the executor recomputes
	// distances from rows.
	orig map[uint64]any
	// elems maps graph nodes to their elements.
	elems map[hnsw.NodeID]*element
	// order lists live elements in insertion order.
	order []*element
	seq   uint64

	pages *pageModel
	// buildList collects the elements of an in-memory build until they are
	// written to pages.
	buildList []*element
	inMemory  bool

	stats indexCounters
}

// rowState is a heap row's state.
type rowState uint8

const (
	rowIndexed  rowState = 1 << iota // the index holds the row's TID
	rowDead                          // deleted, awaiting VACUUM
	rowUnlinked                      // dead and already removed from its element
)

// element is one graph element: a node of the graph with the heap TIDs it
// stands for, and where pgvector's pages hold it.
type element struct {
	node      hnsw.NodeID
	level     int
	tids      []TID // heap TIDs in slot order
	valueSize int
	seq       uint64 // insertion sequence

	placed    bool   // written to a page
	blk, nblk uint32 // element and neighbour tuple blocks
	off, noff uint16 // and offsets
	deleted   bool   // a slot freed by VACUUM
	version   uint8
}

// indexCounters are the index's running totals.
type indexCounters struct {
	merged int // rows merged into an existing element
}

// NewIndex returns an empty index, as CREATE INDEX on an empty table leaves
// it: a metapage and one empty graph page. Fill it with Build (a CREATE
// INDEX over existing rows) or Insert (rows inserted afterwards). The
// column and options are checked as CREATE INDEX checks them.
func NewIndex(spec IndexSpec) (*Index, error) {
	oc := spec.OpClass
	if _, ok := LookupOpClass(oc.Name); !ok {
		return nil, fmt.Errorf("%w: operator class %q", ErrUnsupportedIndex, oc.Name)
	}
	opts := spec.Options
	if opts.M == 0 {
		opts.M = DefaultM
	}
	if opts.EfConstruction == 0 {
		opts.EfConstruction = DefaultEfConstruction
	}
	if err := checkOptionBounds(opts); err != nil {
		return nil, err
	}
	if err := CheckBuildColumn(oc, Column{Type: oc.Type, Typmod: spec.Dims}, opts); err != nil {
		return nil, err
	}
	if spec.Dims < 1 {
		return nil, newError(InvalidParameterValue, "dimensions for type "+oc.Type+" must be at least 1")
	}
	codec, err := newValueCodec(oc, spec.Dims)
	if err != nil {
		return nil, err
	}
	ix := &Index{
		spec:  spec,
		oc:    oc,
		opts:  opts,
		codec: codec,
		rows:  map[uint64]rowState{},
		orig:  map[uint64]any{},
		elems: map[hnsw.NodeID]*element{},
		pages: newPageModel(opts.M),
	}
	if spec.Levels == nil {
		ix.levelSrc = NewLevelSource(opts.M, spec.Seed)
	}
	if err := ix.newGraph(); err != nil {
		return nil, err
	}
	return ix, nil
}

// checkOptionBounds checks options set directly (not parsed from a WITH
// list) against pgvector's ranges, with the reloption parser's messages.
func checkOptionBounds(o HNSWOptions) error {
	check := func(name string, v, lo, hi int) error {
		if v >= lo && v <= hi {
			return nil
		}
		e := newError(InvalidParameterValue, fmt.Sprintf("value %d out of bounds for option \"%s\"", v, name))
		e.Detail = fmt.Sprintf("Valid values are between \"%d\" and \"%d\".", lo, hi)
		return e
	}
	if err := check("m", o.M, MinM, MaxM); err != nil {
		return err
	}
	return check("ef_construction", o.EfConstruction, MinEfConstruction, MaxEfConstruction)
}

// newGraph gives the index a new, empty graph.
func (ix *Index) newGraph() error {
	metric, storage, dist, err := ix.codec.graphConfig(ix.spec.FastDistance)
	if err != nil {
		return err
	}
	g, err := hnsw.New(hnsw.Config{
		Dim:             ix.codec.width,
		M:               ix.opts.M,
		EfConstruction:  ix.opts.EfConstruction,
		Metric:          metric,
		Storage:         storage,
		Heuristic:       hnsw.HeuristicKeepPruned,
		LevelSource:     hnsw.LevelFunc(ix.drawLevel),
		MergeDuplicates: true,
		MaxKeysPerNode:  hnswHeapTIDs,
		Distance:        dist,
	})
	if err != nil {
		return fmt.Errorf("pgcompat: configuring the graph: %w", err)
	}
	ix.g = g
	return nil
}

// hnswHeapTIDs is HNSW_HEAPTIDS, the most heap TIDs one element holds.
const hnswHeapTIDs = 10

// drawLevel is the graph's level source. It is called with the index's
// write lock held, once per row that reaches the graph.
func (ix *Index) drawLevel(key uint64) int {
	l := 0
	if ix.spec.Levels != nil {
		l = ix.spec.Levels(tidOfKey(key))
	} else {
		l = ix.levelSrc.Next()
	}
	ix.lastLevel = l
	return l
}

// Spec returns the specification the index was created with.
func (ix *Index) Spec() IndexSpec { return ix.spec }

// Options returns the index options with defaults filled in.
func (ix *Index) Options() HNSWOptions { return ix.opts }

// Insert adds a heap row to the table and, if the operator class indexes
// it, to the index, as an INSERT into an indexed table does: the graph
// logic of pgvector's on-disk insert, with the new element placed on the
// pages as AddElementOnDisk places it. v is a value of the column's type
// (Vector, HalfVec, SparseVec or Bit; []float32 for the float types), or
// nil for NULL. NULL rows, and zero vectors under a cosine class, are added
// to the table but not to the index.
func (ix *Index) Insert(tid TID, v any) error {
	col, err := ix.prepareRow(tid, v)
	if err != nil {
		return err
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if _, ok := ix.rows[tid.key()]; ok {
		return fmt.Errorf("%w: %s", ErrDuplicateTID, tid)
	}
	_, err = ix.insertLocked(tid, col)
	return err
}

// prepareRow checks a row's id and converts its value to the column type.
func (ix *Index) prepareRow(tid TID, v any) (any, error) {
	if tid.Offset == 0 {
		return nil, fmt.Errorf("%w: %s", ErrInvalidTID, tid)
	}
	col, err := ix.codec.column(v)
	if err != nil {
		return nil, err
	}
	if col != nil {
		if _, _, err := ix.oc.IndexValue(col); err != nil {
			return nil, err
		}
	}
	return col, nil
}

// insertLocked adds a checked row. It returns the element the row joined,
// or nil when the row is not indexed.
func (ix *Index) insertLocked(tid TID, col any) (*element, error) {
	stored, indexed, err := ix.oc.IndexValue(col)
	if err != nil {
		return nil, err
	}
	key := tid.key()
	if !indexed {
		ix.rows[key] = 0
		return nil, nil
	}
	vec := ix.codec.encode(make([]float32, 0, ix.codec.width), stored)
	if err := ix.g.Add(key, vec); err != nil {
		return nil, fmt.Errorf("pgcompat: inserting %s: %w", tid, err)
	}
	ix.rows[key] = rowIndexed
	if ix.oc.Normalize {
		ix.orig[key] = col
	}
	id, _ := ix.g.NodeOf(key)
	if e, ok := ix.elems[id]; ok {
		// Merged into an existing element: pgvector appends the TID.
		e.tids = append(e.tids, tid)
		ix.stats.merged++
		return e, nil
	}
	ix.seq++
	e := &element{
		node:      id,
		level:     ix.lastLevel,
		tids:      []TID{tid},
		valueSize: ix.codec.valueSize(stored),
		seq:       ix.seq,
		version:   1,
	}
	ix.elems[id] = e
	ix.order = append(ix.order, e)
	if ix.inMemory {
		ix.buildList = append(ix.buildList, e)
	} else {
		ix.pages.insert(e)
	}
	return e, nil
}

// Row is a heap row for Build.
type Row struct {
	TID   TID
	Value any // the column value; nil for NULL
}

// BuildResult describes a build.
type BuildResult struct {
	// Rows is the number of rows read.
	Rows int
	// Indexed is the number of rows the index holds (NULLs and, under a
	// cosine class, zero vectors are not indexed): what
	// pg_stat_progress_create_index reports as tuples_done.
	Indexed int
	// Elements is the number of graph elements: Indexed less the rows
	// merged into an element holding an identical value.
	Elements int
	// InMemory is the number of indexed rows built in memory before the
	// graph stopped fitting in maintenance_work_mem (Indexed when it fit);
	// the rest were inserted on disk.
	InMemory int
	// Notice is the NOTICE PostgreSQL prints when the graph stops fitting,
	// or nil.
	Notice *Notice
	// DistanceEvaluations counts the graph distances the build computed.
	DistanceEvaluations uint64
}

// Build fills an empty index with rows, as CREATE INDEX on a table
// holding them does with a serial build: rows in the given (heap) order go
// into an in-memory graph until it no longer fits in s.MaintenanceWorkMem
// (the memory of s.Platform's structures, see BuildMemory), then the graph
// is written to pages newest first and the remaining rows are inserted on
// disk. Every row is checked before any is inserted, so an error leaves the
// index empty. The context is checked between rows.
func (ix *Index) Build(ctx context.Context, rows []Row, s Settings) (BuildResult, error) {
	cols := make([]any, len(rows))
	seen := make(map[uint64]bool, len(rows))
	for i, r := range rows {
		col, err := ix.prepareRow(r.TID, r.Value)
		if err != nil {
			return BuildResult{}, fmt.Errorf("row %d %s: %w", i, r.TID, err)
		}
		if seen[r.TID.key()] {
			return BuildResult{}, fmt.Errorf("row %d: %w: %s", i, ErrDuplicateTID, r.TID)
		}
		seen[r.TID.key()] = true
		cols[i] = col
	}
	if s.MaintenanceWorkMem < 1 {
		return BuildResult{}, newError(InvalidParameterValue, fmt.Sprintf("%d is outside the valid range for parameter \"maintenance_work_mem\" (1024 .. %d)", s.MaintenanceWorkMem, s.Platform.MaxKilobytes()))
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if len(ix.rows) > 0 {
		return BuildResult{}, ErrNotEmpty
	}
	res := BuildResult{Rows: len(rows)}
	evals := ix.g.Stats().DistanceEvaluations
	total := int64(s.MaintenanceWorkMem) * 1024
	mem := newGenerationContext(s.Platform.generationSizes())
	used := int64(0)
	ix.inMemory = true
	ix.buildList = ix.buildList[:0]
	flushed := false
	flush := func() {
		ix.pages.writeBuild(ix.buildList)
		ix.buildList = nil
		ix.inMemory = false
		flushed = true
	}
	var err error
	for i, col := range cols {
		if i&255 == 0 {
			if err = ctx.Err(); err != nil {
				break
			}
		}
		if col == nil {
			ix.rows[rows[i].TID.key()] = 0
			continue
		}
		if _, indexed, _ := ix.oc.IndexValue(col); !indexed {
			ix.rows[rows[i].TID.key()] = 0
			continue
		}
		if !flushed && used >= total {
			n := FlushNotice(res.Indexed)
			res.Notice = &n
			res.InMemory = res.Indexed
			flush()
		}
		e, ierr := ix.insertLocked(rows[i].TID, col)
		if ierr != nil {
			err = ierr
			break
		}
		res.Indexed++
		if !flushed {
			// Every tuple of the in-memory phase allocates an element,
			// merged duplicates included.
			mem.element(ix.lastLevel, ix.opts.M, e.valueSize)
			used = int64(mem.allocated)
		}
	}
	if err != nil {
		ix.resetLocked()
		return BuildResult{}, err
	}
	if !flushed {
		res.InMemory = res.Indexed
		flush()
	}
	res.Elements = len(ix.order)
	res.DistanceEvaluations = ix.g.Stats().DistanceEvaluations - evals
	return res, nil
}

// resetLocked empties the index after a failed build.
func (ix *Index) resetLocked() {
	if ix.newGraph() != nil {
		return
	}
	if ix.spec.Levels == nil {
		ix.levelSrc = NewLevelSource(ix.opts.M, ix.spec.Seed)
	}
	ix.rows = map[uint64]rowState{}
	ix.orig = map[uint64]any{}
	ix.elems = map[hnsw.NodeID]*element{}
	ix.order = nil
	ix.seq = 0
	ix.pages = newPageModel(ix.opts.M)
	ix.buildList = nil
	ix.inMemory = false
	ix.stats = indexCounters{}
}

// Len returns the number of heap TIDs the index holds (dead rows not yet
// vacuumed included): the index's reltuples after a build.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	n := 0
	for _, st := range ix.rows {
		if st&rowIndexed != 0 && st&rowUnlinked == 0 {
			n++
		}
	}
	return n
}

// Levels returns the levels of the graph's elements in insertion order
// (rows merged into another element are not elements), as SizeSpec.Levels
// wants them.
func (ix *Index) Levels() []int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	out := make([]int, len(ix.order))
	for i, e := range ix.order {
		out[i] = e.level
	}
	return out
}

// Size returns the index's size on disk, from its page model.
func (ix *Index) Size() Size {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	n := ix.pages.blocks()
	return Size{Pages: n, Bytes: int64(n) * BlockSize}
}

// Delete deletes a heap row, as DELETE does: the row disappears from scan
// results at once (the executor skips dead rows), but the index keeps its
// TID, and the row still counts towards the hnsw.ef_search row cap, until
// Vacuum.
func (ix *Index) Delete(tid TID) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	st, ok := ix.rows[tid.key()]
	if !ok || st&rowDead != 0 {
		return fmt.Errorf("%w: %s", ErrNoSuchRow, tid)
	}
	ix.rows[tid.key()] = st | rowDead
	return nil
}
