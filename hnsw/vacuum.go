package hnsw

import (
	"context"
	"fmt"
	"sync/atomic"
)

// Vacuum repairs the graph around tombstones and frees their slots for reuse,
// following pgvector's VACUUM (package doc):
//
//  1. The tombstones present when it starts form the "deleting" set.
//  2. The entry point: the highest live node other than the entry point is
//     repaired if it needs it; a deleted entry point is replaced by it (even
//     at a lower level); otherwise the entry point is repaired if needed,
//     searching from that node.
//  3. Every live node, in id order, that links to a deleting node (or, with
//     pgvector's heuristic, whose layer-0 list is not full) and is not the
//     entry point has its neighbours chosen again by an insert search with
//     EfConstruction+1 candidates that ignores itself and the tombstones,
//     then gets its back-links; a repaired node above the entry level
//     becomes the entry point.
//  4. With searches and inserts briefly excluded, links to deleting nodes
//     made meanwhile are repaired, and the deleting slots are cleared and
//     put on the free list.
//  5. Beyond pgvector, and whether or not anything was deleted: with
//     inserts and deletes held off (searches go on), layer 0 is walked
//     from the entry point, and every live node the walk does not reach
//     (its in-links were all overwritten by back-link pruning or repairs,
//     rare but possible in any HNSW graph) is searched for by its own
//     vector and offered as a back-link to the nearest nodes found, as an
//     insert would be, or linked from the nearest reached one if the
//     heuristic takes it nowhere; the walk is repeated, up to four times,
//     since a new link can evict another node's last in-link. A node still
//     unreached after that is spliced in from a reached node, which moves
//     the link it gives up into the node's own list, so nothing else
//     becomes unreachable. So when Vacuum returns nil, every live node is
//     reachable on layer 0 from the entry point, which a search needs to
//     find it (until later inserts' back-links evict links again). The
//     walk reads every layer-0 list once: about 90 ns a node at M = 16
//     (4.4 ms for 50,000 nodes), inserts waiting meanwhile.
//
// Searches, inserts and deletes may run during Vacuum (they wait only for
// steps 4 and 5). If ctx is cancelled before step 4, Vacuum returns its
// error and the tombstones stay; the graph remains valid.
func (ix *Index) Vacuum(ctx context.Context) error {
	err := ix.runVacuum(ctx, func(v *vacuum, st *searchState) error {
		return v.repairGraph(ctx, st)
	})
	if err != nil {
		return err
	}
	_, err = ix.relinkUnreachable(ctx)
	return err
}

// runVacuum does what Vacuum and VacuumInOrder share: under the vacuum
// lock it finds the deleting nodes (tombstones not yet freed), calls repair
// to reconnect the graph around them (searches and inserts go on), then
// frees them with searches and inserts excluded.
func (ix *Index) runVacuum(ctx context.Context, repair func(v *vacuum, st *searchState) error) error {
	ix.vacuumMu.Lock()
	defer ix.vacuumMu.Unlock()
	ix.mutMu.RLock()
	defer ix.mutMu.RUnlock()
	if ix.nDeleted.Load() == 0 {
		return nil
	}
	ix.allocMu.Lock()
	hi := ix.hi
	free := append([]uint64(nil), ix.freeSet...)
	ix.allocMu.Unlock()
	isFree := func(id uint32) bool {
		w := int(id >> 6)
		return w < len(free) && free[w]&(1<<(id&63)) != 0
	}

	l := ix.lay.Load()
	deleting := make([]uint64, (hi+63)/64)
	nDel := 0
	for id := uint32(0); id < hi; id++ {
		if ix.isDeleted(l, id) && !isFree(id) {
			deleting[id>>6] |= 1 << (id & 63)
			nDel++
		}
	}
	if nDel == 0 {
		return nil
	}
	v := &vacuum{ix: ix, deleting: deleting, hi: hi}
	if ix.cfg.Heuristic == HeuristicHNSWLib {
		v.orphaned = v.outNeighbors(l)
	}
	st := ix.getState(l)
	defer ix.putState(st)

	ix.reclaimMu.RLock()
	err := repair(v, st)
	ix.reclaimMu.RUnlock()
	if err != nil {
		return err
	}

	ix.reclaimMu.Lock()
	defer ix.reclaimMu.Unlock()
	v.finish(st)
	return nil
}

// vacuum is the state of one Vacuum.
type vacuum struct {
	ix       *Index
	deleting []uint64 // bitmap of the nodes being freed
	hi       uint32   // ids at the start
	// orphaned (hnswlib heuristic only) marks the nodes deleting nodes
	// link to: they lose those in-links and are repaired to regain some.
	// pgvector's variant needs no such pass: it rebuilds every node whose
	// layer-0 list is not full, which hnswlib's shrinking lists rarely are.
	orphaned []uint64
}

// outNeighbors returns a bitmap of the nodes that deleting nodes link to.
func (v *vacuum) outNeighbors(l *layout) []uint64 {
	ix := v.ix
	out := make([]uint64, len(v.deleting))
	for id := uint32(0); id < v.hi; id++ {
		if !v.isDeleting(id) {
			continue
		}
		h := ix.headerOf(l, id)
		for lc := 0; lc <= headerLevel(h); lc++ {
			slots := ix.list(l, id, lc)
			for i := range slots {
				n := loadSlot(&slots[i])
				if n == noNode {
					break
				}
				if n < v.hi {
					out[n>>6] |= 1 << (n & 63)
				}
			}
		}
	}
	return out
}

func (v *vacuum) isDeleting(id uint32) bool {
	w := int(id >> 6)
	return w < len(v.deleting) && v.deleting[w]&(1<<(id&63)) != 0
}

// needsRepair reports whether node id links to a deleting node or, with
// pgvector's heuristic, has a layer-0 list that is not full.
func (v *vacuum) needsRepair(l *layout, id uint32) bool {
	ix := v.ix
	if w := int(id >> 6); w < len(v.orphaned) && v.orphaned[w]&(1<<(id&63)) != 0 {
		return true
	}
	h := ix.headerOf(l, id)
	for lc := 0; lc <= headerLevel(h); lc++ {
		slots := ix.list(l, id, lc)
		for i := range slots {
			n := loadSlot(&slots[i])
			if n == noNode {
				if lc == 0 && ix.cfg.Heuristic == HeuristicKeepPruned {
					return true
				}
				break
			}
			if v.isDeleting(n) {
				return true
			}
		}
	}
	return false
}

// repairGraph runs steps 2 and 3.
func (v *vacuum) repairGraph(ctx context.Context, st *searchState) error {
	ix := v.ix
	l := ix.lay.Load()

	ix.entryMu.Lock()
	epID, epLevel, ok := ix.entryPoint()
	highest, highestLevel := noNode, -1
	for id := uint32(0); id < v.hi; id++ {
		if ok && id == epID {
			continue
		}
		if h := ix.headerOf(l, id); h&flagDeleted == 0 && headerLevel(h) > highestLevel {
			highest, highestLevel = id, headerLevel(h)
		}
	}
	if highest != noNode && ok && v.needsRepair(l, highest) {
		v.repair(st, l, highest, epID, epLevel)
	}
	switch {
	case ok && v.isDeleting(epID):
		ix.setEntry(highest, highestLevel)
	case ok && highest != noNode && v.needsRepair(l, epID):
		v.repair(st, l, epID, highest, highestLevel)
	}
	ix.entryMu.Unlock()

	for id := uint32(0); id < v.hi; id++ {
		if id&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("hnsw: Vacuum cancelled: %w", err)
			}
		}
		if ix.isDeleted(l, id) || !v.needsRepair(l, id) {
			continue
		}
		epID, epLevel, ok := ix.entryPoint()
		if !ok || id == epID {
			continue
		}
		v.repair(st, l, id, epID, epLevel)
		if lv := ix.levelOf(l, id); lv > epLevel {
			ix.entryMu.Lock()
			if _, cur, _ := ix.entryPoint(); lv > cur {
				ix.setEntry(id, lv)
			}
			ix.entryMu.Unlock()
		}
	}
	return nil
}

// repair chooses node id's neighbours again, searching from the given entry
// point, overwrites its lists and adds its back-links.
func (v *vacuum) repair(st *searchState, l *layout, id, epID uint32, epLevel int) {
	ix := v.ix
	if epID == id {
		return
	}
	st.q = append(st.q[:0], ix.nodeQuery(l, id, st.tmp)...)
	level := ix.levelOf(l, id)
	top := ix.findNeighbors(st, l, st.q, level, epID, epLevel, id, ix.cfg.EfConstruction+1)
	mu := ix.lock(id)
	mu.Lock()
	l.setCloserValid(id, false)
	ix.dcache.invalidate(id)
	h := ix.headerOf(l, id)
	for lc := 0; lc <= level; lc++ {
		var sel []item
		if lc <= top {
			sel = st.layers[lc]
		}
		if lc == 0 {
			storeItems(ix.record(l, id)[1:], sel)
		} else {
			storeItems(ix.upperList(l, h, lc), sel)
		}
	}
	mu.Unlock()
	for lc := top; lc >= 0; lc-- {
		for _, n := range st.layers[lc] {
			ix.addLink(st, l, n.id, lc, id, n.d)
		}
	}
}

// finish runs step 4 with searches and inserts excluded: no goroutine holds a
// deleting id any more once the remaining links to them are gone.
func (v *vacuum) finish(st *searchState) {
	ix := v.ix
	l := ix.lay.Load()
	ix.allocMu.Lock()
	hi := ix.hi
	ix.allocMu.Unlock()
	for id := uint32(0); id < hi; id++ {
		if v.isDeleting(id) || !v.linksDeleting(l, id) {
			continue
		}
		if ix.isDeleted(l, id) {
			// A tombstone deleted during this Vacuum: just drop its
			// links to freed nodes; the next Vacuum frees it.
			v.dropDeletingLinks(l, id)
			continue
		}
		epID, epLevel, ok := ix.entryPoint()
		if ok && epID != id && !v.isDeleting(epID) {
			v.repair(st, l, id, epID, epLevel)
		}
		// Whatever the repair could not replace (or the entry point's own
		// links) is dropped.
		v.dropDeletingLinks(l, id)
	}
	if epID, _, ok := ix.entryPoint(); ok && v.isDeleting(epID) {
		// Only possible if no live node was left when step 2 ran and
		// inserts added none since.
		ix.setEntry(0, -1)
		ix.pickEntryLocked(l, hi, v)
	}

	ix.allocMu.Lock()
	defer ix.allocMu.Unlock()
	for id := uint32(0); id < v.hi; id++ {
		if !v.isDeleting(id) {
			continue
		}
		rec := ix.record(l, id)
		h := atomic.LoadUint32(&rec[0])
		level := headerLevel(h)
		if level > 0 {
			for lc := 1; lc <= level; lc++ {
				storeList(ix.upperList(l, h, lc), nil)
			}
			ix.upperFree[level] = append(ix.upperFree[level], headerUpper(h))
		}
		storeList(rec[1:], nil)
		l.setCloserValid(id, false)
		ix.dcache.invalidate(id)
		atomic.StoreUint32(&rec[0], flagDeleted)
		s := l.seg(id)
		o := int(id-s.base) * ix.dim
		if s.vec32 != nil {
			clear(s.vec32[o : o+ix.dim])
		} else {
			clear(s.vec16[o : o+ix.dim])
		}
		atomic.StoreUint64(&s.keys[id-s.base], 0)
		ix.freeIDLocked(id)
		ix.nDeleted.Add(-1)
		ix.levelCounts[level].Add(-1)
	}
	ix.vacuumGen.Add(1)
}

// linksDeleting reports whether node id has a link to a deleting node.
func (v *vacuum) linksDeleting(l *layout, id uint32) bool {
	ix := v.ix
	h := ix.headerOf(l, id)
	for lc := 0; lc <= headerLevel(h); lc++ {
		slots := ix.list(l, id, lc)
		for i := range slots {
			n := loadSlot(&slots[i])
			if n == noNode {
				break
			}
			if v.isDeleting(n) {
				return true
			}
		}
	}
	return false
}

// dropDeletingLinks removes node id's links to deleting nodes, keeping the
// order of the others.
func (v *vacuum) dropDeletingLinks(l *layout, id uint32) {
	ix := v.ix
	h := ix.headerOf(l, id)
	var keep []uint32
	for lc := 0; lc <= headerLevel(h); lc++ {
		slots := ix.list(l, id, lc)
		keep = keep[:0]
		for i := range slots {
			n := loadSlot(&slots[i])
			if n == noNode {
				break
			}
			if !v.isDeleting(n) {
				keep = append(keep, n)
			}
		}
		storeList(slots, keep)
	}
	l.setCloserValid(id, false)
	ix.dcache.invalidate(id)
}

// pickEntryLocked makes the highest live node the entry point (first in id
// order among equals), for a graph whose entry point is gone.
func (ix *Index) pickEntryLocked(l *layout, hi uint32, v *vacuum) {
	best, bestLevel := noNode, -1
	for id := uint32(0); id < hi; id++ {
		if v != nil && v.isDeleting(id) {
			continue
		}
		if h := ix.headerOf(l, id); h&flagDeleted == 0 && headerLevel(h) > bestLevel {
			best, bestLevel = id, headerLevel(h)
		}
	}
	if best != noNode {
		ix.setEntry(best, bestLevel)
	}
}
