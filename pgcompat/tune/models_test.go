package tune

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smallworld-go/smallworld/pgcompat"
)

// The sizes a real pgvector 0.8.7 reported (pg_relation_size on PGlite, in
// the spec's §6.4 validation table) for builds that fit in memory.
func TestEstimateIndexMatchesPgvector(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		rows, dims, m int
		lo, hi        int64 // blocks
		typ           string
	}{
		{2000, 128, 16, 203, 206, "vector"},
		{2000, 768, 16, 1001, 1001, "vector"},
		{2000, 768, 32, 1001, 1001, "vector"},
		{2000, 128, 32, 251, 253, "vector"},
		{1500, 768, 16, 375, 377, "halfvec"},
		{1_000_000, 768, 16, 500001, 500001, "vector"},
	} {
		vs := pgcompat.VectorValueSize(c.dims)
		if c.typ == "halfvec" {
			vs = pgcompat.HalfVecValueSize(c.dims)
		}
		im, err := EstimateIndex(ctx, ModelSpec{Rows: int64(c.rows), M: c.m, ValueSize: vs, Seed: 3})
		require.NoError(t, err)
		assert.GreaterOrEqual(t, im.Pages, c.lo, "%+v", c)
		assert.LessOrEqual(t, im.Pages, c.hi, "%+v", c)
		assert.Equal(t, im.Pages*8192, im.Bytes)
	}
}

func TestEstimateIndexBuildMemory(t *testing.T) {
	ctx := context.Background()
	// 10M × 768 (scaled from a simulation) needs far more than 64MB: the
	// NOTICE and its tuple count come with it.
	im, err := EstimateIndex(ctx, ModelSpec{Rows: 10_000_000, M: 16, ValueSize: pgcompat.VectorValueSize(768)})
	require.NoError(t, err)
	assert.False(t, im.Fits)
	require.NotNil(t, im.Notice)
	assert.Contains(t, im.Notice.Message, "hnsw graph no longer fits into maintenance_work_mem after")
	// About 3.8 kB per element at 768 dims (spec §5.10: 3768 B at level 0).
	perRow := float64(im.BuildMemory) / 1e7
	assert.InDelta(t, 3800, perRow, 150)
	// 64MB holds about 64MB / 3.8kB tuples.
	assert.InEpsilon(t, 64.0*1024*1024/perRow, float64(im.FlushAfter), 0.05)

	// Scaling agrees with a full simulation where both are possible.
	exact, err := EstimateIndex(ctx, ModelSpec{Rows: 1 << 21, M: 16, ValueSize: 520, MaintenanceWorkMem: 1 << 20})
	require.NoError(t, err)
	scaled, err := EstimateIndex(ctx, ModelSpec{Rows: 1<<21 + 1000, M: 16, ValueSize: 520, MaintenanceWorkMem: 1 << 20})
	require.NoError(t, err)
	assert.InEpsilon(t, float64(exact.Pages), float64(scaled.Pages), 0.002)
	assert.InEpsilon(t, float64(exact.BuildMemory), float64(scaled.BuildMemory), 0.002)

	_, err = EstimateIndex(ctx, ModelSpec{Rows: 10, M: 1, ValueSize: 10})
	assert.ErrorIs(t, err, ErrInvalidSpec)
	_, err = EstimateIndex(ctx, ModelSpec{Rows: -1, M: 16, ValueSize: 10})
	assert.Error(t, err)
}

// The planner's choices a real PostgreSQL 18 + pgvector 0.8.7 made (spec
// §7.1): d=3, ef_search 40, LIMIT 10: Sort at 500 rows, Index at 1000;
// d=128: Sort at 1000, Index at 3000; ef_search 200 at 3000 × 768: Sort.
func TestPlannerMatchesPgvector(t *testing.T) {
	ctx := context.Background()
	plan := func(rows int64, dims, ef, limit int) bool {
		ex, _, err := ExplainQuery(ctx, QuerySpec{Rows: rows, ValueSize: pgcompat.VectorValueSize(dims), KeyBytes: 4, M: 16, EfSearch: ef, Limit: limit})
		require.NoError(t, err)
		return ex.UseIndex
	}
	assert.False(t, plan(500, 3, 40, 10))
	assert.True(t, plan(1000, 3, 40, 10))
	assert.False(t, plan(1000, 128, 40, 10))
	assert.True(t, plan(3000, 128, 40, 10))
	assert.True(t, plan(1000, 768, 40, 10))
	assert.False(t, plan(3000, 768, 200, 10))
	assert.False(t, plan(3000, 128, 40, 500), "LIMIT 500 → Sort")

	min3, err := MinRowsForIndex(ctx, QuerySpec{ValueSize: pgcompat.VectorValueSize(3), KeyBytes: 4, M: 16, EfSearch: 40, Limit: 10})
	require.NoError(t, err)
	assert.Greater(t, min3, int64(500))
	assert.LessOrEqual(t, min3, int64(1000))
	assert.True(t, plan(min3, 3, 40, 10))
	assert.False(t, plan(min3*95/100, 3, 40, 10))

	min128, err := MinRowsForIndex(ctx, QuerySpec{ValueSize: pgcompat.VectorValueSize(128), KeyBytes: 4, M: 16, EfSearch: 40, Limit: 10})
	require.NoError(t, err)
	assert.Greater(t, min128, int64(1000))
	assert.LessOrEqual(t, min128, int64(3000))

	_, _, err = ExplainQuery(ctx, QuerySpec{Rows: 10, ValueSize: 20, M: 16, EfSearch: 0, Limit: 10})
	assert.ErrorIs(t, err, ErrInvalidSpec)
}
