package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/smallworld-go/smallworld/pgcompat/tune"
)

const driftExamples = `  # embeddings of the same items from two model versions, row by row
  smallworld drift --old v1.npy --new v2.npy

  # a stricter threshold, JSON for a pipeline
  smallworld drift --old v1.fvecs --new v2.fvecs --threshold 0.95 --json`

// runDrift implements "smallworld drift".
func runDrift(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "drift", "drift --old FILE --new FILE [flags]\n\n"+
		"Compares embeddings of the same items from two model versions, row i with row i:\n"+
		"the distribution of their cosine similarity, and how many of each sampled row's\n"+
		"nearest neighbours survive. Below the threshold (mean similarity 0.92) it advises\n"+
		"re-embedding into a new column and building a fresh index instead of updating rows\n"+
		"of the existing one.",
		driftExamples)
	oldPath := fs.String("old", "", "embeddings from the old model (required)")
	newPath := fs.String("new", "", "embeddings from the new model, same rows in the same order (required)")
	format := fs.String("format", "", "input `format` when the file names do not say")
	threshold := fs.Float64("threshold", tune.DefaultDriftThreshold, "mean cosine similarity below which to rebuild")
	neighbors := fs.Int("neighbors", 10, "k for the neighbourhood comparison (0: skip it)")
	sampleN := fs.Int("sample", 200, "rows whose neighbourhoods are compared")
	seed := fs.Uint64("seed", 1, "seed for the sample")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	switch {
	case *oldPath == "" || *newPath == "":
		return usageErrorf("--old and --new are required")
	case !(*threshold > -1 && *threshold <= 1):
		return usageErrorf("--threshold must be in (-1, 1]")
	case *neighbors < 0 || *sampleN < 1:
		return usageErrorf("--neighbors must not be negative and --sample must be positive")
	}
	oldM, err := loadMatrix(*oldPath, *format)
	if err != nil {
		return err
	}
	newM, err := loadMatrix(*newPath, *format)
	if err != nil {
		return err
	}
	k := *neighbors
	if k == 0 {
		k = -1
	}
	rep, err := tune.Drift(ctx, oldM, newM, tune.DriftOptions{Threshold: *threshold, Neighbors: k, Sample: *sampleN, Seed: *seed})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	w := e.stdout
	fmt.Fprintf(w, "%d pairs, %d → %d dimensions\n", rep.Pairs, rep.OldDim, rep.NewDim)
	if s := rep.Similarity; s != nil {
		fmt.Fprintf(w, "cosine similarity: mean %.4f, sd %.4f, min %.4f, max %.4f\n", s.Mean, s.StdDev, s.Min, s.Max)
		fmt.Fprintf(w, "  percentiles: 1%% %.3f  5%% %.3f  10%% %.3f  25%% %.3f  50%% %.3f  75%% %.3f  90%% %.3f  95%% %.3f  99%% %.3f\n",
			s.P1, s.P5, s.P10, s.P25, s.P50, s.P75, s.P90, s.P95, s.P99)
		fmt.Fprintf(w, "  below %.2f: %d pairs (%.1f%%)\n", rep.Threshold, s.Below, 100*float64(s.Below)/float64(rep.Pairs-rep.ZeroPairs))
		if rep.ZeroPairs > 0 {
			fmt.Fprintf(w, "  %d pairs left out: a zero vector has no cosine similarity\n", rep.ZeroPairs)
		}
		most := 0
		for _, b := range s.Histogram {
			most = max(most, b.Count)
		}
		for _, b := range s.Histogram {
			bar := 0
			if most > 0 {
				bar = (b.Count*50 + most - 1) / most
			}
			fmt.Fprintf(w, "  %6.3f–%6.3f %8d %s\n", b.Lo, b.Hi, b.Count, strings.Repeat("█", bar))
		}
	}
	if rep.NeighborK > 0 {
		fmt.Fprintf(w, "neighbourhoods: %.1f%% of the %d nearest neighbours of %d sampled rows are the same under both models\n",
			100*rep.NeighborOverlap, rep.NeighborK, rep.NeighborSample)
	}
	verdict := "update in place"
	if rep.Rebuild {
		verdict = "REBUILD"
	}
	fmt.Fprintf(w, "\n%s: %s\n", verdict, rep.Advice)
	return nil
}
