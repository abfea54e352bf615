package hnsw

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/smallworld-go/smallworld/halfvec"
)

// The file format is documented in the package doc ("File format").

var fileMagic = [8]byte{'S', 'W', 'H', 'N', 'S', 'W', 0x1a, '\n'}

const (
	fileVersion    = 1
	fileHeaderSize = 128
	trailerMagic   = "SWEND\x00\x00\x00"
	pcgStateSize   = 20
	flagMerge      = 1 << 0
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// fileHeader is the fixed-size header of a saved index.
type fileHeader struct {
	cfg        Config
	nodes      uint32
	entryID    uint32
	entryLevel int32
	upperNext  uint32
	keys       uint64
	live       uint64
	deleted    uint64
	extraKeys  uint64
	free       uint64
	upperFree  uint64
}

func (h *fileHeader) marshal() []byte {
	b := make([]byte, fileHeaderSize)
	copy(b, fileMagic[:])
	le := binary.LittleEndian
	le.PutUint32(b[8:], fileVersion)
	le.PutUint32(b[12:], fileHeaderSize)
	le.PutUint32(b[16:], uint32(h.cfg.Dim))
	le.PutUint32(b[20:], uint32(h.cfg.M))
	le.PutUint32(b[24:], uint32(h.cfg.EfConstruction))
	le.PutUint32(b[28:], uint32(h.cfg.EfSearch))
	b[32] = byte(h.cfg.Metric)
	b[33] = byte(h.cfg.Storage)
	b[34] = byte(h.cfg.Heuristic)
	if h.cfg.MergeDuplicates {
		b[35] = flagMerge
	}
	le.PutUint32(b[36:], uint32(h.cfg.MaxKeysPerNode))
	le.PutUint64(b[40:], h.cfg.Seed)
	le.PutUint32(b[48:], h.nodes)
	le.PutUint32(b[52:], h.entryID)
	le.PutUint32(b[56:], uint32(h.entryLevel))
	le.PutUint32(b[60:], h.upperNext)
	le.PutUint64(b[64:], h.keys)
	le.PutUint64(b[72:], h.live)
	le.PutUint64(b[80:], h.deleted)
	le.PutUint64(b[88:], h.extraKeys)
	le.PutUint64(b[96:], h.free)
	le.PutUint64(b[104:], h.upperFree)
	le.PutUint32(b[124:], crc32.Checksum(b[:124], castagnoli))
	return b
}

func (h *fileHeader) unmarshal(b []byte) error {
	le := binary.LittleEndian
	if [8]byte(b[:8]) != fileMagic {
		return corruptf("not a smallworld HNSW index (bad magic)")
	}
	if v := le.Uint32(b[8:]); v != fileVersion {
		return corruptf("unsupported format version %d (this build reads %d)", v, fileVersion)
	}
	if crc32.Checksum(b[:124], castagnoli) != le.Uint32(b[124:]) {
		return corruptf("header checksum mismatch")
	}
	if hs := le.Uint32(b[12:]); hs != fileHeaderSize {
		return corruptf("header size %d", hs)
	}
	for _, x := range b[112:124] {
		if x != 0 {
			return corruptf("reserved header bytes are not zero")
		}
	}
	if b[35]&^flagMerge != 0 {
		return corruptf("unknown header flags %#x", b[35])
	}
	h.cfg = Config{
		Dim:             int(le.Uint32(b[16:])),
		M:               int(le.Uint32(b[20:])),
		EfConstruction:  int(le.Uint32(b[24:])),
		EfSearch:        int(le.Uint32(b[28:])),
		Metric:          Metric(b[32]),
		Storage:         Storage(b[33]),
		Heuristic:       Heuristic(b[34]),
		MergeDuplicates: b[35]&flagMerge != 0,
		MaxKeysPerNode:  int(le.Uint32(b[36:])),
		Seed:            le.Uint64(b[40:]),
	}
	if err := h.cfg.validate(); err != nil {
		return corruptf("%v", err)
	}
	h.nodes = le.Uint32(b[48:])
	h.entryID = le.Uint32(b[52:])
	h.entryLevel = int32(le.Uint32(b[56:]))
	h.upperNext = le.Uint32(b[60:])
	h.keys = le.Uint64(b[64:])
	h.live = le.Uint64(b[72:])
	h.deleted = le.Uint64(b[80:])
	h.extraKeys = le.Uint64(b[88:])
	h.free = le.Uint64(b[96:])
	h.upperFree = le.Uint64(b[104:])
	switch {
	case h.nodes > maxNodes:
		return corruptf("node count %d", h.nodes)
	case h.upperNext > maxUpperBlocks:
		return corruptf("upper block count %d", h.upperNext)
	case h.entryLevel < -1 || h.entryLevel > int32(MaxLevel(h.cfg.M)):
		return corruptf("entry level %d", h.entryLevel)
	case h.entryLevel >= 0 && h.entryID >= h.nodes:
		return corruptf("entry point %d beyond %d nodes", h.entryID, h.nodes)
	case h.live+h.deleted > uint64(h.nodes) || h.free > uint64(h.nodes) || h.keys < h.live:
		return corruptf("inconsistent node counts")
	case h.extraKeys != h.keys-h.live:
		return corruptf("inconsistent key counts")
	case h.upperFree > uint64(h.upperNext):
		return corruptf("upper free list longer than the upper arena")
	}
	return nil
}

// rowSize is the size of one node's record in the file.
func rowSize(cfg Config) int {
	elem := 4
	if cfg.Storage == Float16 {
		elem = 2
	}
	return 4 + 8*cfg.M + 8 + cfg.Dim*elem
}

// WriteTo writes the index to w in the format described in the package doc
// and returns the number of bytes written. Searches go on while it runs;
// Add, Delete and Vacuum wait for it.
func (ix *Index) WriteTo(w io.Writer) (int64, error) {
	ix.mutMu.Lock()
	defer ix.mutMu.Unlock()
	cw := &countWriter{w: w}
	bw := bufio.NewWriterSize(cw, 1<<16)
	err := ix.writeLocked(bw)
	if err == nil {
		err = bw.Flush()
	}
	return cw.n, err
}

// writeLocked writes the index; mutations are excluded.
func (ix *Index) writeLocked(bw *bufio.Writer) error {
	l := ix.lay.Load()
	ix.allocMu.Lock()
	hi, upperNext := ix.hi, ix.upperNext
	free := append([]uint32(nil), ix.freeIDs...)
	var upperFree [][2]uint32
	for lv := 1; lv <= maxLevels; lv++ {
		for _, b := range ix.upperFree[lv] {
			upperFree = append(upperFree, [2]uint32{uint32(lv), b})
		}
	}
	ix.allocMu.Unlock()
	ix.rngMu.Lock()
	pcg, err := ix.pcg.MarshalBinary()
	ix.rngMu.Unlock()
	if err != nil {
		return err
	}
	if len(pcg) != pcgStateSize {
		return fmt.Errorf("hnsw: unexpected PRNG state size %d", len(pcg))
	}
	epID, epLevel, _ := ix.entryPoint()
	hdr := fileHeader{
		cfg:        ix.cfg,
		nodes:      hi,
		entryID:    epID,
		entryLevel: int32(epLevel),
		upperNext:  upperNext,
		keys:       uint64(ix.nKeys.Load()),
		live:       uint64(ix.nNodes.Load()),
		deleted:    uint64(ix.nDeleted.Load()),
		extraKeys:  uint64(ix.nKeys.Load() - ix.nNodes.Load()),
		free:       uint64(len(free)),
		upperFree:  uint64(len(upperFree)),
	}
	if _, err := bw.Write(hdr.marshal()); err != nil {
		return err
	}
	crc := crc32.New(castagnoli)
	out := io.MultiWriter(bw, crc)
	le := binary.LittleEndian
	row := make([]byte, rowSize(ix.cfg))
	for id := uint32(0); id < hi; id++ {
		rec := ix.record(l, id)
		o := 0
		for i := range rec {
			le.PutUint32(row[o:], atomic.LoadUint32(&rec[i]))
			o += 4
		}
		le.PutUint64(row[o:], firstKey(l, id))
		o += 8
		if ix.cfg.Storage == Float16 {
			for _, h := range ix.vec16(l, id) {
				le.PutUint16(row[o:], uint16(h))
				o += 2
			}
		} else {
			for _, x := range ix.vec32(l, id) {
				le.PutUint32(row[o:], math.Float32bits(x))
				o += 4
			}
		}
		if _, err := out.Write(row); err != nil {
			return err
		}
	}
	buf := make([]byte, 0, 1<<12)
	flush := func(force bool) error {
		if len(buf) >= 1<<12-16 || (force && len(buf) > 0) {
			_, err := out.Write(buf)
			buf = buf[:0]
			return err
		}
		return nil
	}
	for b := uint32(0); b < upperNext; b++ {
		c := l.upper[b>>upperChunkShift]
		base := int(b&(upperChunkBlocks-1)) * ix.m
		for i := range ix.m {
			buf = le.AppendUint32(buf, atomic.LoadUint32(&c[base+i]))
		}
		if err := flush(false); err != nil {
			return err
		}
	}
	ix.keyMu.RLock()
	var extra uint64
	for id := uint32(0); id < hi; id++ {
		for _, k := range ix.extraKeys[id] {
			buf = le.AppendUint32(buf, id)
			buf = le.AppendUint64(buf, k)
			extra++
			if err := flush(false); err != nil {
				ix.keyMu.RUnlock()
				return err
			}
		}
	}
	ix.keyMu.RUnlock()
	if extra != hdr.extraKeys {
		return fmt.Errorf("hnsw: WriteTo: %d merged keys, expected %d", extra, hdr.extraKeys)
	}
	for _, id := range free {
		buf = le.AppendUint32(buf, id)
		if err := flush(false); err != nil {
			return err
		}
	}
	for _, f := range upperFree {
		buf = le.AppendUint32(buf, f[0])
		buf = le.AppendUint32(buf, f[1])
		if err := flush(false); err != nil {
			return err
		}
	}
	buf = append(buf, pcg...)
	if err := flush(true); err != nil {
		return err
	}
	var tr [16]byte
	le.PutUint32(tr[:], crc.Sum32())
	copy(tr[8:], trailerMagic)
	_, err = bw.Write(tr[:])
	return err
}

// SaveFile writes the index to path atomically: it writes a temporary file
// in the same directory, syncs it, renames it over path and syncs the
// directory, so a crash leaves either the old file or the new one.
func (ix *Index) SaveFile(path string) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("hnsw: SaveFile: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err = ix.WriteTo(f); err != nil {
		return fmt.Errorf("hnsw: SaveFile: %w", err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("hnsw: SaveFile: %w", err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("hnsw: SaveFile: %w", err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("hnsw: SaveFile: %w", err)
	}
	if d, derr := os.Open(dir); derr == nil {
		// Persist the rename; not every platform can sync a directory.
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// LoadFile reads an index saved by SaveFile or WriteTo.
func LoadFile(path string) (*Index, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("hnsw: LoadFile: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("hnsw: LoadFile: %w", err)
	}
	ix, _, err := decode(f, fi.Size(), true)
	return ix, err
}

// Load reads an index written by WriteTo from r.
func Load(r io.Reader) (*Index, error) {
	size, known := remaining(r)
	ix, _, err := decode(r, size, known)
	return ix, err
}

// ReadFrom replaces the index's contents (configuration included) with an
// index read from r, and returns the bytes read. On error the index is
// unchanged. Unlike every other method, ReadFrom must not run concurrently
// with other calls on the same index (the configuration changes under them);
// use Load or LoadFile to get a new index instead.
func (ix *Index) ReadFrom(r io.Reader) (int64, error) {
	size, known := remaining(r)
	src, n, err := decode(r, size, known)
	if err != nil {
		return n, err
	}
	ix.vacuumMu.Lock()
	defer ix.vacuumMu.Unlock()
	ix.mutMu.Lock()
	defer ix.mutMu.Unlock()
	ix.reclaimMu.Lock()
	defer ix.reclaimMu.Unlock()
	ix.entryMu.Lock()
	defer ix.entryMu.Unlock()
	ix.allocMu.Lock()
	defer ix.allocMu.Unlock()
	ix.keyMu.Lock()
	defer ix.keyMu.Unlock()
	// A batch build may be running (between its inserts): its cached
	// distances describe the graph being replaced.
	ix.dcache.invalidateAll()
	ix.rngMu.Lock()
	defer ix.rngMu.Unlock()
	ix.adopt(src)
	return n, nil
}

// adopt moves src's contents into ix; every lock of ix is held.
func (ix *Index) adopt(src *Index) {
	ix.cfg, ix.dim, ix.m, ix.m0 = src.cfg, src.dim, src.m, src.m0
	ix.linkStride, ix.maxLevel, ix.ml = src.linkStride, src.maxLevel, src.ml
	ix.kern, ix.negate = src.kern, src.negate
	nl := *src.lay.Load()
	nl.latest = &ix.lay
	ix.lay.Store(&nl)
	ix.hi, ix.freeIDs, ix.freeSet = src.hi, src.freeIDs, src.freeSet
	ix.upperNext, ix.upperFree = src.upperNext, src.upperFree
	ix.entry.Store(src.entry.Load())
	ix.keys, ix.pending = src.keys, map[uint64]struct{}{}
	ix.extraKeys, ix.extraKeyNode = src.extraKeys, src.extraKeyNode
	ix.pcg, ix.rng = src.pcg, src.rng
	ix.nKeys.Store(src.nKeys.Load())
	ix.nNodes.Store(src.nNodes.Load())
	ix.nDeleted.Store(src.nDeleted.Load())
	for i := range ix.levelCounts {
		ix.levelCounts[i].Store(src.levelCounts[i].Load())
	}
	ix.distEvals.Store(0)
	ix.searches.Store(0)
	ix.vacuumGen.Add(1)
	ix.bytesSegments.Store(src.bytesSegments.Load())
	ix.bytesUpper.Store(src.bytesUpper.Load())
	ix.bytesKeys.Store(src.bytesKeys.Load())
}

// remaining reports how many bytes r still holds, when r can tell.
func remaining(r io.Reader) (int64, bool) {
	switch v := r.(type) {
	case interface{ Len() int }:
		return int64(v.Len()), true
	case *os.File:
		fi, err := v.Stat()
		if err != nil || !fi.Mode().IsRegular() {
			return 0, false
		}
		off, err := v.Seek(0, io.SeekCurrent)
		if err != nil {
			return 0, false
		}
		return fi.Size() - off, true
	}
	return 0, false
}

// decoder reads a saved index. It allocates only for data it has read (plus
// one bounded chunk), so a hostile header cannot make it allocate more than
// the input holds, and it never trusts a count it has not checked.
type decoder struct {
	r    *bufio.Reader
	crc  hash.Hash32
	n    int64
	body bool // feeding the body checksum
}

func (d *decoder) read(b []byte) error {
	k, err := io.ReadFull(d.r, b)
	d.n += int64(k)
	if d.body {
		d.crc.Write(b[:k])
	}
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return corruptf("truncated data")
		}
		return err
	}
	return nil
}

// decode reads an index from r. size is the number of bytes r holds when
// known; decode then checks the header's counts against it and allocates the
// node arrays once.
func decode(r io.Reader, size int64, known bool) (*Index, int64, error) {
	d := &decoder{r: bufio.NewReaderSize(r, 1<<16), crc: crc32.New(castagnoli)}
	hb := make([]byte, fileHeaderSize)
	if err := d.read(hb); err != nil {
		return nil, d.n, err
	}
	var h fileHeader
	if err := h.unmarshal(hb); err != nil {
		return nil, d.n, err
	}
	cfg := h.cfg
	row := rowSize(cfg)
	rest := uint64(h.nodes)*uint64(row) + uint64(h.upperNext)*uint64(cfg.M)*4 +
		h.extraKeys*12 + h.free*4 + h.upperFree*8 + pcgStateSize + 16
	if known && uint64(size) != fileHeaderSize+rest {
		if uint64(size) < fileHeaderSize+rest {
			return nil, d.n, corruptf("truncated data: header describes %d bytes, input holds %d", fileHeaderSize+rest, size)
		}
		return nil, d.n, corruptf("%d bytes of trailing data", uint64(size)-fileHeaderSize-rest)
	}
	ix := newIndex(cfg)
	d.body = true
	le := binary.LittleEndian

	// Node rows. With a known size the header's count is backed by data, so
	// the arrays are allocated at once; otherwise segments grow
	// geometrically as rows arrive.
	buf := make([]byte, row)
	for id := uint32(0); id < h.nodes; id++ {
		l := ix.lay.Load()
		if id >= l.capacity {
			want := int(h.nodes - id)
			if !known {
				want = min(want, max(chunkNodes, int(l.capacity)))
			}
			ix.hi = id
			if err := ix.growExact(want); err != nil {
				return nil, d.n, err
			}
			l = ix.lay.Load()
		}
		if err := d.read(buf); err != nil {
			return nil, d.n, err
		}
		rec := ix.record(l, id)
		o := 0
		for i := range rec {
			rec[i] = le.Uint32(buf[o:])
			o += 4
		}
		s := l.seg(id)
		local := int(id - s.base)
		s.keys[local] = le.Uint64(buf[o:])
		o += 8
		if cfg.Storage == Float16 {
			v := s.vec16[local*cfg.Dim : (local+1)*cfg.Dim]
			for i := range v {
				v[i] = halfvec.Float16(le.Uint16(buf[o:]))
				o += 2
			}
		} else {
			v := s.vec32[local*cfg.Dim : (local+1)*cfg.Dim]
			for i := range v {
				v[i] = math.Float32frombits(le.Uint32(buf[o:]))
				o += 4
			}
		}
	}
	ix.hi = h.nodes

	// Upper blocks, one side-arena chunk at a time.
	ub := make([]byte, 4*cfg.M)
	if known && h.upperNext > 0 {
		// The size check above backs the count: carve every chunk out of
		// one allocation.
		chunks := int((h.upperNext + upperChunkBlocks - 1) >> upperChunkShift)
		words := upperChunkBlocks * cfg.M
		all := make([]uint32, chunks*words)
		nl := *ix.lay.Load()
		nl.upper = make([][]uint32, chunks)
		for i := range nl.upper {
			nl.upper[i] = all[i*words : (i+1)*words : (i+1)*words]
		}
		ix.lay.Store(&nl)
		ix.bytesUpper.Add(int64(len(all)) * 4)
	}
	for b := uint32(0); b < h.upperNext; b++ {
		if !known && b&(upperChunkBlocks-1) == 0 {
			l := ix.lay.Load()
			nl := *l
			nl.upper = append(l.upper[:len(l.upper):len(l.upper)], make([]uint32, upperChunkBlocks*cfg.M))
			ix.lay.Store(&nl)
			ix.bytesUpper.Add(int64(upperChunkBlocks*cfg.M) * 4)
		}
		if err := d.read(ub); err != nil {
			return nil, d.n, err
		}
		c := ix.lay.Load().upper[b>>upperChunkShift]
		base := int(b&(upperChunkBlocks-1)) * cfg.M
		for i := range cfg.M {
			c[base+i] = le.Uint32(ub[4*i:])
		}
	}
	ix.upperNext = h.upperNext

	// Merged keys, free list, freed upper blocks, PRNG state.
	var kb [12]byte
	for range h.extraKeys {
		if err := d.read(kb[:]); err != nil {
			return nil, d.n, err
		}
		id, k := le.Uint32(kb[:]), le.Uint64(kb[4:])
		if id >= h.nodes {
			return nil, d.n, corruptf("merged key %d names node %d of %d", k, id, h.nodes)
		}
		if _, dup := ix.extraKeyNode[k]; dup {
			return nil, d.n, corruptf("key %d appears twice", k)
		}
		ix.extraKeys[id] = append(ix.extraKeys[id], k)
		ix.extraKeyNode[k] = id
	}
	for range h.free {
		if err := d.read(kb[:4]); err != nil {
			return nil, d.n, err
		}
		id := le.Uint32(kb[:])
		if id >= h.nodes {
			return nil, d.n, corruptf("free slot %d of %d nodes", id, h.nodes)
		}
		ix.freeIDLocked(id)
	}
	for range h.upperFree {
		if err := d.read(kb[:8]); err != nil {
			return nil, d.n, err
		}
		lv, b := int(le.Uint32(kb[:])), le.Uint32(kb[4:])
		if lv < 1 || lv > ix.maxLevel || uint64(b)+uint64(lv) > uint64(h.upperNext) || int(b&(upperChunkBlocks-1))+lv > upperChunkBlocks {
			return nil, d.n, corruptf("free upper block %d of level %d", b, lv)
		}
		ix.upperFree[lv] = append(ix.upperFree[lv], b)
	}
	pcg := make([]byte, pcgStateSize)
	if err := d.read(pcg); err != nil {
		return nil, d.n, err
	}
	if err := ix.pcg.UnmarshalBinary(pcg); err != nil {
		return nil, d.n, corruptf("PRNG state: %v", err)
	}
	sum := d.crc.Sum32()
	d.body = false
	var tr [16]byte
	if err := d.read(tr[:]); err != nil {
		return nil, d.n, err
	}
	if le.Uint32(tr[:]) != sum || le.Uint32(tr[4:]) != 0 || string(tr[8:]) != trailerMagic {
		return nil, d.n, corruptf("body checksum mismatch")
	}
	if !known {
		if _, err := d.r.ReadByte(); err == nil {
			return nil, d.n, corruptf("trailing data after the index")
		}
	}
	if err := ix.validateLoaded(&h); err != nil {
		return nil, d.n, err
	}
	return ix, d.n, nil
}

// growExact appends one segment of exactly n nodes (rounded up to a chunk).
func (ix *Index) growExact(n int) error {
	l := ix.lay.Load()
	ix.hi = l.capacity
	return ix.growLockedExact(n)
}

// growLockedExact is growLocked without the growth policy.
func (ix *Index) growLockedExact(n int) error {
	l := ix.lay.Load()
	want := (uint64(n) + chunkNodes - 1) &^ (chunkNodes - 1)
	if uint64(l.capacity)+want > maxNodes+chunkNodes {
		return ErrIndexFull
	}
	s := ix.newSegment(l.capacity, uint32(want))
	nl := &layout{
		segs:     append(l.segs[:len(l.segs):len(l.segs)], s),
		chunks:   make([]*segment, (uint64(l.capacity)+want)>>chunkShift),
		capacity: l.capacity + uint32(want),
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

// validateLoaded checks every structural invariant of a decoded index and
// rebuilds the counters and the key table. Anything a search or insert relies
// on is checked, so a file that passes cannot make them misbehave.
func (ix *Index) validateLoaded(h *fileHeader) error {
	l := ix.lay.Load()
	hi := ix.hi
	var keys, live, deleted uint64
	// One bitmap of used upper blocks, and a key table sized once.
	upperOwner := make([]uint64, (ix.upperNext+63)/64)
	owned := func(b uint32) bool { return upperOwner[b>>6]&(1<<(b&63)) != 0 }
	ix.rehashKeysLocked(int(min(h.live, uint64(hi))))
	for id := uint32(0); id < hi; id++ {
		rec := ix.record(l, id)
		hd := rec[0]
		if hd&^(flagDeleted|flagMulti|levelBits<<levelShift|upperMask) != 0 {
			return corruptf("node %d: bad header %#x", id, hd)
		}
		level := headerLevel(hd)
		if level > ix.maxLevel {
			return corruptf("node %d: level %d above the cap %d", id, level, ix.maxLevel)
		}
		if level > 0 {
			up := headerUpper(hd)
			if uint64(up)+uint64(level) > uint64(ix.upperNext) || int(up&(upperChunkBlocks-1))+level > upperChunkBlocks {
				return corruptf("node %d: upper blocks %d+%d out of range", id, up, level)
			}
			for b := up; b < up+uint32(level); b++ {
				if owned(b) {
					return corruptf("node %d: upper block %d shared", id, b)
				}
				upperOwner[b>>6] |= 1 << (b & 63)
			}
		}
		for lc := 0; lc <= level; lc++ {
			if err := checkList(ix.list(l, id, lc), hi); err != nil {
				return corruptf("node %d layer %d: %v", id, lc, err)
			}
		}
		if ix.isFreeLocked(id) && (hd != flagDeleted || loadSlot(&rec[1]) != noNode) {
			return corruptf("node %d: free slot is not empty", id)
		}
		multi := hd&flagMulti != 0
		if multi != (len(ix.extraKeys[id]) > 0) {
			return corruptf("node %d: merged-key flag disagrees with the key list", id)
		}
		if len(ix.extraKeys[id])+1 > ix.cfg.MaxKeysPerNode && multi {
			return corruptf("node %d: %d keys, more than %d", id, len(ix.extraKeys[id])+1, ix.cfg.MaxKeysPerNode)
		}
		if hd&flagDeleted != 0 {
			if multi {
				return corruptf("node %d: deleted node with keys", id)
			}
			if !ix.isFreeLocked(id) {
				deleted++
				ix.levelCounts[level].Add(1)
			}
			continue
		}
		if ix.isFreeLocked(id) {
			return corruptf("node %d: free slot is not marked deleted", id)
		}
		if ix.cfg.Storage == Float32 {
			if err := ix.checkVector(ix.vec32(l, id)); err != nil {
				return corruptf("node %d: %v", id, err)
			}
		} else {
			for _, x := range ix.vec16(l, id) {
				if x.IsNaN() || x.IsInf(0) {
					return corruptf("node %d: non-finite component", id)
				}
			}
		}
		live++
		keys += 1 + uint64(len(ix.extraKeys[id]))
		ix.levelCounts[level].Add(1)
		k := firstKey(l, id)
		if _, dup := ix.lookupKeyLocked(k); dup {
			return corruptf("key %d appears twice", k)
		}
		ix.insertKeyLocked(k, id)
	}
	// Second pass, now that every header is known: a list on layer lc
	// names only nodes that have that layer, and no list names a free slot.
	for id := uint32(0); id < hi; id++ {
		level := ix.levelOf(l, id)
		for lc := 0; lc <= level; lc++ {
			slots := ix.list(l, id, lc)
			for i := range slots {
				n := loadSlot(&slots[i])
				if n == noNode {
					break
				}
				if ix.isFreeLocked(n) || ix.levelOf(l, n) < lc {
					return corruptf("node %d layer %d: bad neighbour %d", id, lc, n)
				}
			}
		}
	}
	for id := range ix.extraKeys {
		if ix.headerOf(l, id)&flagMulti == 0 {
			return corruptf("node %d: merged keys without the merged-key flag", id)
		}
	}
	for _, ids := range ix.upperFree {
		for _, b := range ids {
			if owned(b) {
				return corruptf("free upper block %d is in use", b)
			}
		}
	}
	if len(ix.freeIDs) != int(h.free) || live != h.live || deleted != h.deleted || keys != h.keys {
		return corruptf("counts disagree with the header")
	}
	if h.entryLevel >= 0 {
		if ix.isFreeLocked(h.entryID) || ix.levelOf(l, h.entryID) != int(h.entryLevel) {
			return corruptf("entry point %d is not a node of level %d", h.entryID, h.entryLevel)
		}
		ix.setEntry(h.entryID, int(h.entryLevel))
	} else if live+deleted > 0 {
		return corruptf("nodes without an entry point")
	}
	ix.nKeys.Store(int64(keys))
	ix.nNodes.Store(int64(live))
	ix.nDeleted.Store(int64(deleted))
	return nil
}

// checkList checks that a list holds ids below hi packed at the front.
func checkList(slots []uint32, hi uint32) error {
	end := false
	for _, v := range slots {
		switch {
		case v == noNode:
			end = true
		case end:
			return errors.New("id after an empty slot")
		case v&idMask >= hi:
			return fmt.Errorf("neighbour %d beyond %d nodes", v, hi)
		}
	}
	return nil
}

// isFreeLocked reports whether id is on the free list (allocMu held or the
// index not yet shared).
func (ix *Index) isFreeLocked(id uint32) bool {
	w := int(id >> 6)
	return w < len(ix.freeSet) && ix.freeSet[w]&(1<<(id&63)) != 0
}

// countWriter counts the bytes written through it.
type countWriter struct {
	w io.Writer
	n int64
}

// Write writes p to the underlying writer and counts what it accepted.
func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
