package bench

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"math"
	"testing"
)

// Every reader is fuzzed with the same contract: on any input it returns
// vectors or a *FormatError (never panics, never loops), and what it accepts
// survives a write and a second read unchanged.

// drain reads everything from r, checking the error contract.
func drain(t *testing.T, r VectorReader, err error) *Matrix {
	t.Helper()
	if err != nil {
		var fe *FormatError
		if !errors.As(err, &fe) {
			t.Fatalf("constructor error is not a *FormatError: %T %v", err, err)
		}
		return nil
	}
	m := &Matrix{}
	for range 1 << 16 {
		v, err := r.Read()
		if err == io.EOF {
			return m
		}
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("read error is not a *FormatError: %T %v", err, err)
			}
			if fe.Row != r.Row() && fe.Row != -1 {
				t.Fatalf("error names row %d, reader is at row %d: %v", fe.Row, r.Row(), err)
			}
			return nil
		}
		if len(v) == 0 {
			t.Fatalf("empty vector without error")
		}
		for _, x := range v {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				t.Fatalf("non-finite value %v accepted", x)
			}
		}
		if err := m.Append(v); err != nil {
			t.Fatalf("reader returned mixed dimensions without error: %v", err)
		}
	}
	return m
}

// roundTrip writes m with write and reads it back with read.
func roundTrip(t *testing.T, m *Matrix, write func(io.Writer, *Matrix) error, read func(io.Reader) (VectorReader, error)) {
	t.Helper()
	if m == nil || m.Len() == 0 {
		return
	}
	var b bytes.Buffer
	if err := write(&b, m); err != nil {
		t.Fatalf("write: %v", err)
	}
	r, err := read(&b)
	if err != nil {
		t.Fatalf("re-read: %v", err)
	}
	got, err := ReadAll(r)
	if err != nil {
		t.Fatalf("re-read: %v", err)
	}
	if got.Dim != m.Dim || len(got.Data) != len(m.Data) {
		t.Fatalf("round trip changed shape: %d×%d → %d×%d", m.Len(), m.Dim, got.Len(), got.Dim)
	}
	for i := range m.Data {
		if got.Data[i] != m.Data[i] {
			t.Fatalf("round trip changed value %d: %v → %v", i, m.Data[i], got.Data[i])
		}
	}
}

func seedBad(f *testing.F, ext string) {
	for _, c := range badCases() {
		if c.ext == ext {
			f.Add(c.data)
		}
	}
}

func FuzzFvecs(f *testing.F) {
	f.Add(fvecsBytes([]float32{1, 2, 3}, []float32{4, 5, 6}))
	seedBad(f, ".fvecs")
	f.Fuzz(func(t *testing.T, data []byte) {
		m := drain(t, NewFvecsReader(bytes.NewReader(data), "fuzz.fvecs"), nil)
		roundTrip(t, m, WriteFvecs, func(r io.Reader) (VectorReader, error) { return NewFvecsReader(r, "again"), nil })
	})
}

func FuzzBvecs(f *testing.F) {
	f.Add([]byte{2, 0, 0, 0, 1, 2, 2, 0, 0, 0, 255, 0})
	seedBad(f, ".bvecs")
	f.Fuzz(func(t *testing.T, data []byte) {
		m := drain(t, NewBvecsReader(bytes.NewReader(data), "fuzz.bvecs"), nil)
		roundTrip(t, m, WriteBvecs, func(r io.Reader) (VectorReader, error) { return NewBvecsReader(r, "again"), nil })
	})
}

func FuzzIvecs(f *testing.F) {
	f.Add([]byte{1, 0, 0, 0, 5, 0, 0, 0})
	seedBad(f, ".ivecs")
	f.Fuzz(func(t *testing.T, data []byte) {
		drain(t, NewIvecsReader(bytes.NewReader(data), "fuzz.ivecs"), nil)
		rows, err := ReadIvecs(bytes.NewReader(data), "fuzz.ivecs")
		if err != nil {
			return
		}
		var b bytes.Buffer
		if err := WriteIvecs(&b, rows); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b.Bytes(), data) {
			t.Fatalf("ivecs round trip changed the bytes")
		}
	})
}

func FuzzNpy(f *testing.F) {
	var b bytes.Buffer
	m, _ := FromRows([][]float32{{1, 2}, {3, 4}})
	WriteNpy(&b, m)
	f.Add(b.Bytes())
	f.Add(npyBytes("<f2", "(1, 2)", []byte{0, 0x3c, 0, 0xc0}))
	f.Add(npyBytes(">i8", "(3,)", make([]byte, 24)))
	seedBad(f, ".npy")
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewNpyReader(bytes.NewReader(data), "fuzz.npy")
		var vr VectorReader
		if r != nil {
			vr = r
		}
		m := drain(t, vr, err)
		roundTrip(t, m, WriteNpy, func(r io.Reader) (VectorReader, error) { return NewNpyReader(r, "again") })
	})
}

func FuzzCSV(f *testing.F) {
	f.Add([]byte("a,b\n1,2\n3.5,-4e3\n"), false)
	f.Add([]byte("1\t2\n3\t4\n"), true)
	for _, c := range badCases() {
		if c.ext == ".csv" || c.ext == ".tsv" {
			f.Add(c.data, c.ext == ".tsv")
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, tab bool) {
		comma := ','
		if tab {
			comma = '\t'
		}
		m := drain(t, NewCSVReader(bytes.NewReader(data), "fuzz.csv", comma), nil)
		roundTrip(t, m, func(w io.Writer, m *Matrix) error { return WriteCSV(w, m, comma) },
			func(r io.Reader) (VectorReader, error) { return NewCSVReader(r, "again", comma), nil })
	})
}

func FuzzJSONL(f *testing.F) {
	f.Add([]byte("[1,2]\n{\"vector\":[3,4]}\n"))
	f.Add([]byte("[-0.0, 1e-45, 3.4028235e38]"))
	seedBad(f, ".jsonl")
	f.Fuzz(func(t *testing.T, data []byte) {
		m := drain(t, NewJSONLReader(bytes.NewReader(data), "fuzz.jsonl"), nil)
		roundTrip(t, m, WriteJSONL, func(r io.Reader) (VectorReader, error) { return NewJSONLReader(r, "again"), nil })
	})
}

func FuzzPgText(f *testing.F) {
	f.Add([]byte("[1,2,3]\n[4,5,6]\n"))
	f.Add([]byte(" [ 1 , 0x1p-2 ]\r\n"))
	seedBad(f, ".txt")
	f.Fuzz(func(t *testing.T, data []byte) {
		m := drain(t, NewPgTextReader(bytes.NewReader(data), "fuzz.txt"), nil)
		roundTrip(t, m, WritePgText, func(r io.Reader) (VectorReader, error) { return NewPgTextReader(r, "again"), nil })
	})
}

func FuzzIDX(f *testing.F) {
	var b bytes.Buffer
	m, _ := FromRows([][]float32{{0, 255, 3, 4}, {1, 2, 3, 4}})
	WriteIDX(&b, m, 2, 2)
	f.Add(b.Bytes())
	f.Add([]byte{0, 0, 0x0D, 2, 0, 0, 0, 1, 0, 0, 0, 1, 0x3f, 0x80, 0, 0})
	seedBad(f, ".idx")
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewIDXReader(bytes.NewReader(data), "fuzz-idx3-ubyte")
		var vr VectorReader
		if r != nil {
			vr = r
		}
		m := drain(t, vr, err)
		roundTrip(t, m, func(w io.Writer, m *Matrix) error { return WriteIDX(w, m) },
			func(r io.Reader) (VectorReader, error) { return NewIDXReader(r, "again") })
	})
}

func FuzzGzipInput(f *testing.F) {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(fvecsBytes([]float32{1, 2}))
	zw.Close()
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		r := NewFvecsReader(zr, "fuzz.fvecs.gz")
		for range 1 << 16 {
			if _, err := r.Read(); err != nil {
				return
			}
		}
	})
}
