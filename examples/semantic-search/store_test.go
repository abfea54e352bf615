package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smallworld-go/smallworld/hnsw"
)

// sampleStore returns the bytes of a small data file.
func sampleStore(t testing.TB) []byte {
	t.Helper()
	ix := mustIndex(t, hnsw.Config{Dim: 4, Metric: hnsw.Cosine, Seed: 3})
	rng := rand.New(rand.NewPCG(1, 2))
	meta := map[uint64]Item{}
	for id := range uint64(30) {
		require.NoError(t, ix.Add(id, randomVector(rng, 4)))
		if id%3 == 0 {
			meta[id] = Item{Tags: []string{"x", "y"}, Payload: []byte(`{"n":1}`)}
		}
	}
	path := filepath.Join(t.TempDir(), "s.sws")
	require.NoError(t, writeStore(path, ix, meta))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

func TestStoreRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "data.sws")
	ix := mustIndex(t, hnsw.Config{Dim: 3, Metric: hnsw.L2, Storage: hnsw.Float16, M: 8})
	require.NoError(t, ix.Add(1, []float32{1, 2, 3}))
	require.NoError(t, ix.Add(2, []float32{3, 2, 1}))
	require.NoError(t, ix.Add(3, []float32{0, 0, 1}))
	require.NoError(t, ix.Delete(3))
	meta := map[uint64]Item{1: {Tags: []string{"a"}, Payload: []byte(`"one"`)}}
	require.NoError(t, writeStore(path, ix, meta))

	got, gotMeta, err := readStore(path)
	require.NoError(t, err)
	assert.Equal(t, ix.Config(), got.Config())
	assert.Equal(t, 2, got.Len())
	assert.False(t, got.Contains(3))
	v, err := got.Vector(2, nil)
	require.NoError(t, err)
	assert.Equal(t, []float32{3, 2, 1}, v)
	assert.Equal(t, meta, gotMeta)

	// No temporary file is left behind.
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1)

	_, _, err = readStore(filepath.Join(dir, "absent.sws"))
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

func TestStoreRejectsDamage(t *testing.T) {
	good := sampleStore(t)
	_, _, err := decodeStore(bytes.NewReader(good), int64(len(good)))
	require.NoError(t, err)

	// Every truncation is an error, never a panic.
	for n := 0; n < len(good); n += 1 + n/20 {
		_, _, err := decodeStore(bytes.NewReader(good[:n]), int64(n))
		require.ErrorIs(t, err, errCorruptStore, "truncated to %d bytes", n)
	}

	damage := func(f func(b []byte)) []byte {
		b := bytes.Clone(good)
		f(b)
		return b
	}
	metaLen := binary.LittleEndian.Uint64(good[12:])
	for name, b := range map[string][]byte{
		"magic":         damage(func(b []byte) { b[0] = 'X' }),
		"version":       damage(func(b []byte) { binary.LittleEndian.PutUint32(b[8:], 99) }),
		"huge metadata": damage(func(b []byte) { binary.LittleEndian.PutUint64(b[12:], 1<<62) }),
		"metadata crc":  damage(func(b []byte) { b[headerLen+2] ^= 1 }),
		"index byte":    damage(func(b []byte) { b[headerLen+int(metaLen)+40] ^= 0x55 }),
		"index tail":    damage(func(b []byte) { b[len(b)-1] ^= 1 }),
	} {
		_, _, err := decodeStore(bytes.NewReader(b), int64(len(b)))
		assert.ErrorIs(t, err, errCorruptStore, name)
	}
}

func TestStoreRejectsMetadataForMissingIDs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.sws")
	ix := mustIndex(t, hnsw.Config{Dim: 2})
	require.NoError(t, ix.Add(1, []float32{1, 2}))
	require.NoError(t, writeStore(path, ix, map[uint64]Item{2: {Tags: []string{"orphan"}}}))
	_, _, err := readStore(path)
	require.ErrorIs(t, err, errCorruptStore)
	assert.Contains(t, err.Error(), "id 2")
}

func TestWriteStoreFailureLeavesNoTrace(t *testing.T) {
	// The target is a non-empty directory, so the final rename fails (for
	// root too): the save reports it and removes its temporary file.
	dir := t.TempDir()
	path := filepath.Join(dir, "data.sws")
	require.NoError(t, os.Mkdir(path, 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(path, "keep"), []byte("x"), 0o600))
	ix := mustIndex(t, hnsw.Config{Dim: 2})
	require.NoError(t, ix.Add(1, []float32{1, 2}))
	require.Error(t, writeStore(path, ix, nil))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "temporary file left behind")
	b, err := os.ReadFile(filepath.Join(path, "keep"))
	require.NoError(t, err)
	assert.Equal(t, "x", string(b))
}

func FuzzDecodeStore(f *testing.F) {
	good := sampleStore(f)
	f.Add(good)
	f.Add(good[:headerLen+5])
	f.Add([]byte(storeMagic))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		ix, meta, err := decodeStore(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			if !errors.Is(err, errCorruptStore) {
				t.Fatalf("error does not wrap errCorruptStore: %v", err)
			}
			return
		}
		for id := range meta {
			if !ix.Contains(id) {
				t.Fatalf("metadata for %d not in the index", id)
			}
		}
	})
}
