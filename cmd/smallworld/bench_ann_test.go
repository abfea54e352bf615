package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smallworld-go/smallworld/bench"
)

func TestBenchANNBuiltInJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the 10,000-vector SIFT-small index")
	}
	prof := filepath.Join(t.TempDir(), "build.pprof")
	code, stdout, stderr := runTruthCLI(t, "bench", "ann", "--nq", "30", "--ef", "10,40", "--time", "10ms", "--json", "--cpuprofile", prof)
	require.Equal(t, exitOK, code, stderr)
	// The build's CPU profile is a gzipped protocol buffer, as pprof writes.
	raw, err := os.ReadFile(prof)
	require.NoError(t, err)
	require.Greater(t, len(raw), 2)
	assert.Equal(t, []byte{0x1f, 0x8b}, raw[:2])
	var sum annBenchSummary
	require.NoError(t, json.Unmarshal([]byte(stdout), &sum))
	assert.Equal(t, "siftsmall", sum.Dataset)
	assert.Equal(t, 10000, sum.BaseRows)
	assert.Equal(t, 30, sum.QueryRows)
	assert.Equal(t, 128, sum.Dim)
	assert.Equal(t, 16, sum.M)
	assert.Equal(t, 64, sum.EfConstruction)
	assert.Greater(t, sum.BuildSeconds, 0.0)
	assert.Greater(t, sum.VectorsPerSecond, 0.0)
	assert.InDelta(t, 660, sum.BytesPerVector, 60)
	assert.InDelta(t, 657, sum.FileBytesPerVec, 10)
	require.Len(t, sum.Results, 2)
	lo, hi := sum.Results[0], sum.Results[1]
	assert.Equal(t, 10, lo.Ef)
	assert.Equal(t, 40, hi.Ef)
	assert.Greater(t, lo.Recall, 0.85)
	assert.Greater(t, hi.Recall, 0.97)
	assert.GreaterOrEqual(t, hi.Recall, lo.Recall)
	assert.Greater(t, hi.DistPerQuery, lo.DistPerQuery)
	for _, r := range sum.Results {
		assert.Greater(t, r.QPS, 0.0)
		assert.Greater(t, r.P99us, 0.0)
		assert.GreaterOrEqual(t, r.P99us, r.P50us)
	}
	// The keys the JSON contract names are present.
	var fields map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &fields))
	for _, k := range []string{"build_seconds", "bytes_per_vector", "results"} {
		assert.Contains(t, fields, k)
	}
	row := fields["results"].([]any)[0].(map[string]any)
	for _, k := range []string{"ef", "recall", "qps", "p50_us", "p99_us", "dist_per_query"} {
		assert.Contains(t, row, k)
	}
}

func TestBenchANNFilesAndTruth(t *testing.T) {
	dir := t.TempDir()
	b, q, _, err := bench.SIFTSmall()
	require.NoError(t, err)
	base, queries := b.Slice(0, 1500), q.Slice(0, 12)
	require.NoError(t, bench.Save(filepath.Join(dir, "base.fvecs"), base))
	require.NoError(t, bench.Save(filepath.Join(dir, "query.npy"), queries))
	truth, err := bench.GroundTruth(t.Context(), base, queries, bench.L2, 20, bench.GroundTruthOptions{})
	require.NoError(t, err)
	require.NoError(t, bench.SaveIvecs(filepath.Join(dir, "gt.ivecs"), truth.IDs))

	code, stdout, stderr := runTruthCLI(t, "bench", "ann", "--base", filepath.Join(dir, "base.fvecs"),
		"--query", filepath.Join(dir, "query.npy"), "--truth", filepath.Join(dir, "gt.ivecs"),
		"--k", "5", "--m", "8", "--ef-construction", "32", "--ef", "8,64", "--threads", "2",
		"--storage", "f16", "--time", "5ms")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "1500 × 128 base, 12 queries, l2, k=5, M=8, ef_construction=32, f16")
	assert.Contains(t, stdout, "with 2 threads")
	assert.Contains(t, stdout, "recall@5")
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, lines, 7)
	assert.Contains(t, lines[2], "bytes/vector saved")
	assert.Contains(t, lines[4], "8")
	assert.Contains(t, lines[5], "64")

	// Cosine and the hnswlib heuristic, with a computed truth.
	code, stdout, stderr = runTruthCLI(t, "bench", "ann", "--base", filepath.Join(dir, "base.fvecs"),
		"--query", filepath.Join(dir, "query.npy"), "--metric", "cosine", "--heuristic", "hnswlib",
		"--ef", "50", "--time", "5ms", "--json")
	require.Equal(t, exitOK, code, stderr)
	var sum annBenchSummary
	require.NoError(t, json.Unmarshal([]byte(stdout), &sum))
	assert.Equal(t, "cosine", sum.Metric)
	assert.Equal(t, "hnswlib", sum.Heuristic)
	assert.Greater(t, sum.Results[0].Recall, 0.9)
}

func TestBenchANNUsageErrors(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"--query", "q.fvecs"},
		{"--base", "b.fvecs"},
		{"--k", "0"},
		{"--ef", "10,x"},
		{"--ef", "0"},
		{"--metric", "hamming"},
		{"--storage", "int8"},
		{"--heuristic", "nsg"},
		{"--threads", "-1"},
		{"--m", "1", "--base", filepath.Join(dir, "missing.fvecs"), "--query", filepath.Join(dir, "missing.fvecs")},
		{"extra"},
	} {
		code, _, stderr := runTruthCLI(t, append([]string{"bench", "ann"}, args...)...)
		assert.NotEqual(t, exitOK, code, "%v", args)
		assert.NotEmpty(t, stderr)
	}
	code, _, stderr := runTruthCLI(t, "bench", "ann", "-h")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stderr, "--ef-construction")
}
