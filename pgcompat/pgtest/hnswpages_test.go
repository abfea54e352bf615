package pgtest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pageBuilder writes PostgreSQL pages the way PageAddItem does, with
// pgvector's special space, so that the parser can be tested without a
// server.
type pageBuilder struct {
	page  []byte
	lower int
	upper int
}

func newPage(size int) *pageBuilder {
	p := &pageBuilder{page: make([]byte, size), lower: pageHeaderSize, upper: size - hnswSpecialSize}
	special := size - hnswSpecialSize
	binary.LittleEndian.PutUint16(p.page[16:], uint16(special))
	binary.LittleEndian.PutUint16(p.page[18:], uint16(size|4)) // page size | layout version
	binary.LittleEndian.PutUint32(p.page[special:], invalidBlock)
	binary.LittleEndian.PutUint16(p.page[special+6:], hnswPageID)
	p.sync()
	return p
}

func (p *pageBuilder) sync() {
	binary.LittleEndian.PutUint16(p.page[12:], uint16(p.lower))
	binary.LittleEndian.PutUint16(p.page[14:], uint16(p.upper))
}

// add stores a tuple and returns its 1-based line pointer number.
func (p *pageBuilder) add(tuple []byte) uint16 {
	size := (len(tuple) + 7) &^ 7
	p.upper -= size
	copy(p.page[p.upper:], tuple)
	lp := uint32(p.upper) | lpNormal<<15 | uint32(len(tuple))<<17
	binary.LittleEndian.PutUint32(p.page[p.lower:], lp)
	p.lower += 4
	p.sync()
	return uint16((p.lower - pageHeaderSize) / 4)
}

func putTID(b []byte, t TID) {
	binary.LittleEndian.PutUint16(b, uint16(t.Block>>16))
	binary.LittleEndian.PutUint16(b[2:], uint16(t.Block))
	binary.LittleEndian.PutUint16(b[4:], t.Offset)
}

var invalidTID = TID{Block: invalidBlock, Offset: 0}

func metapage(size, dims, m, efc int, entry TID, entryLevel int) []byte {
	p := newPage(size)
	meta := p.page[pageHeaderSize:]
	binary.LittleEndian.PutUint32(meta, hnswMagicNumber)
	binary.LittleEndian.PutUint32(meta[4:], 1)
	binary.LittleEndian.PutUint32(meta[8:], uint32(dims))
	binary.LittleEndian.PutUint16(meta[12:], uint16(m))
	binary.LittleEndian.PutUint16(meta[14:], uint16(efc))
	binary.LittleEndian.PutUint32(meta[16:], entry.Block)
	binary.LittleEndian.PutUint16(meta[20:], entry.Offset)
	binary.LittleEndian.PutUint16(meta[22:], uint16(int16(entryLevel)))
	binary.LittleEndian.PutUint32(meta[24:], 1)
	p.lower = pageHeaderSize + 28
	p.sync()
	return p.page
}

func elementTuple(level int, heap []TID, neighbor TID, vec []float32) []byte {
	b := make([]byte, elementHeaderSize+8+4*len(vec))
	b[0], b[1] = hnswElementType, byte(level)
	for i := range hnswHeapTIDs {
		t := invalidTID
		if i < len(heap) {
			t = heap[i]
		}
		putTID(b[4+i*itemPointerSize:], t)
	}
	putTID(b[4+hnswHeapTIDs*itemPointerSize:], neighbor)
	v := b[elementHeaderSize:]
	binary.LittleEndian.PutUint32(v, uint32(8+4*len(vec))<<2)
	binary.LittleEndian.PutUint16(v[4:], uint16(len(vec)))
	for i, x := range vec {
		binary.LittleEndian.PutUint32(v[8+4*i:], math.Float32bits(x))
	}
	return b
}

func neighborTuple(slots []TID) []byte {
	b := make([]byte, neighborHeader+itemPointerSize*len(slots))
	b[0] = hnswNeighborType
	binary.LittleEndian.PutUint16(b[2:], uint16(len(slots)))
	for i, t := range slots {
		putTID(b[neighborHeader+i*itemPointerSize:], t)
	}
	return b
}

// twoNodeIndex builds m=2: element A (level 1) and B (level 0), each the
// other's neighbour; A's neighbour tuple has 3*2 slots, B's 2*2. PostgreSQL
// pages are 8 KiB; smaller ones keep fuzzing inputs short.
func twoNodeIndex(pageSize int) [][]byte {
	const m = 2
	p := newPage(pageSize)
	a, b := TID{1, 1}, TID{1, 3}
	aN, bN := TID{1, 2}, TID{1, 4}
	p.add(elementTuple(1, []TID{{0, 1}}, aN, []float32{1, 2}))
	p.add(neighborTuple([]TID{invalidTID, invalidTID, b, invalidTID, invalidTID, invalidTID}))
	p.add(elementTuple(0, []TID{{0, 2}, {0, 3}}, bN, []float32{3, 4}))
	p.add(neighborTuple([]TID{a, invalidTID, invalidTID, invalidTID}))
	return [][]byte{metapage(pageSize, 2, m, 8, a, 1), p.page}
}

func TestParseHNSWPagesOfASyntheticIndex(t *testing.T) {
	idx, err := ParseHNSWPages(twoNodeIndex(8192))
	require.NoError(t, err)
	assert.Equal(t, 2, idx.Dimensions)
	assert.Equal(t, 2, idx.M)
	assert.Equal(t, 8, idx.EfConstruction)
	assert.Equal(t, 2, idx.Pages)
	assert.Equal(t, 0, idx.Entry)
	assert.Equal(t, 1, idx.EntryLevel)
	require.Len(t, idx.Elements, 2)
	a, b := idx.Elements[0], idx.Elements[1]
	// A's slots hold layer 1 first (empty), then layer 0 (B); Neighbors is
	// indexed by layer.
	assert.Equal(t, [][]int{{1}, {}}, a.Neighbors)
	assert.Equal(t, [][]int{{0}}, b.Neighbors)
	assert.Equal(t, []TID{{0, 2}, {0, 3}}, b.HeapTIDs)
	v, err := b.Vector()
	require.NoError(t, err)
	assert.Equal(t, []float32{3, 4}, v)
	assert.Equal(t, "(1,3)", b.TID.String())
}

func TestParseHNSWPagesRejectsDamage(t *testing.T) {
	cases := map[string]func(pages [][]byte) [][]byte{
		"no pages":    func([][]byte) [][]byte { return nil },
		"bad magic":   func(p [][]byte) [][]byte { p[0][pageHeaderSize] ^= 1; return p },
		"short page":  func(p [][]byte) [][]byte { p[1] = p[1][:100]; return p },
		"bad page id": func(p [][]byte) [][]byte { p[1][8192-2] = 0; return p },
		"bad lower":   func(p [][]byte) [][]byte { binary.LittleEndian.PutUint16(p[1][12:], 9000); return p },
		"item outside page": func(p [][]byte) [][]byte {
			binary.LittleEndian.PutUint32(p[1][pageHeaderSize:], 8180|lpNormal<<15|100<<17)
			return p
		},
		"unknown tuple type": func(p [][]byte) [][]byte {
			off := binary.LittleEndian.Uint32(p[1][pageHeaderSize:]) & 0x7fff
			p[1][off] = 9
			return p
		},
		"dangling entry point": func(p [][]byte) [][]byte {
			binary.LittleEndian.PutUint16(p[0][pageHeaderSize+20:], 7)
			return p
		},
		"wrong slot count": func(p [][]byte) [][]byte {
			off := binary.LittleEndian.Uint32(p[1][pageHeaderSize+4:]) & 0x7fff
			binary.LittleEndian.PutUint16(p[1][off+2:], 5)
			return p
		},
		"neighbour is not an element": func(p [][]byte) [][]byte {
			off := binary.LittleEndian.Uint32(p[1][pageHeaderSize+4:]) & 0x7fff
			putTID(p[1][int(off)+neighborHeader+2*itemPointerSize:], TID{1, 2})
			return p
		},
	}
	for name, damage := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ParseHNSWPages(damage(twoNodeIndex(8192)))
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrMalformedPage), "%v", err)
		})
	}
}

func FuzzParseHNSWPages(f *testing.F) {
	pages := twoNodeIndex(512)
	f.Add(bytes.Join(pages, nil), 512)
	f.Add(pages[0], 512)
	f.Add(bytes.Join(pages, nil)[:700], 512)
	f.Add(make([]byte, 64), 32)
	f.Fuzz(func(t *testing.T, data []byte, pageSize int) {
		if pageSize < 1 || pageSize > 1<<15 {
			return
		}
		var split [][]byte
		for len(data) > 0 {
			n := min(pageSize, len(data))
			split = append(split, data[:n])
			data = data[n:]
		}
		idx, err := ParseHNSWPages(split)
		if err != nil {
			require.ErrorIs(t, err, ErrMalformedPage)
			return
		}
		// Whatever parses is internally consistent.
		for _, e := range idx.Elements {
			require.Len(t, e.Neighbors, e.Level+1)
			for _, list := range e.Neighbors {
				for _, j := range list {
					require.Less(t, j, len(idx.Elements))
				}
			}
			_, _ = e.Vector()
			_, _ = e.HalfVector()
		}
		if idx.Entry >= 0 {
			require.Less(t, idx.Entry, len(idx.Elements))
		}
	})
}
