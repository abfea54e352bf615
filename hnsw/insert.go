package hnsw

import (
	"sync/atomic"
)

// Add inserts vec under key. The vector is copied (normalised under Cosine,
// rounded under Float16 storage). Errors: *DimensionError, *NotFiniteError,
// ErrZeroVector (Cosine), ErrOverflow (Float16), *KeyError wrapping
// ErrKeyExists, a *ConfigError from an injected LevelSource, ErrIndexFull.
func (ix *Index) Add(key uint64, vec []float32) error {
	st := ix.getState(ix.lay.Load())
	defer ix.putState(st)
	if _, err := ix.prepareStored(st, vec); err != nil {
		return err
	}
	if err := ix.reserveKey(key); err != nil {
		return err
	}
	level, err := ix.drawLevel(key)
	if err != nil {
		ix.finishKey(key, 0, false, false)
		return err
	}
	return ix.addPrepared(st, key, level)
}

// reserveKey fails if key is in the index or being added, else marks it as
// being added.
func (ix *Index) reserveKey(key uint64) error {
	ix.keyMu.Lock()
	defer ix.keyMu.Unlock()
	if _, ok := ix.lookupKeyLocked(key); ok {
		return &KeyError{Key: key, Err: ErrKeyExists}
	}
	if _, ok := ix.pending[key]; ok {
		return &KeyError{Key: key, Err: ErrKeyExists}
	}
	ix.pending[key] = struct{}{}
	return nil
}

// finishKey ends a reservation; when added it maps key to node id (unless
// the insert merged the key into an existing node, which mapped it already).
func (ix *Index) finishKey(key uint64, id uint32, added, merged bool) {
	ix.keyMu.Lock()
	delete(ix.pending, key)
	if added && !merged {
		ix.insertKeyLocked(key, id)
	}
	ix.keyMu.Unlock()
	if added {
		ix.nKeys.Add(1)
	}
}

// addPrepared inserts the vector prepared in st under a reserved key.
func (ix *Index) addPrepared(st *searchState, key uint64, level int) error {
	ix.mutMu.RLock()
	ix.reclaimMu.RLock()
	id, merged, err := ix.insert(st, key, level)
	ix.reclaimMu.RUnlock()
	ix.mutMu.RUnlock()
	ix.finishKey(key, id, err == nil, merged)
	return err
}

// insert is the paper's Algorithm 1 in pgvector's variant (package doc). It
// returns the new node, or the node the key was merged into.
func (ix *Index) insert(st *searchState, key uint64, level int) (id uint32, merged bool, err error) {
	q := st.q
	l := ix.lay.Load()

	// An insert that may raise the entry point holds entryMu throughout,
	// so that the entry level it searched from is still the top.
	epID, epLevel, ok := ix.entryPoint()
	if !ok || level > epLevel {
		ix.entryMu.Lock()
		defer ix.entryMu.Unlock()
		epID, epLevel, ok = ix.entryPoint()
	}
	if !ok {
		id, up, err := ix.allocNode(level)
		if err != nil {
			return 0, false, err
		}
		l = ix.lay.Load()
		ix.writeNode(st, l, id, key, level, up, -1)
		ix.setEntry(id, level)
		ix.nodeAdded(level)
		return id, false, nil
	}

	top := ix.findNeighbors(st, l, q, level, epID, epLevel, noNode, ix.cfg.EfConstruction)

	if ix.cfg.MergeDuplicates {
		if dup, ok := ix.mergeDuplicate(st, l, q, key); ok {
			return dup, true, nil
		}
	}

	id, up, err := ix.allocNode(level)
	if err != nil {
		return 0, false, err
	}
	l = ix.lay.Load()
	ix.writeNode(st, l, id, key, level, up, top)
	for lc := top; lc >= 0; lc-- {
		for _, n := range st.layers[lc] {
			ix.addLink(st, l, n.id, lc, id, n.d)
		}
	}
	if level > epLevel {
		ix.setEntry(id, level)
	}
	ix.nodeAdded(level)
	return id, false, nil
}

// nodeAdded updates the counters for a new node.
func (ix *Index) nodeAdded(level int) {
	ix.nNodes.Add(1)
	ix.levelCounts[level].Add(1)
}

// findNeighbors runs the search phase of an insert (or of a repair, for the
// existing node self): a greedy descent from the entry point to layer
// level+1, then on every layer lc = min(level, epLevel) … 0 a SearchLayer with
// ef candidates seeded by the whole W of the layer above, followed by
// neighbour selection. Tombstones are traversed but never selected (nor is
// self). The selections are left in st.layers[lc]; it returns the top layer
// searched.
func (ix *Index) findNeighbors(st *searchState, l *layout, q []float32, level int, epID uint32, epLevel int, self uint32, ef int) int {
	skipDeleted := ix.nDeleted.Load() > 0
	st.ep = append(st.ep[:0], item{ix.distTo(st, l, q, epID), epID})
	st.dists++
	ix.descend(st, l, q, epLevel, level, skipDeleted)
	top := min(level, epLevel)
	for len(st.layers) <= top {
		st.layers = append(st.layers, nil)
	}
	for lc := top; lc >= 0; lc-- {
		st.newEpoch()
		ix.searchLayer(st, l, q, layerSearch{ef: ef, lc: lc, skipDeleted: skipDeleted})
		w := st.drainW()
		cands := w
		if skipDeleted || self != noNode {
			cands = st.cands[:0]
			for _, c := range w {
				if c.id != self && !ix.isDeleted(l, c.id) {
					cands = append(cands, c)
				}
			}
			st.cands = cands
		}
		sel, _, _ := ix.selectNeighbors(st, l, cands, ix.ownLM(lc))
		st.layers[lc] = append(st.layers[lc][:0], sel...)
		st.ep = append(st.ep[:0], w...)
	}
	return top
}

// ownLM is the number of neighbours a node selects for itself on layer lc.
func (ix *Index) ownLM(lc int) int {
	if ix.cfg.Heuristic == HeuristicHNSWLib {
		return ix.m
	}
	return ix.lm(lc)
}

// allocNode hands out a node id (a freed slot first) and the upper blocks for
// a node of the given level.
func (ix *Index) allocNode(level int) (id, up uint32, err error) {
	ix.allocMu.Lock()
	defer ix.allocMu.Unlock()
	if n := len(ix.freeIDs); n > 0 {
		id = ix.freeIDs[n-1]
		ix.freeIDs = ix.freeIDs[:n-1]
		ix.freeSet[id>>6] &^= 1 << (id & 63)
	} else {
		if err := ix.growLocked(ix.hi, 1); err != nil {
			return 0, 0, err
		}
		id = ix.hi
		ix.hi++
	}
	up, err = ix.allocUpperLocked(level)
	if err != nil {
		ix.freeIDLocked(id)
		return 0, 0, err
	}
	return id, up, nil
}

// freeIDLocked puts a slot on the free list. Called with allocMu held.
func (ix *Index) freeIDLocked(id uint32) {
	ix.freeIDs = append(ix.freeIDs, id)
	w := int(id >> 6)
	for len(ix.freeSet) <= w {
		ix.freeSet = append(ix.freeSet, 0)
	}
	ix.freeSet[w] |= 1 << (id & 63)
}

// writeNode stores a new node: its vector (from st), key, lists (the
// selections in st.layers for layers ≤ top, empty above) and, last, its
// header. The node is unreachable until a back-link or the entry point
// publishes it.
func (ix *Index) writeNode(st *searchState, l *layout, id uint32, key uint64, level int, up uint32, top int) {
	s := l.seg(id)
	local := int(id - s.base)
	if ix.cfg.Storage == Float16 {
		copy(s.vec16[local*ix.dim:(local+1)*ix.dim], st.h16)
	} else {
		copy(s.vec32[local*ix.dim:(local+1)*ix.dim], st.q)
	}
	atomic.StoreUint64(&s.keys[local], key)
	h := header(level, up)
	rec := ix.record(l, id)
	for lc := 0; lc <= level; lc++ {
		var slots []uint32
		if lc == 0 {
			slots = rec[1:]
		} else {
			slots = ix.upperList(l, h, lc)
		}
		var sel []item
		if lc <= top {
			sel = st.layers[lc]
		}
		storeItems(slots, sel)
	}
	atomic.StoreUint32(&rec[0], h)
}

// storeItems overwrites a list with the ids of sel followed by empty slots.
func storeItems(slots []uint32, sel []item) {
	for i := range slots {
		v := noNode
		if i < len(sel) {
			v = sel[i].id
		}
		atomic.StoreUint32(&slots[i], v)
	}
}

// addLink adds the back-link n → id on layer lc, where d = d(n, id)
// (pgvector's UpdateConnection):
//
//   - a list that is not full gets id appended;
//   - a full list that points at a tombstone has the first such slot
//     overwritten (pgvector's on-disk rule for elements being deleted);
//   - otherwise the heuristic runs over the list plus id, sorted furthest
//     first: pgvector's variant overwrites the slot of the one candidate it
//     leaves out (nothing changes when that is id itself); hnswlib's
//     variant rewrites the list with the survivors.
//
// A list that already holds id is left alone.
func (ix *Index) addLink(st *searchState, l *layout, n uint32, lc int, id uint32, d float32) {
	lm := ix.lm(lc)
	mu := ix.lock(n)
	mu.Lock()
	defer mu.Unlock()
	slots := ix.list(l, n, lc)
	cnt := 0
	for ; cnt < lm; cnt++ {
		v := atomic.LoadUint32(&slots[cnt])
		if v == noNode {
			break
		}
		if v == id {
			return
		}
	}
	if cnt < lm {
		atomic.StoreUint32(&slots[cnt], id)
		return
	}
	if ix.nDeleted.Load() > 0 {
		for i := range lm {
			if ix.isDeleted(l, atomic.LoadUint32(&slots[i])) {
				atomic.StoreUint32(&slots[i], id)
				return
			}
		}
	}
	st.ids = loadList(st.ids[:0], slots)
	if cap(st.dist) < lm {
		st.dist = make([]float32, lm)
	}
	dist := st.dist[:len(st.ids)]
	nq := ix.nodeQuery(l, n, st.nq)
	if ix.cfg.Storage == Float16 {
		st.nq = nq
	}
	ix.distBatch(st, l, nq, st.ids, dist)
	st.dists += uint64(len(st.ids))
	cands := st.cands[:0]
	for i, x := range st.ids {
		cands = append(cands, item{dist[i], x})
	}
	cands = append(cands, item{d, id})
	st.cands = cands
	sortFurthestFirst(cands)
	sel, pruned, ok := ix.selectNeighbors(st, l, cands, lm)
	if ix.cfg.Heuristic == HeuristicHNSWLib {
		storeItems(slots, sel)
		return
	}
	if !ok || pruned.id == id {
		return
	}
	for i := range lm {
		if atomic.LoadUint32(&slots[i]) == pruned.id {
			atomic.StoreUint32(&slots[i], id)
			return
		}
	}
}

// mergeDuplicate implements pgvector's duplicate merging: walk the new
// vector's layer-0 selection in stored order, stop at the first neighbour
// whose stored value differs from the new one, and attach key to the first
// equal neighbour that has room for another key.
func (ix *Index) mergeDuplicate(st *searchState, l *layout, q []float32, key uint64) (uint32, bool) {
	if len(st.layers) == 0 {
		return 0, false
	}
	for _, c := range st.layers[0] {
		if !ix.equalStored(l, c.id, q) {
			return 0, false
		}
		ix.keyMu.Lock()
		if !ix.isDeleted(l, c.id) && 1+len(ix.extraKeys[c.id]) < ix.cfg.MaxKeysPerNode {
			ix.extraKeys[c.id] = append(ix.extraKeys[c.id], key)
			ix.extraKeyNode[key] = c.id
			s := l.seg(c.id)
			atomic.OrUint32(&s.links[int(c.id-s.base)*ix.linkStride], flagMulti)
			ix.keyMu.Unlock()
			return c.id, true
		}
		ix.keyMu.Unlock()
	}
	return 0, false
}

// equalStored reports whether node id's stored value equals q (compared as
// numbers, so −0 equals 0, as pgvector's vector_cmp does).
func (ix *Index) equalStored(l *layout, id uint32, q []float32) bool {
	if ix.cfg.Storage == Float16 {
		h := ix.vec16(l, id)
		for i, x := range q {
			if h[i].Float32() != x {
				return false
			}
		}
		return true
	}
	v := ix.vec32(l, id)
	for i, x := range q {
		if v[i] != x {
			return false
		}
	}
	return true
}
