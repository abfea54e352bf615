package bench

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFormatOf(t *testing.T) {
	cases := []struct {
		path string
		f    Format
		gz   bool
	}{
		{"a/b.fvecs", FormatFvecs, false},
		{"B.FVECS.GZ", FormatFvecs, true},
		{"gt.ivecs", FormatIvecs, false},
		{"x.bvecs.gz", FormatBvecs, true},
		{"x.npy", FormatNpy, false},
		{"x.csv", FormatCSV, false},
		{"x.tsv", FormatTSV, false},
		{"x.jsonl", FormatJSONL, false},
		{"x.ndjson.gz", FormatJSONL, true},
		{"dump.txt", FormatPgText, false},
		{"dump.pgvector", FormatPgText, false},
		{"/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz", FormatIDX, true},
		{"t10k-labels-idx1-ubyte", FormatIDX, false},
		{"t10k-images.idx3-ubyte", FormatIDX, false},
		{"x.idx", FormatIDX, false},
	}
	for _, c := range cases {
		f, gz, err := FormatOf(c.path)
		require.NoError(t, err, c.path)
		assert.Equal(t, c.f, f, c.path)
		assert.Equal(t, c.gz, gz, c.path)
	}
	_, _, err := FormatOf("x.parquet")
	assert.ErrorIs(t, err, ErrUnsupported)
	for _, name := range []string{"fvecs", "npy", "pgvector", "idx", "ndjson"} {
		_, err := ParseFormat(name)
		assert.NoError(t, err, name)
	}
}

// roundTripFormats are the formats every finite float32 matrix survives.
var roundTripFormats = []string{".fvecs", ".npy", ".csv", ".tsv", ".jsonl", ".txt", ".idx"}

func TestRoundTripEveryFormat(t *testing.T) {
	dir := t.TempDir()
	m := randMatrix(1, 37, 13)
	m.Data[0] = 1e-42 // a subnormal survives every text format too
	m.Data[1] = -3.4e38
	m.Data[2] = 0
	for _, ext := range roundTripFormats {
		for _, gz := range []string{"", ".gz"} {
			path := filepath.Join(dir, "m"+ext+gz)
			require.NoError(t, Save(path, m), path)
			got, err := Load(path)
			require.NoError(t, err, path)
			assert.Equal(t, m.Dim, got.Dim, path)
			assert.Equal(t, m.Data, got.Data, path)

			// The streaming reader yields the same rows one at a time.
			r, err := Open(path)
			require.NoError(t, err)
			for i := range m.Len() {
				v, err := r.Read()
				require.NoError(t, err, "%s row %d", path, i)
				require.Equal(t, m.Row(i), v)
			}
			_, err = r.Read()
			assert.ErrorIs(t, err, io.EOF, path)
			assert.Equal(t, m.Len(), r.Row())
			require.NoError(t, r.Close())
		}
	}
}

func TestRoundTripIntegerFormats(t *testing.T) {
	dir := t.TempDir()
	m := intMatrix(2, 20, 28*28, 255)
	for _, name := range []string{"m.bvecs", "m.bvecs.gz", "m.ivecs", "m.ivecs.gz", "train-images-idx3-ubyte", "train-images-idx3-ubyte.gz"} {
		path := filepath.Join(dir, name)
		require.NoError(t, Save(path, m), name)
		got, err := Load(path)
		require.NoError(t, err, name)
		assert.Equal(t, m.Data, got.Data, name)
	}
	// IDX with the image shape: 20 × 28 × 28 of unsigned bytes.
	var buf bytes.Buffer
	require.NoError(t, WriteIDX(&buf, m, 28, 28))
	assert.Equal(t, []byte{0, 0, 0x08, 3, 0, 0, 0, 20, 0, 0, 0, 28, 0, 0, 0, 28}, buf.Bytes()[:16])
	assert.Equal(t, 16+20*784, buf.Len())
	r, err := NewIDXReader(&buf, "mem")
	require.NoError(t, err)
	assert.Equal(t, []int{20, 28, 28}, r.Shape())
	got, err := ReadAll(r)
	require.NoError(t, err)
	assert.Equal(t, m.Data, got.Data)

	ids := [][]int32{{1, 2, 3}, {-4, 5, 1 << 30}}
	path := filepath.Join(dir, "gt.ivecs")
	require.NoError(t, SaveIvecs(path, ids))
	back, err := LoadIvecs(path)
	require.NoError(t, err)
	assert.Equal(t, ids, back)
	// 2^30 is not exactly a float32: reading it as vectors is refused.
	_, err = Load(path)
	assert.ErrorIs(t, err, ErrRange)
}

func TestNpyDtypes(t *testing.T) {
	header := func(descr string, shape string) []byte {
		dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape)
		for (10+len(dict)+1)%64 != 0 {
			dict += " "
		}
		dict += "\n"
		var b bytes.Buffer
		b.WriteString(npyMagic)
		b.Write([]byte{1, 0})
		binary.Write(&b, binary.LittleEndian, uint16(len(dict)))
		b.WriteString(dict)
		return b.Bytes()
	}
	want := []float32{1, -2, 0.5, 65504}
	cases := []struct {
		descr string
		data  func(b *bytes.Buffer)
	}{
		{"<f4", func(b *bytes.Buffer) { binary.Write(b, binary.LittleEndian, want) }},
		{">f4", func(b *bytes.Buffer) { binary.Write(b, binary.BigEndian, want) }},
		{"<f8", func(b *bytes.Buffer) {
			for _, x := range want {
				binary.Write(b, binary.LittleEndian, float64(x))
			}
		}},
		// float16 bit patterns of 1, −2, 0.5 and 65504 (the largest half).
		{"<f2", func(b *bytes.Buffer) { binary.Write(b, binary.LittleEndian, []uint16{0x3c00, 0xc000, 0x3800, 0x7bff}) }},
		{">f2", func(b *bytes.Buffer) { binary.Write(b, binary.BigEndian, []uint16{0x3c00, 0xc000, 0x3800, 0x7bff}) }},
	}
	for _, c := range cases {
		var b bytes.Buffer
		b.Write(header(c.descr, "(2, 2)"))
		c.data(&b)
		r, err := NewNpyReader(&b, c.descr)
		require.NoError(t, err, c.descr)
		m, err := ReadAll(r)
		require.NoError(t, err, c.descr)
		assert.Equal(t, 2, m.Dim, c.descr)
		assert.Equal(t, want, m.Data, c.descr)
	}
	// Integers.
	var b bytes.Buffer
	b.Write(header("|u1", "(1, 3)"))
	b.Write([]byte{0, 7, 255})
	r, err := NewNpyReader(&b, "u1")
	require.NoError(t, err)
	m, err := ReadAll(r)
	require.NoError(t, err)
	assert.Equal(t, []float32{0, 7, 255}, m.Data)

	// float16 through our own writer.
	src, _ := FromRows([][]float32{{1, 0.333, -65504}, {0, 2, 3}})
	var h bytes.Buffer
	require.NoError(t, WriteNpyFloat16(&h, src))
	r, err = NewNpyReader(&h, "f16")
	require.NoError(t, err)
	m, err = ReadAll(r)
	require.NoError(t, err)
	assert.InDelta(t, 0.333, m.Data[1], 1e-3)
	assert.Equal(t, float32(-65504), m.Data[2])
	src.Data[0] = 1e6
	assert.Error(t, WriteNpyFloat16(io.Discard, src), "1e6 overflows float16")
}

// badCase is an input a reader must reject.
type badCase struct {
	name string
	ext  string
	data []byte
	kind error
	row  int
}

func fvecsBytes(rows ...[]float32) []byte {
	var b bytes.Buffer
	for _, r := range rows {
		binary.Write(&b, binary.LittleEndian, int32(len(r)))
		binary.Write(&b, binary.LittleEndian, r)
	}
	return b.Bytes()
}

func npyBytes(descr, shape string, data []byte) []byte {
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }\n", descr, shape)
	var b bytes.Buffer
	b.WriteString(npyMagic)
	b.Write([]byte{1, 0})
	binary.Write(&b, binary.LittleEndian, uint16(len(dict)))
	b.WriteString(dict)
	b.Write(data)
	return b.Bytes()
}

func badCases() []badCase {
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	f32 := func(v ...float32) []byte {
		var b bytes.Buffer
		binary.Write(&b, binary.LittleEndian, v)
		return b.Bytes()
	}
	hugeIDX := []byte{0, 0, 0x08, 3, 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3}
	return []badCase{
		{"fvecs mixed dims", ".fvecs", fvecsBytes([]float32{1, 2}, []float32{1, 2, 3}), ErrDimension, 1},
		{"fvecs NaN", ".fvecs", fvecsBytes([]float32{1, 2}, []float32{3, nan}), ErrNonFinite, 1},
		{"fvecs Inf", ".fvecs", fvecsBytes([]float32{inf, 2}), ErrNonFinite, 0},
		{"fvecs truncated values", ".fvecs", fvecsBytes([]float32{1, 2}, []float32{1, 2})[:17], ErrTruncated, 1},
		{"fvecs truncated dim", ".fvecs", append(fvecsBytes([]float32{1, 2}), 2, 0), ErrTruncated, 1},
		{"fvecs zero dim", ".fvecs", []byte{0, 0, 0, 0}, ErrDimension, 0},
		{"fvecs negative dim", ".fvecs", []byte{0xff, 0xff, 0xff, 0xff}, ErrDimension, 0},
		{"fvecs huge dim", ".fvecs", []byte{0xff, 0xff, 0xff, 0x7f, 1, 2, 3, 4}, ErrDimension, 0},
		{"fvecs dim 1M claims 4MB", ".fvecs", []byte{0, 0, 0x10, 0, 1, 2, 3, 4}, ErrTruncated, 0},
		{"bvecs mixed dims", ".bvecs", []byte{2, 0, 0, 0, 1, 2, 1, 0, 0, 0, 9}, ErrDimension, 1},
		{"ivecs beyond 2^24", ".ivecs", []byte{1, 0, 0, 0, 0, 0, 0, 0x40}, ErrRange, 0},
		{"npy bad magic", ".npy", []byte("\x93NUMPX\x01\x00\x10\x00{}"), ErrHeader, -1},
		{"npy header claims more", ".npy", npyBytes("<f4", "(1000000000, 128)", f32(1, 2, 3, 4)), ErrHeader, -1},
		{"npy fortran", ".npy", []byte(strings.Replace(string(npyBytes("<f4", "(1, 1)", f32(1))), "False", "True", 1)), ErrUnsupported, -1},
		{"npy dtype", ".npy", npyBytes("<c8", "(1, 1)", f32(1, 2)), ErrUnsupported, -1},
		{"npy 3-D", ".npy", npyBytes("<f4", "(1, 1, 1)", f32(1)), ErrUnsupported, -1},
		{"npy NaN", ".npy", npyBytes("<f4", "(2, 1)", f32(1, nan)), ErrNonFinite, 1},
		{"npy huge header len", ".npy", []byte("\x93NUMPY\x02\x00\xff\xff\xff\x7f{"), ErrHeader, -1},
		{"npy trailing data", ".npy", npyBytes("<f4", "(1, 1)", f32(1, 2)), ErrHeader, -1},
		{"npy f8 overflow", ".npy", npyBytes("<f8", "(1, 1)", binary.LittleEndian.AppendUint64(nil, math.Float64bits(1e300))), ErrRange, 0},
		{"csv mixed dims", ".csv", []byte("1,2,3\n4,5\n"), ErrDimension, 1},
		{"csv non-numeric", ".csv", []byte("1,2\n3,x\n"), ErrSyntax, 1},
		{"csv empty field", ".csv", []byte("1,2\n3,\n"), ErrSyntax, 1},
		{"csv NaN", ".csv", []byte("1,2\nNaN,1\n"), ErrNonFinite, 1},
		{"csv overflow", ".csv", []byte("1e39,2\n"), ErrRange, 0},
		{"csv bad quote", ".csv", []byte("1,\"2\n"), ErrSyntax, 0},
		{"tsv mixed dims", ".tsv", []byte("1\t2\n1\t2\t3\n"), ErrDimension, 1},
		{"jsonl not array", ".jsonl", []byte("[1,2]\n{\"id\": 3}\n"), ErrSyntax, 1},
		{"jsonl mixed dims", ".jsonl", []byte("[1,2]\n[1]\n"), ErrDimension, 1},
		{"jsonl trailing comma", ".jsonl", []byte("[1,2,]\n"), ErrSyntax, 0},
		{"jsonl string", ".jsonl", []byte("[1,\"2\"]\n"), ErrSyntax, 0},
		{"jsonl NaN token", ".jsonl", []byte("[1,NaN]\n"), ErrSyntax, 0},
		{"jsonl leading plus", ".jsonl", []byte("[+1]\n"), ErrSyntax, 0},
		{"jsonl empty", ".jsonl", []byte("[]\n"), ErrDimension, 0},
		{"pgvector missing bracket", ".txt", []byte("[1,2]\n[1,2\n"), ErrSyntax, 1},
		{"pgvector inf", ".txt", []byte("[1,inf]\n"), ErrNonFinite, 0},
		{"pgvector junk", ".txt", []byte("[1,2] x\n"), ErrSyntax, 0},
		{"pgvector NULL", ".txt", []byte("[1]\n\\N\n"), ErrSyntax, 1},
		{"pgvector mixed", ".txt", []byte("[1]\n[1,2]\n"), ErrDimension, 1},
		{"pgvector word", ".txt", []byte("[1,two]\n"), ErrSyntax, 0},
		{"idx header claims more", ".idx", hugeIDX, ErrHeader, -1},
		{"idx bad magic", ".idx", []byte{1, 0, 8, 1, 0, 0, 0, 0}, ErrHeader, -1},
		{"idx bad type", ".idx", []byte{0, 0, 0x0A, 1, 0, 0, 0, 0}, ErrUnsupported, -1},
		{"idx short header", ".idx", []byte{0, 0, 8, 3, 0, 0}, ErrHeader, -1},
		{"idx huge dims", ".idx", []byte{0, 0, 8, 3, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, ErrDimension, -1},
	}
}

func TestBadInputIsRejected(t *testing.T) {
	dir := t.TempDir()
	for i, c := range badCases() {
		path := filepath.Join(dir, fmt.Sprintf("bad%d%s", i, c.ext))
		require.NoError(t, os.WriteFile(path, c.data, 0o644))
		_, err := Load(path)
		require.Error(t, err, c.name)
		assert.ErrorIs(t, err, c.kind, "%s: %v", c.name, err)
		var fe *FormatError
		require.True(t, errors.As(err, &fe), "%s: %T %v", c.name, err, err)
		assert.Equal(t, path, fe.Path, c.name)
		assert.Equal(t, c.row, fe.Row, "%s: %v", c.name, err)
		assert.Contains(t, err.Error(), path, c.name)
	}
}

func TestBadInputInGzipStreams(t *testing.T) {
	// Compressed, the readers cannot check sizes up front: they must still
	// fail cleanly, at the row where data runs out.
	dir := t.TempDir()
	for i, c := range badCases() {
		path := filepath.Join(dir, fmt.Sprintf("bad%d%s.gz", i, c.ext))
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write(c.data)
		zw.Close()
		require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
		_, err := Load(path)
		require.Error(t, err, c.name)
		var fe *FormatError
		require.True(t, errors.As(err, &fe), "%s: %v", c.name, err)
	}
}

func TestHugeHeaderDoesNotAllocate(t *testing.T) {
	// An .npy stream whose header claims 10^12 values but holds 16 bytes.
	data := npyBytes("<f4", "(1000000000, 1000)", make([]byte, 16))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	r, err := NewNpyReader(bytes.NewReader(data), "huge.npy")
	require.NoError(t, err)
	_, err = ReadAll(r)
	runtime.ReadMemStats(&after)
	assert.ErrorIs(t, err, ErrTruncated)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(16<<20), "allocated on the header's word")

	// A gzip file whose trailer claims 4 GB of content.
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(fvecsBytes([]float32{1, 2}))
	zw.Close()
	raw := b.Bytes()
	binary.LittleEndian.PutUint32(raw[len(raw)-4:], 0xffffffff)
	path := filepath.Join(t.TempDir(), "lie.fvecs.gz")
	require.NoError(t, os.WriteFile(path, raw, 0o644))
	runtime.ReadMemStats(&before)
	_, err = Load(path)
	runtime.ReadMemStats(&after)
	assert.Error(t, err, "the gzip checksum no longer matches")
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(16<<20))
}

func TestTextConveniences(t *testing.T) {
	// CSV: header line, comments, blank lines, spaces.
	r := NewCSVReader(strings.NewReader("x,y\n# comment\n1, 2\n\n 3 ,4\n"), "c.csv", ',')
	m, err := ReadAll(r)
	require.NoError(t, err)
	assert.Equal(t, []float32{1, 2, 3, 4}, m.Data)
	assert.Equal(t, []string{"x", "y"}, r.Header())

	// JSON lines: arrays and objects with a known field, CRLF endings.
	j := NewJSONLReader(strings.NewReader("[1, 2.5e0]\r\n\n{\"id\": 7, \"embedding\": [-1, 0]}\n"), "j.jsonl")
	m, err = ReadAll(j)
	require.NoError(t, err)
	assert.Equal(t, []float32{1, 2.5, -1, 0}, m.Data)

	// pgvector text as COPY writes it, and with spaces as psql accepts.
	p := NewPgTextReader(strings.NewReader("[1,2,3]\n[ 4 , 5.5 ,6e0 ]\n"), "p.txt")
	m, err = ReadAll(p)
	require.NoError(t, err)
	assert.Equal(t, []float32{1, 2, 3, 4, 5.5, 6}, m.Data)

	// Writing pgvector text gives COPY's form.
	var b bytes.Buffer
	src, _ := FromRows([][]float32{{1, -2.5, 0.1}})
	require.NoError(t, WritePgText(&b, src))
	assert.Equal(t, "[1,-2.5,0.1]\n", b.String())
}

func TestLongLine(t *testing.T) {
	// A line far beyond bufio's buffer is assembled, not cut.
	m := randMatrix(3, 2, 20000)
	var b bytes.Buffer
	require.NoError(t, WriteJSONL(&b, m))
	got, err := ReadAll(NewJSONLReader(&b, "long.jsonl"))
	require.NoError(t, err)
	assert.Equal(t, m.Data, got.Data)
}

func TestEmptyFiles(t *testing.T) {
	dir := t.TempDir()
	for _, ext := range []string{".fvecs", ".csv", ".jsonl", ".txt"} {
		path := filepath.Join(dir, "empty"+ext)
		require.NoError(t, os.WriteFile(path, nil, 0o644))
		m, err := Load(path)
		require.NoError(t, err, ext)
		assert.Equal(t, 0, m.Len(), ext)
	}
	// An empty .npy has no header: that is an error.
	path := filepath.Join(dir, "empty.npy")
	require.NoError(t, os.WriteFile(path, nil, 0o644))
	_, err := Load(path)
	assert.ErrorIs(t, err, ErrHeader)
	// A file named .gz that is not gzip.
	path = filepath.Join(dir, "plain.fvecs.gz")
	require.NoError(t, os.WriteFile(path, fvecsBytes([]float32{1}), 0o644))
	_, err = Load(path)
	assert.ErrorIs(t, err, ErrHeader)
	_, err = Load(filepath.Join(dir, "missing.fvecs"))
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestMatrix(t *testing.T) {
	m := NewMatrix(0, 4)
	require.NoError(t, m.Append([]float32{1, 2}))
	assert.Equal(t, 2, m.Dim)
	assert.ErrorIs(t, m.Append([]float32{1}), ErrDimension)
	assert.ErrorIs(t, m.Append(nil), ErrDimension)
	require.NoError(t, m.Append([]float32{3, 4}))
	assert.Equal(t, 2, m.Len())
	row := m.Row(0)
	assert.Equal(t, 2, cap(row), "a row cannot be appended into its neighbour")
	assert.Equal(t, [][]float32{{1, 2}, {3, 4}}, m.Rows())
	assert.Equal(t, []float32{3, 4}, m.Slice(1, 2).Data)
	assert.Equal(t, int64(16), m.Bytes())
	c := m.Clone()
	c.Data[0] = 9
	assert.Equal(t, float32(1), m.Data[0])
	require.NoError(t, m.Validate())
	m.Data[3] = float32(math.Inf(-1))
	assert.ErrorIs(t, m.Validate(), ErrNonFinite)
	_, err := FromRows([][]float32{{1}, {1, 2}})
	assert.ErrorIs(t, err, ErrDimension)
	assert.Equal(t, 0, (*Matrix)(nil).Len())
}

func TestParseMetric(t *testing.T) {
	for in, want := range map[string]Metric{
		"l2": L2, "L2": L2, "euclidean": L2, "vector_l2_ops": L2,
		"ip": InnerProduct, "inner_product": InnerProduct, "dot": InnerProduct, "vector_ip_ops": InnerProduct,
		"cosine": Cosine, "halfvec_cosine_ops": Cosine,
		"l1": L1, "manhattan": L1, "hamming": Hamming, "bit_hamming_ops": Hamming,
	} {
		got, err := ParseMetric(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err := ParseMetric("chebyshev")
	assert.Error(t, err)
	for _, m := range []Metric{L2, InnerProduct, Cosine, L1, Hamming} {
		b, err := m.MarshalText()
		require.NoError(t, err)
		var back Metric
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, m, back)
	}
}

func TestLoadMemoryIsProportional(t *testing.T) {
	// Loading a binary file costs about its size, not a multiple: the matrix
	// is sized from the real length (or, for gzip, the capped trailer).
	m := intMatrix(9, 5000, 256, 255) // 5 MB of float32
	dir := t.TempDir()
	for _, name := range []string{"m.fvecs", "m.fvecs.gz", "m.npy", "m.npy.gz", "m.bvecs", "m-idx2-ubyte.gz"} {
		path := filepath.Join(dir, name)
		require.NoError(t, Save(path, m))
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		got, err := Load(path)
		runtime.ReadMemStats(&after)
		require.NoError(t, err, name)
		require.Equal(t, m.Len(), got.Len())
		alloc := after.TotalAlloc - before.TotalAlloc
		assert.Less(t, float64(alloc), 1.25*float64(m.Bytes())+3<<20, "%s: allocated %d bytes for %d of data", name, alloc, m.Bytes())
	}
}
