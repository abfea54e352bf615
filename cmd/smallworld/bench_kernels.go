package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/viterin/vek/vek32"

	"github.com/smallworld-go/smallworld/distance"
	"github.com/smallworld-go/smallworld/halfvec"
)

// kernelNames lists the kernels "bench kernels" knows, in the order the
// table prints them. The f16 kernels take two half vectors; the f32f16 ones a
// float32 query and a half vector, as an index with float16 storage does.
var kernelNames = []string{
	"dot", "l2sq", "l1", "cosine", "hamming", "jaccard",
	"f16dot", "f16l2sq", "f16l1", "f16cosine",
	"f32f16dot", "f32f16l2sq", "f32f16l1", "f32f16cosine",
	"dotbatch", "l2sqbatch", "dotblock", "l2sqblock", "dotpanels", "l2sqpanels",
}

// The many-vector kernels (batch, block, panels) score against an arena of
// manyVectors vectors, small enough to stay in cache at 1536 dimensions, as
// a graph walk's neighbours or a brute-force block do; the block and panel
// kernels take manyQueries queries per call.
const (
	manyVectors = 128
	manyQueries = 16
)

// implVek names the baseline implementation, github.com/viterin/vek/vek32.
const implVek = "vek"

// maxBenchDim bounds --dims so a typo cannot ask for gigabytes.
const maxBenchDim = 1 << 20

// kernelCase is one row of the benchmark: a kernel, an implementation and a
// dimension, with a closure that runs the kernel n times.
type kernelCase struct {
	kernel string
	impl   string
	dim    int
	bytes  int                // bytes of both operands, for GB/s
	run    func(n int) uint64 // returns a value derived from the results, so the calls cannot be dropped
}

// kernelResult is one measured row, as printed by --json.
type kernelResult struct {
	Kernel  string  `json:"kernel"`
	Impl    string  `json:"impl"`
	Dim     int     `json:"dim"`
	NsPerOp float64 `json:"ns_per_op"`
	GBPerS  float64 `json:"gb_per_s"`
	// VsGeneric and VsVek are speed-ups: the other implementation's ns/op
	// divided by this one's (absent when there is no such row).
	VsGeneric float64 `json:"speedup_vs_generic,omitempty"`
	VsVek     float64 `json:"speedup_vs_vek,omitempty"`
}

// kernelBenchConfig is the parsed command line of "bench kernels".
type kernelBenchConfig struct {
	json    bool
	dims    []int
	kernels []string
	impls   []string // empty: all
	budget  time.Duration
	samples int
}

// runBenchKernels implements "smallworld bench kernels": the speed of every
// distance kernel in every implementation tier this CPU supports, with vek as
// the baseline, in one run.
func runBenchKernels(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "bench kernels",
		"bench kernels [--json] [--dims 128,384,768,1536] [--kernels dot,l2sq,...] [--impls generic,avx2,avx512,vek] [--time 200ms] [--samples 9]",
		`  smallworld bench kernels
  smallworld bench kernels --dims 768 --kernels dot,l2sq --time 1s
  SMALLWORLD_SIMD=avx2 smallworld bench kernels --json > kernels.json

Each row is the median of --samples timed runs whose total is about --time.
GB/s counts the bytes of both operands. The vek rows are the baseline:
vek32.Dot, vek32.Distance (which includes the square root), vek32.ManhattanDistance
and 1 - vek32.CosineSimilarity. Bit kernels (hamming, jaccard) take dims in bits.
The batch, block and panel kernels (dotbatch ... l2sqpanels) count one distance
as one op, so their ns/op compares with the pair kernel's row: batch scores one
query against 128 vectors in shuffled order, block and panels 16 queries
against 128 vectors per call.
SMALLWORLD_SIMD does not hide tiers here: every tier the CPU has is measured.`)
	jsonOut := fs.Bool("json", false, "print one JSON array instead of a table")
	dimsFlag := fs.String("dims", "128,384,768,1536", "comma-separated vector dimensions")
	kernelsFlag := fs.String("kernels", "all", "comma-separated kernels: "+strings.Join(kernelNames, ","))
	implsFlag := fs.String("impls", "all", "comma-separated implementations: generic,avx2,avx512,vek")
	budget := fs.Duration("time", 200*time.Millisecond, "measuring time per row")
	samples := fs.Int("samples", 9, "timed runs per row; the median is reported")
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	cfg := kernelBenchConfig{json: *jsonOut, budget: *budget, samples: *samples}
	var err error
	if cfg.dims, err = parseDims(*dimsFlag); err != nil {
		return err
	}
	if cfg.kernels, err = parseNameList(*kernelsFlag, kernelNames, "kernel"); err != nil {
		return err
	}
	if *implsFlag != "all" {
		if cfg.impls, err = parseNameList(*implsFlag, []string{"generic", "avx2", "avx512", implVek}, "implementation"); err != nil {
			return err
		}
	}
	if cfg.budget <= 0 {
		return usageErrorf("--time must be positive, got %v", cfg.budget)
	}
	if cfg.samples < 1 || cfg.samples > 1000 {
		return usageErrorf("--samples must be between 1 and 1000, got %d", cfg.samples)
	}

	cases, err := kernelCases(cfg)
	if err != nil {
		return err
	}
	clock, clockName := newBenchClock()
	results, err := measureCases(ctx, cases, clock, cfg.budget, cfg.samples)
	if err != nil {
		return err
	}
	addSpeedups(results)

	if cfg.json {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(results)
	}
	return printKernelTable(e, cfg, clockName, results)
}

// parseDims parses a comma-separated list of positive dimensions.
func parseDims(s string) ([]int, error) {
	var dims []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		d, err := strconv.Atoi(f)
		if err != nil || d < 1 || d > maxBenchDim {
			return nil, usageErrorf("--dims: %q is not a dimension between 1 and %d", f, maxBenchDim)
		}
		if !slices.Contains(dims, d) {
			dims = append(dims, d)
		}
	}
	return dims, nil
}

// parseNameList parses a comma-separated subset of known ("all" for every
// name), keeping known's order.
func parseNameList(s string, known []string, what string) ([]string, error) {
	if strings.TrimSpace(s) == "all" {
		return known, nil
	}
	want := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		if !slices.Contains(known, f) {
			return nil, usageErrorf("unknown %s %q (known: %s)", what, f, strings.Join(known, ", "))
		}
		want[f] = true
	}
	var out []string
	for _, k := range known {
		if want[k] {
			out = append(out, k)
		}
	}
	return out, nil
}

// kernelCases builds the rows to measure: every requested kernel × every
// supported tier (plus vek where it has the kernel) × every dimension.
func kernelCases(cfg kernelBenchConfig) ([]kernelCase, error) {
	implWanted := func(name string) bool { return len(cfg.impls) == 0 || slices.Contains(cfg.impls, name) }
	var tiers []*distance.Kernels
	for _, isa := range distance.Supported() {
		if !implWanted(isa.String()) {
			continue
		}
		k, err := distance.For(isa)
		if err != nil {
			return nil, fmt.Errorf("bench kernels: %w", err)
		}
		tiers = append(tiers, k)
	}
	var halfTiers []*halfvec.Kernels
	for _, isa := range halfvec.Supported() {
		if !implWanted(isa.String()) {
			continue
		}
		k, err := halfvec.For(isa)
		if err != nil {
			return nil, fmt.Errorf("bench kernels: %w", err)
		}
		halfTiers = append(halfTiers, k)
	}

	rng := rand.New(rand.NewPCG(1, 2))
	var cases []kernelCase
	for _, kernel := range cfg.kernels {
		for _, dim := range cfg.dims {
			x, y := randomUnitFloats(rng, dim), randomUnitFloats(rng, dim)
			hx, err := halfvec.FromSlice(x)
			if err != nil {
				return nil, fmt.Errorf("bench kernels: %w", err)
			}
			hy, err := halfvec.FromSlice(y)
			if err != nil {
				return nil, fmt.Errorf("bench kernels: %w", err)
			}
			words := (dim + 63) / 64
			wx, wy := randomWords(rng, words), randomWords(rng, words)

			add := func(impl string, bytes int, run func(n int) uint64) {
				cases = append(cases, kernelCase{kernel: kernel, impl: impl, dim: dim, bytes: bytes, run: run})
			}
			f32 := func(impl string, f func(a, b []float32) float32) {
				add(impl, 8*dim, func(n int) uint64 { return runF32(f, x, y, n) })
			}
			f16 := func(impl string, f func(a, b []halfvec.Float16) float32) {
				add(impl, 4*dim, func(n int) uint64 { return runF16(f, hx, hy, n) })
			}
			f32f16 := func(impl string, f func(q []float32, h []halfvec.Float16) float32) {
				add(impl, 6*dim, func(n int) uint64 { return runF32F16(f, x, hy, n) })
			}

			switch kernel {
			case "dot", "l2sq", "l1", "cosine":
				for _, k := range tiers {
					f32(k.ISA.String(), map[string]func(a, b []float32) float32{
						"dot": k.Dot, "l2sq": k.L2Squared, "l1": k.L1, "cosine": k.Cosine,
					}[kernel])
				}
				if implWanted(implVek) {
					f32(implVek, map[string]func(a, b []float32) float32{
						"dot":    vek32.Dot,
						"l2sq":   vek32.Distance,
						"l1":     vek32.ManhattanDistance,
						"cosine": func(a, b []float32) float32 { return 1 - vek32.CosineSimilarity(a, b) },
					}[kernel])
				}
			case "hamming":
				for _, k := range tiers {
					add(k.ISA.String(), 2*8*words, func(n int) uint64 {
						var s int
						for range n {
							s += k.Hamming(wx, wy)
						}
						return uint64(s)
					})
				}
			case "jaccard":
				for _, k := range tiers {
					add(k.ISA.String(), 2*8*words, func(n int) uint64 {
						var s float64
						for range n {
							s += k.Jaccard(wx, wy)
						}
						return math.Float64bits(s)
					})
				}
			case "f16dot", "f16l2sq", "f16l1", "f16cosine":
				for _, k := range halfTiers {
					f16(k.ISA.String(), map[string]func(a, b []halfvec.Float16) float32{
						"f16dot": k.Dot, "f16l2sq": k.L2Squared, "f16l1": k.L1, "f16cosine": k.Cosine,
					}[kernel])
				}
			case "dotbatch", "l2sqbatch", "dotblock", "l2sqblock", "dotpanels", "l2sqpanels":
				for _, k := range tiers {
					add(k.ISA.String(), 8*dim, manyKernelRun(kernel, k, dim, rng))
				}
			case "f32f16dot", "f32f16l2sq", "f32f16l1", "f32f16cosine":
				for _, k := range halfTiers {
					f32f16(k.ISA.String(), map[string]func(q []float32, h []halfvec.Float16) float32{
						"f32f16dot": k.DotF32, "f32f16l2sq": k.L2SquaredF32, "f32f16l1": k.L1F32, "f32f16cosine": k.CosineF32,
					}[kernel])
				}
			}
		}
	}
	return cases, nil
}

// The run loops sum the results and hand back their bits: the kernels are
// called through function values the compiler cannot see into, and the sum
// keeps even a future devirtualising compiler from dropping the calls.

func runF32(f func(a, b []float32) float32, x, y []float32, n int) uint64 {
	var s float32
	for range n {
		s += f(x, y)
	}
	return uint64(math.Float32bits(s))
}

func runF16(f func(a, b []halfvec.Float16) float32, x, y []halfvec.Float16, n int) uint64 {
	var s float32
	for range n {
		s += f(x, y)
	}
	return uint64(math.Float32bits(s))
}

func runF32F16(f func(q []float32, h []halfvec.Float16) float32, q []float32, h []halfvec.Float16, n int) uint64 {
	var s float32
	for range n {
		s += f(q, h)
	}
	return uint64(math.Float32bits(s))
}

// manyKernelRun returns the run closure of a batch, block or panel kernel:
// one operation is one distance, so its ns/op compares directly with the
// pair kernel's row, and run(n) makes enough calls for at least n distances.
// The batch kernel visits the arena in a shuffled order, as a graph walk
// does; the block and panel kernels score manyQueries queries against the
// whole arena per call.
func manyKernelRun(kernel string, k *distance.Kernels, dim int, rng *rand.Rand) func(n int) uint64 {
	arena := randomUnitFloats(rng, manyVectors*dim)
	queries := randomUnitFloats(rng, manyQueries*dim)
	out := make([]float32, manyQueries*manyVectors)
	var call func()
	perCall := manyQueries * manyVectors
	switch kernel {
	case "dotbatch", "l2sqbatch":
		f := k.DotBatch
		if kernel == "l2sqbatch" {
			f = k.L2SquaredBatch
		}
		ids := make([]uint32, manyVectors)
		for i, j := range rng.Perm(manyVectors) {
			ids[i] = uint32(j)
		}
		q := queries[:dim]
		perCall = manyVectors
		call = func() { f(q, arena, dim, ids, out) }
	case "dotblock", "l2sqblock":
		f := k.DotBlock
		if kernel == "l2sqblock" {
			f = k.L2SquaredBlock
		}
		call = func() { f(queries, dim, arena, dim, nil, out) }
	default: // panels
		f := k.DotPanels
		if kernel == "l2sqpanels" {
			f = k.L2SquaredPanels
		}
		panels := distance.PackPanels(nil, arena, dim)
		call = func() { f(queries, dim, panels, manyVectors, out) }
	}
	return func(n int) uint64 {
		var s float32
		for range (n + perCall - 1) / perCall {
			call()
			s += out[0]
		}
		return uint64(math.Float32bits(s))
	}
}

func randomUnitFloats(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = rng.Float32()*2 - 1
	}
	return v
}

func randomWords(rng *rand.Rand, n int) []uint64 {
	v := make([]uint64, n)
	for i := range v {
		v[i] = rng.Uint64()
	}
	return v
}

// wallStart is the origin of wallClock's readings.
var wallStart = time.Now()

// wallClock reads the monotonic wall clock.

func wallClock() time.Duration { return time.Since(wallStart) }

// measureCases measures every case and returns one result per case, in
// order. The cases of one kernel and dimension (the implementations to be
// compared) are sampled in turn, sample 1 of each, then sample 2 of each, …,
// so a burst of load on a shared machine hits all of them alike instead of
// skewing their ratio. Each row reports the median of its samples: a sample
// that another process disturbed is an outlier, not data.
func measureCases(ctx context.Context, cases []kernelCase, clock func() time.Duration, budget time.Duration, samples int) ([]kernelResult, error) {
	// The thread CPU clock needs the goroutine to stay on one thread.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	perSample := budget / time.Duration(samples)
	results := make([]kernelResult, len(cases))
	var keep uint64
	for start := 0; start < len(cases); {
		end := start + 1
		for end < len(cases) && cases[end].kernel == cases[start].kernel && cases[end].dim == cases[start].dim {
			end++
		}
		group := cases[start:end]
		counts := make([]int, len(group))
		ns := make([][]float64, len(group))
		for i, c := range group {
			n, err := calibrate(ctx, c.run, clock, perSample, &keep)
			if err != nil {
				return nil, err
			}
			counts[i] = n
		}
		for range samples {
			for i, c := range group {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
				t0 := clock()
				keep += c.run(counts[i])
				ns[i] = append(ns[i], float64(clock()-t0)/float64(counts[i]))
			}
		}
		for i, c := range group {
			med := median(ns[i])
			results[start+i] = kernelResult{Kernel: c.kernel, Impl: c.impl, Dim: c.dim, NsPerOp: med, GBPerS: float64(c.bytes) / med}
		}
		start = end
	}
	runtime.KeepAlive(keep)
	return results, nil
}

// calibrate finds a call count whose run takes about perSample, so the
// clock's overhead is negligible even for a 2 ns kernel.
func calibrate(ctx context.Context, run func(n int) uint64, clock func() time.Duration, perSample time.Duration, keep *uint64) (int, error) {
	n := 1
	for {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		t0 := clock()
		*keep += run(n)
		elapsed := clock() - t0
		if elapsed >= perSample/2 || n >= 1<<30 {
			if elapsed > 0 {
				n = max(1, int(float64(n)*float64(perSample)/float64(elapsed)))
			}
			return n, nil
		}
		if elapsed < time.Microsecond {
			n *= 100
		} else {
			n = int(min(float64(n)*100, float64(n)*1.2*float64(perSample)/float64(elapsed)))
		}
	}
}

// median returns the median of xs, which it sorts.
func median(xs []float64) float64 {
	slices.Sort(xs)
	m := len(xs) / 2
	if len(xs)%2 == 1 {
		return xs[m]
	}
	return (xs[m-1] + xs[m]) / 2
}

// addSpeedups fills each row's speed-up over the generic and vek rows of the
// same kernel and dimension.
func addSpeedups(rs []kernelResult) {
	type key struct {
		kernel string
		dim    int
	}
	generic := map[key]float64{}
	vek := map[key]float64{}
	for _, r := range rs {
		switch r.Impl {
		case distance.Generic.String():
			generic[key{r.Kernel, r.Dim}] = r.NsPerOp
		case implVek:
			vek[key{r.Kernel, r.Dim}] = r.NsPerOp
		}
	}
	for i := range rs {
		k := key{rs[i].Kernel, rs[i].Dim}
		if g, ok := generic[k]; ok && rs[i].NsPerOp > 0 {
			rs[i].VsGeneric = g / rs[i].NsPerOp
		}
		if v, ok := vek[k]; ok && rs[i].NsPerOp > 0 {
			rs[i].VsVek = v / rs[i].NsPerOp
		}
	}
}

func printKernelTable(e env, cfg kernelBenchConfig, clockName string, rs []kernelResult) error {
	var tiers []string
	for _, t := range distance.Supported() {
		tiers = append(tiers, t.String())
	}
	fmt.Fprintf(e.stdout, "smallworld bench kernels: %s %s/%s, tiers %s (package default %s)\n",
		runtime.Version(), runtime.GOOS, runtime.GOARCH, strings.Join(tiers, ","), distance.Tier())
	fmt.Fprintf(e.stdout, "median of %d samples per row, %v per row, timed by %s; rows of one kernel and dimension are sampled in turn\n\n",
		cfg.samples, cfg.budget, clockName)
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "kernel\timpl\tdim\tns/op\tGB/s\tvs generic\tvs vek\t")
	ratio := func(x float64) string {
		if x == 0 {
			return "-"
		}
		return fmt.Sprintf("%.2fx", x)
	}
	for _, r := range rs {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.1f\t%.1f\t%s\t%s\t\n",
			r.Kernel, r.Impl, r.Dim, r.NsPerOp, r.GBPerS, ratio(r.VsGeneric), ratio(r.VsVek))
	}
	return tw.Flush()
}
