package pgcompat

import (
	"fmt"

	"github.com/smallworld-go/smallworld/hnsw"
)

// GraphElement is one element of the index as pgvector's pages hold it.
type GraphElement struct {
	// TID is where the element tuple is stored in the index.
	TID TID
	// NeighborTID is where its neighbour tuple is stored.
	NeighborTID TID
	// Level is the element's top layer.
	Level int
	// Deleted is true for a slot VACUUM freed (and no insert reused yet).
	Deleted bool
	// Version counts the slot's reuses (1..15, wrapping to 1).
	Version int
	// HeapTIDs are the rows the element stands for, in slot order (more
	// than one for merged duplicates; a scan returns them last first).
	HeapTIDs []TID
	// Neighbors[l] lists the element's neighbours on layer l, for l =
	// 0..Level, as indexes into Graph.Elements, in stored order.
	Neighbors [][]int
}

// Graph is the index as pgvector's pages hold it: what reading every page
// of a real index (pageinspect) shows.
type Graph struct {
	// Dimensions, M and EfConstruction are the metapage's.
	Dimensions     int
	M              int
	EfConstruction int
	// Entry indexes Elements for the entry point, or is −1 in an empty
	// index; EntryLevel is its level (−1 if empty).
	Entry      int
	EntryLevel int
	// InsertPage is the block where the next insert starts looking for
	// room.
	InsertPage uint32
	// Pages counts all blocks, the metapage included.
	Pages int
	// Elements lists every element tuple in physical order (block, then
	// line pointer), deleted slots included.
	Elements []GraphElement
}

// Graph returns the index's graph as its pages hold it.
func (ix *Index) Graph() (*Graph, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	inOrder := ix.pages.elementsInOrder()
	pos := make(map[hnsw.NodeID]int, len(inOrder))
	for i, e := range inOrder {
		if !e.deleted {
			pos[e.node] = i
		}
	}
	g := &Graph{
		Dimensions:     ix.spec.Dims,
		M:              ix.opts.M,
		EfConstruction: ix.opts.EfConstruction,
		Entry:          -1,
		EntryLevel:     -1,
		InsertPage:     uint32(ix.pages.insertPage + 1),
		Pages:          ix.pages.blocks(),
		Elements:       make([]GraphElement, len(inOrder)),
	}
	if id, level, ok := ix.g.EntryPoint(); ok {
		g.Entry, g.EntryLevel = pos[id], level
	}
	for i, e := range inOrder {
		ge := GraphElement{
			TID:         TID{Block: e.blk, Offset: e.off},
			NeighborTID: TID{Block: e.nblk, Offset: e.noff},
			Level:       e.level,
			Deleted:     e.deleted,
			Version:     int(e.version),
		}
		if !e.deleted {
			ge.HeapTIDs = append([]TID(nil), e.tids...)
			info, err := ix.g.Node(e.node)
			if err != nil {
				return nil, fmt.Errorf("pgcompat: reading element %s: %w", ge.TID, err)
			}
			for _, layer := range info.Neighbors {
				l := make([]int, 0, len(layer))
				for _, n := range layer {
					j, ok := pos[n]
					if !ok {
						return nil, fmt.Errorf("pgcompat: element %s links to node %d, which has no page", ge.TID, n)
					}
					l = append(l, j)
				}
				ge.Neighbors = append(ge.Neighbors, l)
			}
		}
		g.Elements[i] = ge
	}
	return g, nil
}
