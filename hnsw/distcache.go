package hnsw

import (
	"math"
	"sync/atomic"
)

// The layer-0 distance cache remembers, beside each slot of a node's layer-0
// list, the graph distance between the node and the neighbour in that slot.
// A back-link onto a full list needs every member's distance to the list's
// owner; without the cache each such back-link recomputes 2·M distances,
// which was the largest single cost of a build. A cached value is the very
// float the batch kernel would return (the kernels are symmetric in their
// two vectors, so d(new, n) found by the insert's search is d(n, new)), so
// the heuristic, and the graph, are unchanged.
//
// A word holds the complement of the distance's bits, so that a zero word
// (fresh memory, or one cleared by a rewrite that knows no distance) reads
// as NaN: unknown, to be computed. Custom distance functions need not be
// symmetric, so they get no cache.

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

// cacheItems records the distances of sel in slot order and forgets the
// rest, after storeItems(slots, sel) on the same list.
func cacheItems(c []uint32, sel []item) {
	for i := range c {
		w := uint32(0)
		if i < len(sel) {
			w = ^math.Float32bits(sel[i].d)
		}
		atomic.StoreUint32(&c[i], w)
	}
}

// forgetDists clears a cache after a rewrite of its list.
func forgetDists(c []uint32) {
	for i := range c {
		atomic.StoreUint32(&c[i], 0)
	}
}
