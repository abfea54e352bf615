package hnsw

import (
	"math"
	"sync/atomic"
)

// The layer-0 distance cache remembers, beside each slot of a node's layer-0
// list, the graph distance between the node and the neighbour in that slot.
// A back-link onto a full layer-0 list needs every member's distance to the
// list's owner; without the cache each such back-link recomputed 2·M
// distances, which was the largest single cost of a build. With it, a
// back-link computes only the distances of the slots rewritten since the
// last one (in a serial build, the one slot the last newcomer took).
//
// Only values computed with the owner's vector as the query are cached: the
// SIMD kernels are not bitwise symmetric in their two arguments for every
// dimension (the tail is summed in a different order), so d(new, n) as the
// newcomer's search found it need not be the float d(n, new) that a back-link
// computes. Every slot rewrite therefore clears the slot's word, and
// backCands fills it in; the heuristic then sees exactly the floats it saw
// before, and the graph is unchanged.
//
// A word holds the complement of the distance's bits, so that a zero word
// (fresh memory, or a cleared slot) reads as NaN: unknown. Custom distance
// functions may return NaN themselves, so they get no cache.

// distCache returns node id's layer-0 cache words, or nil when the index
// keeps none.
func (ix *Index) distCache(l *layout, id uint32) []uint32 {
	if ix.kern == kCustom {
		return nil
	}
	s := l.seg(id)
	lm := ix.linkStride - 1
	o := int(id-s.base) * lm
	return s.ldist[o : o+lm : o+lm]
}

// cacheDist records d as the distance in slot i of a cache (nil: none).
func cacheDist(c []uint32, i int, d float32) {
	if c != nil && i < len(c) {
		atomic.StoreUint32(&c[i], ^math.Float32bits(d))
	}
}

// cachedDist returns the distance recorded for slot i, and whether one is.
func cachedDist(c []uint32, i int) (float32, bool) {
	d := math.Float32frombits(^atomic.LoadUint32(&c[i]))
	return d, d == d
}

// cacheItemsExcept records the distances of sel in slot order, except for
// node skip's, and forgets the rest, after storeItems(slots, sel) on the same
// list.
func cacheItemsExcept(c []uint32, sel []item, skip uint32) {
	for i := range c {
		w := uint32(0)
		if i < len(sel) && sel[i].id != skip {
			w = ^math.Float32bits(sel[i].d)
		}
		atomic.StoreUint32(&c[i], w)
	}
}

// forgetDist clears slot i of a cache (nil: none) after a rewrite of the
// slot.
func forgetDist(c []uint32, i int) {
	if c != nil && i < len(c) {
		atomic.StoreUint32(&c[i], 0)
	}
}

// forgetDists clears a cache after a rewrite of its list.
func forgetDists(c []uint32) {
	for i := range c {
		atomic.StoreUint32(&c[i], 0)
	}
}
