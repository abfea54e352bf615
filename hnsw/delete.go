package hnsw

import (
	"slices"
	"sync/atomic"
)

// Delete removes key from the index. The key disappears from results at once.
// When it was its node's last key the node becomes a tombstone: searches still
// pass through it (so the graph stays connected) but never return it, until
// Vacuum repairs the graph around it and frees its slot. Deleting a key that
// is not in the index returns a *KeyError wrapping ErrKeyNotFound.
func (ix *Index) Delete(key uint64) error {
	ix.mutMu.RLock()
	defer ix.mutMu.RUnlock()
	ix.keyMu.Lock()
	defer ix.keyMu.Unlock()
	id, ok := ix.lookupKeyLocked(key)
	if !ok {
		return &KeyError{Key: key, Err: ErrKeyNotFound}
	}
	l := ix.lay.Load()
	hdr := &ix.record(l, id)[0]
	if extra := ix.extraKeys[id]; len(extra) > 0 {
		// A merged node keeps its other keys, in insertion order.
		if firstKey(l, id) == key {
			ix.removeKeyLocked(key, id)
			nk := extra[0]
			extra = slices.Clone(extra[1:])
			delete(ix.extraKeyNode, nk)
			setFirstKey(l, id, nk)
			ix.insertKeyLocked(nk, id)
		} else {
			extra = slices.DeleteFunc(slices.Clone(extra), func(k uint64) bool { return k == key })
			delete(ix.extraKeyNode, key)
		}
		if len(extra) == 0 {
			delete(ix.extraKeys, id)
			atomic.AndUint32(hdr, ^flagMulti)
		} else {
			ix.extraKeys[id] = extra
		}
		ix.nKeys.Add(-1)
		return nil
	}
	ix.removeKeyLocked(key, id)
	atomic.OrUint32(hdr, flagDeleted)
	ix.nKeys.Add(-1)
	ix.nNodes.Add(-1)
	ix.nDeleted.Add(1)
	return nil
}

// Contains reports whether key is in the index.
func (ix *Index) Contains(key uint64) bool {
	ix.keyMu.RLock()
	defer ix.keyMu.RUnlock()
	_, ok := ix.lookupKeyLocked(key)
	return ok
}

// Vector returns a copy of the vector stored under key (normalised under
// Cosine, rounded under Float16 storage), appended to dst.
func (ix *Index) Vector(key uint64, dst []float32) ([]float32, error) {
	ix.reclaimMu.RLock()
	defer ix.reclaimMu.RUnlock()
	ix.keyMu.RLock()
	id, ok := ix.lookupKeyLocked(key)
	ix.keyMu.RUnlock()
	if !ok {
		return dst, &KeyError{Key: key, Err: ErrKeyNotFound}
	}
	return ix.appendVector(ix.lay.Load(), id, dst), nil
}

// appendVector appends node id's stored vector, as float32, to dst.
func (ix *Index) appendVector(l *layout, id uint32, dst []float32) []float32 {
	if ix.cfg.Storage == Float16 {
		for _, h := range ix.vec16(l, id) {
			dst = append(dst, h.Float32())
		}
		return dst
	}
	return append(dst, ix.vec32(l, id)...)
}
