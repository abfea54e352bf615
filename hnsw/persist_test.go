package hnsw

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sameIndex checks that two indexes hold the same graph, keys and vectors.
func sameIndex(t testing.TB, a, b *Index) {
	t.Helper()
	require.Equal(t, a.Config().Dim, b.Config().Dim)
	require.Equal(t, a.Len(), b.Len())
	require.Equal(t, a.NodeCount(), b.NodeCount())
	ea, la, oka := a.EntryPoint()
	eb, lb, okb := b.EntryPoint()
	require.Equal(t, []any{ea, la, oka}, []any{eb, lb, okb})
	for id := range a.NodeCount() {
		na, err := a.Node(NodeID(id))
		require.NoError(t, err)
		nb, err := b.Node(NodeID(id))
		require.NoError(t, err)
		require.Equal(t, na, nb, "node %d", id)
		va, _ := a.NodeVector(NodeID(id), nil)
		vb, _ := b.NodeVector(NodeID(id), nil)
		require.Equal(t, va, vb)
	}
	sa, sb := a.Stats(), b.Stats()
	require.Equal(t, sa.Keys, sb.Keys)
	require.Equal(t, sa.Nodes, sb.Nodes)
	require.Equal(t, sa.Deleted, sb.Deleted)
	require.Equal(t, sa.FreeSlots, sb.FreeSlots)
	require.Equal(t, sa.LevelCounts, sb.LevelCounts)
}

// persistFixture builds an index with every feature the format stores:
// upper layers, merged keys, tombstones, free slots and freed upper blocks.
func persistFixture(t testing.TB, cfg Config) (*Index, [][]float32) {
	base := manifoldVectors(201, 1200, cfg.Dim)
	cfg.MergeDuplicates = true
	cfg.EfConstruction = 48
	cfg.M = 6
	ix := buildIndex(t, cfg, base)
	for i := range 40 {
		require.NoError(t, ix.Add(uint64(5000+i), base[i]))
	}
	for i := 100; i < 400; i += 3 {
		require.NoError(t, ix.Delete(uint64(i)))
	}
	require.NoError(t, ix.Vacuum(t.Context()))
	for i := 400; i < 460; i++ {
		require.NoError(t, ix.Delete(uint64(i)))
	}
	return ix, base
}

func TestWriteToReadFromRoundTrip(t *testing.T) {
	for _, cfg := range []Config{
		{Dim: 12, Metric: L2},
		{Dim: 12, Metric: Cosine, Storage: Float16},
		{Dim: 7, Metric: InnerProduct, Heuristic: HeuristicHNSWLib},
		{Dim: 5, Metric: L1, Seed: 77},
	} {
		ix, base := persistFixture(t, cfg)
		var buf bytes.Buffer
		n, err := ix.WriteTo(&buf)
		require.NoError(t, err)
		require.Equal(t, int64(buf.Len()), n)
		data := buf.Bytes()
		require.Equal(t, int64(len(data)), ix.Stats().FileBytes)

		loaded, err := Load(bytes.NewReader(data))
		require.NoError(t, err)
		sameIndex(t, ix, loaded)
		assert.Equal(t, ix.Config().Metric, loaded.Config().Metric)
		assert.Equal(t, ix.Config().Storage, loaded.Config().Storage)
		assert.Equal(t, ix.Config().Heuristic, loaded.Config().Heuristic)
		assert.True(t, loaded.Config().MergeDuplicates)

		// A stream of unknown length takes the incremental path.
		streamed, err := Load(io.MultiReader(bytes.NewReader(data)))
		require.NoError(t, err)
		sameIndex(t, ix, streamed)

		// ReadFrom replaces an existing index's contents.
		other, err := New(Config{Dim: 3})
		require.NoError(t, err)
		require.NoError(t, other.Add(1, []float32{1, 2, 3}))
		rn, err := other.ReadFrom(bytes.NewReader(data))
		require.NoError(t, err)
		require.Equal(t, n, rn)
		sameIndex(t, ix, other)

		// Searches agree, and both indexes keep working the same way:
		// the level generator's state was saved too.
		for _, q := range base[:20] {
			ra, err := ix.Search(q, 10)
			require.NoError(t, err)
			rb, err := loaded.Search(q, 10)
			require.NoError(t, err)
			require.Equal(t, ra, rb)
		}
		extra := manifoldVectors(202, 50, cfg.Dim)
		for i, v := range extra {
			require.NoError(t, ix.Add(uint64(90000+i), v))
			require.NoError(t, loaded.Add(uint64(90000+i), v))
		}
		require.NoError(t, ix.Vacuum(t.Context()))
		require.NoError(t, loaded.Vacuum(t.Context()))
		sameIndex(t, ix, loaded)
		checkGraph(t, loaded)
	}
}

func TestSaveFileLoadFile(t *testing.T) {
	ix, _ := persistFixture(t, Config{Dim: 8})
	path := filepath.Join(t.TempDir(), "idx.hnsw")
	require.NoError(t, ix.SaveFile(path))
	loaded, err := LoadFile(path)
	require.NoError(t, err)
	sameIndex(t, ix, loaded)
	// Overwriting keeps no temporary files behind.
	require.NoError(t, loaded.SaveFile(path))
	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	assert.Len(t, entries, 1)
	_, err = LoadFile(filepath.Join(t.TempDir(), "missing"))
	require.ErrorIs(t, err, os.ErrNotExist)
	require.Error(t, ix.SaveFile(filepath.Join(t.TempDir(), "no", "such", "dir", "x")))
}

func TestLoadRejectsTruncatedAndCorruptData(t *testing.T) {
	ix, _ := persistFixture(t, Config{Dim: 4})
	var buf bytes.Buffer
	_, err := ix.WriteTo(&buf)
	require.NoError(t, err)
	data := buf.Bytes()

	// Every truncation is an error, through both decode paths: each
	// offset of the header, then offsets spread over the body.
	step := max(1, len(data)/size(1500, 300))
	for n := 0; n < len(data); n++ {
		if n > 2*fileHeaderSize && n%step != 0 {
			continue
		}
		_, err := Load(bytes.NewReader(data[:n]))
		require.ErrorIs(t, err, ErrCorrupt, "truncated to %d bytes", n)
		_, err = Load(io.MultiReader(bytes.NewReader(data[:n])))
		require.ErrorIs(t, err, ErrCorrupt, "streamed, truncated to %d bytes", n)
	}
	// Trailing garbage.
	_, err = Load(bytes.NewReader(append(append([]byte(nil), data...), 0)))
	require.ErrorIs(t, err, ErrCorrupt)
	_, err = Load(io.MultiReader(bytes.NewReader(append(append([]byte(nil), data...), 0))))
	require.ErrorIs(t, err, ErrCorrupt)
	// Any flipped bit is caught, by a checksum or by validation.
	for i := 0; i < len(data); i += max(1, len(data)/size(3000, 500)) {
		bad := append([]byte(nil), data...)
		bad[i] ^= 1 << (i % 8)
		_, err := Load(bytes.NewReader(bad))
		require.ErrorIs(t, err, ErrCorrupt, "bit flipped at %d", i)
	}
	// A failing reader's error is returned as is.
	boom := errors.New("boom")
	_, err = Load(io.MultiReader(bytes.NewReader(data[:200]), errReader{boom}))
	require.ErrorIs(t, err, boom)
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// TestLoadHostileHeader checks that a header claiming a huge index makes the
// decoder fail without allocating what it claims.
func TestLoadHostileHeader(t *testing.T) {
	ix, err := New(Config{Dim: 65536, M: 100})
	require.NoError(t, err)
	var buf bytes.Buffer
	_, err = ix.WriteTo(&buf)
	require.NoError(t, err)
	h := fileHeader{}
	require.NoError(t, h.unmarshal(buf.Bytes()[:fileHeaderSize]))
	h.nodes = maxNodes
	h.upperNext = maxUpperBlocks
	hostile := h.marshal()
	for _, r := range []io.Reader{bytes.NewReader(hostile), io.MultiReader(bytes.NewReader(hostile))} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err = Load(r)
		runtime.ReadMemStats(&after)
		require.ErrorIs(t, err, ErrCorrupt)
		// One row buffer and one chunk at most: far below the claim.
		assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<30))
	}
}

// TestSaveFileIsAtomic kills a child process in the middle of SaveFile and
// checks that the previous file is intact.
func TestSaveFileIsAtomic(t *testing.T) {
	if os.Getenv("HNSW_SAVE_CHILD") != "" {
		saveChild(os.Getenv("HNSW_SAVE_CHILD"))
		return
	}
	if testing.Short() {
		t.Skip("spawns a child process that writes a large index")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "idx.hnsw")
	old, _ := persistFixture(t, Config{Dim: 8})
	require.NoError(t, old.SaveFile(path))
	want, err := os.ReadFile(path)
	require.NoError(t, err)

	for attempt := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSaveFileIsAtomic$")
		cmd.Env = append(os.Environ(), "HNSW_SAVE_CHILD="+path)
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		// The child prints a line just before it starts saving.
		line := make([]byte, 6)
		_, err = io.ReadFull(out, line)
		require.NoError(t, err)
		require.Equal(t, "SAVING", string(line))
		// Wait until the temporary file exists and is growing, then kill.
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			if tmp, _ := filepath.Glob(filepath.Join(dir, ".idx.hnsw.tmp-*")); len(tmp) > 0 {
				if fi, err := os.Stat(tmp[0]); err == nil && fi.Size() > 0 {
					break
				}
			}
			time.Sleep(time.Millisecond)
		}
		time.Sleep(time.Duration(attempt) * 5 * time.Millisecond)
		require.NoError(t, cmd.Process.Kill())
		_ = cmd.Wait()

		got, err := os.ReadFile(path)
		require.NoError(t, err)
		require.Equal(t, want, got, "the old file changed")
		loaded, err := LoadFile(path)
		require.NoError(t, err)
		sameIndex(t, old, loaded)
		// The orphaned temporary file does not disturb the next save.
		require.NoError(t, loaded.SaveFile(path))
	}
}

// saveChild saves a large index over path, forever. Its contents do not
// matter, only that one save takes long enough to be killed in the middle:
// 200,000 nodes of 96 dimensions make a 90 MB file.
func saveChild(path string) {
	ix, err := New(Config{Dim: 96, M: 4})
	if err != nil {
		os.Exit(2)
	}
	ix.allocMu.Lock()
	_ = ix.growLocked(0, 200000)
	ix.hi = 200000
	ix.allocMu.Unlock()
	os.Stdout.WriteString("SAVING")
	for {
		_ = ix.SaveFile(path)
	}
}

// TestLoadDoesNoPerNodeAllocation checks that the number of allocations a
// load makes does not grow with the number of nodes.
func TestLoadDoesNoPerNodeAllocation(t *testing.T) {
	allocs := func(n int) float64 {
		ix := buildIndex(t, Config{Dim: 8, M: 4, EfConstruction: 8}, manifoldVectors(231, n, 8))
		var buf bytes.Buffer
		_, err := ix.WriteTo(&buf)
		require.NoError(t, err)
		data := buf.Bytes()
		return testing.AllocsPerRun(3, func() {
			if _, err := Load(bytes.NewReader(data)); err != nil {
				t.Fatal(err)
			}
		})
	}
	small, large := allocs(500), allocs(size(8000, 3000))
	t.Logf("allocations per load: %.0f (500 nodes), %.0f (more nodes)", small, large)
	assert.LessOrEqual(t, large, small+2)
}
