package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/smallworld-go/smallworld/bench"
	"github.com/smallworld-go/smallworld/hnsw"
)

const benchANNExamples = `  # the built-in SIFT-small set with the defaults (M=16, ef_construction=64)
  smallworld bench ann

  # Fashion-MNIST, first 1,000 test queries, float16 storage, two build threads
  smallworld bench ann --base fashion-mnist_base.fvecs.gz --query fashion-mnist_query.fvecs.gz \
      --nq 1000 --storage f16 --threads 2

  # a precomputed ground truth, inner product, as JSON
  smallworld bench ann --base items.npy --query probes.npy --truth gt.ivecs --metric ip --json

Recall is recall@k against exact ground truth (computed by brute force unless
--truth is given; ties count as hits). QPS is one thread issuing queries back
to back; on Linux it is timed in thread CPU time, a steadier clock than wall
time on a shared machine (the JSON has the wall-time figure too). p50/p99 are
wall-time latencies of single queries. dist/query counts the distance
evaluations the index itself reports for each search.`

// annEfResult is one row of "bench ann": the measurements at one ef.
type annEfResult struct {
	Ef              int     `json:"ef"`
	Recall          float64 `json:"recall"`
	QPS             float64 `json:"qps"`
	QPSWall         float64 `json:"qps_wall"`
	P50us           float64 `json:"p50_us"`
	P99us           float64 `json:"p99_us"`
	DistPerQuery    float64 `json:"dist_per_query"`
	VisitedPerQuery float64 `json:"visited_per_query"`
}

// annBenchSummary is what "bench ann --json" prints.
type annBenchSummary struct {
	Dataset          string        `json:"dataset,omitempty"`
	Base             string        `json:"base,omitempty"`
	Queries          string        `json:"queries,omitempty"`
	BaseRows         int           `json:"base_rows"`
	QueryRows        int           `json:"query_rows"`
	Dim              int           `json:"dim"`
	Metric           string        `json:"metric"`
	Storage          string        `json:"storage"`
	Heuristic        string        `json:"heuristic"`
	K                int           `json:"k"`
	M                int           `json:"m"`
	EfConstruction   int           `json:"ef_construction"`
	Threads          int           `json:"threads"`
	BuildSeconds     float64       `json:"build_seconds"`
	BuildCPUSeconds  float64       `json:"build_cpu_seconds,omitempty"`
	VectorsPerSecond float64       `json:"vectors_per_second"`
	DistPerInsert    float64       `json:"dist_per_insert"`
	IndexBytes       int64         `json:"index_bytes"`
	BytesPerVector   float64       `json:"bytes_per_vector"`
	FileBytes        int64         `json:"file_bytes"`
	FileBytesPerVec  float64       `json:"file_bytes_per_vector"`
	Clock            string        `json:"qps_clock"`
	Results          []annEfResult `json:"results"`
}

// annBenchConfig is the parsed command line of "bench ann".
type annBenchConfig struct {
	basePath, queryPath, truthPath string
	metric                         hnsw.Metric
	benchMetric                    bench.Metric
	storage                        hnsw.Storage
	heuristic                      hnsw.Heuristic
	k, m, efc, threads, nq         int
	efs                            []int
	seed                           uint64
	cpuProfile                     string
	budget                         time.Duration
	json                           bool
}

// runBenchANN implements "smallworld bench ann": build an index, then sweep
// ef and measure recall, single-thread QPS, latency and distance evaluations.
func runBenchANN(ctx context.Context, e env, args []string) error {
	cfg, err := parseBenchANN(e, args)
	if err != nil {
		return err
	}
	var sum annBenchSummary
	base, queries, truth, err := loadANNData(ctx, cfg, &sum)
	if err != nil {
		return err
	}

	ix, err := hnsw.New(hnsw.Config{
		Dim: base.Dim, M: cfg.m, EfConstruction: cfg.efc, Metric: cfg.metric,
		Storage: cfg.storage, Heuristic: cfg.heuristic, Seed: cfg.seed, Capacity: base.Len(),
	})
	if err != nil {
		return usageErrorf("%v", err)
	}
	if err := profileBuild(cfg.cpuProfile, func() error { return buildANN(ctx, ix, base, cfg.threads, &sum) }); err != nil {
		return err
	}
	st := ix.Stats()
	sum.DistPerInsert = float64(st.DistanceEvaluations) / float64(base.Len())
	sum.IndexBytes = st.BytesUsed
	sum.BytesPerVector = bench.BytesPerVector(st.BytesUsed, base.Len())
	sum.FileBytes = st.FileBytes
	sum.FileBytesPerVec = bench.BytesPerVector(st.FileBytes, base.Len())

	clock, clockName := newBenchClock()
	sum.Clock = clockName
	for _, ef := range cfg.efs {
		r, err := measureEf(ctx, ix, queries, truth, cfg, ef, clock)
		if err != nil {
			return err
		}
		sum.Results = append(sum.Results, r)
	}
	if cfg.json {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(sum)
	}
	return printANNTable(e, &sum)
}

// parseBenchANN parses and checks the command line.
func parseBenchANN(e env, args []string) (annBenchConfig, error) {
	fs := newFlagSet(e, "bench ann",
		"bench ann [--base FILE --query FILE [--truth FILE.ivecs]] [--metric l2] [--k 10] [--m 16]\n"+
			"          [--ef-construction 64] [--ef 10,20,40,80] [--threads 1] [--storage f32|f16] [--json]\n\n"+
			"Builds an HNSW index and sweeps ef: build time, bytes per vector, and per ef\n"+
			"recall@k, single-thread QPS, p50/p99 latency and distance evaluations per query.\n"+
			"Without --base it uses the built-in SIFT-small set (10,000 × 128, 100 queries).",
		benchANNExamples)
	basePath := fs.String("base", "", "base vectors `file` (default: built-in SIFT-small)")
	queryPath := fs.String("query", "", "query vectors `file` (required with --base)")
	truthPath := fs.String("truth", "", "ground truth `file` (.ivecs, nearest first); default: computed exactly")
	metricName := fs.String("metric", "l2", "distance: l2, ip (inner product), cosine or l1")
	k := fs.Int("k", 10, "neighbours per query")
	m := fs.Int("m", hnsw.DefaultM, "links per node (2·m on layer 0)")
	efc := fs.Int("ef-construction", hnsw.DefaultEfConstruction, "candidate list size while building")
	efList := fs.String("ef", "10,20,40,80", "comma-separated search candidate list sizes")
	threads := fs.Int("threads", 1, "build goroutines (0: GOMAXPROCS)")
	storageName := fs.String("storage", "f32", "vector storage: f32 or f16")
	heuristicName := fs.String("heuristic", "keep-pruned", "neighbour selection: keep-pruned (pgvector) or hnswlib")
	nq := fs.Int("nq", 0, "use only the first `n` queries (0: all)")
	seed := fs.Uint64("seed", 0, "level generator seed")
	budget := fs.Duration("time", time.Second, "timing budget per ef (at least 3 passes over the queries)")
	asJSON := fs.Bool("json", false, "print one JSON object instead of a table")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the build to `file` (go tool pprof reads it)")
	if err := parseFlags(fs, args, false); err != nil {
		return annBenchConfig{}, err
	}
	cfg := annBenchConfig{
		basePath: *basePath, queryPath: *queryPath, truthPath: *truthPath, cpuProfile: *cpuProfile,
		k: *k, m: *m, efc: *efc, threads: *threads, nq: *nq, seed: *seed, budget: *budget, json: *asJSON,
	}
	switch {
	case cfg.basePath == "" && cfg.queryPath != "":
		return cfg, usageErrorf("--query needs --base")
	case cfg.basePath != "" && cfg.queryPath == "":
		return cfg, usageErrorf("--query is required with --base")
	case cfg.k < 1:
		return cfg, usageErrorf("--k must be at least 1, got %d", cfg.k)
	case cfg.threads < 0:
		return cfg, usageErrorf("--threads must not be negative")
	case cfg.nq < 0:
		return cfg, usageErrorf("--nq must not be negative")
	case cfg.budget <= 0:
		return cfg, usageErrorf("--time must be positive, got %v", cfg.budget)
	}
	var err error
	if cfg.metric, err = hnsw.ParseMetric(*metricName); err != nil {
		return cfg, usageErrorf("--metric: %v", err)
	}
	if cfg.benchMetric, err = bench.ParseMetric(cfg.metric.String()); err != nil {
		return cfg, usageErrorf("--metric: %v", err)
	}
	if cfg.storage, err = hnsw.ParseStorage(*storageName); err != nil {
		return cfg, usageErrorf("--storage: %v", err)
	}
	switch *heuristicName {
	case "keep-pruned", "pgvector":
		cfg.heuristic = hnsw.HeuristicKeepPruned
	case "hnswlib":
		cfg.heuristic = hnsw.HeuristicHNSWLib
	default:
		return cfg, usageErrorf("--heuristic: %q is not keep-pruned or hnswlib", *heuristicName)
	}
	for _, f := range strings.Split(*efList, ",") {
		ef, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || ef < 1 || ef > hnsw.MaxEf {
			return cfg, usageErrorf("--ef: %q is not a size between 1 and %d", f, hnsw.MaxEf)
		}
		if !slices.Contains(cfg.efs, ef) {
			cfg.efs = append(cfg.efs, ef)
		}
	}
	return cfg, nil
}

// loadANNData reads the base and query vectors and the ground truth.
func loadANNData(ctx context.Context, cfg annBenchConfig, sum *annBenchSummary) (base, queries *bench.Matrix, truth *bench.Truth, err error) {
	if cfg.basePath == "" {
		sum.Dataset = "siftsmall"
		if base, queries, _, err = bench.SIFTSmall(); err != nil {
			return nil, nil, nil, err
		}
	} else {
		sum.Base, sum.Queries = cfg.basePath, cfg.queryPath
		if base, err = bench.Load(cfg.basePath); err != nil {
			return nil, nil, nil, err
		}
		if queries, err = bench.Load(cfg.queryPath); err != nil {
			return nil, nil, nil, err
		}
	}
	if base.Len() == 0 || queries.Len() == 0 {
		return nil, nil, nil, usageErrorf("need at least one base and one query vector")
	}
	if base.Dim != queries.Dim {
		return nil, nil, nil, usageErrorf("base vectors have %d dimensions, queries %d", base.Dim, queries.Dim)
	}
	if cfg.nq > 0 && cfg.nq < queries.Len() {
		queries = queries.Slice(0, cfg.nq)
	}
	if cfg.truthPath != "" {
		ids, err := bench.LoadIvecs(cfg.truthPath)
		if err != nil {
			return nil, nil, nil, err
		}
		if len(ids) < queries.Len() {
			return nil, nil, nil, usageErrorf("--truth has %d rows for %d queries", len(ids), queries.Len())
		}
		ids = ids[:queries.Len()]
		kk := len(ids[0])
		for _, row := range ids {
			kk = min(kk, len(row))
		}
		if kk < cfg.k {
			return nil, nil, nil, usageErrorf("--truth holds %d neighbours per query, fewer than --k %d", kk, cfg.k)
		}
		truth = &bench.Truth{K: kk, Metric: cfg.benchMetric, IDs: ids}
	} else if truth, err = bench.GroundTruth(ctx, base, queries, cfg.benchMetric, cfg.k, bench.GroundTruthOptions{}); err != nil {
		return nil, nil, nil, err
	}
	sum.BaseRows, sum.QueryRows, sum.Dim = base.Len(), queries.Len(), base.Dim
	sum.Metric, sum.Storage, sum.Heuristic = cfg.metric.String(), cfg.storage.String(), cfg.heuristic.String()
	sum.K, sum.M, sum.EfConstruction = cfg.k, cfg.m, cfg.efc
	return base, queries, truth, nil
}

// profileBuild runs build, under the CPU profiler when path is not empty.
func profileBuild(path string, build func() error) error {
	if path == "" {
		return build()
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return fmt.Errorf("cpu profile: %w", err)
	}
	err = build()
	pprof.StopCPUProfile()
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("cpu profile: %w", cerr)
	}
	return err
}

// buildANN inserts base row i under key i with AddBatch (which keeps the
// back-links' distances while it runs). With one thread the batch runs on
// this goroutine, locked to its OS thread, so that the thread CPU clock
// measures the build alone.
func buildANN(ctx context.Context, ix *hnsw.Index, base *bench.Matrix, threads int, sum *annBenchSummary) error {
	if threads == 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	sum.Threads = threads
	keys := make([]uint64, base.Len())
	for i := range keys {
		keys[i] = uint64(i)
	}
	start := time.Now()
	if threads == 1 {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		clock, name := newBenchClock()
		c0 := clock()
		if err := ix.AddBatch(ctx, keys, base.Rows(), hnsw.BatchOptions{Workers: 1}); err != nil {
			return err
		}
		if name != "wall time" {
			sum.BuildCPUSeconds = (clock() - c0).Seconds()
		}
	} else if err := ix.AddBatch(ctx, keys, base.Rows(), hnsw.BatchOptions{Workers: threads}); err != nil {
		return err
	}
	el := time.Since(start)
	sum.BuildSeconds = el.Seconds()
	sum.VectorsPerSecond = float64(base.Len()) / el.Seconds()
	return nil
}

// measureEf runs the query set at one ef: one pass for recall and distance
// counts, then timed passes (at least three, until the budget is spent) for
// QPS (median pass) and latency percentiles (all queries of all passes).
func measureEf(ctx context.Context, ix *hnsw.Index, queries *bench.Matrix, truth *bench.Truth, cfg annBenchConfig, ef int, clock func() time.Duration) (annEfResult, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	opts := hnsw.SearchOptions{Ef: ef}
	nq := queries.Len()
	results := make([][]uint64, nq)
	var dists, visited int64
	buf := make([]hnsw.Result, 0, cfg.k)
	for i := range nq {
		res, st, err := ix.AppendSearch(buf[:0], queries.Row(i), cfg.k, opts)
		if err != nil {
			return annEfResult{}, err
		}
		ids := make([]uint64, len(res))
		for j, r := range res {
			ids[j] = r.Key
		}
		results[i] = ids
		dists += int64(st.DistanceEvaluations)
		visited += int64(st.Visited)
	}
	recall, err := bench.Recall(truth, results, cfg.k)
	if err != nil {
		return annEfResult{}, err
	}

	var lat []time.Duration
	var passQPS, passWall []float64
	spent := time.Duration(0)
	for pass := 0; pass < 3 || spent < cfg.budget; pass++ {
		if err := ctx.Err(); err != nil {
			return annEfResult{}, err
		}
		c0, w0 := clock(), time.Now()
		for i := range nq {
			t0 := time.Now()
			_, _, _ = ix.AppendSearch(buf[:0], queries.Row(i), cfg.k, opts)
			lat = append(lat, time.Since(t0))
		}
		c, w := clock()-c0, time.Since(w0)
		spent += w
		passQPS = append(passQPS, float64(nq)/c.Seconds())
		passWall = append(passWall, float64(nq)/w.Seconds())
		if pass >= 1000 {
			break
		}
	}
	ls := bench.NewLatencyStats(lat)
	return annEfResult{
		Ef:              ef,
		Recall:          recall,
		QPS:             median(passQPS),
		QPSWall:         median(passWall),
		P50us:           float64(ls.P50.Nanoseconds()) / 1e3,
		P99us:           float64(ls.P99.Nanoseconds()) / 1e3,
		DistPerQuery:    float64(dists) / float64(nq),
		VisitedPerQuery: float64(visited) / float64(nq),
	}, nil
}

// printANNTable prints the human-readable report.
func printANNTable(e env, s *annBenchSummary) error {
	what := s.Dataset
	if what == "" {
		what = s.Base
	}
	thr := "threads"
	if s.Threads == 1 {
		thr = "thread"
	}
	fmt.Fprintf(e.stdout, "%s: %d × %d base, %d queries, %s, k=%d, M=%d, ef_construction=%d, %s, %s heuristic\n",
		what, s.BaseRows, s.Dim, s.QueryRows, s.Metric, s.K, s.M, s.EfConstruction, s.Storage, s.Heuristic)
	fmt.Fprintf(e.stdout, "build: %.2f s with %d %s (%.0f vectors/s", s.BuildSeconds, s.Threads, thr, s.VectorsPerSecond)
	if s.BuildCPUSeconds > 0 {
		fmt.Fprintf(e.stdout, "; %.0f vectors/s of thread CPU time", float64(s.BaseRows)/s.BuildCPUSeconds)
	}
	fmt.Fprintf(e.stdout, "), %.0f distances per insert\n", s.DistPerInsert)
	fmt.Fprintf(e.stdout, "memory: %.1f bytes/vector in use, %.1f bytes/vector saved\n", s.BytesPerVector, s.FileBytesPerVec)
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "ef\trecall@%d\tQPS\tp50 µs\tp99 µs\tdist/query\t\n", s.K)
	for _, r := range s.Results {
		fmt.Fprintf(tw, "%d\t%.4f\t%.0f\t%.1f\t%.1f\t%.1f\t\n", r.Ef, r.Recall, r.QPS, r.P50us, r.P99us, r.DistPerQuery)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "QPS: one thread, %s; latencies: wall time\n", s.Clock)
	return nil
}
