package hnsw

import (
	"math"
	"sync/atomic"

	"github.com/smallworld-go/smallworld/distance"
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
	// The key is mapped and counted before mutMu is released, so that
	// WriteTo (which holds mutMu exclusively) never sees the node counted
	// without its key.
	ix.finishKey(key, id, err == nil, merged)
	ix.mutMu.RUnlock()
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
		lmSel := ix.ownLM(lc)
		if self != noNode && ix.cfg.Heuristic == HeuristicHNSWLib {
			// Repairing under hnswlib's heuristic: keep the node's
			// surviving links in the running, so that the back-links it
			// gathered are not thrown away, and select up to the list's
			// capacity as a back-link shrink would.
			cands = ix.withExistingLinks(st, l, q, self, lc, cands)
			lmSel = ix.lm(lc)
		}
		sel, _, _ := ix.selectNeighbors(st, l, cands, lmSel)
		st.layers[lc] = append(st.layers[lc][:0], sel...)
		st.ep = append(st.ep[:0], w...)
	}
	return top
}

// withExistingLinks adds node self's live layer-lc neighbours that cands
// lacks, and returns the union sorted furthest first.
func (ix *Index) withExistingLinks(st *searchState, l *layout, q []float32, self uint32, lc int, cands []item) []item {
	out := append(st.cands2[:0], cands...)
	slots := ix.list(l, self, lc)
	for i := range slots {
		v := loadSlot(&slots[i])
		if v == noNode {
			break
		}
		if ix.isDeleted(l, v) || v == self {
			continue
		}
		dup := false
		for _, c := range out {
			if c.id == v {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, item{ix.distTo(st, l, q, v), v})
			st.dists++
		}
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && furtherThan(out[j], out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	st.cands2 = out
	return out
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
		if lc == 0 {
			ix.dcache.storeList(id, sel)
		}
	}
	l.setCloserValid(id, false)
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
		v := loadSlot(&slots[cnt])
		if v == noNode {
			break
		}
		if v == id {
			return
		}
	}
	if cnt < lm {
		atomic.StoreUint32(&slots[cnt], id)
		if lc == 0 {
			ix.dcache.storeSlot(n, cnt, d)
		}
		return
	}
	if ix.nDeleted.Load() > 0 {
		for i := range lm {
			if ix.isDeleted(l, loadSlot(&slots[i])) {
				atomic.StoreUint32(&slots[i], id)
				if lc == 0 {
					l.setCloserValid(n, false)
					ix.dcache.storeSlot(n, i, d)
				}
				return
			}
		}
	}
	if ix.cfg.Heuristic == HeuristicHNSWLib {
		ix.shrinkHNSWLib(st, l, n, lc, slots, id, d)
		return
	}
	ix.shrinkKeepPruned(st, l, n, lc, slots, id, d)
}

// backCand is a candidate of a back-link heuristic run.
type backCand struct {
	d      float32
	id     uint32
	slot   int32 // its slot in the list; −1 for the newcomer
	closer bool
}

// sortKey orders candidates nearest first, ties by ascending id, as a
// uint64: the float's bits made monotonic, then the candidate's index.
func sortKey(d float32, i int) uint64 {
	if d == 0 {
		d = 0 // −0 sorts with +0
	}
	b := math.Float32bits(d)
	if b&(1<<31) != 0 {
		b = ^b
	} else {
		b |= 1 << 31
	}
	return uint64(b)<<32 | uint64(i)
}

// backCands loads n's full list plus the newcomer (last) into st.back, with
// each member's distance to n and cached closer flag, unsorted. The layer-0
// distances come from the batch build's cache when it has them.
func (ix *Index) backCands(st *searchState, l *layout, n uint32, lc int, slots []uint32, id uint32, d float32) []backCand {
	lm := len(slots)
	cands := st.back[:0]
	for i := range slots {
		v := atomic.LoadUint32(&slots[i])
		cands = append(cands, backCand{id: v & idMask, slot: int32(i), closer: v&slotFlag != 0})
	}
	var cd []float32
	if lc == 0 {
		cd = ix.dcache.cached(n)
	}
	if cd != nil {
		// Read in place: n's lock, held here, guards its entries.
		for i := range cands {
			cands[i].d = cd[i]
		}
	} else {
		ids := st.ids[:0]
		for i := range cands {
			ids = append(ids, cands[i].id)
		}
		st.ids = ids
		if cap(st.dist) < lm {
			st.dist = make([]float32, lm)
		}
		dist := st.dist[:lm]
		nq := ix.nodeQuery(l, n, st.nq)
		if ix.cfg.Storage == Float16 {
			st.nq = nq
		}
		ix.distBatch(st, l, nq, ids, dist)
		st.dists += uint64(lm)
		for i := range cands {
			cands[i].d = dist[i]
		}
		if lc == 0 {
			ix.dcache.storeDists(n, dist)
		}
	}
	cands = append(cands, backCand{d: d, id: id, slot: -1})
	st.back = cands
	return cands
}

// sortNearestFirst sorts candidates nearest first, ties by ascending id:
// pgvector sorts them furthest first with ties by descending address (≈
// insertion order) and takes them from the end, which is the same order.
func sortNearestFirst(st *searchState, c []backCand) {
	keys := st.sortKeys[:0]
	for i := range c {
		keys = append(keys, sortKey(c[i].d, i))
	}
	// Insertion sort: the lists are short (≤ 2·M+1).
	for i := 1; i < len(keys); i++ {
		k := keys[i]
		j := i
		for ; j > 0 && keys[j-1] > k; j-- {
			keys[j] = keys[j-1]
		}
		keys[j] = k
	}
	tmp := append(st.back2[:0], c...)
	for i, k := range keys {
		c[i] = tmp[uint32(k)]
	}
	for i := 1; i < len(c); i++ {
		for j := i; j > 0 && c[j].d == c[j-1].d && c[j].id < c[j-1].id; j-- {
			c[j], c[j-1] = c[j-1], c[j]
		}
	}
	st.back2, st.sortKeys = tmp, keys
}

// nearer orders candidates as sortNearestFirst does.
func nearer(a, b *backCand) bool {
	if a.d != b.d {
		return a.d < b.d
	}
	return a.id < b.id
}

// shrinkKeepPruned is pgvector's back-link heuristic on a full list, with
// pgvector's cache of each member's "closer" result. The outcome is always
// that of SelectNeighbors recomputed from scratch over the list plus the
// newcomer (the package tests check this): the pruned candidate is the
// furthest rejected one, or the furthest one when the first lm are all
// accepted. With valid flags, members nearer than the newcomer keep their
// result (their nearer neighbours are unchanged); if the newcomer is
// rejected nothing else changes either, so no sort is needed; if it is
// accepted, the further members are re-checked in order against what
// changed, as pgvector does. The flags live in the top bit of each slot;
// a layer-0 bit per node records that they are valid.
func (ix *Index) shrinkKeepPruned(st *searchState, l *layout, n uint32, lc int, slots []uint32, id uint32, d float32) {
	lm := len(slots)
	st.newID = id
	c := ix.backCands(st, l, n, lc, slots, id, d)
	if lc > 0 || ix.noCloserCache || !l.closerValid(n) {
		sortNearestFirst(st, c)
		ix.selectBackFull(st, l, n, lc, slots, c, 0, st.backR[:0])
		return
	}
	q := &c[lm]
	// A: the members nearer than the newcomer; their flags stand.
	r := st.backR[:0]
	nearerCount := 0
	for i := range lm {
		if nearer(&c[i], q) {
			nearerCount++
			if c[i].closer {
				r = append(r, c[i])
			}
		}
	}
	if len(r) == lm {
		// The loop fills R before reaching the newcomer, the furthest
		// candidate, which is then the pruned one: nothing changes.
		st.backR = r
		return
	}
	q.closer = ix.closerThan(st, l, q, r)
	if !q.closer {
		// Nothing further changes; some candidate was rejected, so all
		// were processed and the pruned one is the furthest rejected.
		st.backR = r
		var pruned *backCand
		for i := range c {
			if !c[i].closer && (pruned == nil || nearer(pruned, &c[i])) {
				pruned = &c[i]
			}
		}
		if pruned != q {
			atomic.StoreUint32(&slots[pruned.slot], id)
			ix.dcache.storeSlot(n, int(pruned.slot), d)
		}
		return
	}
	// The newcomer joins R: process it and the members further than it in
	// order, starting after the nearerCount members already settled.
	sortNearestFirst(st, c)
	ix.selectBackFull(st, l, n, lc, slots, c, nearerCount, r)
}

// selectBackFull runs SelectNeighbors over the sorted candidates c from
// position start on, with r holding the accepted candidates before start, and
// applies the result to the list. From start on, a cached flag is reused only
// in pgvector's cases: with start > 0 the candidate at start is the
// newcomer, and later ones are re-checked against the candidates added since.
func (ix *Index) selectBackFull(st *searchState, l *layout, n uint32, lc int, slots []uint32, c []backCand, start int, r []backCand) {
	lm := len(slots)
	mustCalc := start == 0
	added := st.backAdded[:0]
	dl := st.backD[:0]
	for i := range start {
		if !c[i].closer {
			dl = append(dl, int32(i))
		}
	}
	removedAny := false
	processed := start
	for i := start; i < len(c) && len(r) < lm; i++ {
		e := &c[i]
		switch {
		case mustCalc:
			e.closer = ix.closerThan(st, l, e, r)
		case e.slot < 0:
			// The newcomer, already found closer by the caller.
			added = append(added, *e)
		case e.closer:
			e.closer = ix.closerThan(st, l, e, added)
			if !e.closer {
				removedAny = true
			}
		case removedAny:
			e.closer = ix.closerThan(st, l, e, r)
			if e.closer {
				added = append(added, *e)
			}
		}
		if e.closer {
			r = append(r, *e)
		} else {
			dl = append(dl, int32(i))
		}
		processed = i + 1
	}
	st.backR, st.backAdded, st.backD = r, added, dl
	// pgvector fills R with the rejected candidates, nearest first, up to
	// lm; the pruned one is the first rejected candidate left over, or the
	// furthest candidate when the loop stopped early.
	var pruned *backCand
	if j := lm - len(r); j < len(dl) {
		pruned = &c[dl[j]]
	} else if processed < len(c) {
		pruned = &c[len(c)-1]
	}
	var newFlag bool
	var newD float32
	for i := range c {
		e := &c[i]
		if e.slot < 0 {
			newFlag, newD = e.closer, e.d
			continue
		}
		if e == pruned {
			continue
		}
		if w := flagged(e.id, e.closer); atomic.LoadUint32(&slots[e.slot]) != w {
			atomic.StoreUint32(&slots[e.slot], w)
		}
	}
	if pruned != nil && pruned.slot >= 0 {
		atomic.StoreUint32(&slots[pruned.slot], flagged(st.newID, newFlag))
		if lc == 0 {
			ix.dcache.storeSlot(n, int(pruned.slot), newD)
		}
	}
	if lc == 0 {
		l.setCloserValid(n, true)
	}
}

// flagged returns a slot word: id with the closer flag.
func flagged(id uint32, closer bool) uint32 {
	if closer {
		return id | slotFlag
	}
	return id
}

// closerThan reports whether candidate e is nearer to the list's owner than
// to every member of set (distances compared strictly, as pgvector does).
func (ix *Index) closerThan(st *searchState, l *layout, e *backCand, set []backCand) bool {
	if len(set) == 0 {
		return true
	}
	eq := ix.nodeQuery(l, e.id, st.eq)
	if ix.cfg.Storage == Float16 {
		st.eq = eq
	}
	if ix.kern == kL2F32 && len(l.segs) == 1 {
		// The default configuration in one segment: index the arena
		// directly rather than look each member's segment up.
		s, dim := l.segs[0], ix.dim
		for i := range set {
			x := set[i].id
			if x >= s.n {
				return ix.closerThanFrom(st, l, eq, e.d, set[i:])
			}
			o := int(x) * dim
			st.dists++
			if distance.L2Squared(eq, s.vec32[o:o+dim:o+dim]) <= e.d {
				return false
			}
		}
		return true
	}
	return ix.closerThanFrom(st, l, eq, e.d, set)
}

// closerThanFrom is closerThan's general loop for a candidate whose stored
// vector is eq and whose distance to the list's owner is ed.
func (ix *Index) closerThanFrom(st *searchState, l *layout, eq []float32, ed float32, set []backCand) bool {
	for i := range set {
		dx := ix.distTo(st, l, eq, set[i].id)
		st.dists++
		if dx <= ed {
			return false
		}
	}
	return true
}

// shrinkHNSWLib is hnswlib's back-link on a full list: rewrite it with the
// heuristic's survivors among its members plus the newcomer.
func (ix *Index) shrinkHNSWLib(st *searchState, l *layout, n uint32, lc int, slots []uint32, id uint32, d float32) {
	c := ix.backCands(st, l, n, lc, slots, id, d)
	sortNearestFirst(st, c)
	w := st.cands[:0]
	for i := len(c) - 1; i >= 0; i-- {
		w = append(w, item{c[i].d, c[i].id})
	}
	st.cands = w
	sel, _, _ := ix.selectNeighbors(st, l, w, len(slots))
	storeItems(slots, sel)
	if lc == 0 {
		ix.dcache.storeList(n, sel)
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
