package pgtest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/jackc/pgx/v5"

	"github.com/smallworld-go/smallworld/pgcompat/pgxvec"
)

// On-disk constants of pgvector 0.8.7's HNSW access method (hnsw.h) and of
// PostgreSQL's page layout (bufpage.h, itemid.h). The oracle is 32-bit
// little-endian WebAssembly with MAXALIGN 8.
const (
	hnswMagicNumber   = 0xA953A953
	hnswPageID        = 0xFF90
	hnswElementType   = 1
	hnswNeighborType  = 2
	hnswHeapTIDs      = 10
	pageHeaderSize    = 24
	hnswSpecialSize   = 8
	itemPointerSize   = 6
	elementHeaderSize = 4 + hnswHeapTIDs*itemPointerSize + itemPointerSize + 2 // 72
	neighborHeader    = 4
	invalidBlock      = math.MaxUint32
	lpNormal          = 1
)

// ErrMalformedPage is wrapped by the errors of [ParseHNSWPages] for pages that
// are not a consistent pgvector HNSW index.
var ErrMalformedPage = errors.New("pgtest: malformed HNSW index page")

// TID is a tuple identifier: a block number and a 1-based line pointer
// number, as in PostgreSQL's ctid.
type TID struct {
	Block  uint32
	Offset uint16
}

// String formats t as PostgreSQL prints a ctid.
func (t TID) String() string { return fmt.Sprintf("(%d,%d)", t.Block, t.Offset) }

// HNSWIndex is a pgvector HNSW index decoded from its pages.
type HNSWIndex struct {
	// Version, Dimensions, M and EfConstruction come from the metapage.
	Version        int
	Dimensions     int
	M              int
	EfConstruction int
	// Entry indexes Elements for the entry point, or is -1 in an empty
	// index; EntryLevel is the level the metapage records (-1 if empty).
	Entry      int
	EntryLevel int
	// InsertPage is where the next on-disk insert starts looking for room.
	InsertPage uint32
	// Pages counts all blocks, the metapage included.
	Pages int
	// Elements lists every element tuple in physical order (block, then
	// line pointer), deleted ones included.
	Elements []HNSWElement
}

// HNSWElement is one graph node.
type HNSWElement struct {
	// TID is where the element tuple is stored.
	TID     TID
	Level   int
	Deleted bool
	Version int
	// HeapTIDs are the rows the element stands for, in slot order: more
	// than one when identical vectors were merged.
	HeapTIDs []TID
	// NeighborTID is where the element's neighbour tuple is stored.
	NeighborTID TID
	// Neighbors[l] lists the neighbours on layer l, for l = 0..Level, as
	// indexes into HNSWIndex.Elements, in stored order; empty slots are
	// left out.
	Neighbors [][]int
	// Data is the stored (for cosine: normalised) value, without its
	// varlena header: for vector, int16 dim, int16 unused, float32s; see
	// Vector and HalfVector.
	Data []byte
}

// Vector decodes Data as a vector value.
func (e *HNSWElement) Vector() ([]float32, error) {
	dim, body, err := e.dataHeader(4)
	if err != nil {
		return nil, err
	}
	xs := make([]float32, dim)
	for i := range xs {
		xs[i] = math.Float32frombits(binary.LittleEndian.Uint32(body[4*i:]))
	}
	return xs, nil
}

// HalfVector decodes Data as a halfvec value, widened to float32.
func (e *HNSWElement) HalfVector() ([]float32, error) {
	dim, body, err := e.dataHeader(2)
	if err != nil {
		return nil, err
	}
	xs := make([]float32, dim)
	for i := range xs {
		xs[i] = pgxvec.Float16FromBits(binary.LittleEndian.Uint16(body[2*i:]))
	}
	return xs, nil
}

// dataHeader splits Data into the int16 dimension count and the elements
// (after the int16 unused field), which must fill the rest exactly.
func (e *HNSWElement) dataHeader(elemSize int) (int, []byte, error) {
	if len(e.Data) < 4 {
		return 0, nil, fmt.Errorf("%w: value of %d bytes", ErrMalformedPage, len(e.Data))
	}
	dim := int(int16(binary.LittleEndian.Uint16(e.Data)))
	if dim < 0 {
		return 0, nil, fmt.Errorf("%w: negative dimension count %d", ErrMalformedPage, dim)
	}
	body := e.Data[4:]
	if len(body) != elemSize*dim {
		return 0, nil, fmt.Errorf("%w: %d dimensions in %d bytes", ErrMalformedPage, dim, len(body))
	}
	return dim, body, nil
}

// Querier runs queries; *pgx.Conn, pgx.Tx and pgxpool.Pool satisfy it.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// ReadHNSW fetches every page of the named HNSW index with pageinspect's
// get_raw_page and decodes it. index is written as in SQL (it may be
// schema-qualified or quoted). The oracle server has pageinspect installed;
// on another server it needs CREATE EXTENSION pageinspect and superuser.
func ReadHNSW(ctx context.Context, q Querier, index string) (*HNSWIndex, error) {
	rows, err := q.Query(ctx, `
		SELECT get_raw_page($1::text, blk::bigint)
		FROM generate_series(0, pg_relation_size($1::text::regclass) / current_setting('block_size')::int - 1) AS blk
		ORDER BY blk`, index)
	if err != nil {
		return nil, fmt.Errorf("pgtest: reading index %s: %w", index, err)
	}
	pages, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return nil, fmt.Errorf("pgtest: reading index %s: %w", index, err)
	}
	idx, err := ParseHNSWPages(pages)
	if err != nil {
		return nil, fmt.Errorf("pgtest: index %s: %w", index, err)
	}
	return idx, nil
}

// rawTuple is a line pointer's tuple on some page.
type rawTuple struct {
	tid  TID
	data []byte
}

// ParseHNSWPages decodes the raw pages of a pgvector HNSW index, block 0 (the
// metapage) first. It checks the structure it relies on and reports anything
// else as an error wrapping [ErrMalformedPage]; it never panics.
func ParseHNSWPages(pages [][]byte) (*HNSWIndex, error) {
	if len(pages) == 0 {
		return nil, fmt.Errorf("%w: no metapage", ErrMalformedPage)
	}
	var tuples []rawTuple
	for blk, page := range pages {
		items, err := pageItems(page)
		if err != nil {
			return nil, fmt.Errorf("block %d: %w", blk, err)
		}
		if blk == 0 {
			continue // the metapage has contents, not items
		}
		for i, item := range items {
			if item != nil {
				tuples = append(tuples, rawTuple{tid: TID{Block: uint32(blk), Offset: uint16(i + 1)}, data: item})
			}
		}
	}
	idx, entry, err := parseMetapage(pages[0])
	if err != nil {
		return nil, err
	}
	idx.Pages = len(pages)

	elementAt := map[TID]int{}
	neighborAt := map[TID][]byte{}
	for _, t := range tuples {
		switch t.data[0] {
		case hnswElementType:
			e, err := parseElement(t)
			if err != nil {
				return nil, err
			}
			elementAt[t.tid] = len(idx.Elements)
			idx.Elements = append(idx.Elements, e)
		case hnswNeighborType:
			neighborAt[t.tid] = t.data
		default:
			return nil, fmt.Errorf("%w: tuple %v has type %d", ErrMalformedPage, t.tid, t.data[0])
		}
	}

	for i := range idx.Elements {
		e := &idx.Elements[i]
		ntup, ok := neighborAt[e.NeighborTID]
		if !ok {
			return nil, fmt.Errorf("%w: element %v points to neighbour tuple %v, which does not exist",
				ErrMalformedPage, e.TID, e.NeighborTID)
		}
		if err := linkNeighbors(e, ntup, idx.M, elementAt); err != nil {
			return nil, err
		}
	}

	idx.Entry = -1
	if entry.Offset != 0 && entry.Block != invalidBlock {
		i, ok := elementAt[entry]
		if !ok {
			return nil, fmt.Errorf("%w: entry point %v is not an element", ErrMalformedPage, entry)
		}
		idx.Entry = i
	}
	return idx, nil
}

// pageItems checks a page's header and special space and returns the tuple
// of each line pointer (nil for unused ones).
func pageItems(page []byte) ([][]byte, error) {
	size := len(page)
	if size < pageHeaderSize+hnswSpecialSize || size > 1<<15 {
		return nil, fmt.Errorf("%w: page of %d bytes", ErrMalformedPage, size)
	}
	lower := int(binary.LittleEndian.Uint16(page[12:]))
	upper := int(binary.LittleEndian.Uint16(page[14:]))
	special := int(binary.LittleEndian.Uint16(page[16:]))
	if pageSize := int(binary.LittleEndian.Uint16(page[18:]) & 0xFF00); pageSize != size&0xFF00 {
		return nil, fmt.Errorf("%w: header says %d-byte page, have %d bytes", ErrMalformedPage, pageSize, size)
	}
	if lower < pageHeaderSize || lower > upper || upper > special || special != size-hnswSpecialSize {
		return nil, fmt.Errorf("%w: lower %d, upper %d, special %d in a %d-byte page", ErrMalformedPage, lower, upper, special, size)
	}
	if id := binary.LittleEndian.Uint16(page[special+6:]); id != hnswPageID {
		return nil, fmt.Errorf("%w: page id %#x, want %#x", ErrMalformedPage, id, hnswPageID)
	}
	n := (lower - pageHeaderSize) / 4
	items := make([][]byte, n)
	for i := range items {
		lp := binary.LittleEndian.Uint32(page[pageHeaderSize+4*i:])
		off, flags, length := int(lp&0x7FFF), (lp>>15)&3, int(lp>>17)
		if flags != lpNormal {
			continue
		}
		if length < 1 || off < upper || off+length > special {
			return nil, fmt.Errorf("%w: item %d at %d+%d outside [%d,%d)", ErrMalformedPage, i+1, off, length, upper, special)
		}
		items[i] = page[off : off+length]
	}
	return items, nil
}

func parseMetapage(page []byte) (*HNSWIndex, TID, error) {
	meta := page[pageHeaderSize:]
	lower := int(binary.LittleEndian.Uint16(page[12:]))
	if lower < pageHeaderSize+28 {
		return nil, TID{}, fmt.Errorf("%w: metapage too short (pd_lower %d)", ErrMalformedPage, lower)
	}
	if magic := binary.LittleEndian.Uint32(meta); magic != hnswMagicNumber {
		return nil, TID{}, fmt.Errorf("%w: magic number %#x, want %#x", ErrMalformedPage, magic, uint32(hnswMagicNumber))
	}
	idx := &HNSWIndex{
		Version:        int(binary.LittleEndian.Uint32(meta[4:])),
		Dimensions:     int(binary.LittleEndian.Uint32(meta[8:])),
		M:              int(binary.LittleEndian.Uint16(meta[12:])),
		EfConstruction: int(binary.LittleEndian.Uint16(meta[14:])),
		EntryLevel:     int(int16(binary.LittleEndian.Uint16(meta[22:]))),
		InsertPage:     binary.LittleEndian.Uint32(meta[24:]),
	}
	if idx.M < 1 {
		return nil, TID{}, fmt.Errorf("%w: m = %d", ErrMalformedPage, idx.M)
	}
	entry := TID{Block: binary.LittleEndian.Uint32(meta[16:]), Offset: binary.LittleEndian.Uint16(meta[20:])}
	return idx, entry, nil
}

func readTID(b []byte) TID {
	hi, lo := binary.LittleEndian.Uint16(b), binary.LittleEndian.Uint16(b[2:])
	return TID{Block: uint32(hi)<<16 | uint32(lo), Offset: binary.LittleEndian.Uint16(b[4:])}
}

func (t TID) valid() bool { return t.Offset != 0 }

func parseElement(t rawTuple) (HNSWElement, error) {
	d := t.data
	if len(d) < elementHeaderSize+4 {
		return HNSWElement{}, fmt.Errorf("%w: element %v is %d bytes", ErrMalformedPage, t.tid, len(d))
	}
	e := HNSWElement{
		TID:         t.tid,
		Level:       int(d[1]),
		Deleted:     d[2] != 0,
		Version:     int(d[3]),
		NeighborTID: readTID(d[4+hnswHeapTIDs*itemPointerSize:]),
	}
	for i := range hnswHeapTIDs {
		if tid := readTID(d[4+i*itemPointerSize:]); tid.valid() {
			e.HeapTIDs = append(e.HeapTIDs, tid)
		}
	}
	value := d[elementHeaderSize:]
	var size, header int
	switch {
	case value[0]&0x03 == 0: // 4-byte varlena header, uncompressed
		size, header = int(binary.LittleEndian.Uint32(value)>>2), 4
	case value[0]&0x01 == 1 && value[0] != 1: // 1-byte header
		size, header = int(value[0]>>1), 1
	default:
		return HNSWElement{}, fmt.Errorf("%w: element %v holds a compressed or external value", ErrMalformedPage, t.tid)
	}
	if size < header || size > len(value) {
		return HNSWElement{}, fmt.Errorf("%w: element %v value of %d bytes in %d", ErrMalformedPage, t.tid, size, len(value))
	}
	e.Data = value[header:size]
	return e, nil
}

// linkNeighbors decodes an element's neighbour tuple: (level+2)*m slots,
// layer level first down to layer 0, m slots per upper layer and 2m on layer 0.
func linkNeighbors(e *HNSWElement, ntup []byte, m int, elementAt map[TID]int) error {
	if len(ntup) < neighborHeader {
		return fmt.Errorf("%w: neighbour tuple %v is %d bytes", ErrMalformedPage, e.NeighborTID, len(ntup))
	}
	count := int(binary.LittleEndian.Uint16(ntup[2:]))
	if want := (e.Level + 2) * m; count != want {
		return fmt.Errorf("%w: neighbour tuple %v has %d slots, want (level %d + 2) * m %d = %d",
			ErrMalformedPage, e.NeighborTID, count, e.Level, m, want)
	}
	if len(ntup) < neighborHeader+count*itemPointerSize {
		return fmt.Errorf("%w: neighbour tuple %v is %d bytes for %d slots", ErrMalformedPage, e.NeighborTID, len(ntup), count)
	}
	e.Neighbors = make([][]int, e.Level+1)
	slot := 0
	for layer := e.Level; layer >= 0; layer-- {
		width := m
		if layer == 0 {
			width = 2 * m
		}
		list := []int{}
		for range width {
			tid := readTID(ntup[neighborHeader+slot*itemPointerSize:])
			slot++
			if !tid.valid() {
				continue
			}
			j, ok := elementAt[tid]
			if !ok {
				return fmt.Errorf("%w: element %v has neighbour %v on layer %d, which is not an element",
					ErrMalformedPage, e.TID, tid, layer)
			}
			list = append(list, j)
		}
		e.Neighbors[layer] = list
	}
	return nil
}
