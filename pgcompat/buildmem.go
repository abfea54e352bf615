package pgcompat

import (
	"errors"
	"fmt"
	"strconv"
)

// A serial HNSW build keeps the graph in a PostgreSQL generation memory
// context with 1 MiB blocks. Before each new element it compares the memory
// the context has taken from the system with maintenance_work_mem; once it
// is reached the graph is written out and the remaining rows are inserted
// one by one on disk, which is much slower. This file replays that
// allocator: the sizes of pgvector's structures and of the allocator's
// headers depend on the pointer size, hence Platform.

const (
	generationBlockSize = 1 << 20 // the graph context's block size
	chunkHeaderSize     = 8       // sizeof(MemoryChunk)
	// allocChunkLimit is the largest chunk carved out of a shared block;
	// bigger ones get a dedicated block (1 MiB blocks give 64 kB).
	allocChunkLimit = 64 << 10
)

// generationSizes are the sizes, on a platform, of what the allocator and
// pgvector's in-memory graph use.
type generationSizes struct {
	contextHeader int // MAXALIGN(sizeof(GenerationContext))
	blockHeader   int // MAXALIGN(sizeof(GenerationBlock))
	element       int // sizeof(HnswElementData)
	pointer       int // sizeof(HnswNeighborArrayPtr)
	candidate     int // sizeof(HnswCandidate)
	arrayHeader   int // offsetof(HnswNeighborArray, items)
}

func (p Platform) generationSizes() generationSizes {
	if p.pointerSize() == 4 {
		return generationSizes{contextHeader: 80, blockHeader: 32, element: 108, pointer: 4, candidate: 12, arrayHeader: 8}
	}
	return generationSizes{contextHeader: 128, blockHeader: 56, element: 128, pointer: 8, candidate: 16, arrayHeader: 8}
}

// generationContext tracks what MemoryContextMemAllocated reports.
type generationContext struct {
	sz        generationSizes
	allocated int // bytes taken from the system, blocks included whole
	free      int // bytes left in the current block
}

func newGenerationContext(sz generationSizes) *generationContext {
	// The first (keeper) block is allocated with the context header.
	first := generationBlockSize - sz.contextHeader
	return &generationContext{sz: sz, allocated: first, free: first - sz.blockHeader}
}

func (g *generationContext) alloc(size int) {
	chunk := maxAlign8(size)
	need := chunk + chunkHeaderSize
	if chunk > allocChunkLimit {
		g.allocated += need + g.sz.blockHeader
		return
	}
	if g.free < need {
		g.allocated += generationBlockSize
		g.free = generationBlockSize - g.sz.blockHeader
	}
	g.free -= need
}

// elementAllocs performs the allocations pgvector makes for one element of
// the given level and value size, in its order.
func (g *generationContext) element(level, m, valueSize int) {
	sz := g.sz
	g.alloc(sz.element)
	g.alloc(sz.pointer * (level + 1))
	for lc := 0; lc <= level; lc++ {
		lm := m
		if lc == 0 {
			lm = 2 * m
		}
		g.alloc(sz.arrayHeader + sz.candidate*lm)
	}
	g.alloc(valueSize)
}

// BuildMemorySpec describes a serial build for BuildMemory.
type BuildMemorySpec struct {
	Platform Platform
	// MaintenanceWorkMem is maintenance_work_mem in kB.
	MaintenanceWorkMem int
	M                  int
	// ValueSize is the stored size of each value; ValueSizes, if set, one per
	// element.
	ValueSize  int
	ValueSizes []int
	// Levels are the levels of the indexed rows in heap order (every row the
	// index stores, duplicates included).
	Levels []int
}

// BuildMemoryResult is the outcome of BuildMemory.
type BuildMemoryResult struct {
	// Fits is true when the whole build stayed in memory.
	Fits bool
	// FlushAfter is the number of tuples built in memory before the flush
	// (all of them when Fits): the N of the NOTICE, and the InMemory of
	// SizeSpec.
	FlushAfter int
	// MemoryUsed is the graph memory in bytes when the build finished or
	// flushed.
	MemoryUsed int64
	// Notice is the NOTICE PostgreSQL prints at the flush, or nil.
	Notice *Notice
	// MinMaintenanceWorkMem is the smallest maintenance_work_mem in kB at
	// which this build would fit (never below 64, the setting's minimum).
	MinMaintenanceWorkMem int
}

// FlushNotice is the NOTICE pgvector sends when the graph stops fitting in
// maintenance_work_mem after n tuples.
func FlushNotice(n int) Notice {
	return Notice{
		Message: "hnsw graph no longer fits into maintenance_work_mem after " + strconv.Itoa(n) + " tuples",
		Detail:  "Building will take significantly more time.",
		Hint:    "Increase maintenance_work_mem to speed up builds.",
	}
}

// BuildMemory replays the memory accounting of a serial in-memory build
// (spec §5.10) and reports whether, and after how many tuples, it overflows
// maintenance_work_mem.
func BuildMemory(spec BuildMemorySpec) (BuildMemoryResult, error) {
	if spec.M < MinM || spec.M > MaxM {
		return BuildMemoryResult{}, fmt.Errorf("pgcompat: m = %d out of range %d..%d", spec.M, MinM, MaxM)
	}
	if spec.MaintenanceWorkMem < 1 {
		return BuildMemoryResult{}, errors.New("pgcompat: maintenance_work_mem must be positive")
	}
	if spec.ValueSizes != nil && len(spec.ValueSizes) != len(spec.Levels) {
		return BuildMemoryResult{}, fmt.Errorf("pgcompat: %d value sizes for %d levels", len(spec.ValueSizes), len(spec.Levels))
	}
	total := int64(spec.MaintenanceWorkMem) * 1024
	g := newGenerationContext(spec.Platform.generationSizes())
	used := int64(0) // graph->memoryUsed is updated on allocation only
	var res BuildMemoryResult
	res.Fits = true
	res.FlushAfter = len(spec.Levels)
	var usedBeforeLast int64
	for i, l := range spec.Levels {
		if i == len(spec.Levels)-1 {
			usedBeforeLast = used
		}
		if res.Fits && used >= total {
			res.Fits = false
			res.FlushAfter = i
			res.MemoryUsed = used
			n := FlushNotice(i)
			res.Notice = &n
		}
		vs := spec.ValueSize
		if spec.ValueSizes != nil {
			vs = spec.ValueSizes[i]
		}
		g.element(l, spec.M, vs)
		used = int64(g.allocated)
	}
	if res.Fits {
		res.MemoryUsed = used
	}
	// The build fits iff maintenance_work_mem·1024 > the memory in use at
	// the check before the last element.
	res.MinMaintenanceWorkMem = max(int(usedBeforeLast/1024)+1, 64)
	return res, nil
}
