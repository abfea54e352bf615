package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/smallworld-go/smallworld/bench"
)

const truthExamples = `  # the built-in SIFT-small set, checked against its shipped ground truth
  smallworld truth --dataset siftsmall --k 100 --out siftsmall_gt.ivecs

  # exact top-100 of each query of a TEXMEX dataset, squared L2
  smallworld truth --base sift_base.fvecs --query sift_query.fvecs --k 100 --out gt.ivecs

  # cosine neighbours of pgvector COPY dumps, with distances and a cache
  smallworld truth --base items.txt --query probes.txt --metric cosine --k 10 \
      --out gt.ivecs --dists gt.fvecs --cache ~/.cache/smallworld

  # the first 100 Fashion-MNIST test images, summary as JSON
  smallworld truth --base fashion-mnist_base.fvecs.gz --query fashion-mnist_query.fvecs.gz \
      --nq 100 --out fm100.ivecs --json`

// truthSummary is what "smallworld truth --json" prints.
type truthSummary struct {
	Dataset      string  `json:"dataset,omitempty"`
	Base         string  `json:"base,omitempty"`
	Queries      string  `json:"queries,omitempty"`
	BaseRows     int     `json:"base_rows"`
	QueryRows    int     `json:"query_rows"`
	Dim          int     `json:"dim"`
	Metric       string  `json:"metric"`
	Distance     string  `json:"distance"`
	K            int     `json:"k"`
	Out          string  `json:"out"`
	Dists        string  `json:"dists,omitempty"`
	Cached       bool    `json:"cached"`
	Workers      int     `json:"workers"`
	LoadSeconds  float64 `json:"load_seconds"`
	TruthSeconds float64 `json:"truth_seconds"`
	QueriesPerS  float64 `json:"queries_per_second"`
	// ShippedRecall is the recall of the dataset's own ground truth against
	// the computed one (1 when they agree up to ties); built-in data only.
	ShippedRecall *float64 `json:"shipped_truth_recall,omitempty"`
}

// runTruth implements "smallworld truth".
func runTruth(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "truth", "truth --base FILE --query FILE --out FILE.ivecs [flags]\n\n"+
		"Exact k nearest neighbours of every query by brute force (all cores, SIMD),\n"+
		"written as TEXMEX .ivecs (ids, nearest first; ties by lower id) and optionally\n"+
		"the distances as .fvecs. Input formats by extension: .fvecs .ivecs .bvecs .npy\n"+
		".csv .tsv .jsonl .txt (pgvector text) *-idx3-ubyte, each optionally .gz.",
		truthExamples)
	basePath := fs.String("base", "", "base vectors `file` (required unless --dataset)")
	queryPath := fs.String("query", "", "query vectors `file` (required unless --dataset)")
	dataset := fs.String("dataset", "", "use a built-in dataset instead of files: siftsmall")
	metricName := fs.String("metric", "l2", "distance: l2, ip (inner product), cosine or l1")
	k := fs.Int("k", 100, "neighbours per query")
	out := fs.String("out", "", "output `file` for the ids, .ivecs (required)")
	dists := fs.String("dists", "", "output `file` for the distances, .fvecs (squared for l2, negated for ip)")
	cache := fs.String("cache", "", "cache `dir`ectory: reuse results for the same data, metric and k")
	nq := fs.Int("nq", 0, "use only the first `n` queries (0: all)")
	workers := fs.Int("workers", 0, "goroutines (0: GOMAXPROCS)")
	asJSON := fs.Bool("json", false, "print a JSON summary on stdout")
	progress := fs.Bool("progress", false, "show a progress bar even when stderr is not a terminal")
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	switch {
	case *dataset != "" && (*basePath != "" || *queryPath != ""):
		return usageErrorf("--dataset replaces --base and --query; give one or the other")
	case *dataset != "" && *dataset != "siftsmall":
		return usageErrorf("unknown --dataset %q (built in: siftsmall)", *dataset)
	case *dataset == "" && *basePath == "":
		return usageErrorf("--base is required")
	case *dataset == "" && *queryPath == "":
		return usageErrorf("--query is required")
	case *out == "":
		return usageErrorf("--out is required")
	case *k < 1:
		return usageErrorf("--k must be at least 1, got %d", *k)
	case *nq < 0:
		return usageErrorf("--nq must not be negative")
	case *workers < 0:
		return usageErrorf("--workers must not be negative")
	}
	metric, err := bench.ParseMetric(*metricName)
	if err != nil {
		return usageErrorf("%v", err)
	}
	if metric == bench.Hamming {
		return usageErrorf("--metric hamming needs bit vectors; use l2, ip, cosine or l1")
	}

	start := time.Now()
	var base, queries *bench.Matrix
	var shipped [][]int32
	if *dataset != "" {
		if base, queries, shipped, err = bench.SIFTSmall(); err != nil {
			return err
		}
	} else {
		if base, err = bench.Load(*basePath); err != nil {
			return err
		}
		if queries, err = bench.Load(*queryPath); err != nil {
			return err
		}
	}
	if *nq > 0 && *nq < queries.Len() {
		queries = queries.Slice(0, *nq)
		if shipped != nil {
			shipped = shipped[:*nq]
		}
	}
	loaded := time.Since(start)

	opts := bench.GroundTruthOptions{Workers: *workers, CacheDir: *cache}
	var bar *progressbar.ProgressBar
	if *progress || isTerminal(e.stderr) {
		total := int64(base.Len()) * int64(queries.Len())
		bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(e.stderr),
			progressbar.OptionSetDescription("ground truth"),
			progressbar.OptionSetItsString("pairs"),
			progressbar.OptionShowIts(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(e.stderr) }),
		)
		opts.Progress = func(done, _ int64) { bar.Set64(done) }
	}
	start = time.Now()
	t, err := bench.GroundTruth(ctx, base, queries, metric, *k, opts)
	elapsed := time.Since(start)
	if bar != nil {
		bar.Finish()
	}
	if err != nil {
		if t == nil || !errors.Is(err, bench.ErrCacheWrite) {
			return err
		}
		fmt.Fprintf(e.stderr, "smallworld truth: warning: %v\n", err)
	}
	if err := bench.SaveTruth(*out, *dists, t); err != nil {
		return err
	}

	w := *workers
	if w == 0 {
		w = runtime.GOMAXPROCS(0)
	}
	sum := truthSummary{
		Dataset: *dataset, Base: *basePath, Queries: *queryPath,
		BaseRows: base.Len(), QueryRows: queries.Len(), Dim: base.Dim,
		Metric: metric.String(), Distance: metric.DistanceName(), K: t.K,
		Out: *out, Dists: *dists, Cached: t.Cached, Workers: w,
		LoadSeconds: loaded.Seconds(), TruthSeconds: elapsed.Seconds(),
	}
	if elapsed > 0 {
		sum.QueriesPerS = float64(queries.Len()) / elapsed.Seconds()
	}
	if shipped != nil && metric == bench.L2 {
		// The shipped truth holds 100 ids per query; score what overlaps.
		if kk := min(t.K, len(shipped[0])); kk > 0 {
			r, err := bench.Recall(t, shipped, kk)
			if err != nil {
				return err
			}
			sum.ShippedRecall = &r
		}
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(sum)
	}
	how := "computed"
	if t.Cached {
		how = "read from cache"
	}
	fmt.Fprintf(e.stdout, "%s: top-%d of %d queries over %d × %d base vectors (%s), %s in %v\n",
		*out, t.K, queries.Len(), base.Len(), base.Dim, metric.DistanceName(), how, elapsed.Round(time.Millisecond))
	if sum.ShippedRecall != nil {
		fmt.Fprintf(e.stdout, "agreement with the dataset's shipped ground truth: recall@%d = %.4f\n", min(t.K, len(shipped[0])), *sum.ShippedRecall)
	}
	return nil
}

// isTerminal reports whether w is a character device such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
