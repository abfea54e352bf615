package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smallworld-go/smallworld/distance"
	"github.com/smallworld-go/smallworld/halfvec"
)

// runCLI runs one command line and returns its exit code and output.
func runCLI(t *testing.T, ctx context.Context, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(ctx, env{stdout: &stdout, stderr: &stderr}, args)
	return code, stdout.String(), stderr.String()
}

// TestBenchKernelsJSON runs the benchmark with a tiny time budget and checks
// the JSON: one array, the documented fields, a row for every kernel ×
// implementation × dimension asked for, and sane numbers.
func TestBenchKernelsJSON(t *testing.T) {
	code, out, errOut := runCLI(t, context.Background(), "bench", "kernels", "--json",
		"--time", "2ms", "--samples", "3", "--dims", "16,33", "--kernels", "dot,l2sq,cosine,hamming,f16dot,f32f16l2sq")
	require.Equal(t, exitOK, code, errOut)

	// The documented field names, decoded loosely so a renamed field fails.
	var raw []map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &raw), out)
	require.NotEmpty(t, raw)
	for _, r := range raw {
		for _, field := range []string{"kernel", "impl", "dim", "ns_per_op", "gb_per_s"} {
			assert.Contains(t, r, field)
		}
	}

	var rows []kernelResult
	require.NoError(t, json.Unmarshal([]byte(out), &rows))
	type key struct {
		kernel, impl string
		dim          int
	}
	seen := map[key]kernelResult{}
	for _, r := range rows {
		seen[key{r.Kernel, r.Impl, r.Dim}] = r
		assert.Greater(t, r.NsPerOp, 0.0, "%+v", r)
		assert.Greater(t, r.GBPerS, 0.0, "%+v", r)
	}
	for _, dim := range []int{16, 33} {
		for _, isa := range distance.Supported() {
			for _, k := range []string{"dot", "l2sq", "cosine", "hamming"} {
				r, ok := seen[key{k, isa.String(), dim}]
				if assert.True(t, ok, "missing %s/%s/%d", k, isa, dim) && isa == distance.Generic {
					assert.InDelta(t, 1.0, r.VsGeneric, 1e-9, "generic vs itself")
				}
			}
		}
		for _, isa := range halfvec.Supported() {
			for _, k := range []string{"f16dot", "f32f16l2sq"} {
				assert.Contains(t, seen, key{k, isa.String(), dim})
			}
		}
		for _, k := range []string{"dot", "l2sq", "cosine"} {
			r, ok := seen[key{k, implVek, dim}]
			if assert.True(t, ok, "missing vek row for %s/%d", k, dim) {
				assert.InDelta(t, 1.0, r.VsVek, 1e-9, "vek vs itself")
			}
		}
		assert.NotContains(t, seen, key{"hamming", implVek, dim}, "vek has no hamming")
	}
	assert.NotContains(t, seen, key{"l1", distance.Generic.String(), 16}, "l1 was not asked for")
}

// TestBenchKernelsTable checks the text table: a header, the column titles
// and one line per row.
func TestBenchKernelsTable(t *testing.T) {
	code, out, errOut := runCLI(t, context.Background(), "bench", "kernels",
		"--time", "1ms", "--samples", "1", "--dims", "8", "--kernels", "l1,jaccard", "--impls", "generic,vek")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "smallworld bench kernels:")
	assert.Contains(t, out, "vs generic")
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) > 2 && (f[0] == "l1" || f[0] == "jaccard") {
			lines = append(lines, l)
		}
	}
	// l1: generic and vek; jaccard: generic only.
	assert.Len(t, lines, 3, out)
}

func TestBenchKernelsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--dims", "0"},
		{"--dims", "12,abc"},
		{"--dims", "99999999"},
		{"--dims", ""},
		{"--kernels", "dot,nope"},
		{"--impls", "avx1024"},
		{"--time", "-1s"},
		{"--time", "0s"},
		{"--samples", "0"},
		{"extra-argument"},
		{"--no-such-flag"},
	} {
		code, _, errOut := runCLI(t, context.Background(), append([]string{"bench", "kernels"}, args...)...)
		assert.Equal(t, exitUsage, code, "%v: %s", args, errOut)
	}
	code, _, _ := runCLI(t, context.Background(), "bench", "kernels", "-h")
	assert.Equal(t, exitOK, code)
}

// TestBenchKernelsCancel: a cancelled context stops the run with an error.
func TestBenchKernelsCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	code, _, errOut := runCLI(t, ctx, "bench", "kernels", "--time", "10s")
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, errOut, "context canceled")
	assert.Less(t, time.Since(start), 5*time.Second)
}

func TestMedian(t *testing.T) {
	assert.Equal(t, 2.0, median([]float64{3, 1, 2}))
	assert.Equal(t, 2.5, median([]float64{4, 1, 3, 2}))
	assert.Equal(t, 7.0, median([]float64{7}))
}

// The batch, block and panel kernels get one row per tier, timed per
// distance, and odd dimensions (a partial panel, masked tails) work.
func TestBenchKernelsManyVectorKernels(t *testing.T) {
	kernels := []string{"dotbatch", "l2sqbatch", "dotblock", "l2sqblock", "dotpanels", "l2sqpanels"}
	code, out, errOut := runCLI(t, context.Background(), "bench", "kernels", "--json",
		"--time", "2ms", "--samples", "1", "--dims", "7,128", "--kernels", strings.Join(kernels, ","))
	require.Equal(t, exitOK, code, errOut)
	var rows []kernelResult
	require.NoError(t, json.Unmarshal([]byte(out), &rows), out)
	tiers := len(distance.Supported())
	require.Len(t, rows, len(kernels)*2*tiers)
	for _, r := range rows {
		assert.Contains(t, kernels, r.Kernel)
		assert.Greater(t, r.NsPerOp, 0.0, "%+v", r)
		assert.InDelta(t, float64(8*r.Dim)/r.NsPerOp, r.GBPerS, 1e-9*r.GBPerS)
		if r.Impl == "generic" {
			assert.InDelta(t, 1, r.VsGeneric, 1e-12)
		}
	}
}
