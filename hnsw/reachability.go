package hnsw

import (
	"cmp"
	"context"
	"fmt"
	"slices"
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

// relinkRounds bounds the rounds of relinkUnreachable that relink as an
// insert would: a link given to one node can cost another its last
// in-link, which the next round finds. Whatever is left after them is
// spliced in (splice), which always makes progress.
const relinkRounds = 4

// relinkUnreachable makes every live node reachable on layer 0 from the
// entry point, which is what a search needs to be able to find it: the
// upper layers only choose where on layer 0 it starts. It walks layer 0
// from the entry point; each live node it did not reach is searched for
// by its own vector, as an insert would be, and offered as a back-link to
// the neighbours found. If the back-link heuristic takes it nowhere, the
// nearest reached one of them links to it anyway: in an empty slot, or in
// place of a node that other reached nodes also link to. After
// relinkRounds such rounds, any node still unreached is spliced in, so
// that when it returns nil every live node is reachable. It returns how
// many times it linked a node.
//
// It holds inserts and deletes off (mutMu) so that every node below the
// high-water mark is completely inserted and nothing but this pass changes
// a list; searches go on.
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
	var orphans []uint32
	for round := 0; ; round++ {
		epID, epLevel, ok := ix.entryPoint()
		if !ok {
			return relinked, nil
		}
		reached := ix.reachable(l, hi, epID)
		orphans = orphans[:0]
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
			if round < relinkRounds {
				if ix.relink(st, l, id, epID, epLevel, reached, indeg) {
					relinked++
				}
				continue
			}
			// An earlier splice of this loop may have reached it.
			if reached[id>>6]&(1<<(id&63)) == 0 {
				ix.splice(st, l, hi, id, epID, epLevel, reached, indeg)
				relinked++
			}
		}
		if round == relinkRounds {
			return relinked, nil
		}
	}
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

// relink gives node id in-links from its nearest neighbours (see
// relinkUnreachable) and reports whether one of them links to it now. The
// neighbours' reached bits are those of the round's walk: a search can
// start layer 0 inside an unreached island, so not every neighbour found
// is reached.
func (ix *Index) relink(st *searchState, l *layout, id, epID uint32, epLevel int, reached []uint64, indeg []uint8) bool {
	if id == epID {
		return false
	}
	st.q = append(st.q[:0], ix.nodeQuery(l, id, st.tmp)...)
	ix.findNeighbors(st, l, st.q, 0, epID, epLevel, id, ix.cfg.EfConstruction)
	found := st.layers[0]
	for _, n := range found {
		ix.addLink(st, l, n.id, 0, id, n.d)
	}
	for _, n := range found {
		if ix.linksTo(l, n.id, id) {
			return true
		}
	}
	// Rare: every back-link was pruned away. Force one, trying the
	// reached neighbours nearest first.
	byDist := slices.Clone(found)
	slices.SortFunc(byDist, func(a, b item) int { return cmp.Compare(a.d, b.d) })
	for _, n := range byDist {
		if isSet(reached, n.id) && ix.forceLink(l, n.id, id, n.d, indeg) {
			return true
		}
	}
	return false
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

// splice links node id, which the walk that filled reached did not reach,
// from a reached node n (its nearest reached neighbour, else the entry
// point), and marks what id now makes reachable in reached. Unlike
// forceLink it cannot fail and cannot cost any node its reachability: if n
// has no empty slot, the link it gives up (to v) is moved into id's list,
// replacing id's furthest link if need be. Every path that used n→v can
// then go n→id→v, and id's own old links were on no path from the entry
// point, since id was not reached; so everything reached stays reached and
// id is reached too. The links it writes may be poor ones for search,
// which is why relink's rounds, which link as an insert would, come first.
// It reports whether it moved a link into id's list.
func (ix *Index) splice(st *searchState, l *layout, hi, id, epID uint32, epLevel int, reached []uint64, indeg []uint8) bool {
	st.q = append(st.q[:0], ix.nodeQuery(l, id, st.tmp)...)
	ix.findNeighbors(st, l, st.q, 0, epID, epLevel, id, ix.cfg.EfConstruction)
	from, d := noNode, float32(0)
	for _, n := range st.layers[0] {
		if isSet(reached, n.id) && (from == noNode || n.d < d) {
			from, d = n.id, n.d
		}
	}
	if from == noNode {
		from, d = epID, ix.distTo(st, l, st.q, epID)
	}

	// n's side: an empty slot, else the link whose target has the most
	// in-links from reached nodes (the one most likely to stay reachable
	// without id's help).
	mu := ix.lock(from)
	mu.Lock()
	slots := ix.list(l, from, 0)
	victim, most := 0, -1
	evicted := noNode
	for i := range slots {
		v := loadSlot(&slots[i])
		if v == noNode {
			victim, evicted = i, noNode
			break
		}
		if int(v) < len(indeg) && int(indeg[v]) > most {
			victim, most, evicted = i, int(indeg[v]), v
		}
	}
	atomic.StoreUint32(&slots[victim], id)
	if evicted != noNode {
		l.setCloserValid(from, false)
	}
	ix.dcache.storeSlot(from, victim, d)
	mu.Unlock()
	if int(id) < len(indeg) && indeg[id] < 255 {
		indeg[id]++
	}
	if evicted != noNode {
		indeg[evicted]--
		ix.chain(st, l, id, evicted)
	}
	// Mark what id reaches now. Nodes already reached are not walked
	// again: what they reach is reached already.
	reached[id>>6] |= 1 << (id & 63)
	queue := []uint32{id}
	for len(queue) > 0 {
		n := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		slots := ix.list(l, n, 0)
		for i := range slots {
			v := loadSlot(&slots[i])
			if v == noNode {
				break
			}
			if v < hi && !isSet(reached, v) {
				reached[v>>6] |= 1 << (v & 63)
				queue = append(queue, v)
			}
		}
	}
	return evicted != noNode
}

// chain makes node id link to v on layer 0, in an empty slot or in place
// of its furthest link; st.q holds id's vector.
func (ix *Index) chain(st *searchState, l *layout, id, v uint32) {
	mu := ix.lock(id)
	mu.Lock()
	defer mu.Unlock()
	slots := ix.list(l, id, 0)
	slot, far := -1, float32(0)
	for i := range slots {
		w := loadSlot(&slots[i])
		if w == noNode {
			slot = i
			break
		}
		if w == v {
			return
		}
		if d := ix.distTo(st, l, st.q, w); slot < 0 || d > far {
			slot, far = i, d
		}
	}
	full := loadSlot(&slots[slot]) != noNode
	atomic.StoreUint32(&slots[slot], v)
	if full {
		l.setCloserValid(id, false)
	}
	ix.dcache.storeSlot(id, slot, ix.distTo(st, l, st.q, v))
}

// isSet reports whether bit id of bitmap b is set.
func isSet(b []uint64, id uint32) bool {
	w := int(id >> 6)
	return w < len(b) && b[w]&(1<<(id&63)) != 0
}
