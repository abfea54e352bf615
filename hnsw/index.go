package hnsw

import (
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
)

// lockStripes is the number of mutexes that guard neighbour-list writes; node
// id i uses stripe i mod lockStripes. Readers never lock: they load list
// words atomically.
const lockStripes = 1 << 12

// Index is a concurrent HNSW index of float32 vectors under uint64 keys.
//
// All methods are safe for concurrent use: any mix of Add, AddBatch, Search,
// Delete, Vacuum, Stats and WriteTo/SaveFile may run at once from many
// goroutines. The exception is ReadFrom, which replaces the whole index.
type Index struct {
	cfg        Config
	dim        int
	m, m0      int
	linkStride int     // 1 + 2·M words per layer-0 record
	recLines   uintptr // cache lines a layer-0 record may span
	maxLevel   int
	ml         float64
	kern       kernelKind
	// noCloserCache disables the back-link closer cache (tests compare the
	// graphs built with and without it).
	noCloserCache bool
	negate        bool // the kernel computes a·b; the graph wants −a·b

	lay atomic.Pointer[layout]

	// allocMu guards id and upper-block allocation and growth.
	allocMu   sync.Mutex
	hi        uint32   // ids [0, hi) have been handed out
	freeIDs   []uint32 // slots freed by Vacuum, reused first
	freeSet   []uint64 // bitmap of freeIDs, for Vacuum and WriteTo
	upperNext uint32
	upperFree map[int][]uint32 // level → first blocks freed by Vacuum

	// entry packs the entry point: (level+1)<<32 | id, or 0 when empty.
	// entryMu serialises the inserts that may raise it, and Vacuum.
	entry   atomic.Uint64
	entryMu sync.Mutex

	// keyMu guards the key table and the merged-key maps.
	keyMu        sync.RWMutex
	keys         keyTable
	pending      map[uint64]struct{} // keys of inserts in flight
	extraKeys    map[uint32][]uint64 // merged node → its keys after the first
	extraKeyNode map[uint64]uint32   // key after the first → its node

	// mutMu: Add, Delete and Vacuum hold it shared; WriteTo holds it
	// exclusively to see a consistent index while searches go on.
	mutMu sync.RWMutex
	// reclaimMu: searches and inserts hold it shared; Vacuum holds it
	// exclusively for the moment it frees slots, so no reader still holds
	// a freed id when the slot is reused.
	reclaimMu sync.RWMutex
	vacuumMu  sync.Mutex

	// dcache holds layer-0 link distances while AddBatch runs; it and
	// dcacheRefs change only with mutMu held exclusively (distcache.go).
	dcache     *distCache
	dcacheRefs int

	locks [lockStripes]sync.Mutex

	rngMu sync.Mutex
	pcg   *rand.PCG // the level generator's state (saved with the index)
	rng   *rand.Rand

	pool sync.Pool

	nKeys       atomic.Int64 // keys in the index
	nNodes      atomic.Int64 // live nodes
	nDeleted    atomic.Int64 // tombstoned nodes awaiting Vacuum
	levelCounts [maxLevels + 1]atomic.Int64
	distEvals   atomic.Uint64
	searches    atomic.Uint64
	vacuumGen   atomic.Uint64 // bumped whenever Vacuum frees slots

	bytesSegments atomic.Int64
	bytesUpper    atomic.Int64
	bytesKeys     atomic.Int64
}

// New returns an empty index configured by cfg. Zero fields take their
// defaults; an out-of-range field gives a *ConfigError.
func New(cfg Config) (*Index, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	ix := newIndex(cfg)
	if cfg.Capacity > 0 {
		ix.allocMu.Lock()
		err := ix.growLocked(0, cfg.Capacity)
		ix.allocMu.Unlock()
		if err != nil {
			return nil, err
		}
	}
	return ix, nil
}

// newIndex builds the index value for a validated config.
func newIndex(cfg Config) *Index {
	ix := &Index{
		cfg:          cfg,
		dim:          cfg.Dim,
		m:            cfg.M,
		m0:           2 * cfg.M,
		linkStride:   1 + 2*cfg.M,
		recLines:     uintptr((4*(1+2*cfg.M)+63)/64 + 1),
		maxLevel:     MaxLevel(cfg.M),
		ml:           levelMultiplier(cfg.M),
		upperFree:    map[int][]uint32{},
		pending:      map[uint64]struct{}{},
		extraKeys:    map[uint32][]uint64{},
		extraKeyNode: map[uint64]uint32{},
		pcg:          rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15),
	}
	ix.rng = rand.New(ix.pcg)
	ix.kern, ix.negate = chooseKernel(cfg)
	ix.lay.Store(&layout{latest: &ix.lay})
	ix.pool.New = func() any { return new(searchState) }
	return ix
}

// Config returns the index's configuration with defaults filled in.
func (ix *Index) Config() Config { return ix.cfg }

// Dim returns the vector dimension.
func (ix *Index) Dim() int { return ix.dim }

// Len returns the number of keys in the index.
func (ix *Index) Len() int { return int(ix.nKeys.Load()) }

// lm returns the capacity of a layer's lists: 2·M on layer 0, M above.
func (ix *Index) lm(lc int) int {
	if lc == 0 {
		return ix.m0
	}
	return ix.m
}

// lock returns the stripe that guards node id's neighbour lists.
func (ix *Index) lock(id uint32) *sync.Mutex { return &ix.locks[id&(lockStripes-1)] }

// entryPoint returns the entry node and its level; ok is false when empty.
func (ix *Index) entryPoint() (id uint32, level int, ok bool) {
	e := ix.entry.Load()
	if e == 0 {
		return 0, -1, false
	}
	return uint32(e), int(e>>32) - 1, true
}

// setEntry publishes a new entry point; level −1 empties the graph.
func (ix *Index) setEntry(id uint32, level int) {
	if level < 0 {
		ix.entry.Store(0)
		return
	}
	ix.entry.Store(uint64(level+1)<<32 | uint64(id))
}

// drawLevel returns the level of the next inserted node.
func (ix *Index) drawLevel(key uint64) (int, error) {
	if ix.cfg.LevelSource != nil {
		l := ix.cfg.LevelSource.Level(key)
		if l < 0 || l > ix.maxLevel {
			return 0, &ConfigError{Field: "LevelSource.Level", Value: l, Range: rangeString(0, ix.maxLevel)}
		}
		return l, nil
	}
	ix.rngMu.Lock()
	u := ix.rng.Float64()
	ix.rngMu.Unlock()
	return levelFor(u, ix.ml, ix.maxLevel), nil
}

// levelFor maps a uniform u ∈ [0,1) to ⌊−ln(u)·mL⌋, capped.
func levelFor(u, ml float64, maxLevel int) int {
	if u <= 0 {
		return maxLevel
	}
	l := -math.Log(u) * ml
	if l >= float64(maxLevel) {
		return maxLevel
	}
	return int(l)
}

// isDeleted reports whether node id is a tombstone (or a free slot).
func (ix *Index) isDeleted(l *layout, id uint32) bool {
	return ix.headerOf(l, id)&flagDeleted != 0
}

// levelOf returns node id's level.
func (ix *Index) levelOf(l *layout, id uint32) int { return headerLevel(ix.headerOf(l, id)) }
