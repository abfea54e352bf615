package hnsw

import "sync/atomic"

// distCache remembers, while a batch build runs, the distance from each node
// to each of its layer-0 neighbours, slot by slot.
//
// A back-link to a full list runs the neighbour-selection heuristic over the
// list plus the newcomer, which needs the owner's distance to every member.
// Recomputing them is a quarter of a Fashion-MNIST build (the members'
// vectors come from memory, not cache); pgvector's in-memory build keeps
// them in its neighbour arrays instead. The cache costs 4·2·M bytes per node,
// so it lives only while AddBatch runs (see acquireDistCache) and the
// resident index stays as small as before.
//
// Distances are the graph distances the index computed when it stored the
// link: d(new node, neighbour) for the new node's own list, d(neighbour, new
// node) for a back-link. With the default kernels, whose vector loads are
// aligned on the stored vector, both orders give the same bits whenever a
// stored vector's size is a multiple of 64 bytes; otherwise they may differ
// in the last bit, which only matters between near-equal distances.
//
// Concurrency: a node's entries are written and read only under its lock (or
// before the node is published); the valid bits are updated atomically
// because neighbouring nodes share a word. The cache itself is installed and
// removed only with mutMu held exclusively, and every reader or writer holds
// mutMu shared, so it cannot change under an insert or a Vacuum.
type distCache struct {
	lm    int       // slots per node (2·M)
	n     uint32    // ids below n are covered
	d     []float32 // n·lm distances
	valid []uint32  // bit per node: every non-empty slot's distance is set
}

func newDistCache(n uint32, lm int) *distCache {
	return &distCache{lm: lm, n: n, d: make([]float32, int(n)*lm), valid: make([]uint32, (n+31)/32)}
}

// entries returns node id's slots of distances, or nil when id is not
// covered.
func (c *distCache) entries(id uint32) []float32 {
	if c == nil || id >= c.n {
		return nil
	}
	o := int(id) * c.lm
	return c.d[o : o+c.lm : o+c.lm]
}

func (c *distCache) isValid(id uint32) bool {
	return atomic.LoadUint32(&c.valid[id>>5])&(1<<(id&31)) != 0
}

func (c *distCache) setValid(id uint32, ok bool) {
	if ok {
		atomic.OrUint32(&c.valid[id>>5], 1<<(id&31))
	} else {
		atomic.AndUint32(&c.valid[id>>5], ^uint32(1<<(id&31)))
	}
}

// cached returns node id's distances when all of them are known, else nil.
func (c *distCache) cached(id uint32) []float32 {
	e := c.entries(id)
	if e == nil || !c.isValid(id) {
		return nil
	}
	return e
}

// storeList records the distances of a list just written from sel.
func (c *distCache) storeList(id uint32, sel []item) {
	e := c.entries(id)
	if e == nil {
		return
	}
	for i := range min(len(sel), len(e)) {
		e[i] = sel[i].d
	}
	c.setValid(id, true)
}

// storeDists records the distances of a full list, in slot order.
func (c *distCache) storeDists(id uint32, d []float32) {
	e := c.entries(id)
	if e == nil {
		return
	}
	copy(e, d)
	c.setValid(id, true)
}

// storeSlot records the distance of the link just written to one slot. A
// valid node stays valid: its other slots are unchanged.
func (c *distCache) storeSlot(id uint32, slot int, d float32) {
	if e := c.entries(id); e != nil && slot < len(e) {
		e[slot] = d
	}
}

// invalidate forgets node id's distances, after its list was rewritten in a
// way the cache did not follow.
func (c *distCache) invalidate(id uint32) {
	if c != nil && id < c.n {
		c.setValid(id, false)
	}
}

// invalidateAll forgets every distance (the graph was replaced).
func (c *distCache) invalidateAll() {
	if c != nil {
		for i := range c.valid {
			atomic.StoreUint32(&c.valid[i], 0)
		}
	}
}

// acquireDistCache installs (or widens) the cache so that it covers ids
// below n, for a batch build; each call must be paired with
// releaseDistCache.
func (ix *Index) acquireDistCache(n uint32) {
	ix.mutMu.Lock()
	defer ix.mutMu.Unlock()
	ix.dcacheRefs++
	if c := ix.dcache; c == nil || c.n < n {
		nc := newDistCache(n, ix.lm(0))
		if c != nil {
			copy(nc.d, c.d)
			copy(nc.valid, c.valid)
		}
		ix.dcache = nc
	}
}

// releaseDistCache drops the cache when the last batch build using it ends.
func (ix *Index) releaseDistCache() {
	ix.mutMu.Lock()
	defer ix.mutMu.Unlock()
	ix.dcacheRefs--
	if ix.dcacheRefs == 0 {
		ix.dcache = nil
	}
}
