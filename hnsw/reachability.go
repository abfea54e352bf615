package hnsw

import (
	"context"
	"fmt"
	"sync/atomic"
)

// HNSW does not keep every node reachable. A node's in-links are other
// nodes' list slots, and those are overwritten whenever a back-link
// pruning prefers a newcomer, or a repair after a delete chooses other
// neighbours; a node whose last in-link goes that way can no longer be
// found by any search, though it is still in the index. It happens rarely
// (in the concurrent stress test, about one node in one run of twenty),
// but a key that cannot be found is a key lost to its users. Vacuum
// therefore ends with relinkUnreachable.

// relinkRounds bounds the rounds of relinkUnreachable: a link given to
// one node can cost another its last in-link, which the next round finds.
const relinkRounds = 4

// relinkUnreachable makes every live node reachable on layer 0 from the
// entry point, which is what a search needs to be able to find it: the
// upper layers only choose where on layer 0 it starts. It walks layer 0
// from the entry point; each live node it did not reach is searched for
// by its own vector, as an insert would be, and offered as a back-link to
// the neighbours found (all of them reached, since a search found them).
// If the back-link heuristic takes it nowhere, the nearest of them links
// to it anyway: in an empty slot, or in place of a node that other
// reached nodes also link to. It returns how many nodes it relinked.
//
// It holds inserts and deletes off (mutMu) so that every node below the
// high-water mark is completely inserted; searches go on.
func (ix *Index) relinkUnreachable(ctx context.Context) (int, error) {
	ix.vacuumMu.Lock()
	defer ix.vacuumMu.Unlock()
	ix.mutMu.Lock()
	defer ix.mutMu.Unlock()
	ix.reclaimMu.RLock()
	defer ix.reclaimMu.RUnlock()

	l := ix.lay.Load()
	ix.allocMu.Lock()
	hi := ix.hi
	ix.allocMu.Unlock()
	st := ix.getState(l)
	defer ix.putState(st)

	relinked := 0
	for range relinkRounds {
		epID, epLevel, ok := ix.entryPoint()
		if !ok {
			return relinked, nil
		}
		reached := ix.reachable(l, hi, epID)
		var orphans []uint32
		for id := range hi {
			if reached[id>>6]&(1<<(id&63)) == 0 && !ix.isDeleted(l, id) {
				orphans = append(orphans, id)
			}
		}
		if len(orphans) == 0 {
			return relinked, nil
		}
		indeg := ix.reachedInDegrees(l, hi, reached)
		for i, id := range orphans {
			if i&63 == 0 {
				if err := ctx.Err(); err != nil {
					return relinked, fmt.Errorf("hnsw: Vacuum cancelled: %w", err)
				}
			}
			if ix.relink(st, l, id, epID, epLevel, indeg) {
				relinked++
			}
		}
	}
	return relinked, nil
}

// reachable returns the bitmap of the nodes below hi that a walk of layer
// 0 from ep reaches. Tombstones are walked through, as searches do.
func (ix *Index) reachable(l *layout, hi, ep uint32) []uint64 {
	seen := make([]uint64, (hi+63)/64)
	if ep >= hi {
		return seen
	}
	seen[ep>>6] |= 1 << (ep & 63)
	queue := []uint32{ep}
	for len(queue) > 0 {
		n := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		slots := ix.list(l, n, 0)
		for i := range slots {
			v := loadSlot(&slots[i])
			if v == noNode {
				break
			}
			if v < hi && seen[v>>6]&(1<<(v&63)) == 0 {
				seen[v>>6] |= 1 << (v & 63)
				queue = append(queue, v)
			}
		}
	}
	return seen
}

// reachedInDegrees counts, for every node below hi, the layer-0 links to
// it from reached nodes, saturating at 255.
func (ix *Index) reachedInDegrees(l *layout, hi uint32, reached []uint64) []uint8 {
	indeg := make([]uint8, hi)
	for n := range hi {
		if reached[n>>6]&(1<<(n&63)) == 0 {
			continue
		}
		slots := ix.list(l, n, 0)
		for i := range slots {
			v := loadSlot(&slots[i])
			if v == noNode {
				break
			}
			if v < hi && indeg[v] < 255 {
				indeg[v]++
			}
		}
	}
	return indeg
}

// relink gives node id in-links from its nearest reached neighbours (see
// relinkUnreachable) and reports whether one of them links to it now.
func (ix *Index) relink(st *searchState, l *layout, id, epID uint32, epLevel int, indeg []uint8) bool {
	if id == epID {
		return false
	}
	st.q = append(st.q[:0], ix.nodeQuery(l, id, st.tmp)...)
	ix.findNeighbors(st, l, st.q, 0, epID, epLevel, id, ix.cfg.EfConstruction)
	found := st.layers[0]
	if len(found) == 0 {
		return false
	}
	for _, n := range found {
		ix.addLink(st, l, n.id, 0, id, n.d)
	}
	for _, n := range found {
		if ix.linksTo(l, n.id, id) {
			return true
		}
	}
	nearest := found[0]
	for _, n := range found[1:] {
		if n.d < nearest.d {
			nearest = n
		}
	}
	return ix.forceLink(l, nearest.id, id, nearest.d, indeg)
}

// linksTo reports whether node n's layer-0 list holds id.
func (ix *Index) linksTo(l *layout, n, id uint32) bool {
	mu := ix.lock(n)
	mu.Lock()
	defer mu.Unlock()
	slots := ix.list(l, n, 0)
	for i := range slots {
		v := loadSlot(&slots[i])
		if v == noNode {
			return false
		}
		if v == id {
			return true
		}
	}
	return false
}

// forceLink writes id into node n's layer-0 list at distance d: in its
// first empty slot, or in place of the link whose target has the most
// in-links from reached nodes, if that is more than this one. It reports
// whether it wrote.
func (ix *Index) forceLink(l *layout, n, id uint32, d float32, indeg []uint8) bool {
	mu := ix.lock(n)
	mu.Lock()
	defer mu.Unlock()
	slots := ix.list(l, n, 0)
	victim, most := -1, uint8(1)
	for i := range slots {
		v := loadSlot(&slots[i])
		if v == noNode {
			victim = i
			break
		}
		if v == id {
			return true
		}
		if int(v) < len(indeg) && indeg[v] > most {
			victim, most = i, indeg[v]
		}
	}
	if victim < 0 {
		return false
	}
	if old := loadSlot(&slots[victim]); old != noNode && int(old) < len(indeg) {
		indeg[old]--
	}
	if int(id) < len(indeg) && indeg[id] < 255 {
		indeg[id]++
	}
	atomic.StoreUint32(&slots[victim], id)
	l.setCloserValid(n, false)
	ix.dcache.storeSlot(n, victim, d)
	return true
}
