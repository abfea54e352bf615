package halfvec

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/smallworld-go/smallworld/distance"
)

// The benchmarks cover every kernel × tier × dimension, with package
// distance's float32 Dot of the same tier ("f32dot") alongside as the
// baseline, so one run gives the half-to-float32 ratio:
//
//	go test -run '^$' -bench 'Kernels/(f16dot|f32dot)/.*/768' -count 10 ./halfvec
//
// Vectors are L1-resident (the same pair every call); BenchmarkBatch measures
// the memory-bound case.

var benchDims = []int{128, 384, 768, 1536}

var sink float32

// measure runs f in a b.Loop and, besides the usual wall-clock ns/op, reports
// the thread CPU time per op ("cpu-ns/op"), which excludes time the benchmark
// spent descheduled on a shared machine. Compare ratios within one run.
func measure(b *testing.B, f func()) { measurePer(b, 1, "op", f) }

// measurePer is measure for an op that does items units of work: it reports
// ns/<unit> and cpu-ns/<unit> besides ns/op.
func measurePer(b *testing.B, items int, unit string, f func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := threadCPUTime()
	for b.Loop() {
		f()
	}
	per := float64(b.N * items)
	if items > 1 {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/per, "ns/"+unit)
	}
	if end := threadCPUTime(); start >= 0 && end >= 0 {
		b.ReportMetric(float64(end-start)/per, "cpu-ns/"+unit)
	}
}

type benchKernel struct {
	name string
	run  func(k *Kernels, a, b []Float16, q []float32) float32
}

var benchKernels = []benchKernel{
	{"f16dot", func(k *Kernels, a, b []Float16, _ []float32) float32 { return k.Dot(a, b) }},
	{"f16l2sq", func(k *Kernels, a, b []Float16, _ []float32) float32 { return k.L2Squared(a, b) }},
	{"f16l1", func(k *Kernels, a, b []Float16, _ []float32) float32 { return k.L1(a, b) }},
	{"f16cosine", func(k *Kernels, a, b []Float16, _ []float32) float32 { return k.Cosine(a, b) }},
	{"f32f16dot", func(k *Kernels, _, b []Float16, q []float32) float32 { return k.DotF32(q, b) }},
	{"f32f16l2sq", func(k *Kernels, _, b []Float16, q []float32) float32 { return k.L2SquaredF32(q, b) }},
	{"f32f16l1", func(k *Kernels, _, b []Float16, q []float32) float32 { return k.L1F32(q, b) }},
	{"f32f16cosine", func(k *Kernels, _, b []Float16, q []float32) float32 { return k.CosineF32(q, b) }},
}

func BenchmarkKernels(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	ks := tiers(b)
	for _, dim := range benchDims {
		x, y := halfVector(r, dim, 1), halfVector(r, dim, 1)
		q := f32Vector(r, dim, 1)
		fx, fy := ToSlice(x), ToSlice(y)
		for _, k := range ks {
			f32, err := distance.For(k.ISA)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("f32dot/%s/%d", k.ISA, dim), func(b *testing.B) {
				b.SetBytes(int64(8 * dim))
				measure(b, func() { sink = f32.Dot(fx, fy) })
			})
			for _, bk := range benchKernels {
				b.Run(fmt.Sprintf("%s/%s/%d", bk.name, k.ISA, dim), func(b *testing.B) {
					bytes := 4 * dim // two halves per element
					if bk.name[:3] == "f32" {
						bytes = 6 * dim
					}
					b.SetBytes(int64(bytes))
					measure(b, func() { sink = bk.run(k, x, y, q) })
				})
			}
		}
	}
}

// BenchmarkBatch measures the graph-walk kernels: one query against 32
// random ids of an arena too large for the caches (about 64 MiB), as an HNSW
// search expanding a node does. "loop" is the same tier's pair kernel called
// per id, without prefetching, for comparison. It reports ns per vector.
func BenchmarkBatch(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	ks := tiers(b)
	for _, dim := range benchDims {
		count := (64 << 20) / (2 * dim)
		arena := halfVector(r, count*dim, 1)
		q := f32Vector(r, dim, 1)
		const batch = 32
		idSets := make([][]uint32, 1024)
		for i := range idSets {
			idSets[i] = make([]uint32, batch)
			for j := range idSets[i] {
				idSets[i][j] = uint32(r.IntN(count))
			}
		}
		out := make([]float32, batch)
		for _, k := range ks {
			kinds := []struct {
				name  string
				batch BatchFunc
				pair  func([]float32, []Float16) float32
			}{{"dot", k.DotBatchF32, k.DotF32}, {"l2sq", k.L2SquaredBatchF32, k.L2SquaredF32}, {"l1", k.L1BatchF32, k.L1F32}}
			for _, kind := range kinds {
				b.Run(fmt.Sprintf("%s/%s/%d", kind.name, k.ISA, dim), func(b *testing.B) {
					i := 0
					measurePer(b, batch, "vector", func() {
						kind.batch(q, arena, dim, idSets[i%len(idSets)], out)
						i++
					})
				})
				if kind.name != "dot" {
					continue
				}
				b.Run(fmt.Sprintf("%s/%s-loop/%d", kind.name, k.ISA, dim), func(b *testing.B) {
					i := 0
					measurePer(b, batch, "vector", func() {
						for j, id := range idSets[i%len(idSets)] {
							off := int(id) * dim
							out[j] = kind.pair(q, arena[off:off+dim])
						}
						i++
					})
				})
			}
		}
	}
}

// BenchmarkEncode and BenchmarkDecode measure bulk conversion throughput;
// bytes are those of the float32 side.
func BenchmarkEncode(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{768, 1 << 16} {
		src := f32Vector(r, n, 1000)
		dst := make([]Float16, n)
		for _, k := range tiers(b) {
			b.Run(fmt.Sprintf("%s/%d", k.ISA, n), func(b *testing.B) {
				b.SetBytes(int64(4 * n))
				measure(b, func() {
					if _, err := k.Encode(dst, src); err != nil {
						b.Fatal(err)
					}
				})
			})
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{768, 1 << 16} {
		src := halfVector(r, n, 1000)
		dst := make([]float32, n)
		for _, k := range tiers(b) {
			b.Run(fmt.Sprintf("%s/%d", k.ISA, n), func(b *testing.B) {
				b.SetBytes(int64(4 * n))
				measure(b, func() { k.Decode(dst, src) })
			})
		}
	}
}
