package bench

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sync"
)

// SaveTruth writes t's ids to idsPath as .ivecs and, if distsPath is not
// empty, its distances to distsPath as .fvecs (either may end in .gz). Each
// file is replaced atomically.
func SaveTruth(idsPath, distsPath string, t *Truth) error {
	if err := SaveIvecs(idsPath, t.IDs); err != nil {
		return err
	}
	if distsPath == "" {
		return nil
	}
	if t.Dists == nil {
		return errors.New("bench: save truth: no distances to save")
	}
	m := NewMatrix(t.K, len(t.Dists))
	for _, d := range t.Dists {
		// Distances may be NaN (cosine of a zero vector); Append takes them.
		if err := m.Append(d); err != nil {
			return fmt.Errorf("bench: save truth: %w", err)
		}
	}
	return writeFileAtomic(distsPath, func(w io.Writer) error { return WriteFvecs(w, m) })
}

// LoadTruth reads ground truth saved by [SaveTruth], or any TEXMEX
// ground-truth .ivecs file (such as siftsmall_groundtruth.ivecs). distsPath
// may be empty; the truth then has no distances, and [Recall] cannot count
// ties. metric is recorded in the result.
func LoadTruth(idsPath, distsPath string, metric Metric) (*Truth, error) {
	ids, err := LoadIvecs(idsPath)
	if err != nil {
		return nil, err
	}
	t := &Truth{Metric: metric, IDs: ids}
	if len(ids) > 0 {
		t.K = len(ids[0])
	}
	if distsPath == "" {
		return t, nil
	}
	in, err := openInput(distsPath)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	// Read raw: distances may legitimately be NaN, which Load would reject.
	vr := newVecsReader(in.r, distsPath, kindInt32, in.size)
	for {
		v, err := vr.ReadInt32()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		row := make([]float32, len(v))
		for i, b := range v {
			row[i] = math.Float32frombits(uint32(b))
		}
		t.Dists = append(t.Dists, row)
	}
	if len(t.Dists) != len(ids) || (len(ids) > 0 && len(t.Dists[0]) != t.K) {
		return nil, fmt.Errorf("bench: %s: %d rows of %d distances do not match %d rows of %d ids in %s",
			distsPath, len(t.Dists), vr.Dim(), len(ids), t.K, idsPath)
	}
	return t, nil
}

// cacheVersion changes whenever the ground-truth algorithm or the cache
// layout changes in a way that could alter results.
const cacheVersion = "smallworld-truth-v1"

// TruthCacheKey returns the hex SHA-256 that names a ground-truth result in
// a cache directory: a hash over the algorithm version, the metric, k and
// the dimensions and contents of base and queries. The data is hashed in
// 4 MiB pieces in parallel and the pieces' hashes hashed again, so the key
// costs well under a second per gigabyte.
func TruthCacheKey(base, queries *Matrix, metric Metric, k int) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%d\x00", cacheVersion, metric, k)
	for _, m := range []*Matrix{base, queries} {
		fmt.Fprintf(h, "%d\x00%d\x00", m.Dim, m.Len())
		h.Write(hashFloats(m.Data))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// hashFloats hashes the little-endian bytes of data as a two-level tree.
func hashFloats(data []float32) []byte {
	const piece = 1 << 20 // floats: 4 MiB
	n := (len(data) + piece - 1) / piece
	sums := make([][sha256.Size]byte, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			chunk := data[i*piece : min(len(data), (i+1)*piece)]
			buf := make([]byte, 0, 4*len(chunk))
			for _, x := range chunk {
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(x))
			}
			sums[i] = sha256.Sum256(buf)
		})
	}
	wg.Wait()
	h := sha256.New()
	for _, s := range sums {
		h.Write(s[:])
	}
	return h.Sum(nil)
}

// cachePaths returns the files a cached truth lives in.
func cachePaths(dir, key string) (ids, dists, ties string) {
	p := filepath.Join(dir, key)
	return p + ".ivecs", p + ".dists.fvecs", p + ".ties.ivecs"
}

// loadCachedTruth reads a cached result and checks it has the expected
// shape; any problem means a miss.
func loadCachedTruth(dir, key string, metric Metric, k, nq int) (*Truth, error) {
	idsPath, distsPath, tiesPath := cachePaths(dir, key)
	t, err := LoadTruth(idsPath, distsPath, metric)
	if err != nil {
		return nil, err
	}
	if t.Len() != nq || (nq > 0 && t.K != k) {
		return nil, fmt.Errorf("bench: cache %s: shape mismatch", idsPath)
	}
	t.K = k
	f, err := os.Open(tiesPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ties, err := readRaggedIvecs(bufio.NewReader(f), tiesPath)
	if err != nil {
		return nil, err
	}
	if len(ties) != nq {
		return nil, fmt.Errorf("bench: cache %s: %d rows, want %d", tiesPath, len(ties), nq)
	}
	t.Ties = ties
	return t, nil
}

// saveCachedTruth stores t under key in dir.
func saveCachedTruth(dir, key string, t *Truth) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	idsPath, distsPath, tiesPath := cachePaths(dir, key)
	// Ties first and ids last: a reader finding the ids file finds the rest.
	if err := writeFileAtomic(tiesPath, func(w io.Writer) error { return WriteIvecs(w, t.Ties) }); err != nil {
		return err
	}
	if err := writeFileAtomic(distsPath, func(w io.Writer) error {
		m := &Matrix{Dim: t.K}
		for _, d := range t.Dists {
			m.Data = append(m.Data, d...)
		}
		return WriteFvecs(w, m)
	}); err != nil {
		return err
	}
	return SaveIvecs(idsPath, t.IDs)
}

// readRaggedIvecs reads .ivecs records of any lengths, zero included.
func readRaggedIvecs(r io.Reader, name string) ([][]int32, error) {
	var rows [][]int32
	var raw []byte
	hdr := make([]byte, 4)
	for row := 0; ; row++ {
		if _, err := io.ReadFull(r, hdr); err == io.EOF {
			return rows, nil
		} else if err != nil {
			return nil, formatErrorf(name, row, 0, ErrTruncated, "file ends inside the length field")
		}
		d := int64(int32(binary.LittleEndian.Uint32(hdr)))
		if d < 0 || d > maxDim {
			return nil, formatErrorf(name, row, 0, ErrDimension, "record claims length %d", d)
		}
		var err error
		var got int
		raw, got, err = readFullGrow(r, raw, int(d)*4)
		if err != nil && d > 0 {
			return nil, formatErrorf(name, row, 0, ErrTruncated, "record needs %d bytes, file holds %d", 4*d, got)
		}
		var v []int32 // nil for an empty record, as GroundTruth leaves it
		if d > 0 {
			v = make([]int32, d)
		}
		for i := range v {
			v[i] = int32(binary.LittleEndian.Uint32(raw[4*i:]))
		}
		rows = append(rows, v)
	}
}
