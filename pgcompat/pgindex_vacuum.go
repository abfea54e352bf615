package pgcompat

import (
	"context"
	"fmt"
	"slices"

	"github.com/smallworld-go/smallworld/hnsw"
)

// VacuumResult describes what a Vacuum did.
type VacuumResult struct {
	// TuplesRemoved is the number of dead heap TIDs removed from the index
	// (IndexBulkDeleteResult.tuples_removed).
	TuplesRemoved int
	// RowsRemoved is the number of dead heap rows reclaimed, indexed or
	// not; their TIDs may be used again.
	RowsRemoved int
	// ElementsDeleted is the number of elements left without a heap TID,
	// whose slots became free for later inserts.
	ElementsDeleted int
	// EntryReplaced is true when the entry point was deleted and replaced.
	EntryReplaced bool
}

// Vacuum runs VACUUM on the table: it removes the deleted rows' TIDs from
// the index and repairs the graph as pgvector's ambulkdelete does (spec
// §5.11):
//
//  1. the dead TIDs leave their elements, whose remaining TIDs keep their
//     order; elements left with none are being deleted;
//  2. the entry point: the highest live element (the first in page order;
//     the next highest if that is the entry point) is repaired if it needs
//     it; a deleted entry point is replaced by it, even at a lower level;
//     otherwise the entry point is repaired if it needs it;
//  3. every live element, in page order, that links to an element being
//     deleted or whose layer-0 list is not full, gets its neighbours chosen
//     again by an insert search with ef_construction + 1 candidates, then
//     its back-links;
//  4. the deleted elements' slots are cleared and left on their pages for
//     later inserts to reuse; the index never shrinks.
//
// With no dead rows it does nothing, as PostgreSQL does not call the index
// then. If ctx is cancelled during the repair, the error wraps ctx.Err():
// the dead TIDs are gone from the index, and the next Vacuum finishes the
// repair.
func (ix *Index) Vacuum(ctx context.Context) (VacuumResult, error) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	var res VacuumResult
	dead := false
	for _, st := range ix.rows {
		if st&rowDead != 0 {
			dead = true
			break
		}
	}
	if !dead {
		return res, nil
	}

	// Pass 1, in page order.
	inOrder := ix.pages.elementsInOrder()
	deleting := map[*element]bool{}
	for _, e := range inOrder {
		if e.deleted {
			continue
		}
		kept := e.tids[:0]
		for _, tid := range e.tids {
			st := ix.rows[tid.key()]
			if st&rowDead == 0 {
				kept = append(kept, tid)
				continue
			}
			if st&rowUnlinked == 0 {
				if err := ix.g.Delete(tid.key()); err != nil {
					return res, fmt.Errorf("pgcompat: vacuum: removing %s: %w", tid, err)
				}
				ix.rows[tid.key()] = st | rowUnlinked
				res.TuplesRemoved++
			}
		}
		clear(e.tids[len(kept):])
		e.tids = kept
		if len(e.tids) == 0 {
			deleting[e] = true
		}
	}

	// Passes 2 and 3: the graph repair, visiting nodes in page order.
	order := make([]hnsw.NodeID, 0, len(inOrder))
	for _, e := range inOrder {
		if !e.deleted {
			order = append(order, e.node)
		}
	}
	oldEntry, _, hadEntry := ix.g.EntryPoint()
	if err := ix.g.VacuumInOrder(ctx, order); err != nil {
		return res, fmt.Errorf("pgcompat: vacuum: %w", err)
	}
	if hadEntry {
		if e, ok := ix.elems[oldEntry]; ok && deleting[e] {
			res.EntryReplaced = true
		}
	}

	// Pass 4: the deleted elements become free slots.
	ix.pages.markDeleted(deleting)
	for e := range deleting {
		delete(ix.elems, e.node)
		res.ElementsDeleted++
	}
	ix.order = slices.DeleteFunc(ix.order, func(e *element) bool { return deleting[e] })
	for k, st := range ix.rows {
		if st&rowDead != 0 {
			delete(ix.rows, k)
			delete(ix.orig, k)
			res.RowsRemoved++
		}
	}
	return res, nil
}
