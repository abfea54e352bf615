package distance

import (
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"

	"github.com/viterin/vek/vek32"
)

// Benchmarks of every kernel × tier × dimension, with viterin/vek (AVX2 only)
// as the baseline where it has the kernel. Compare in one run, e.g.
//
//	go test -run '^$' -bench 'Dot|L2Squared' -count 6 ./distance
//
// and summarise with benchstat or the medians; "smallworld bench kernels"
// prints the same comparison as one table.
//
// vek's kernels differ slightly in what they compute: vek32.Distance takes
// the square root of the squared distance, and CosineSimilarity returns the
// similarity (converted here to 1 − s); both are what a vek user would call.

var benchDims = []int{128, 384, 768, 1536}

var (
	sinkF32 float32
	sinkF64 float64
	sinkInt int
)

type floatImpl struct {
	name string
	fn   func(a, b []float32) float32
}

// floatImpls lists the tiers' implementations of one kernel plus vek's, if
// any.
func floatImpls(b *testing.B, get func(*Kernels) func(a, b []float32) float32, vek func(a, b []float32) float32) []floatImpl {
	var out []floatImpl
	for _, k := range allTiers(b) {
		out = append(out, floatImpl{k.ISA.String(), get(k)})
	}
	if vek != nil && vekUsable() {
		out = append(out, floatImpl{"vek", vek})
	}
	return out
}

// vekUsable: vek falls back to plain Go without AVX2+FMA, and that would
// not be a meaningful baseline.
func vekUsable() bool { return cpuHas(AVX2) }

func benchFloatKernel(b *testing.B, get func(*Kernels) func(a, b []float32) float32, vek func(a, b []float32) float32) {
	rng := rand.New(rand.NewPCG(41, 42))
	for _, dim := range benchDims {
		x, y := randomFloats(rng, dim), randomFloats(rng, dim)
		for _, impl := range floatImpls(b, get, vek) {
			b.Run(impl.name+"/"+strconv.Itoa(dim), func(b *testing.B) {
				b.SetBytes(int64(8 * dim))
				var s float32
				for b.Loop() {
					s += impl.fn(x, y)
				}
				sinkF32 = s
			})
		}
	}
}

func BenchmarkDot(b *testing.B) {
	benchFloatKernel(b, func(k *Kernels) func(a, b []float32) float32 { return k.Dot }, vek32.Dot)
}

func BenchmarkL2Squared(b *testing.B) {
	benchFloatKernel(b, func(k *Kernels) func(a, b []float32) float32 { return k.L2Squared }, vek32.Distance)
}

func BenchmarkL1(b *testing.B) {
	benchFloatKernel(b, func(k *Kernels) func(a, b []float32) float32 { return k.L1 }, vek32.ManhattanDistance)
}

func BenchmarkCosine(b *testing.B) {
	benchFloatKernel(b, func(k *Kernels) func(a, b []float32) float32 { return k.Cosine },
		func(a, b []float32) float32 { return 1 - vek32.CosineSimilarity(a, b) })
}

// The bit kernels' dimension is in bits, as for pgvector's bit(n): 768 bits
// are 12 words.
func benchBitKernel(b *testing.B, run func(k *Kernels, x, y []uint64)) {
	rng := rand.New(rand.NewPCG(43, 44))
	for _, dim := range benchDims {
		x, y := randomWords(rng, dim/64), randomWords(rng, dim/64)
		for _, k := range allTiers(b) {
			b.Run(k.ISA.String()+"/"+strconv.Itoa(dim), func(b *testing.B) {
				b.SetBytes(int64(2 * dim / 8))
				for b.Loop() {
					run(k, x, y)
				}
			})
		}
	}
}

func BenchmarkHamming(b *testing.B) {
	benchBitKernel(b, func(k *Kernels, x, y []uint64) { sinkInt += k.Hamming(x, y) })
}

func BenchmarkJaccard(b *testing.B) {
	benchBitKernel(b, func(k *Kernels, x, y []uint64) { sinkF64 += k.Jaccard(x, y) })
}

// BenchmarkBatchL1Resident runs the batch kernels over a small arena that
// stays in cache, against a Go loop over the pair kernel, 32 ids per call
// (a layer-0 neighbour list at M=16).
func BenchmarkBatchL1Resident(b *testing.B) {
	rng := rand.New(rand.NewPCG(45, 46))
	const nvec, batch = 64, 32
	for _, dim := range benchDims {
		arena := randomFloats(rng, nvec*dim)
		q := randomFloats(rng, dim)
		ids := make([]uint32, batch)
		for i := range ids {
			ids[i] = uint32(rng.IntN(nvec))
		}
		out := make([]float32, batch)
		for _, k := range allTiers(b) {
			b.Run(k.ISA.String()+"/batch/"+strconv.Itoa(dim), func(b *testing.B) {
				b.SetBytes(int64(batch * 4 * dim))
				for b.Loop() {
					k.DotBatch(q, arena, dim, ids, out)
				}
			})
			b.Run(k.ISA.String()+"/pairloop/"+strconv.Itoa(dim), func(b *testing.B) {
				b.SetBytes(int64(batch * 4 * dim))
				for b.Loop() {
					pairLoop(k.Dot, q, arena, dim, ids, out)
				}
			})
		}
	}
}

// pairLoop is the plain alternative to a batch kernel: a Go loop over the
// pair kernel, with no prefetch.
func pairLoop(kernel func(a, b []float32) float32, q, arena []float32, stride int, ids []uint32, out []float32) {
	dim := len(q)
	for i, id := range ids {
		off := int(id) * stride
		out[i] = kernel(q, arena[off:off+dim])
	}
}

// gatherData is an arena far bigger than the caches (100,000 × 768 float32,
// 293 MiB) and a long random sequence of ids into it, built once per test
// binary because filling 300 MB takes a while.
type gatherData struct {
	dim, nvec int
	arena     []float32
	q         []float32
	ids       []uint32
}

var gatherOnce = sync.OnceValue(func() *gatherData {
	const dim, nvec = 768, 100_000
	rng := rand.New(rand.NewPCG(47, 48))
	g := &gatherData{dim: dim, nvec: nvec, arena: make([]float32, dim*nvec), q: randomFloats(rng, dim)}
	for i := range g.arena {
		g.arena[i] = rng.Float32()
	}
	g.ids = make([]uint32, 1<<20)
	for i := range g.ids {
		g.ids[i] = uint32(rng.IntN(nvec))
	}
	return g
})

// gatherPos is where the next gather benchmark continues in the id sequence,
// so consecutive sub-benchmarks do not revisit the vectors the previous one
// just pulled into the cache.
var gatherPos int

// gatherBatch is the number of ids per call in the gather benchmark: a
// layer-0 neighbour list at M=16.
const gatherBatch = 32

// benchGather runs fn over consecutive 32-id windows of the random sequence
// and reports ns per vector. Each window is fresh memory: the sequence is
// long enough (1M ids, 3 GB of vector reads) that the cache holds nothing
// useful when it wraps around.
func benchGather(b *testing.B, fn func(q, arena []float32, stride int, ids []uint32, out []float32)) {
	g := gatherOnce()
	out := make([]float32, gatherBatch)
	pos := gatherPos
	b.SetBytes(int64(gatherBatch * 4 * g.dim))
	b.ResetTimer()
	for b.Loop() {
		if pos+gatherBatch > len(g.ids) {
			pos = 0
		}
		fn(g.q, g.arena, g.dim, g.ids[pos:pos+gatherBatch], out)
		pos += gatherBatch
	}
	gatherPos = pos
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*gatherBatch), "ns/vector")
}

// BenchmarkGather is the graph-walk access pattern: one query against 32
// random vectors of a 293 MiB arena per call. It compares, per tier, the
// batch kernel (which prefetches upcoming vectors) with a Go loop over the
// pair kernel (no prefetch) and, on amd64, a Go loop that prefetches the same
// way through a separate assembly call (see gather_amd64_test.go).
func BenchmarkGather(b *testing.B) {
	if testing.Short() {
		b.Skip("allocates a 293 MiB arena")
	}
	for _, k := range allTiers(b) {
		b.Run(k.ISA.String()+"/batch", func(b *testing.B) { benchGather(b, k.DotBatch) })
		b.Run(k.ISA.String()+"/pairloop", func(b *testing.B) {
			benchGather(b, func(q, arena []float32, stride int, ids []uint32, out []float32) {
				pairLoop(k.Dot, q, arena, stride, ids, out)
			})
		})
		for _, v := range gatherVariants(k) {
			b.Run(k.ISA.String()+"/"+v.name, func(b *testing.B) { benchGather(b, v.fn) })
		}
	}
	if vekUsable() {
		b.Run("vek/pairloop", func(b *testing.B) {
			benchGather(b, func(q, arena []float32, stride int, ids []uint32, out []float32) {
				pairLoop(vek32.Dot, q, arena, stride, ids, out)
			})
		})
	}
}
