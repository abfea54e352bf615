package pgcompat_test

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smallworld-go/smallworld/pgcompat"
)

func TestTupleSizes(t *testing.T) {
	// Spec §6.1: observed item lengths and neighbour tuple sizes.
	assert.Equal(t, 592, pgcompat.ElementTupleSize(pgcompat.VectorValueSize(128)))
	assert.Equal(t, 3152, pgcompat.ElementTupleSize(pgcompat.VectorValueSize(768)))
	assert.Equal(t, 1616, pgcompat.ElementTupleSize(pgcompat.HalfVecValueSize(768)))
	assert.Equal(t, 208, pgcompat.ElementTupleSize(pgcompat.BitValueSize(1024)))
	assert.Equal(t, 888, pgcompat.ElementTupleSize(pgcompat.SparseVecValueSize(100)))
	for l, want := range []int{200, 296, 392, 488} {
		assert.Equal(t, want, pgcompat.NeighborTupleSize(l, 16))
	}
	for l, want := range []int{392, 584, 776, 968} {
		assert.Equal(t, want, pgcompat.NeighborTupleSize(l, 32))
	}
	for m, want := range map[int]int{16: 63, 20: 63, 21: 62, 32: 40, 64: 19, 100: 11} {
		assert.Equal(t, want, pgcompat.MaxLevel(m), "m=%d", m)
	}
}

func TestIndexSize(t *testing.T) {
	zeros := func(n int) []int { return make([]int, n) }
	// An empty index: metapage and one empty page.
	s, err := pgcompat.IndexSize(pgcompat.SizeSpec{M: 16, ValueSize: pgcompat.VectorValueSize(3), Levels: nil, InMemory: pgcompat.AllInMemory})
	require.NoError(t, err)
	assert.Equal(t, pgcompat.Size{Pages: 2, Bytes: 16384}, s)
	// d = 768 holds two elements (3152 + 200 + 8 bytes each) per page.
	s, err = pgcompat.IndexSize(pgcompat.SizeSpec{M: 16, ValueSize: pgcompat.VectorValueSize(768), Levels: zeros(2000), InMemory: pgcompat.AllInMemory})
	require.NoError(t, err)
	assert.Equal(t, 1001, s.Pages)
	// At d = 1969 an element and its neighbours no longer share a page.
	s, _ = pgcompat.IndexSize(pgcompat.SizeSpec{M: 16, ValueSize: pgcompat.VectorValueSize(1968), Levels: zeros(60), InMemory: pgcompat.AllInMemory})
	assert.Equal(t, 61, s.Pages, "7952 + 200 + 2 line pointers fill a page exactly")
	s, _ = pgcompat.IndexSize(pgcompat.SizeSpec{M: 16, ValueSize: pgcompat.VectorValueSize(1969), Levels: zeros(60), InMemory: pgcompat.AllInMemory})
	assert.Equal(t, 121, s.Pages)
	// On-disk inserts back-fill pages, so they are never larger here.
	levels := pgcompat.NewLevelSource(16, 7).Levels(3000)
	mem, _ := pgcompat.IndexSize(pgcompat.SizeSpec{M: 16, ValueSize: pgcompat.VectorValueSize(16), Levels: levels, InMemory: pgcompat.AllInMemory})
	disk, _ := pgcompat.IndexSize(pgcompat.SizeSpec{M: 16, ValueSize: pgcompat.VectorValueSize(16), Levels: levels, InMemory: 0})
	assert.LessOrEqual(t, disk.Pages, mem.Pages)
	assert.InDelta(t, mem.Pages, disk.Pages, 0.03*float64(mem.Pages))

	_, err = pgcompat.IndexSize(pgcompat.SizeSpec{M: 1, Levels: zeros(1)})
	assert.Error(t, err)
	_, err = pgcompat.IndexSize(pgcompat.SizeSpec{M: 16, Levels: []int{64}})
	assert.Error(t, err)
	_, err = pgcompat.IndexSize(pgcompat.SizeSpec{M: 16, ValueSizes: []int{1}, Levels: zeros(2)})
	assert.Error(t, err)
	_, err = pgcompat.IndexSize(pgcompat.SizeSpec{M: 16, ValueSize: 9000, Levels: zeros(1)})
	requirePGError(t, err, wantErr{pgcompat.ProgramLimitExceeded, "index tuple too large", ""})
}

func TestExpectedIndexSize(t *testing.T) {
	// Spec §6.4: Monte Carlo means over random levels.
	for _, c := range []struct {
		n, dims, m int
		mean       float64
		tol        float64
		level0     int
	}{
		{2000, 128, 16, 204.7, 1.5, 201},
		{2000, 768, 16, 1001, 0.01, 1001},
		{2000, 768, 32, 1001, 0.01, 1001},
		{2000, 128, 32, 252.4, 1.5, 251},
	} {
		est, err := pgcompat.ExpectedIndexSize(context.Background(), pgcompat.EstimateSpec{
			N: c.n, M: c.m, ValueSize: pgcompat.VectorValueSize(c.dims), InMemory: pgcompat.AllInMemory, Runs: 200, Seed: 1,
		})
		require.NoError(t, err)
		assert.InDelta(t, c.mean, est.MeanPages, c.tol, "%+v", c)
		assert.Equal(t, c.level0, est.Level0Pages, "%+v", c)
		assert.LessOrEqual(t, est.MinPages, est.P05Pages)
		assert.LessOrEqual(t, est.P95Pages, est.MaxPages)
		assert.Less(t, est.StdDevPages, 3.0)
		assert.Equal(t, est.MeanPages*8192, est.MeanBytes)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := pgcompat.ExpectedIndexSize(ctx, pgcompat.EstimateSpec{N: 10, M: 16, ValueSize: 20})
	assert.ErrorIs(t, err, context.Canceled)
}

func TestLevelSourceDistribution(t *testing.T) {
	// P(level ≥ l) = m^-l.
	src := pgcompat.NewLevelSource(16, 42)
	const n = 400000
	counts := make([]int, 8)
	for i := 0; i < n; i++ {
		l := src.Next()
		for k := 0; k <= l && k < len(counts); k++ {
			counts[k]++
		}
	}
	for l := 1; l <= 3; l++ {
		want := n * math.Pow(16, -float64(l))
		assert.InDelta(t, want, float64(counts[l]), 5*math.Sqrt(want), "level %d", l)
	}
}

func TestBuildMemory(t *testing.T) {
	zeros := func(n int) []int { return make([]int, n) }
	// A build that fits, and the smallest maintenance_work_mem for it.
	res, err := pgcompat.BuildMemory(pgcompat.BuildMemorySpec{Platform: pgcompat.Linux64, MaintenanceWorkMem: 65536, M: 16,
		ValueSize: pgcompat.VectorValueSize(128), Levels: zeros(1000)})
	require.NoError(t, err)
	assert.True(t, res.Fits)
	assert.Nil(t, res.Notice)
	assert.Equal(t, 1000, res.FlushAfter)
	assert.Equal(t, 2048, res.MinMaintenanceWorkMem, "1000 × 1208 bytes spill into a second 1 MiB block")

	// 64 kB: the first element is built, the check before the second flushes.
	res, err = pgcompat.BuildMemory(pgcompat.BuildMemorySpec{Platform: pgcompat.PGlite, MaintenanceWorkMem: 64, M: 16,
		ValueSize: pgcompat.VectorValueSize(128), Levels: zeros(10)})
	require.NoError(t, err)
	assert.False(t, res.Fits)
	assert.Equal(t, 1, res.FlushAfter)
	assert.Equal(t, "hnsw graph no longer fits into maintenance_work_mem after 1 tuples", res.Notice.Message)
	assert.Equal(t, "Building will take significantly more time.", res.Notice.Detail)
	assert.Equal(t, "Increase maintenance_work_mem to speed up builds.", res.Notice.Hint)

	// Spec §5.10 (PGlite, random levels): d = 128, m = 16: 2 MB → 1949, 3 MB
	// → 2922; d = 16: 1 MB → 1663.
	for _, c := range []struct {
		dims, mwm, want int
	}{{128, 2048, 1949}, {128, 3072, 2922}, {16, 1024, 1663}} {
		levels := pgcompat.NewLevelSource(16, 3).Levels(5000)
		res, err := pgcompat.BuildMemory(pgcompat.BuildMemorySpec{Platform: pgcompat.PGlite, MaintenanceWorkMem: c.mwm, M: 16,
			ValueSize: pgcompat.VectorValueSize(c.dims), Levels: levels})
		require.NoError(t, err)
		assert.InDelta(t, c.want, res.FlushAfter, 0.01*float64(c.want), "%+v", c)
	}
	_, err = pgcompat.BuildMemory(pgcompat.BuildMemorySpec{M: 1, MaintenanceWorkMem: 64})
	assert.Error(t, err)
	_, err = pgcompat.BuildMemory(pgcompat.BuildMemorySpec{M: 16})
	assert.Error(t, err)
}

func TestPlan(t *testing.T) {
	// The index wins at large N and small ef_search, the sort at small N,
	// large ef_search or a large LIMIT (spec §7.1).
	plan := func(n, heapPages, idxPages float64, ef, limit int) pgcompat.Explain {
		s := pgcompat.DefaultSettings(pgcompat.Linux64)
		s.EfSearch = ef
		ex, err := pgcompat.Plan(pgcompat.PlanSpec{Settings: &s, Rows: n, HeapPages: heapPages, IndexPages: idxPages, M: 16, Limit: limit})
		require.NoError(t, err)
		return ex
	}
	small := plan(500, 4, 7, 40, 10)
	assert.False(t, small.UseIndex)
	big := plan(100000, 640, 1200, 40, 10)
	assert.True(t, big.UseIndex)
	// A larger ef_search or LIMIT only makes the index dearer.
	for _, ef := range []int{40, 100, 400, 1000} {
		for _, k := range []int{1, 10, 100, 1000, 10000} {
			a, b := plan(20000, 128, 240, ef, k), plan(20000, 128, 240, ef, 2*k)
			assert.LessOrEqual(t, a.IndexLimit.Total, b.IndexLimit.Total)
			if !a.UseIndex {
				assert.False(t, b.UseIndex, "ef=%d k=%d", ef, k)
			}
		}
	}
	// The ratio is capped at 1 and the Limit node scales the run cost.
	assert.LessOrEqual(t, small.Ratio, 1.0)
	assert.InDelta(t, big.IndexLimit.Total, big.IndexScan.Startup+(big.IndexScan.Total-big.IndexScan.Startup)*10/100000, 1e-9)
	// Disabling index scans forces the sort.
	s := pgcompat.DefaultSettings(pgcompat.Linux64)
	s.EnableIndexScan = false
	ex, err := pgcompat.Plan(pgcompat.PlanSpec{Settings: &s, Rows: 100000, HeapPages: 640, IndexPages: 1200, M: 16, Limit: 10})
	require.NoError(t, err)
	assert.False(t, ex.UseIndex)
	_, err = pgcompat.Plan(pgcompat.PlanSpec{Rows: 10, M: 1})
	assert.Error(t, err)
	_, err = pgcompat.Plan(pgcompat.PlanSpec{Rows: -1, M: 16})
	assert.Error(t, err)

	// Row data: a short varlena under 127 bytes, TOAST pointers past the
	// 2032-byte threshold.
	assert.Equal(t, 4+17, pgcompat.VectorRowData(4, pgcompat.VectorValueSize(3)))
	assert.Equal(t, 4+520, pgcompat.VectorRowData(4, pgcompat.VectorValueSize(128)))
	assert.Equal(t, 4+18, pgcompat.VectorRowData(4, pgcompat.VectorValueSize(768)))
	assert.Equal(t, 20.0, pgcompat.EstimateHeapPages(3000, pgcompat.VectorRowData(4, pgcompat.VectorValueSize(3))))
	assert.Equal(t, 0.0, pgcompat.EstimateHeapPages(0, 10))
}
