package hnsw

import (
	"sync/atomic"

	"github.com/smallworld-go/smallworld/halfvec"
)

// Memory layout
//
// Nodes are dense uint32 ids. Everything the graph keeps per node lives in
// flat arrays inside segments, never in per-node objects, so the garbage
// collector scans a handful of slices however large the index is:
//
//   - vectors: one arena per segment, fixed stride (Dim elements, float32 or
//     float16);
//   - layer 0: one []uint32 per segment with a fixed-stride record per node:
//     a header word followed by 2·M neighbour slots. A list is the slots up
//     to the first empty one (noNode), in stored order;
//   - keys: the node's first (or only) key, one uint64 per node;
//   - upper layers: nodes with a level above 0 (about 1 in M−1) own `level`
//     consecutive blocks of M slots in a side arena of fixed-size chunks.
//
// The header word packs the node's flags, its level and the index of its
// first upper block:
//
//	bit 31      deleted (tombstone, or a free slot)
//	bit 30      the node carries more than one key (merged duplicates)
//	bits 24..29 level (0..63)
//	bits 0..23  first upper block (meaningful when level > 0)
//
// Segments are never moved or resized: growth appends a segment and
// publishes a new, immutable layout value (a chunk → segment table) through an
// atomic pointer. A reader that loaded an older layout still sees every node
// that existed then at the same address, so a search never races a
// reallocation. Slots and neighbour words are read and written with atomic
// loads and stores: a search walks lists while inserts rewrite them, and each
// word it reads is a valid node id (or noNode) at some moment.

const (
	// noNode marks an empty neighbour slot.
	noNode = ^uint32(0)
	// slotFlag is the top bit of a neighbour slot: the heuristic's cached
	// "closer" flag for that neighbour (pgvector's closer cache). Node ids
	// stay below it, so an id with the flag set never equals noNode.
	slotFlag uint32 = 1 << 31
	idMask          = slotFlag - 1
	// maxNodes bounds the id space, leaving room for the key table's
	// sentinel encodings.
	maxNodes = 1<<31 - 1

	chunkShift = 6 // nodes are mapped to segments in chunks of 64
	chunkNodes = 1 << chunkShift

	flagDeleted uint32 = 1 << 31
	flagMulti   uint32 = 1 << 30
	levelShift         = 24
	levelBits   uint32 = 0x3f
	upperMask   uint32 = 1<<24 - 1

	upperChunkShift  = 8 // upper blocks per side-arena chunk: 256
	upperChunkBlocks = 1 << upperChunkShift
	maxUpperBlocks   = 1 << 24
)

// segment holds the per-node arrays of nodes [base, base+n).
type segment struct {
	base  uint32
	n     uint32
	vec32 []float32         // Float32 storage: n·dim
	vec16 []halfvec.Float16 // Float16 storage: n·dim
	links []uint32          // n·linkStride: header + layer-0 slots
	keys  []uint64          // n: first key of each node
	// closerSet has a bit per node: set when the slot flags of its layer-0
	// list hold valid "closer" results of the last heuristic run over it.
	closerSet []uint32
}

// layout is an immutable snapshot of where every node lives.
type layout struct {
	segs     []*segment // in id order
	chunks   []*segment // id>>chunkShift → segment
	capacity uint32     // ids below this have storage
	upper    [][]uint32 // side arena chunks, upperChunkBlocks·M words each
	// latest is the index's current layout. A reader holding an older
	// layout can meet an id or upper block published after it (by a
	// concurrent insert that grew the index); it then continues with the
	// latest one, which an atomic load orders after that publication.
	latest *atomic.Pointer[layout]
}

// seg returns the segment that holds id; id must be below capacity.
func (l *layout) seg(id uint32) *segment {
	if c := id >> chunkShift; c < uint32(len(l.chunks)) {
		return l.chunks[c]
	}
	if nl := l.latest.Load(); nl != l {
		return nl.seg(id)
	}
	panic("hnsw: internal error: node id beyond the index")
}

// upperChunk returns side-arena chunk c.
func (l *layout) upperChunk(c uint32) []uint32 {
	if c < uint32(len(l.upper)) {
		return l.upper[c]
	}
	if nl := l.latest.Load(); nl != l {
		return nl.upperChunk(c)
	}
	panic("hnsw: internal error: upper block beyond the index")
}

// header packs flags, level and upper block into a node's header word.
func header(level int, upper uint32) uint32 {
	return uint32(level)<<levelShift | upper&upperMask
}

func headerLevel(h uint32) int    { return int(h >> levelShift & levelBits) }
func headerUpper(h uint32) uint32 { return h & upperMask }

// record returns node id's layer-0 record (header word + 2·M slots).
func (ix *Index) record(l *layout, id uint32) []uint32 {
	s := l.seg(id)
	o := int(id-s.base) * ix.linkStride
	return s.links[o : o+ix.linkStride : o+ix.linkStride]
}

// headerOf atomically loads node id's header word.
func (ix *Index) headerOf(l *layout, id uint32) uint32 {
	s := l.seg(id)
	return atomic.LoadUint32(&s.links[int(id-s.base)*ix.linkStride])
}

// upperList returns the M slots of layer lc ≥ 1 of a node whose header is h.
func (ix *Index) upperList(l *layout, h uint32, lc int) []uint32 {
	b := headerUpper(h) + uint32(lc-1)
	c := l.upperChunk(b >> upperChunkShift)
	o := int(b&(upperChunkBlocks-1)) * ix.m
	return c[o : o+ix.m : o+ix.m]
}

// list returns node id's layer-lc slots: 2·M slots on layer 0, M above.
// The caller must know the node has level ≥ lc.
func (ix *Index) list(l *layout, id uint32, lc int) []uint32 {
	rec := ix.record(l, id)
	if lc == 0 {
		return rec[1:]
	}
	return ix.upperList(l, atomic.LoadUint32(&rec[0]), lc)
}

// vec32 returns node id's stored float32 vector.
func (ix *Index) vec32(l *layout, id uint32) []float32 {
	s := l.seg(id)
	o := int(id-s.base) * ix.dim
	return s.vec32[o : o+ix.dim : o+ix.dim]
}

// vec16 returns node id's stored float16 vector.
func (ix *Index) vec16(l *layout, id uint32) []halfvec.Float16 {
	s := l.seg(id)
	o := int(id-s.base) * ix.dim
	return s.vec16[o : o+ix.dim : o+ix.dim]
}

// loadSlot atomically reads a neighbour slot and strips the closer flag.
func loadSlot(p *uint32) uint32 {
	v := atomic.LoadUint32(p)
	if v != noNode {
		v &= idMask
	}
	return v
}

// listLen returns the number of filled slots of a list (they are packed at
// the front).
func listLen(slots []uint32) int {
	for i := range slots {
		if loadSlot(&slots[i]) == noNode {
			return i
		}
	}
	return len(slots)
}

// loadList copies the filled slots of a list into dst.
func loadList(dst []uint32, slots []uint32) []uint32 {
	for i := range slots {
		v := loadSlot(&slots[i])
		if v == noNode {
			break
		}
		dst = append(dst, v)
	}
	return dst
}

// storeList overwrites a list with ids followed by empty slots.
func storeList(slots []uint32, ids []uint32) {
	for i := range slots {
		v := noNode
		if i < len(ids) {
			v = ids[i]
		}
		atomic.StoreUint32(&slots[i], v)
	}
}

// growLocked makes room for at least need more nodes beyond hi (the id high
// water mark) by appending one segment. Called with allocMu held.
func (ix *Index) growLocked(hi uint32, need int) error {
	l := ix.lay.Load()
	if uint64(hi)+uint64(need) <= uint64(l.capacity) {
		return nil
	}
	want := uint64(hi) + uint64(need) - uint64(l.capacity)
	// Grow by at least half the current capacity so the number of
	// segments stays logarithmic, and by whole chunks.
	want = max(want, uint64(l.capacity)/2, chunkNodes)
	want = (want + chunkNodes - 1) &^ (chunkNodes - 1)
	if uint64(l.capacity)+want > maxNodes {
		want = (maxNodes - uint64(l.capacity)) &^ (chunkNodes - 1)
		if want == 0 || uint64(hi)+uint64(need) > uint64(l.capacity)+want {
			return ErrIndexFull
		}
	}
	s := ix.newSegment(l.capacity, uint32(want))
	nl := &layout{
		segs:     append(l.segs[:len(l.segs):len(l.segs)], s),
		chunks:   make([]*segment, (uint64(l.capacity)+want)>>chunkShift),
		capacity: l.capacity + s.n,
		upper:    l.upper,
		latest:   &ix.lay,
	}
	copy(nl.chunks, l.chunks)
	for c := l.capacity >> chunkShift; c < nl.capacity>>chunkShift; c++ {
		nl.chunks[c] = s
	}
	ix.lay.Store(nl)
	ix.bytesSegments.Add(segmentBytes(s))
	return nil
}

// newSegment allocates the arrays of nodes [base, base+n).
func (ix *Index) newSegment(base, n uint32) *segment {
	s := &segment{
		base:      base,
		n:         n,
		links:     make([]uint32, int(n)*ix.linkStride),
		keys:      make([]uint64, n),
		closerSet: make([]uint32, (n+31)/32),
	}
	if ix.cfg.Storage == Float16 {
		s.vec16 = make([]halfvec.Float16, int(n)*ix.dim)
	} else {
		s.vec32 = make([]float32, int(n)*ix.dim)
	}
	return s
}

// closerValid reports whether node id's layer-0 slot flags are valid.
func (l *layout) closerValid(id uint32) bool {
	s := l.seg(id)
	i := id - s.base
	return atomic.LoadUint32(&s.closerSet[i>>5])&(1<<(i&31)) != 0
}

// setCloserValid sets or clears node id's closer-cache bit.
func (l *layout) setCloserValid(id uint32, ok bool) {
	s := l.seg(id)
	i := id - s.base
	if ok {
		atomic.OrUint32(&s.closerSet[i>>5], 1<<(i&31))
	} else {
		atomic.AndUint32(&s.closerSet[i>>5], ^uint32(1<<(i&31)))
	}
}

// segmentBytes is the memory a segment's arrays occupy.
func segmentBytes(s *segment) int64 {
	return int64(cap(s.vec32))*4 + int64(cap(s.vec16))*2 + int64(cap(s.links))*4 + int64(cap(s.keys))*8 + int64(cap(s.closerSet))*4
}

// allocUpperLocked reserves `level` consecutive upper blocks for a new node
// and returns the first. Called with allocMu held.
func (ix *Index) allocUpperLocked(level int) (uint32, error) {
	if level == 0 {
		return 0, nil
	}
	if fl := ix.upperFree[level]; len(fl) > 0 {
		b := fl[len(fl)-1]
		ix.upperFree[level] = fl[:len(fl)-1]
		return b, nil
	}
	b := ix.upperNext
	// A node's blocks never straddle two chunks.
	if int(b&(upperChunkBlocks-1))+level > upperChunkBlocks {
		b = (b + upperChunkBlocks - 1) &^ (upperChunkBlocks - 1)
	}
	end := b + uint32(level)
	if end > maxUpperBlocks {
		return 0, ErrIndexFull
	}
	l := ix.lay.Load()
	if need := int((end + upperChunkBlocks - 1) >> upperChunkShift); need > len(l.upper) {
		up := make([][]uint32, need)
		copy(up, l.upper)
		for i := len(l.upper); i < need; i++ {
			up[i] = make([]uint32, upperChunkBlocks*ix.m)
			ix.bytesUpper.Add(int64(upperChunkBlocks*ix.m) * 4)
		}
		nl := *l
		nl.upper = up
		ix.lay.Store(&nl)
	}
	ix.upperNext = end
	return b, nil
}
