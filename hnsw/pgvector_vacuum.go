package hnsw

import (
	"context"
	"fmt"
)

// VacuumInOrder is Vacuum that visits the nodes in a caller-given order, the
// order in which pgvector's VACUUM meets its elements: page order. pgcompat
// keeps a model of pgvector's pages and passes it here, so that a repair
// sees exactly the graph pgvector's repair of the same element sees.
//
// The order decides two things that Vacuum decides by node id:
//
//   - the "highest point": the first live node of the highest level in
//     order. When that node is the entry point, the "fallback" is used
//     instead: the first live node of the highest level among the others
//     (pgvector's RemoveHeapTids tracks both in one pass);
//   - the order in which live nodes are checked and repaired.
//
// Ids in order that are not below NodeCount, and repeats, are ignored; live
// nodes order leaves out are visited after the listed ones, in id order.
// Everything else is as in Vacuum's steps 1 to 4; step 5, relinking the
// nodes layer 0 no longer reaches, is left out, since pgvector's VACUUM
// does not do it and pgcompat must end with the graph pgvector ends with.
func (ix *Index) VacuumInOrder(ctx context.Context, order []NodeID) error {
	return ix.runVacuum(ctx, func(v *vacuum, st *searchState) error {
		return v.repairGraphInOrder(ctx, st, visitOrder(order, v.hi))
	})
}

// visitOrder returns the listed ids below hi without repeats, followed by
// the ids below hi that order leaves out, ascending.
func visitOrder(order []NodeID, hi uint32) []uint32 {
	seen := make([]uint64, (hi+63)/64)
	seq := make([]uint32, 0, hi)
	for _, n := range order {
		id := uint32(n)
		if id >= hi || seen[id>>6]&(1<<(id&63)) != 0 {
			continue
		}
		seen[id>>6] |= 1 << (id & 63)
		seq = append(seq, id)
	}
	for id := uint32(0); id < hi; id++ {
		if seen[id>>6]&(1<<(id&63)) == 0 {
			seq = append(seq, id)
		}
	}
	return seq
}

// repairGraphInOrder is repairGraph with pgvector's choice of the highest
// point and its visiting order (see VacuumInOrder).
func (v *vacuum) repairGraphInOrder(ctx context.Context, st *searchState, seq []uint32) error {
	ix := v.ix
	l := ix.lay.Load()

	ix.entryMu.Lock()
	epID, epLevel, ok := ix.entryPoint()
	highest, highestLevel := noNode, -1
	fallback, fallbackLevel := noNode, -1
	for _, id := range seq {
		h := ix.headerOf(l, id)
		if h&flagDeleted != 0 {
			continue
		}
		switch lv := headerLevel(h); {
		case lv > highestLevel:
			if highest != noNode {
				fallback, fallbackLevel = highest, highestLevel
			}
			highest, highestLevel = id, lv
		case lv > fallbackLevel:
			fallback, fallbackLevel = id, lv
		}
	}
	if ok && highest == epID {
		highest, highestLevel = fallback, fallbackLevel
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

	for i, id := range seq {
		if i&1023 == 0 {
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
