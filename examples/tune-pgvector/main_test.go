package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smallworld-go/smallworld/bench"
	"github.com/smallworld-go/smallworld/pgcompat/tune"
)

func TestRunRecommendsForBuiltInData(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"-n", "1500", "-builds", "8:32,16:64", "-ef-search", "10,40"}, &out, &errOut)
	require.NoError(t, err, errOut.String())
	s := out.String()
	assert.Contains(t, s, "dataset: SIFT-small (built in), 1500 vectors of 128 dimensions")
	assert.Contains(t, s, "Pareto front")
	require.Contains(t, s, "recommended: m = ")
	assert.Contains(t, s, "CREATE INDEX CONCURRENTLY ON items USING hnsw (embedding vector_l2_ops)")
	assert.Contains(t, s, "SET hnsw.ef_search = ")
	assert.Contains(t, errOut.String(), "2/2 builds done")

	// What is printed is what the oracle recommends for the same spec.
	o, err := parseOptions([]string{"-n", "1500", "-builds", "8:32,16:64", "-ef-search", "10,40"}, &errOut)
	require.NoError(t, err)
	base, queries, _, err := loadData(o)
	require.NoError(t, err)
	rep, err := tune.Run(context.Background(), tuneSpec(o, base, queries, nil))
	require.NoError(t, err)
	require.NotNil(t, rep.Recommendation)
	rec := rep.Recommendation
	assert.Contains(t, s, fmt.Sprintf("recommended: m = %d, ef_construction = %d, hnsw.ef_search = %d", rec.M, rec.EfConstruction, rec.EfSearch))
	assert.GreaterOrEqual(t, rec.Recall.Mean, 0.95)
	assert.Len(t, rep.Builds, 2)
}

func TestRunOnAFileWithCosine(t *testing.T) {
	base, _, _, err := bench.SIFTSmall()
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "items.npy")
	require.NoError(t, bench.Save(path, base.Slice(0, 800)))
	var out, errOut bytes.Buffer
	err = run(context.Background(), []string{"-base", path, "-opclass", "vector_cosine_ops", "-k", "5",
		"-target", "0.9", "-builds", "8:32", "-ef-search", "20", "-rows", "1000000"}, &out, &errOut)
	require.NoError(t, err, errOut.String())
	s := out.String()
	assert.Contains(t, s, "dataset: "+path)
	assert.Contains(t, s, "vector_cosine_ops, LIMIT 5, target recall 0.90")
	assert.Contains(t, s, "recommended: m = 8, ef_construction = 32, hnsw.ef_search = 20")

	// Sizes are predicted for the production table (-rows), not for the
	// 800-row sample: a million 128-dimensional vectors take over 500 MB.
	o, err := parseOptions([]string{"-base", path, "-opclass", "vector_cosine_ops", "-k", "5",
		"-target", "0.9", "-builds", "8:32", "-ef-search", "20", "-rows", "1000000"}, &errOut)
	require.NoError(t, err)
	b, q, _, err := loadData(o)
	require.NoError(t, err)
	rep, err := tune.Run(context.Background(), tuneSpec(o, b, q, nil))
	require.NoError(t, err)
	require.NotNil(t, rep.Recommendation)
	assert.Greater(t, rep.Recommendation.IndexBytes, int64(500<<20))
	assert.Contains(t, s, "index "+tune.FormatBytes(rep.Recommendation.IndexBytes))
}

func TestRunReportsNoRecommendation(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"-n", "600", "-builds", "4:8", "-ef-search", "1", "-target", "0.999"}, &out, &errOut)
	require.NoError(t, err, errOut.String())
	assert.Contains(t, out.String(), "no recommendation:")
}

func TestRunRejectsBadInput(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none.fvecs")
	for _, args := range [][]string{
		{"-builds", "16"},
		{"-builds", "a:b"},
		{"-ef-search", "x"},
		{"-n", "-1"},
		{"-query", missing},
		{"-base", missing},
		{"-opclass", "nope_ops", "-n", "300", "-builds", "8:32"},
		{"-builds", "16:16", "-n", "300"}, // ef_construction < 2·m
		{"stray"},
	} {
		var out, errOut bytes.Buffer
		assert.Error(t, run(context.Background(), args, &out, &errOut), "%v", args)
	}
}
