package hnsw

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"io"
	"testing"
)

// FuzzReadFrom feeds arbitrary bytes to the decoder: it must return an error
// or a working index, never panic, and a working index must survive searches,
// inserts, deletes, a vacuum and a save.
func FuzzReadFrom(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) { exercise(t, data) })
}

// FuzzReadFromChecksummed is FuzzReadFrom with the checksums repaired after
// mutation, so that the fuzzer reaches the structural validation behind
// them: a hostile file with valid checksums must not break the index either.
func FuzzReadFromChecksummed(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) >= fileHeaderSize+16 {
			data = append([]byte(nil), data...)
			binary.LittleEndian.PutUint32(data[124:], crc32.Checksum(data[:124], castagnoli))
			body := data[fileHeaderSize : len(data)-16]
			binary.LittleEndian.PutUint32(data[len(data)-16:], crc32.Checksum(body, castagnoli))
			copy(data[len(data)-8:], trailerMagic)
		}
		exercise(t, data)
	})
}

// addSeeds adds small saved indexes (and their truncations) as seeds.
func addSeeds(f *testing.F) {
	for _, cfg := range []Config{{Dim: 2, M: 2}, {Dim: 3, M: 3, Storage: Float16, Metric: Cosine, MergeDuplicates: true}} {
		ix, err := New(cfg)
		if err != nil {
			f.Fatal(err)
		}
		for i, v := range manifoldVectors(7, 40, cfg.Dim) {
			_ = ix.Add(uint64(i), v)
		}
		_ = ix.Add(100, []float32{1, 1, 1}[:cfg.Dim])
		_ = ix.Add(101, []float32{1, 1, 1}[:cfg.Dim])
		_ = ix.Delete(3)
		_ = ix.Delete(4)
		_ = ix.Vacuum(f.Context())
		_ = ix.Delete(5)
		var buf bytes.Buffer
		if _, err := ix.WriteTo(&buf); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
		f.Add(buf.Bytes()[:fileHeaderSize])
	}
	empty, _ := New(Config{Dim: 1})
	var buf bytes.Buffer
	_, _ = empty.WriteTo(&buf)
	f.Add(buf.Bytes())
	f.Add([]byte{})
}

// exercise loads data and, if it loads, uses the index every way.
func exercise(t *testing.T, data []byte) {
	for _, r := range []io.Reader{bytes.NewReader(data), io.MultiReader(bytes.NewReader(data))} {
		ix, err := Load(r)
		if err != nil {
			if ix != nil {
				t.Fatal("index returned with an error")
			}
			continue
		}
		q := make([]float32, ix.Dim())
		for i := range q {
			q[i] = float32(i%3) - 0.5
		}
		if _, err := ix.Search(q, 5); err != nil {
			t.Fatal(err)
		}
		for range ix.SearchIter(q, SearchOptions{Ef: 3, MaxScanTuples: 20}) {
		}
		_ = ix.Add(1<<60, q)
		for id := range min(ix.NodeCount(), 5) {
			if info, err := ix.Node(NodeID(id)); err == nil && len(info.Keys) > 0 && !info.Deleted {
				_ = ix.Delete(info.Keys[0])
			}
		}
		if err := ix.Vacuum(t.Context()); err != nil {
			t.Fatal(err)
		}
		if _, err := ix.WriteTo(io.Discard); err != nil {
			t.Fatal(err)
		}
	}
}
