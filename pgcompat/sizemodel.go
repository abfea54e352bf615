package pgcompat

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Page layout of an HNSW index (8 kB blocks, MAXALIGN 8).
const (
	// BlockSize is PostgreSQL's BLCKSZ.
	BlockSize = 8192
	// pageHeaderSize is SizeOfPageHeaderData.
	pageHeaderSize = 24
	// hnswSpecialSize is MAXALIGN(sizeof(HnswPageOpaqueData)).
	hnswSpecialSize = 8
	// itemIDSize is sizeof(ItemIdData), one line pointer.
	itemIDSize = 4
	// hnswMaxSize is HNSW_MAX_SIZE: the largest tuple that fits on an empty page.
	hnswMaxSize = BlockSize - pageHeaderSize - hnswSpecialSize - itemIDSize
	// elementTupleHeader is offsetof(HnswElementTupleData, data): type,
	// level, deleted, version, 10 heap TIDs, the neighbour TID and padding.
	elementTupleHeader = 72
	// neighborTupleHeader is offsetof(HnswNeighborTupleData, indextids).
	neighborTupleHeader = 4
	// itemPointerSize is sizeof(ItemPointerData).
	itemPointerSize = 6
)

func maxAlign8(n int) int { return (n + 7) &^ 7 }

// VectorValueSize is the stored size in bytes of a vector(dims) value.
func VectorValueSize(dims int) int { return 8 + 4*dims }

// HalfVecValueSize is the stored size in bytes of a halfvec(dims) value.
func HalfVecValueSize(dims int) int { return 8 + 2*dims }

// BitValueSize is the stored size in bytes of a bit(length) value.
func BitValueSize(length int) int { return 8 + (length+7)/8 }

// SparseVecValueSize is the stored size in bytes of a sparsevec with nnz
// non-zero elements (after normalisation, for the cosine class).
func SparseVecValueSize(nnz int) int { return 16 + 8*nnz }

// ElementTupleSize is the size of an HNSW element tuple holding a value of
// valueSize bytes: MAXALIGN(72 + valueSize).
func ElementTupleSize(valueSize int) int { return maxAlign8(elementTupleHeader + valueSize) }

// NeighborTupleSize is the size of the neighbour tuple of an element of the
// given level: slots for m neighbours on each upper layer and 2m on layer 0,
// always allocated in full: MAXALIGN(4 + 6·(level+2)·m).
func NeighborTupleSize(level, m int) int {
	return maxAlign8(neighborTupleHeader + itemPointerSize*(level+2)*m)
}

// MaxLevel is the highest level pgvector gives an element for m:
// min(⌊⌊8152/6⌋/m⌋ − 2, 63).
func MaxLevel(m int) int {
	if m < 1 {
		return 0
	}
	return min((BlockSize-pageHeaderSize-hnswSpecialSize-neighborTupleHeader-itemIDSize)/itemPointerSize/m-2, 63)
}

// SizeSpec describes an index whose on-disk size IndexSize computes
// exactly.
type SizeSpec struct {
	// M is the index's m.
	M int
	// ValueSize is the stored size of every value (see VectorValueSize and
	// friends). ValueSizes, if set, gives one size per element instead
	// (sparse vectors), in insertion order.
	ValueSize  int
	ValueSizes []int
	// Levels are the elements' levels in insertion order (heap order for a
	// serial build). Duplicates merged into an earlier element are not
	// elements and must be left out.
	Levels []int
	// InMemory is how many elements (the first ones) the build held in
	// memory before writing pages. The rest are inserted one by one on disk.
	// Use len(Levels) (or AllInMemory) for a build that fits in
	// maintenance_work_mem, 0 for an index created empty and then filled by
	// INSERT, and BuildMemory's FlushAfter for a build that overflows.
	InMemory int
}

// AllInMemory is a SizeSpec.InMemory value meaning every element.
const AllInMemory = -1

// Size is the size of an index.
type Size struct {
	Pages int   // blocks, including the metapage
	Bytes int64 // Pages × 8192, what pg_relation_size reports
}

// hnswPage is the free-space state of one index page.
type hnswPage struct {
	lower, upper int
}

func newHNSWPage() hnswPage {
	return hnswPage{lower: pageHeaderSize, upper: BlockSize - hnswSpecialSize}
}

// free is PageGetFreeSpace.
func (p hnswPage) free() int { return max(p.upper-p.lower-itemIDSize, 0) }

func (p *hnswPage) add(size int) {
	p.lower += itemIDSize
	p.upper -= size
}

// IndexSize computes the exact number of pages an HNSW index occupies
// after a serial build, by replaying how pgvector places tuples (spec §6):
// the elements built in memory are written newest first, each element tuple
// followed by its neighbour tuple on the same page when both fit; the rest
// are inserted on disk, each placed on the first page from the metapage's
// insert page with room for both. Parallel builds are not deterministic and
// are not modelled.
func IndexSize(spec SizeSpec) (Size, error) {
	if spec.M < MinM || spec.M > MaxM {
		return Size{}, fmt.Errorf("pgcompat: m = %d out of range %d..%d", spec.M, MinM, MaxM)
	}
	n := len(spec.Levels)
	if spec.ValueSizes != nil && len(spec.ValueSizes) != n {
		return Size{}, fmt.Errorf("pgcompat: %d value sizes for %d levels", len(spec.ValueSizes), n)
	}
	maxLevel := MaxLevel(spec.M)
	valueSize := func(i int) int {
		if spec.ValueSizes != nil {
			return spec.ValueSizes[i]
		}
		return spec.ValueSize
	}
	for i, l := range spec.Levels {
		if l < 0 || l > maxLevel {
			return Size{}, fmt.Errorf("pgcompat: level %d of element %d out of range 0..%d", l, i, maxLevel)
		}
		if vs := valueSize(i); vs < 0 || ElementTupleSize(vs) > BlockSize {
			return Size{}, newError(ProgramLimitExceeded, "index tuple too large")
		}
	}
	inMem := spec.InMemory
	if inMem < 0 || inMem > n {
		inMem = n
	}
	pages := placeInMemory(spec.M, spec.Levels[:inMem], valueSize)
	insertPage := len(pages) - 1
	for i := inMem; i < n; i++ {
		insertPage = placeOnDisk(&pages, insertPage, ElementTupleSize(valueSize(i)), NeighborTupleSize(spec.Levels[i], spec.M), NeighborTupleSize(0, spec.M))
	}
	total := 1 + len(pages)
	return Size{Pages: total, Bytes: int64(total) * BlockSize}, nil
}

// placeInMemory replays CreateGraphPages for the elements built in memory,
// in reverse insertion order. It returns the graph pages (block 1 onwards).
func placeInMemory(m int, levels []int, valueSize func(int) int) []hnswPage {
	pages := []hnswPage{newHNSWPage()}
	cur := &pages[0]
	for i := len(levels) - 1; i >= 0; i-- {
		etup := ElementTupleSize(valueSize(i))
		ntup := NeighborTupleSize(levels[i], m)
		comb := etup + ntup + itemIDSize
		if cur.free() < etup || comb <= hnswMaxSize && cur.free() < comb {
			pages = append(pages, newHNSWPage())
			cur = &pages[len(pages)-1]
		}
		cur.add(etup)
		if cur.free() < ntup {
			pages = append(pages, newHNSWPage())
			cur = &pages[len(pages)-1]
		}
		cur.add(ntup)
	}
	return pages
}

// placeOnDisk replays AddElementOnDisk for one element, starting at the
// insert page (an index into pages), and returns the new insert page.
func placeOnDisk(pages *[]hnswPage, insertPage, etup, ntup, ntup0 int) int {
	comb := etup + ntup + itemIDSize
	minComb := etup + ntup0 + itemIDSize
	newInsert := -1
	cur := insertPage
	var elemPage, nbrPage int
	for {
		p := &(*pages)[cur]
		if newInsert < 0 && p.free() >= minComb {
			newInsert = cur
		}
		if p.free() >= comb {
			elemPage, nbrPage = cur, cur
			break
		}
		last := cur == len(*pages)-1
		if comb > hnswMaxSize && p.free() >= etup && last {
			*pages = append(*pages, newHNSWPage())
			elemPage, nbrPage = cur, len(*pages)-1
			break
		}
		if !last {
			cur++
			continue
		}
		*pages = append(*pages, newHNSWPage())
		elemPage = len(*pages) - 1
		nbrPage = elemPage
		if (*pages)[elemPage].free() < comb {
			*pages = append(*pages, newHNSWPage())
			nbrPage = len(*pages) - 1
		}
		break
	}
	if newInsert < 0 {
		newInsert = nbrPage
	}
	(*pages)[elemPage].add(etup)
	(*pages)[nbrPage].add(ntup)
	return newInsert
}

// LevelSource draws element levels as pgvector does: ⌊−ln(U)·mL⌋ with
// mL = 1/ln(m) and U uniform in (0, 1], capped at MaxLevel(m). It is seeded,
// so a model run is reproducible; the real server's levels come from its
// own unseeded generator, so only their distribution can be matched.
type LevelSource struct {
	rng      *rand.Rand
	ml       float64
	maxLevel int
}

// NewLevelSource returns a level source for m (at least 2; smaller values
// are taken as 2) seeded with seed.
func NewLevelSource(m int, seed uint64) *LevelSource {
	m = max(m, MinM)
	return &LevelSource{
		rng:      rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		ml:       1 / math.Log(float64(m)),
		maxLevel: MaxLevel(m),
	}
}

// Next returns the next level.
func (s *LevelSource) Next() int {
	u := 1 - s.rng.Float64() // (0, 1]
	l := int(-math.Log(u) * s.ml)
	return min(l, s.maxLevel)
}

// Levels returns the next n levels.
func (s *LevelSource) Levels(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = s.Next()
	}
	return out
}

// EstimateSpec describes an index of N elements whose levels are not known.
type EstimateSpec struct {
	N         int
	M         int
	ValueSize int
	// InMemory is as in SizeSpec (AllInMemory for a build that fits).
	InMemory int
	// Runs is the number of Monte Carlo simulations (default 100).
	Runs int
	// Seed seeds the level generator.
	Seed uint64
}

// SizeEstimate summarises the index size over random level draws.
type SizeEstimate struct {
	MeanPages   float64
	StdDevPages float64
	MinPages    int
	MaxPages    int
	// P05Pages and P95Pages are the 5th and 95th percentiles.
	P05Pages  int
	P95Pages  int
	MeanBytes float64
	Runs      int
	// Level0Pages is the level-0-only estimate 1 + ⌈N/k⌉, k elements per
	// page, which ignores upper layers.
	Level0Pages int
}

// ExpectedIndexSize estimates the size of an index of N elements by
// simulating IndexSize over Runs independent draws of pgvector's level
// distribution. The spread is small: upper layers add a few pages.
func ExpectedIndexSize(ctx context.Context, spec EstimateSpec) (SizeEstimate, error) {
	if spec.N < 0 {
		return SizeEstimate{}, errors.New("pgcompat: negative N")
	}
	runs := spec.Runs
	if runs <= 0 {
		runs = 100
	}
	src := NewLevelSource(max(spec.M, 2), spec.Seed)
	pages := make([]int, 0, runs)
	var sum, sumSq float64
	for r := 0; r < runs; r++ {
		if err := ctx.Err(); err != nil {
			return SizeEstimate{}, err
		}
		s, err := IndexSize(SizeSpec{M: spec.M, ValueSize: spec.ValueSize, Levels: src.Levels(spec.N), InMemory: spec.InMemory})
		if err != nil {
			return SizeEstimate{}, err
		}
		pages = append(pages, s.Pages)
		sum += float64(s.Pages)
		sumSq += float64(s.Pages) * float64(s.Pages)
	}
	slices.Sort(pages)
	mean := sum / float64(runs)
	variance := 0.0
	if runs > 1 {
		variance = max((sumSq-sum*mean)/float64(runs-1), 0)
	}
	per := BlockSize - pageHeaderSize - hnswSpecialSize
	k := per / (ElementTupleSize(spec.ValueSize) + NeighborTupleSize(0, spec.M) + 2*itemIDSize)
	l0 := 2
	if k > 0 && spec.N > 0 {
		l0 = 1 + (spec.N+k-1)/k
	} else if k == 0 {
		l0 = 1 + 2*spec.N
	}
	return SizeEstimate{
		MeanPages:   mean,
		StdDevPages: math.Sqrt(variance),
		MinPages:    pages[0],
		MaxPages:    pages[len(pages)-1],
		P05Pages:    pages[int(0.05*float64(runs-1)+0.5)],
		P95Pages:    pages[int(0.95*float64(runs-1)+0.5)],
		MeanBytes:   mean * BlockSize,
		Runs:        runs,
		Level0Pages: l0,
	}, nil
}
