package bench

import (
	"bytes"
	"context"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/smallworld-go/smallworld/distance"
)

// scanPass times one pass of the L2 batch kernel over every base row for a
// single query: the base streams from memory once, so this is the kernel's
// practical memory bandwidth. It returns the fastest of reps passes.
func scanPass(base *Matrix, q []float32, reps int) time.Duration {
	ids := make([]uint32, base.Len())
	for i := range ids {
		ids[i] = uint32(i)
	}
	out := make([]float32, base.Len())
	best := time.Duration(1<<63 - 1)
	for range reps {
		start := time.Now()
		distance.L2SquaredBatch(q, base.Data, base.Dim, ids, out)
		best = min(best, time.Since(start))
	}
	return best
}

// TestFashionMNISTTruthSpeed measures the target: the exact top-100
// of 100 queries over Fashion-MNIST's 60,000 × 784 base, against the time
// one pass over the base takes at the kernel's measured bandwidth.
func TestFashionMNISTTruthSpeed(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 190 MB; skipped in -short mode")
	}
	dir := sharedDatasets(t, "fashion-mnist")
	base, err := Load(filepath.Join(dir, "fashion-mnist_base.fvecs.gz"))
	if err != nil {
		t.Fatal(err)
	}
	qs, err := Load(filepath.Join(dir, "fashion-mnist_query.fvecs.gz"))
	if err != nil {
		t.Fatal(err)
	}
	queries := qs.Slice(0, 100)
	pass := scanPass(base, queries.Row(0), 7)
	gbps := float64(base.Bytes()) / pass.Seconds() / 1e9
	t.Logf("one pass over the base (%.0f MB) at the L2 batch kernel's %.1f GB/s (%s tier, 1 thread): %v",
		float64(base.Bytes())/1e6, gbps, distance.Tier(), pass.Round(10*time.Microsecond))
	// The default (the byte path where it runs) and the float path, in
	// alternation, so both see the same load on a shared machine.
	type run struct {
		name      string
		opts      GroundTruthOptions
		wall, cpu []time.Duration
		path      truthPath
		ids       [][]int32
		dists     [][]float32
	}
	runs := []*run{{name: "default", opts: GroundTruthOptions{}}, {name: "float path", opts: GroundTruthOptions{bytePath: byteOff}}}
	for range 7 {
		for _, r := range runs {
			start, cpu0 := time.Now(), processCPU()
			tr, err := GroundTruth(context.Background(), base, queries, L2, 100, r.opts)
			r.wall = append(r.wall, time.Since(start))
			r.cpu = append(r.cpu, processCPU()-cpu0)
			if err != nil {
				t.Fatal(err)
			}
			if r.ids == nil {
				r.ids, r.dists, r.path = tr.IDs, tr.Dists, tr.path
			} else if !slices.EqualFunc(r.ids, tr.IDs, slices.Equal) {
				t.Fatal("ground truth differs between runs")
			}
		}
	}
	if !slices.EqualFunc(runs[0].ids, runs[1].ids, slices.Equal) || !slices.EqualFunc(runs[0].dists, runs[1].dists, slices.Equal) {
		t.Fatal("the default and the float path disagree")
	}
	// The other metrics the byte path serves, once each, on real data.
	for _, m := range []Metric{InnerProduct, Cosine} {
		def, err := GroundTruth(context.Background(), base, queries, m, 100, GroundTruthOptions{})
		if err != nil {
			t.Fatal(err)
		}
		flt, err := GroundTruth(context.Background(), base, queries, m, 100, GroundTruthOptions{bytePath: byteOff})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.EqualFunc(def.IDs, flt.IDs, slices.Equal) || !slices.EqualFunc(def.Dists, flt.Dists, slices.Equal) || !slices.EqualFunc(def.Ties, flt.Ties, slices.Equal) {
			t.Fatalf("%v: the default (%s) and the float path disagree", m, def.path)
		}
	}
	workers := float64(runtime.GOMAXPROCS(0))
	for _, r := range runs {
		slices.Sort(r.wall)
		slices.Sort(r.cpu)
		med, cpu := r.wall[len(r.wall)/2], r.cpu[len(r.cpu)/2]
		t.Logf("%s (%s): ground truth, 100 queries × 60,000 × 784, top-100: median %v, best %v, of %d runs = %.1f× / %.1f× the pass (target ≤ 3×)",
			r.name, r.path, med.Round(100*time.Microsecond), r.wall[0].Round(100*time.Microsecond), len(r.wall),
			med.Seconds()/pass.Seconds(), r.wall[0].Seconds()/pass.Seconds())
		t.Logf("%s: CPU time per run: median %v over %d workers = %v per worker if none were shared = %.1f× the pass",
			r.name, cpu.Round(100*time.Microsecond), int(workers),
			time.Duration(float64(cpu)/workers).Round(100*time.Microsecond),
			cpu.Seconds()/workers/pass.Seconds())
	}
}

func BenchmarkGroundTruthSIFTSmall(b *testing.B) {
	base, queries, _, err := SIFTSmall()
	if err != nil {
		b.Fatal(err)
	}
	// SIFT's components are bytes: the default takes the byte path where
	// the CPU has VNNI; "float" forces the float path for comparison.
	for _, m := range []Metric{L2, InnerProduct, Cosine, L1} {
		for _, path := range []struct {
			name string
			mode bytePathMode
		}{{"default", byteAuto}, {"float", byteOff}} {
			b.Run(m.String()+"/"+path.name, func(b *testing.B) {
				for b.Loop() {
					if _, err := GroundTruth(context.Background(), base, queries, m, 100, GroundTruthOptions{bytePath: path.mode}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(base.Len()*queries.Len()), "ns/pair")
			})
		}
	}
}

func BenchmarkScanPass(b *testing.B) {
	base, queries, _, err := SIFTSmall()
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]uint32, base.Len())
	for i := range ids {
		ids[i] = uint32(i)
	}
	out := make([]float32, base.Len())
	b.SetBytes(base.Bytes())
	for b.Loop() {
		distance.L2SquaredBatch(queries.Row(0), base.Data, base.Dim, ids, out)
	}
}

func BenchmarkReadFvecs(b *testing.B) {
	m := randMatrix(1, 2000, 128)
	var buf bytes.Buffer
	if err := WriteFvecs(&buf, m); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		if _, err := ReadAll(NewFvecsReader(bytes.NewReader(buf.Bytes()), "b")); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadText(b *testing.B) {
	m := randMatrix(1, 500, 128)
	for _, c := range []struct {
		name  string
		write func(*bytes.Buffer) error
		read  func(*bytes.Reader) VectorReader
	}{
		{"csv", func(w *bytes.Buffer) error { return WriteCSV(w, m, ',') }, func(r *bytes.Reader) VectorReader { return NewCSVReader(r, "b", ',') }},
		{"jsonl", func(w *bytes.Buffer) error { return WriteJSONL(w, m) }, func(r *bytes.Reader) VectorReader { return NewJSONLReader(r, "b") }},
		{"pgvector", func(w *bytes.Buffer) error { return WritePgText(w, m) }, func(r *bytes.Reader) VectorReader { return NewPgTextReader(r, "b") }},
	} {
		var buf bytes.Buffer
		if err := c.write(&buf); err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(buf.Len()))
			for b.Loop() {
				if _, err := ReadAll(c.read(bytes.NewReader(buf.Bytes()))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRecall(b *testing.B) {
	tr, err := SIFTSmallTruth()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Recall(tr, tr.IDs, 100); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGroundTruthFashionMNIST runs the speed test's problem on each
// path (skipped without the shared datasets).
func BenchmarkGroundTruthFashionMNIST(b *testing.B) {
	dir := sharedDatasets(b, "fashion-mnist")
	base, err := Load(filepath.Join(dir, "fashion-mnist_base.fvecs.gz"))
	if err != nil {
		b.Fatal(err)
	}
	qs, err := Load(filepath.Join(dir, "fashion-mnist_query.fvecs.gz"))
	if err != nil {
		b.Fatal(err)
	}
	queries := qs.Slice(0, 100)
	for _, c := range []struct {
		name string
		mode bytePathMode
	}{{"default", byteAuto}, {"float", byteOff}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := GroundTruth(context.Background(), base, queries, L2, 100, GroundTruthOptions{bytePath: c.mode}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
