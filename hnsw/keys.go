package hnsw

import (
	"sync/atomic"
)

// keyTable maps first keys to node ids: open addressing with linear probing
// over a power-of-two []uint32. A slot holds 0 (empty), 1 (deleted) or id+2.
// It stores no keys: a slot's key is the first key of the node it names, read
// back from the node's key array, which keeps the table at 4 bytes per slot, a
// third of a key+id table. Every node has exactly one slot. The further keys
// of merged duplicates (rare) live in Index.extraKeyNode. All methods need
// Index.keyMu.
type keyTable struct {
	slots []uint32
	used  int // slots holding an id
	dead  int // deleted slots
}

const (
	slotEmpty = 0
	slotDead  = 1
)

// hashKey mixes a key (splitmix64's finaliser) so that sequential keys spread.
func hashKey(k uint64) uint64 {
	k ^= k >> 30
	k *= 0xbf58476d1ce4e5b9
	k ^= k >> 27
	k *= 0x94d049bb133111eb
	k ^= k >> 31
	return k
}

// firstKey returns node id's first key.
func firstKey(l *layout, id uint32) uint64 {
	s := l.seg(id)
	return atomic.LoadUint64(&s.keys[id-s.base])
}

// setFirstKey stores node id's first key.
func setFirstKey(l *layout, id uint32, k uint64) {
	s := l.seg(id)
	atomic.StoreUint64(&s.keys[id-s.base], k)
}

// lookupKeyLocked returns the node holding key k.
func (ix *Index) lookupKeyLocked(k uint64) (uint32, bool) {
	t := &ix.keys
	if len(t.slots) > 0 {
		l := ix.lay.Load()
		mask := uint64(len(t.slots) - 1)
		for i := hashKey(k) & mask; ; i = (i + 1) & mask {
			v := t.slots[i]
			if v == slotEmpty {
				break
			}
			if v != slotDead && firstKey(l, v-2) == k {
				return v - 2, true
			}
		}
	}
	if len(ix.extraKeyNode) > 0 {
		id, ok := ix.extraKeyNode[k]
		return id, ok
	}
	return 0, false
}

// insertKeyLocked maps the first key k of node id; k must not be present
// and id must already carry k as its first key.
func (ix *Index) insertKeyLocked(k uint64, id uint32) {
	t := &ix.keys
	if (t.used+t.dead+1)*8 > len(t.slots)*7 {
		ix.rehashKeysLocked(t.used + 1)
	}
	mask := uint64(len(t.slots) - 1)
	for i := hashKey(k) & mask; ; i = (i + 1) & mask {
		switch t.slots[i] {
		case slotEmpty:
			t.slots[i] = id + 2
			t.used++
			return
		case slotDead:
			t.slots[i] = id + 2
			t.used++
			t.dead--
			return
		}
	}
}

// removeKeyLocked unmaps node id's first key k.
func (ix *Index) removeKeyLocked(k uint64, id uint32) {
	t := &ix.keys
	if len(t.slots) == 0 {
		return
	}
	mask := uint64(len(t.slots) - 1)
	for i := hashKey(k) & mask; ; i = (i + 1) & mask {
		switch t.slots[i] {
		case slotEmpty:
			return
		case id + 2:
			t.slots[i] = slotDead
			t.used--
			t.dead++
			return
		}
	}
}

// rehashKeysLocked rebuilds the table with room for n keys at ≤ 7/8 load.
func (ix *Index) rehashKeysLocked(n int) {
	size := 16
	for size*7 < n*8+8 {
		size *= 2
	}
	old := ix.keys.slots
	ix.bytesKeys.Store(int64(size) * 4)
	ix.keys = keyTable{slots: make([]uint32, size)}
	l := ix.lay.Load()
	mask := uint64(size - 1)
	for _, v := range old {
		if v < 2 {
			continue
		}
		for i := hashKey(firstKey(l, v-2)) & mask; ; i = (i + 1) & mask {
			if ix.keys.slots[i] == slotEmpty {
				ix.keys.slots[i] = v
				ix.keys.used++
				break
			}
		}
	}
}
