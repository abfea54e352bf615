package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smallworld-go/smallworld/bench"
)

// runTruthCLI runs one command line and returns the exit code and outputs.
func runTruthCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), env{stdout: &out, stderr: &errOut}, args)
	return code, out.String(), errOut.String()
}

// truthFixture writes SIFT-small's first 2,000 base vectors and 20 queries
// to dir as .fvecs and pgvector text, returning their matrices.
func truthFixture(t *testing.T, dir string) (base, queries *bench.Matrix) {
	t.Helper()
	b, q, _, err := bench.SIFTSmall()
	require.NoError(t, err)
	base, queries = b.Slice(0, 2000), q.Slice(0, 20)
	require.NoError(t, bench.Save(filepath.Join(dir, "base.fvecs"), base))
	require.NoError(t, bench.Save(filepath.Join(dir, "query.txt"), queries))
	return base, queries
}

func TestTruthCommand(t *testing.T) {
	dir := t.TempDir()
	base, queries := truthFixture(t, dir)
	out, dists := filepath.Join(dir, "gt.ivecs"), filepath.Join(dir, "gt.fvecs")
	code, stdout, stderr := runTruthCLI(t, "truth", "--base", filepath.Join(dir, "base.fvecs"),
		"--query", filepath.Join(dir, "query.txt"), "--metric", "l2", "--k", "10",
		"--out", out, "--dists", dists, "--json")
	require.Equal(t, exitOK, code, stderr)
	assert.Empty(t, stderr, "no progress bar when stderr is not a terminal")

	var sum truthSummary
	require.NoError(t, json.Unmarshal([]byte(stdout), &sum))
	assert.Equal(t, 2000, sum.BaseRows)
	assert.Equal(t, 20, sum.QueryRows)
	assert.Equal(t, 128, sum.Dim)
	assert.Equal(t, "l2", sum.Metric)
	assert.Equal(t, "squared_l2", sum.Distance)
	assert.Equal(t, 10, sum.K)
	assert.False(t, sum.Cached)

	// The files hold exactly what the library computes.
	want, err := bench.GroundTruth(context.Background(), base, queries, bench.L2, 10, bench.GroundTruthOptions{})
	require.NoError(t, err)
	got, err := bench.LoadTruth(out, dists, bench.L2)
	require.NoError(t, err)
	assert.Equal(t, want.IDs, got.IDs)
	assert.Equal(t, want.Dists, got.Dists)
}

func TestTruthCommandCacheAndProgress(t *testing.T) {
	dir := t.TempDir()
	truthFixture(t, dir)
	args := []string{"truth", "--base", filepath.Join(dir, "base.fvecs"), "--query", filepath.Join(dir, "query.txt"),
		"--metric", "cosine", "--k", "5", "--out", filepath.Join(dir, "gt.ivecs"), "--cache", filepath.Join(dir, "cache"), "--nq", "7"}
	code, stdout, stderr := runTruthCLI(t, append(args, "--progress")...)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "computed")
	assert.Contains(t, stderr, "100%", "the progress bar was asked for")
	code, stdout, _ = runTruthCLI(t, args...)
	require.Equal(t, exitOK, code)
	assert.Contains(t, stdout, "read from cache")
	ids, err := bench.LoadIvecs(filepath.Join(dir, "gt.ivecs"))
	require.NoError(t, err)
	assert.Len(t, ids, 7)
	assert.Len(t, ids[0], 5)
}

func TestTruthCommandErrors(t *testing.T) {
	dir := t.TempDir()
	truthFixture(t, dir)
	base, query := filepath.Join(dir, "base.fvecs"), filepath.Join(dir, "query.txt")
	out := filepath.Join(dir, "gt.ivecs")
	usage := [][]string{
		{"truth"},
		{"truth", "--query", query, "--out", out},
		{"truth", "--base", base, "--out", out},
		{"truth", "--base", base, "--query", query},
		{"truth", "--base", base, "--query", query, "--out", out, "--metric", "chebyshev"},
		{"truth", "--base", base, "--query", query, "--out", out, "--metric", "hamming"},
		{"truth", "--base", base, "--query", query, "--out", out, "--k", "0"},
		{"truth", "--base", base, "--query", query, "--out", out, "--nope"},
		{"truth", "--base", base, "--query", query, "--out", out, "extra"},
	}
	for _, args := range usage {
		code, _, stderr := runTruthCLI(t, args...)
		assert.Equal(t, exitUsage, code, "%v: %s", args, stderr)
	}

	// Failures: a missing file, a bad file, mismatched dimensions.
	bad := filepath.Join(dir, "bad.csv")
	require.NoError(t, os.WriteFile(bad, []byte("1,2\n3,x\n"), 0o644))
	other := filepath.Join(dir, "other.csv")
	require.NoError(t, os.WriteFile(other, []byte("1,2\n3,4\n"), 0o644))
	failures := [][]string{
		{"truth", "--base", filepath.Join(dir, "missing.fvecs"), "--query", query, "--out", out},
		{"truth", "--base", bad, "--query", query, "--out", out},
		{"truth", "--base", base, "--query", other, "--out", out},
	}
	for _, args := range failures {
		code, _, stderr := runTruthCLI(t, args...)
		assert.Equal(t, exitFailure, code, "%v: %s", args, stderr)
		assert.True(t, strings.HasPrefix(stderr, "smallworld truth: "), stderr)
	}
	code, _, stderr := runTruthCLI(t, "truth", "--base", bad, "--query", query, "--out", out)
	require.Equal(t, exitFailure, code)
	assert.Contains(t, stderr, "bad.csv: row 1 (line 2)", "the error names the file, row and line")

	code, _, stderr = runTruthCLI(t, "truth", "-h")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stderr, "Examples:")
}

func TestTruthCommandBuiltInDataset(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "gt.ivecs")
	code, stdout, stderr := runTruthCLI(t, "truth", "--dataset", "siftsmall", "--k", "100", "--out", out, "--json")
	require.Equal(t, exitOK, code, stderr)
	var sum truthSummary
	require.NoError(t, json.Unmarshal([]byte(stdout), &sum))
	assert.Equal(t, "siftsmall", sum.Dataset)
	assert.Equal(t, 10000, sum.BaseRows)
	require.NotNil(t, sum.ShippedRecall)
	assert.Equal(t, 1.0, *sum.ShippedRecall, "the computed truth agrees with the shipped one up to ties")

	code, _, _ = runTruthCLI(t, "truth", "--dataset", "siftsmall", "--base", "x.fvecs", "--out", out)
	assert.Equal(t, exitUsage, code)
	code, _, _ = runTruthCLI(t, "truth", "--dataset", "sift1b", "--out", out)
	assert.Equal(t, exitUsage, code)
}
