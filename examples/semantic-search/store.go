package main

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/smallworld-go/smallworld/hnsw"
)

// The data file holds the metadata and the index together, so that one
// rename replaces both and a crash can never pair an index with the metadata
// of another moment:
//
//	magic   [8]byte  "SWSEARCH"
//	version uint32   little-endian, storeVersion
//	metaLen uint64   little-endian, bytes of metadata JSON
//	metaCRC uint32   CRC-32C of the metadata JSON
//	meta    JSON     [{"id":…,"tags":[…],"payload":…}, …] sorted by id
//	index            hnsw's own format (Index.WriteTo), checksummed by hnsw
const (
	storeMagic   = "SWSEARCH"
	storeVersion = 1
	headerLen    = 8 + 4 + 8 + 4
)

// errCorruptStore is wrapped by every error about a data file's content.
var errCorruptStore = errors.New("corrupt data file")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// storedItem is one metadata record in the data file.
type storedItem struct {
	ID      uint64          `json:"id"`
	Tags    []string        `json:"tags,omitempty"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// writeStore writes index and meta to path atomically: a temporary file in
// the same directory is written, synced and renamed over path, and the
// directory is synced, so that a crash leaves the old file or the new one.
func writeStore(path string, index *hnsw.Index, meta map[uint64]Item) (err error) {
	items := make([]storedItem, 0, len(meta))
	for id, it := range meta {
		items = append(items, storedItem{ID: id, Tags: it.Tags, Payload: it.Payload})
	}
	slices.SortFunc(items, func(a, b storedItem) int { return cmp.Compare(a.ID, b.ID) })
	metaJSON, err := json.Marshal(items)
	if err != nil {
		return fmt.Errorf("saving %s: %w", path, err)
	}

	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("saving %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	w := bufio.NewWriterSize(f, 1<<20)
	var hdr [headerLen]byte
	copy(hdr[:], storeMagic)
	binary.LittleEndian.PutUint32(hdr[8:], storeVersion)
	binary.LittleEndian.PutUint64(hdr[12:], uint64(len(metaJSON)))
	binary.LittleEndian.PutUint32(hdr[20:], crc32.Checksum(metaJSON, castagnoli))
	if _, err = w.Write(hdr[:]); err != nil {
		return fmt.Errorf("saving %s: %w", path, err)
	}
	if _, err = w.Write(metaJSON); err != nil {
		return fmt.Errorf("saving %s: %w", path, err)
	}
	if _, err = index.WriteTo(w); err != nil {
		return fmt.Errorf("saving %s: %w", path, err)
	}
	if err = w.Flush(); err != nil {
		return fmt.Errorf("saving %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("saving %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("saving %s: %w", path, err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("saving %s: %w", path, err)
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync() // persists the rename where the platform allows it
		d.Close()
	}
	return nil
}

// readStore loads a data file written by writeStore. Every failure about the
// file's content wraps errCorruptStore (and hnsw.ErrCorrupt for a bad index
// section); a missing file gives an error wrapping fs.ErrNotExist.
func readStore(path string) (*hnsw.Index, map[uint64]Item, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	index, meta, err := decodeStore(f, fi.Size())
	if err != nil {
		return nil, nil, fmt.Errorf("loading %s: %w", path, err)
	}
	return index, meta, nil
}

// decodeStore reads a data file of the given size from r. It trusts no length
// it has not checked against size, so a damaged header cannot make it
// allocate more than the file holds.
func decodeStore(r io.Reader, size int64) (*hnsw.Index, map[uint64]Item, error) {
	var hdr [headerLen]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, nil, fmt.Errorf("%w: header: %w", errCorruptStore, err)
	}
	if string(hdr[:8]) != storeMagic {
		return nil, nil, fmt.Errorf("%w: not a semantic-search data file", errCorruptStore)
	}
	if v := binary.LittleEndian.Uint32(hdr[8:]); v != storeVersion {
		return nil, nil, fmt.Errorf("%w: format version %d, this program reads %d", errCorruptStore, v, storeVersion)
	}
	metaLen := binary.LittleEndian.Uint64(hdr[12:])
	if metaLen > uint64(size-headerLen) {
		return nil, nil, fmt.Errorf("%w: metadata of %d bytes in a file of %d", errCorruptStore, metaLen, size)
	}
	metaJSON := make([]byte, metaLen)
	if _, err := io.ReadFull(r, metaJSON); err != nil {
		return nil, nil, fmt.Errorf("%w: metadata: %w", errCorruptStore, err)
	}
	if crc32.Checksum(metaJSON, castagnoli) != binary.LittleEndian.Uint32(hdr[20:]) {
		return nil, nil, fmt.Errorf("%w: metadata checksum mismatch", errCorruptStore)
	}
	var items []storedItem
	if err := json.Unmarshal(metaJSON, &items); err != nil {
		return nil, nil, fmt.Errorf("%w: metadata: %w", errCorruptStore, err)
	}
	index, err := hnsw.Load(r)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: index: %w", errCorruptStore, err)
	}
	meta := make(map[uint64]Item, len(items))
	for _, s := range items {
		if !index.Contains(s.ID) {
			return nil, nil, fmt.Errorf("%w: metadata for id %d, which the index lacks", errCorruptStore, s.ID)
		}
		it, err := normalizeItem(Item{Tags: s.Tags, Payload: s.Payload})
		if err != nil {
			return nil, nil, fmt.Errorf("%w: id %d: %w", errCorruptStore, s.ID, err)
		}
		meta[s.ID] = it
	}
	return index, meta, nil
}
