package distance

import (
	"math/rand/v2"
	"runtime"
	"strconv"
	"testing"
)

// BenchmarkBlock compares, per tier, the block kernels with the pair and
// batch kernels doing the same work: 32 queries against 128 vectors, all in
// cache (the shape ground truth feeds them). GFLOP/s counts 2·dim flops per
// pair (a multiply and an add, or a subtraction and a fused square-add), so
// the three are directly comparable:
//
//	go test -run '^$' -bench 'Block' -count 6 ./distance
func BenchmarkBlock(b *testing.B) {
	rng := rand.New(rand.NewPCG(61, 62))
	const nq, nvec = 32, 128
	for _, dim := range []int{64, 128, 208, 384, 768, 1536} {
		queries := randomFloats(rng, nq*dim)
		arena := randomFloats(rng, nvec*dim)
		ids := make([]uint32, nvec)
		for i := range ids {
			ids[i] = uint32(i)
		}
		out := make([]float32, nq*nvec)
		flops := float64(2 * nq * nvec * dim)
		run := func(b *testing.B, f func()) { benchFlops(b, flops, f) }
		for _, k := range allTiers(b) {
			for _, c := range []struct {
				name  string
				pair  func(a, b []float32) float32
				batch BatchFunc
				block BlockFunc
			}{
				{"dot", k.Dot, k.DotBatch, k.DotBlock},
				{"l2sq", k.L2Squared, k.L2SquaredBatch, k.L2SquaredBlock},
			} {
				prefix := c.name + "/" + k.ISA.String() + "/" + strconv.Itoa(dim)
				b.Run(prefix+"/block", func(b *testing.B) {
					run(b, func() { c.block(queries, dim, arena, dim, nil, out) })
				})
				b.Run(prefix+"/batch", func(b *testing.B) {
					run(b, func() {
						for i := range nq {
							c.batch(queries[i*dim:(i+1)*dim], arena, dim, ids, out[i*nvec:(i+1)*nvec])
						}
					})
				})
				b.Run(prefix+"/pair", func(b *testing.B) {
					run(b, func() {
						for i := range nq {
							q := queries[i*dim : (i+1)*dim]
							for j := range nvec {
								out[i*nvec+j] = c.pair(q, arena[j*dim:(j+1)*dim])
							}
						}
					})
				})
			}
		}
	}
}

// BenchmarkPanels compares, per tier, the panel kernels with the block
// kernels on short vectors (the pooled summaries ground truth prunes with):
// 100 queries against 128 vectors. GFLOP/s counts 2·dim flops per pair, as
// in BenchmarkBlock.
//
//	go test -run '^$' -bench 'Panels' -count 6 ./distance
func BenchmarkPanels(b *testing.B) {
	rng := rand.New(rand.NewPCG(63, 64))
	const nq, nvec = 100, 128
	for _, dim := range []int{14, 26, 50, 64, 128} {
		queries := randomFloats(rng, nq*dim)
		vectors := randomFloats(rng, nvec*dim)
		panels := PackPanels(nil, vectors, dim)
		out := make([]float32, nq*nvec)
		flops := float64(2 * nq * nvec * dim)
		for _, k := range allTiers(b) {
			for _, c := range []struct {
				name  string
				block BlockFunc
				panel PanelFunc
			}{
				{"dot", k.DotBlock, k.DotPanels},
				{"l2sq", k.L2SquaredBlock, k.L2SquaredPanels},
			} {
				prefix := c.name + "/" + k.ISA.String() + "/" + strconv.Itoa(dim)
				b.Run(prefix+"/panels", func(b *testing.B) {
					benchFlops(b, flops, func() { c.panel(queries, dim, panels, nvec, out) })
				})
				b.Run(prefix+"/block", func(b *testing.B) {
					benchFlops(b, flops, func() { c.block(queries, dim, vectors, dim, nil, out) })
				})
			}
		}
	}
}

// benchFlops runs f in a b.Loop and reports GFLOP/s by the wall clock and by
// the thread's CPU time (cpu-GFLOP/s), which leaves out time the benchmark
// spent descheduled on a shared machine.
func benchFlops(b *testing.B, flops float64, f func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := threadCPUTime()
	for b.Loop() {
		f()
	}
	work := flops * float64(b.N) / 1e9
	b.ReportMetric(work/b.Elapsed().Seconds(), "GFLOP/s")
	if end := threadCPUTime(); start >= 0 && end > start {
		b.ReportMetric(work/(float64(end-start)/1e9), "cpu-GFLOP/s")
	}
}
