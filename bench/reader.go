package bench

import (
	"errors"
	"fmt"
	"io"
	"math"
)

// VectorReader yields the vectors of a dataset one at a time, so that a file
// far larger than memory can be processed in a single pass.
//
// Every reader in this package validates as it goes: the first bad record
// ends the stream with a [*FormatError].
type VectorReader interface {
	// Read returns the next vector, or io.EOF after the last one. The slice
	// is owned by the reader and overwritten by the next call: copy it (or
	// Append it to a Matrix) to keep it.
	Read() ([]float32, error)
	// Dim returns the dimension of the vectors: known from the header for
	// .npy and IDX files, otherwise 0 until the first vector has been read.
	Dim() int
	// Row returns the number of vectors read so far.
	Row() int
}

// VectorReadCloser is a VectorReader over an opened file.
type VectorReadCloser interface {
	VectorReader
	io.Closer
}

// rowHinter is implemented by readers that can tell, from the size of the
// real data (never from a header alone), about how many rows remain.
type rowHinter interface {
	rowHint() int
}

// fileReader ties a format reader to the file it reads.
type fileReader struct {
	VectorReader
	in *input
}

func (f *fileReader) Close() error { return f.in.Close() }

func (f *fileReader) rowHint() int {
	if h, ok := f.VectorReader.(rowHinter); ok {
		return h.rowHint()
	}
	return 0
}

// Open opens a dataset file for streaming. The format comes from the name
// (see [FormatOf]); gzip compression is detected from the content.
// The caller must Close the reader.
func Open(path string) (VectorReadCloser, error) {
	f, _, err := FormatOf(path)
	if err != nil {
		return nil, err
	}
	return OpenFormat(path, f)
}

// OpenFormat is [Open] with the format given explicitly, for files whose
// names do not follow the conventions.
func OpenFormat(path string, f Format) (VectorReadCloser, error) {
	in, err := openInput(path)
	if err != nil {
		return nil, err
	}
	var r VectorReader
	switch f {
	case FormatFvecs:
		r = newVecsReader(in.r, path, kindFloat32, in.size)
	case FormatIvecs:
		r = newVecsReader(in.r, path, kindInt32, in.size)
	case FormatBvecs:
		r = newVecsReader(in.r, path, kindUint8, in.size)
	case FormatNpy:
		var nr *NpyReader
		nr, err = newNpyReader(in.r, path, in.size, in.exact)
		r = nr
	case FormatCSV:
		r = NewCSVReader(in.r, path, ',')
	case FormatTSV:
		r = NewCSVReader(in.r, path, '\t')
	case FormatJSONL:
		r = NewJSONLReader(in.r, path)
	case FormatPgText:
		r = NewPgTextReader(in.r, path)
	case FormatIDX:
		var ir *IDXReader
		ir, err = newIDXReader(in.r, path, in.size, in.exact)
		r = ir
	default:
		err = fmt.Errorf("bench: %s: %w: format %v", path, ErrUnsupported, f)
	}
	if err != nil {
		in.Close()
		return nil, err
	}
	return &fileReader{VectorReader: r, in: in}, nil
}

// Load reads a whole dataset file into a Matrix. The format comes from the
// name (see [FormatOf]). For binary formats the matrix is sized from the
// file's real length, so a 1 GB .fvecs file needs about 1 GB of memory.
func Load(path string) (*Matrix, error) {
	r, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return ReadAll(r)
}

// LoadFormat is [Load] with the format given explicitly.
func LoadFormat(path string, f Format) (*Matrix, error) {
	r, err := OpenFormat(path, f)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return ReadAll(r)
}

// ReadAll reads every remaining vector of r into a new Matrix.
//
// When the reader knows how much data its file really holds, the matrix is
// allocated once at that size. Otherwise vectors are gathered in chunks of
// 4 MiB and joined at the end, which allocates twice the data in all and
// copies it once, where growing one slice by append would allocate about
// five times the data and copy it four.
func ReadAll(r VectorReader) (*Matrix, error) {
	const chunkFloats = 1 << 20
	m := &Matrix{Dim: r.Dim()}
	var chunks [][]float32
	var cur []float32
	for {
		v, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if m.Data == nil && cur == nil {
			m.Dim = len(v)
			if h, ok := r.(rowHinter); ok && h.rowHint() > 0 {
				m.Data = make([]float32, 0, (h.rowHint()+1)*len(v))
			}
		}
		if m.Data != nil {
			m.Data = append(m.Data, v...) // sized from the real data: rarely grows
			continue
		}
		if len(cur)+len(v) > cap(cur) {
			if cur != nil {
				chunks = append(chunks, cur)
			}
			// Chunks grow with the data read so far, so a small file
			// costs little and a large one few chunks.
			size := min(chunkFloats, max(1<<14, len(m.Data)+len(cur)*len(chunks)))
			cur = make([]float32, 0, max(size, len(v)))
		}
		cur = append(cur, v...)
	}
	if cur != nil {
		chunks = append(chunks, cur)
		n := 0
		for _, c := range chunks {
			n += len(c)
		}
		m.Data = make([]float32, 0, n)
		for _, c := range chunks {
			m.Data = append(m.Data, c...)
		}
	}
	return m, nil
}

// checkFinite returns the index of the first NaN or infinity in v, or −1.
func checkFinite(v []float32) int {
	for i, x := range v {
		// x−x is NaN exactly when x is NaN or ±Inf; one compare per value.
		if d := x - x; d != d {
			return i
		}
	}
	return -1
}

// nonFiniteError reports v[i], which is NaN or infinite.
func nonFiniteError(path string, row, line, i int, x float32) *FormatError {
	return formatErrorf(path, row, line, ErrNonFinite, "component %d is %v", i, float64(x))
}

// toFloat32 narrows a float64 read from a file, reporting values a float32
// cannot hold (beyond ±3.4e38) instead of turning them into infinities.
func toFloat32(x float64) (float32, bool) {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return float32(x), true // reported as non-finite by the caller
	}
	f := float32(x)
	if math.IsInf(float64(f), 0) {
		return 0, false
	}
	return f, true
}
