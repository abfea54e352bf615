package hnsw

// Graph inspection. These calls expose the graph exactly as stored, for
// tools that must reproduce or check another implementation's graph (pgcompat
// compares it with pgvector's pages). Node ids are dense and reused after
// Vacuum; they are valid while no Vacuum runs.

// NodeID identifies a graph node.
type NodeID uint32

// NodeInfo describes one node.
type NodeInfo struct {
	// Level is the node's top layer.
	Level int
	// Deleted is true for a tombstone or a free slot.
	Deleted bool
	// Keys are the node's keys in the order they were added (more than
	// one for merged duplicates).
	Keys []uint64
	// Neighbors[lc] is the node's layer-lc list in stored order.
	Neighbors [][]NodeID
}

// EntryPoint returns the graph's entry node and its level; ok is false for an
// empty graph.
func (ix *Index) EntryPoint() (id NodeID, level int, ok bool) {
	e, lv, ok := ix.entryPoint()
	return NodeID(e), lv, ok
}

// NodeCount returns the number of node ids handed out: every valid NodeID is
// below it (some may be tombstones or free slots).
func (ix *Index) NodeCount() int {
	ix.allocMu.Lock()
	defer ix.allocMu.Unlock()
	return int(ix.hi)
}

// NodeOf returns the node that holds key.
func (ix *Index) NodeOf(key uint64) (NodeID, bool) {
	ix.keyMu.RLock()
	defer ix.keyMu.RUnlock()
	id, ok := ix.lookupKeyLocked(key)
	return NodeID(id), ok
}

// Node returns a copy of node id's level, flags, keys and neighbour lists.
// It returns ErrNodeNotFound for an id at or above NodeCount.
func (ix *Index) Node(id NodeID) (NodeInfo, error) {
	if int(id) >= ix.NodeCount() {
		return NodeInfo{}, ErrNodeNotFound
	}
	ix.reclaimMu.RLock()
	defer ix.reclaimMu.RUnlock()
	l := ix.lay.Load()
	h := ix.headerOf(l, uint32(id))
	info := NodeInfo{Level: headerLevel(h), Deleted: h&flagDeleted != 0}
	if !info.Deleted {
		info.Keys = ix.nodeKeys(l, uint32(id), nil)
	}
	for lc := 0; lc <= info.Level; lc++ {
		var list []NodeID
		slots := ix.list(l, uint32(id), lc)
		for i := range slots {
			v := loadSlot(&slots[i])
			if v == noNode {
				break
			}
			list = append(list, NodeID(v))
		}
		info.Neighbors = append(info.Neighbors, list)
	}
	return info, nil
}

// Neighbors appends node id's layer-lc list, in stored order, to dst.
func (ix *Index) Neighbors(id NodeID, lc int, dst []NodeID) ([]NodeID, error) {
	if int(id) >= ix.NodeCount() {
		return dst, ErrNodeNotFound
	}
	ix.reclaimMu.RLock()
	defer ix.reclaimMu.RUnlock()
	l := ix.lay.Load()
	if lc < 0 || lc > ix.levelOf(l, uint32(id)) {
		return dst, &ConfigError{Field: "layer", Value: lc, Range: rangeString(0, ix.levelOf(l, uint32(id)))}
	}
	slots := ix.list(l, uint32(id), lc)
	for i := range slots {
		v := loadSlot(&slots[i])
		if v == noNode {
			break
		}
		dst = append(dst, NodeID(v))
	}
	return dst, nil
}

// NodeVector appends node id's stored vector (as float32) to dst.
func (ix *Index) NodeVector(id NodeID, dst []float32) ([]float32, error) {
	if int(id) >= ix.NodeCount() {
		return dst, ErrNodeNotFound
	}
	ix.reclaimMu.RLock()
	defer ix.reclaimMu.RUnlock()
	return ix.appendVector(ix.lay.Load(), uint32(id), dst), nil
}

// nodeKeys appends node id's keys in insertion order.
func (ix *Index) nodeKeys(l *layout, id uint32, dst []uint64) []uint64 {
	ix.keyMu.RLock()
	defer ix.keyMu.RUnlock()
	dst = append(dst, firstKey(l, id))
	return append(dst, ix.extraKeys[id]...)
}
