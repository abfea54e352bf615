package pgcompat

import (
	"math/bits"

	"github.com/smallworld-go/smallworld/hnsw"
)

// An iterative scan stops exploring once its memory context holds more than
// work_mem × hnsw.scan_mem_multiplier kB (+256 bytes). PostgreSQL measures
// that memory as the blocks an AllocSet context (8 kB first block, blocks
// doubling up to 256 kB) has taken from the system. This file models the
// allocations pgvector's scan makes, batch by batch, through a model of
// that allocator with its power-of-two size classes and free lists:
//
//   - per element visited on layer 0: an element struct and a search
//     candidate (in iterative mode every visited element is loaded);
//   - per layer search: two pairing heaps and the array of unvisited
//     neighbours; the visited set's hash table (created once per layer,
//     doubling at 90% load); the result list;
//   - per resumed batch: the list of entry points taken from the discarded
//     candidates;
//   - on 32-bit builds (PGlite), where float8 is passed by reference, an
//     8-byte result per distance computed;
//   - freed: each element and its candidate once all its heap TIDs have
//     been returned, and the batch's list once empty.
//
// Two things are estimated rather than replayed: the elements loaded on the
// upper layers (two per layer), and when the visited set's hash table
// grows. simplehash grows at 90% load, or earlier when an insert probes
// more than 25 buckets or would shift more than 150 entries, which depends
// on the hashes of the index TIDs visited and their order; the model grows
// at 90%. The scan conformance test compares the model with PGlite: most
// memory-limited scans stop after the same batch, the others one or a few
// batches apart (the float8 results, which a first version left out, were
// worth about 16 bytes per visited element).

// allocSetSizes are the sizes, on a platform, of what the scan allocates.
type allocSetSizes struct {
	contextHeader int // MAXALIGN(sizeof(AllocSetContext))
	blockHeader   int // ALLOC_BLOCKHDRSZ
	element       int // sizeof(HnswElementData)
	candidate     int // sizeof(HnswSearchCandidate)
	heap          int // sizeof(pairingheap)
	hashHeader    int // sizeof(tidhash_hash)
	listHeader    int // offsetof(List, initial_elements)
	listCell      int // sizeof(ListCell)
	unvisited     int // sizeof(HnswUnvisited)
	hashEntry     int // sizeof(TidHashEntry)
	// float8ByRef is true where a float8 is passed by reference (32-bit
	// builds up to PostgreSQL 18): every distance the support function
	// returns is then a palloc'd 8-byte value, never freed during the scan.
	float8ByRef bool
}

func (p Platform) allocSetSizes() allocSetSizes {
	if p.pointerSize() == 4 {
		return allocSetSizes{contextHeader: 120, blockHeader: 24, element: 108, candidate: 40, heap: 12,
			hashHeader: 32, listHeader: 16, listCell: 4, unvisited: 8, hashEntry: 8, float8ByRef: true}
	}
	return allocSetSizes{contextHeader: 216, blockHeader: 40, element: 128, candidate: 64, heap: 24,
		hashHeader: 48, listHeader: 24, listCell: 8, unvisited: 8, hashEntry: 8}
}

const (
	allocSetInitBlock  = 8 << 10   // the scan context's initial block size
	allocSetMaxBlock   = 256 << 10 // and its largest block
	allocSetChunkLimit = 8 << 10   // larger requests get a block of their own
	allocSetMinClass   = 3         // the smallest chunk is 8 bytes
	allocSetClasses    = 11        // 8 … 8192 bytes
)

// allocSet models what MemoryContextMemAllocated reports for an AllocSet.
type allocSet struct {
	allocated int
	blockFree int
	nextBlock int
	freeList  [allocSetClasses]int
	hdr       int
}

func newAllocSet(sz allocSetSizes) *allocSet {
	return &allocSet{
		allocated: allocSetInitBlock,
		blockFree: allocSetInitBlock - sz.contextHeader - sz.blockHeader,
		nextBlock: allocSetInitBlock,
		hdr:       sz.blockHeader,
	}
}

// sizeClass returns the free-list index of a request.
func sizeClass(size int) int {
	if size <= 1<<allocSetMinClass {
		return 0
	}
	return bits.Len(uint(size-1)) - allocSetMinClass
}

// alloc allocates size bytes and returns its class, or −size for a
// dedicated block.
func (a *allocSet) alloc(size int) int {
	if size > allocSetChunkLimit {
		a.allocated += maxAlign8(size) + a.hdr + chunkHeaderSize
		return -size
	}
	c := sizeClass(size)
	if a.freeList[c] > 0 {
		a.freeList[c]--
		return c
	}
	need := 1<<(c+allocSetMinClass) + chunkHeaderSize
	if a.blockFree < need {
		// The rest of the block is cut into free chunks.
		for a.blockFree >= 1<<allocSetMinClass+chunkHeaderSize {
			k := min(bits.Len(uint(a.blockFree-chunkHeaderSize))-1-allocSetMinClass, allocSetClasses-1)
			a.freeList[k]++
			a.blockFree -= 1<<(k+allocSetMinClass) + chunkHeaderSize
		}
		blk := a.nextBlock
		a.nextBlock = min(2*a.nextBlock, allocSetMaxBlock)
		for blk < need+a.hdr {
			blk *= 2
		}
		a.allocated += blk
		a.blockFree = blk - a.hdr
	}
	a.blockFree -= need
	return c
}

// free releases an allocation returned by alloc.
func (a *allocSet) free(c int) {
	if c < 0 {
		a.allocated -= maxAlign8(-c) + a.hdr + chunkHeaderSize
		return
	}
	a.freeList[c]++
}

// scanMemory follows one scan's allocations.
type scanMemory struct {
	sz       allocSetSizes
	a        *allocSet
	m        int
	ef       int
	limit    int // maxMemory in bytes
	started  bool
	visited  int // layer-0 elements accounted for
	dists    int // distance evaluations accounted for
	emitted  int // elements freed
	hashSize int // entries of the layer-0 visited hash
	hashData int // its allocation
	over     bool
}

func newScanMemory(s Settings, m, entryLevel int) *scanMemory {
	sz := s.Platform.allocSetSizes()
	sm := &scanMemory{
		sz:    sz,
		a:     newAllocSet(sz),
		m:     m,
		ef:    s.EfSearch,
		limit: int(float64(s.WorkMem)*s.ScanMemMultiplier*1024 + 256),
	}
	sm.begin(max(entryLevel, 0))
	return sm
}

// hashSizeFor is simplehash's table size for n expected elements.
func hashSizeFor(n int) int {
	size := max(int(float64(n)/0.9), 2)
	return 1 << bits.Len(uint(size-1))
}

// list models building a list of n pointers by lappend from NIL and returns
// what it holds.
func (sm *scanMemory) list(n int) []int {
	if n == 0 {
		return nil
	}
	sz := sm.sz
	inline := 1<<bits.Len(uint(max(1+(sz.listHeader+sz.listCell-1)/sz.listCell, 8)-1)) - (sz.listHeader+sz.listCell-1)/sz.listCell
	held := []int{sm.a.alloc(sz.listHeader + inline*sz.listCell)}
	if n > inline {
		cells := max(16, 1<<bits.Len(uint(n-1)))
		// The cells move out of the header into an array that doubles.
		for c := 16; c < cells; c *= 2 {
			sm.a.free(sm.a.alloc(c * sz.listCell))
		}
		held = append(held, sm.a.alloc(cells*sz.listCell))
	}
	return held
}

// layerSearch models the fixed allocations of one HnswSearchLayer call.
func (sm *scanMemory) layerSearch(lm int) {
	sm.a.alloc(sm.sz.heap)
	sm.a.alloc(sm.sz.heap)
	sm.a.alloc(lm * sm.sz.unvisited)
}

// begin models the scan up to its layer-0 search: the entry point, and a
// greedy search on each upper layer with its own visited hash.
func (sm *scanMemory) begin(entryLevel int) {
	sz, a := sm.sz, sm.a
	a.alloc(sz.element)
	a.alloc(sz.candidate)
	sm.list(1)
	for range entryLevel {
		sm.layerSearch(sm.m)
		a.alloc(sz.hashHeader)
		a.alloc(hashSizeFor(2*sm.m) * sz.hashEntry)
		for range 2 {
			a.alloc(sz.element)
			a.alloc(sz.candidate)
		}
		sm.list(1)
	}
	// Layer 0: heaps, unvisited array, the visited hash, the discarded heap.
	sm.layerSearch(2 * sm.m)
	a.alloc(sz.hashHeader)
	sm.hashSize = hashSizeFor(sm.ef * sm.m * 2)
	sm.hashData = a.alloc(sm.hashSize * sz.hashEntry)
	a.alloc(sz.heap)
	sm.visited = 1 // the entry point, already loaded
}

// visit models newly visited layer-0 elements: the visited hash grows as
// they are inserted, and each is loaded with a candidate.
func (sm *scanMemory) visit(total int) {
	sz, a := sm.sz, sm.a
	for sm.visited < total {
		if float64(sm.visited) >= float64(sm.hashSize)*0.9 {
			old := sm.hashData
			sm.hashSize *= 2
			sm.hashData = a.alloc(sm.hashSize * sz.hashEntry)
			a.free(old)
		}
		a.alloc(sz.element)
		a.alloc(sz.candidate)
		sm.visited++
	}
}

// exceeded is called when a batch has been returned, before the next
// would be searched; cur is the scan's cost so far and emitted the number
// of elements returned so far. It reports whether the memory limit stops
// the exploration.
func (sm *scanMemory) exceeded(cur hnsw.SearchStats, emitted int) bool {
	if sm.over {
		return true
	}
	batch := emitted - sm.emitted
	if sm.started {
		// The resumed batch's entry points came from the discarded heap.
		sm.list(min(sm.ef, batch))
		sm.layerSearch(2 * sm.m)
	}
	sm.started = true
	sm.visit(cur.Visited)
	if sm.sz.float8ByRef {
		for ; sm.dists < cur.DistanceEvaluations; sm.dists++ {
			sm.a.alloc(8)
		}
	}
	held := sm.list(batch)
	for range batch {
		sm.a.free(sizeClass(sm.sz.element))
		sm.a.free(sizeClass(sm.sz.candidate))
	}
	for _, c := range held {
		sm.a.free(c)
	}
	sm.emitted = emitted
	sm.over = sm.a.allocated > sm.limit
	return sm.over
}
