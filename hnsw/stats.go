package hnsw

// Stats is a snapshot of an index's size and activity.
type Stats struct {
	// Keys is the number of keys (Len).
	Keys int
	// Nodes is the number of live graph nodes; a node that merged
	// duplicate vectors counts once.
	Nodes int
	// Deleted is the number of tombstones awaiting Vacuum.
	Deleted int
	// DeletedFraction is Deleted / (Nodes + Deleted): the share of the
	// graph searches pass through without returning. Vacuum when it grows.
	DeletedFraction float64
	// FreeSlots is the number of slots Vacuum freed that inserts reuse.
	FreeSlots int
	// Capacity is the number of node slots allocated.
	Capacity int
	// TopLevel is the entry point's level (−1 when empty).
	TopLevel int
	// LevelCounts[l] is the number of nodes (live or deleted) whose top
	// layer is l, for l up to TopLevel.
	LevelCounts []int
	// BytesUsed is the memory the index holds: vector arenas, neighbour
	// lists, keys, upper layers and the key table (not the pooled
	// per-search scratch, which the runtime may drop at any GC).
	BytesUsed int64
	// FileBytes is the size WriteTo would write now: the node rows, upper
	// blocks and bookkeeping, without the key table, which loading rebuilds.
	FileBytes int64
	// DistanceEvaluations counts every distance computed since the index
	// was created or loaded: searches, inserts and repairs.
	DistanceEvaluations uint64
	// Searches counts searches since the index was created or loaded.
	Searches uint64
}

// Stats returns the index's current statistics.
func (ix *Index) Stats() Stats {
	s := Stats{
		Keys:                int(ix.nKeys.Load()),
		Nodes:               int(ix.nNodes.Load()),
		Deleted:             int(ix.nDeleted.Load()),
		DistanceEvaluations: ix.distEvals.Load(),
		Searches:            ix.searches.Load(),
	}
	if all := s.Nodes + s.Deleted; all > 0 {
		s.DeletedFraction = float64(s.Deleted) / float64(all)
	}
	_, s.TopLevel, _ = ix.entryPoint()
	for l := 0; l <= maxLevels; l++ {
		if c := ix.levelCounts[l].Load(); c > 0 || l <= s.TopLevel {
			for len(s.LevelCounts) < l {
				s.LevelCounts = append(s.LevelCounts, 0)
			}
			s.LevelCounts = append(s.LevelCounts, int(c))
		}
	}
	ix.allocMu.Lock()
	s.FreeSlots = len(ix.freeIDs)
	s.Capacity = int(ix.lay.Load().capacity)
	fixed := int64(cap(ix.freeIDs))*4 + int64(cap(ix.freeSet))*8
	runs := 0
	for _, f := range ix.upperFree {
		fixed += int64(cap(f)) * 4
		runs += len(f)
	}
	s.FileBytes = fileHeaderSize + int64(ix.hi)*int64(rowSize(ix.cfg)) + int64(ix.upperNext)*int64(ix.m)*4 +
		int64(len(ix.freeIDs))*4 + int64(runs)*8 + pcgStateSize + 16
	ix.allocMu.Unlock()
	ix.keyMu.RLock()
	s.FileBytes += int64(len(ix.extraKeyNode)) * 12
	// Merged keys: a map entry per extra key (≈ 16 B of key and value plus
	// the map's per-slot overhead) and a slice per merged node.
	merged := int64(len(ix.extraKeyNode))*24 + int64(len(ix.extraKeys))*48
	for _, ks := range ix.extraKeys {
		merged += int64(cap(ks)) * 8
	}
	ix.keyMu.RUnlock()
	s.BytesUsed = ix.bytesSegments.Load() + ix.bytesUpper.Load() + ix.bytesKeys.Load() + fixed + merged
	return s
}
