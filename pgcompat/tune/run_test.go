package tune

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smallworld-go/smallworld/bench"
	"github.com/smallworld-go/smallworld/pgcompat"
)

// recordingEngine wraps the real engine and keeps every scan's rows, so a
// test can score them against its own reference.
type recordingEngine struct {
	inner engine
	mu    sync.Mutex
	// rows[params][ef] holds the rows of each query, in query order.
	rows map[BuildParams]map[int][][]int32
}

func (r *recordingEngine) build(ctx context.Context, job buildJob, progress func(int)) (builtIndex, error) {
	ix, err := r.inner.build(ctx, job, progress)
	if err != nil {
		return nil, err
	}
	return &recordingIndex{builtIndex: ix, eng: r, params: job.params}, nil
}

type recordingIndex struct {
	builtIndex
	eng    *recordingEngine
	params BuildParams
}

func (x *recordingIndex) scan(q []float32, limit, ef int, dst []int32) ([]int32, int, error) {
	from := len(dst)
	dst, n, err := x.builtIndex.scan(q, limit, ef, dst)
	x.eng.mu.Lock()
	defer x.eng.mu.Unlock()
	if x.eng.rows == nil {
		x.eng.rows = map[BuildParams]map[int][][]int32{}
	}
	if x.eng.rows[x.params] == nil {
		x.eng.rows[x.params] = map[int][][]int32{}
	}
	x.eng.rows[x.params][ef] = append(x.eng.rows[x.params][ef], append([]int32(nil), dst[from:]...))
	return dst, n, err
}

func TestRunEndToEnd(t *testing.T) {
	base := clustered(1, 3000, 16, 12)
	queries := clustered(2, 60, 16, 12)
	rec := &recordingEngine{inner: defaultEngine()}
	var progress []Progress
	spec := Spec{
		Base: base, Queries: queries, K: 10,
		Builds:   []BuildParams{{4, 8}, {8, 32}, {12, 48}},
		EfSearch: []int{5, 10, 20, 80, 400},
		Seed:     3, Workers: 2, CacheDir: t.TempDir(),
		Progress: func(p Progress) { progress = append(progress, p) },
		engine:   rec,
	}
	rep, err := Run(context.Background(), spec)
	require.NoError(t, err)
	require.True(t, rep.Complete)
	require.Len(t, rep.Results, 3*5)
	require.Len(t, rep.Builds, 3)
	assert.Equal(t, 3000, rep.Dataset.Rows)
	assert.Equal(t, 3000, rep.Dataset.Indexed)
	assert.Equal(t, 60, rep.Dataset.Queries)
	assert.Equal(t, "squared_l2", rep.Dataset.Distance)

	// Recall against an independent float64 brute force, from the rows the
	// index actually returned.
	for _, r := range rep.Results {
		got := rec.rows[r.BuildParams][r.EfSearch]
		require.Len(t, got, queries.Len())
		var hits, rows float64
		for qi, ids := range got {
			want, kth := exactNeighbors(base, queries.Row(qi), 10)
			for _, id := range ids[:min(len(ids), 10)] {
				if containsRow(want, id) || l2sq(base.Row(int(id)), queries.Row(qi)) == kth {
					hits++
				}
			}
			rows += float64(len(ids))
		}
		assert.InDelta(t, hits/float64(10*queries.Len()), r.Recall.Mean, 1e-9, "%v ef %d", r.BuildParams, r.EfSearch)
		// pgvector's row cap: LIMIT 10 with ef_search 5 yields 5 rows.
		assert.InDelta(t, float64(min(10, r.EfSearch)), r.Rows, 1e-9)
		assert.Equal(t, rows/float64(queries.Len()), r.Rows)
		assert.Positive(t, r.DistanceEvals.Mean)
		assert.Positive(t, r.Latency.P50)
		assert.LessOrEqual(t, r.Latency.P50, r.Latency.P99)
		assert.Equal(t, 1, r.Repeats)
		assert.Zero(t, r.Recall.StdDev)
	}
	// More ef_search, more work and (here) no less recall.
	for i := 1; i < len(rep.Results); i++ {
		a, b := rep.Results[i-1], rep.Results[i]
		if a.BuildParams == b.BuildParams {
			assert.Greater(t, b.DistanceEvals.Mean, a.DistanceEvals.Mean)
			assert.GreaterOrEqual(t, b.Recall.Mean, a.Recall.Mean-0.02)
		}
	}
	last := rep.Results[len(rep.Results)-1]
	assert.GreaterOrEqual(t, last.Recall.Mean, 0.95, "ef_search 400 on 3000 rows")

	// Size model: each build's pages lie within the spread of pgvector's
	// level distribution (independently simulated), and bytes are pages.
	for _, b := range rep.Builds {
		est, err := pgcompat.ExpectedIndexSize(context.Background(), pgcompat.EstimateSpec{N: 3000, M: b.M, ValueSize: pgcompat.VectorValueSize(16), InMemory: pgcompat.AllInMemory, Runs: 200, Seed: 5})
		require.NoError(t, err)
		assert.GreaterOrEqual(t, b.IndexPages, est.MinPages-1, "%v", b.BuildParams)
		assert.LessOrEqual(t, b.IndexPages, est.MaxPages+1, "%v", b.BuildParams)
		assert.Equal(t, int64(b.IndexPages)*pgcompat.BlockSize, b.IndexBytes)
		assert.Equal(t, 3000, b.Elements+b.Merged)
		assert.Positive(t, b.BuildMemory)
		assert.Zero(t, b.FlushAfter, "3000 × 16 fits in 64MB")
	}

	checkPareto(t, rep.Results)
	checkRecommendation(t, rep, spec)

	// Progress: ground truth, then every build, ending complete.
	require.NotEmpty(t, progress)
	assert.Equal(t, PhaseTruth, progress[0].Phase)
	lastP := progress[len(progress)-1]
	assert.Equal(t, PhaseSweep, lastP.Phase)
	assert.Equal(t, 3, lastP.BuildsDone)
	assert.Equal(t, lastP.Total, lastP.Done)
	assert.Equal(t, int64(3*3000), lastP.Total)

	// A second run is identical in everything but timings, and reads its
	// ground truth from the cache.
	spec.engine, spec.Progress = nil, nil
	again, err := Run(context.Background(), spec)
	require.NoError(t, err)
	assert.True(t, again.Dataset.TruthCached)
	for i := range rep.Results {
		assert.Equal(t, rep.Results[i].Recall, again.Results[i].Recall)
		assert.Equal(t, rep.Results[i].DistanceEvals, again.Results[i].DistanceEvals)
		assert.Equal(t, rep.Results[i].IndexBytes, again.Results[i].IndexBytes)
	}
}

func containsRow(rows []int32, r int32) bool {
	for _, x := range rows {
		if x == r {
			return true
		}
	}
	return false
}

// checkPareto verifies the front by brute force: a result is on it iff no
// other has at least its recall for at most its cost, one strictly.
func checkPareto(t *testing.T, rs []Result) {
	t.Helper()
	for i, a := range rs {
		dominated := false
		for j, b := range rs {
			if i == j {
				continue
			}
			better := b.Recall.Mean >= a.Recall.Mean && b.DistanceEvals.Mean <= a.DistanceEvals.Mean &&
				(b.Recall.Mean > a.Recall.Mean || b.DistanceEvals.Mean < a.DistanceEvals.Mean)
			tie := b.Recall.Mean == a.Recall.Mean && b.DistanceEvals.Mean == a.DistanceEvals.Mean && j < i
			if better || tie {
				dominated = true
			}
		}
		assert.Equal(t, !dominated, a.Pareto, "%v ef %d", a.BuildParams, a.EfSearch)
	}
}

// checkRecommendation verifies that the recommendation meets the targets,
// that nothing cheaper does, and that its SQL is what pgvector accepts.
func checkRecommendation(t *testing.T, rep *Report, spec Spec) {
	t.Helper()
	rec := rep.Recommendation
	require.NotNil(t, rec, rep.NoRecommendation)
	target := spec.TargetRecall
	if target == 0 {
		target = DefaultTargetRecall
	}
	assert.GreaterOrEqual(t, rec.Recall.Min-rec.RecallSE, target)
	for _, r := range rep.Results {
		if r.Recall.Min-r.RecallSE >= target && r.Plan.UseIndex == rec.Plan.UseIndex {
			assert.GreaterOrEqual(t, r.DistanceEvals.Mean*(1+costTolerance), rec.DistanceEvals.Mean,
				"%v ef %d is clearly cheaper and meets the target", r.BuildParams, r.EfSearch)
			if r.DistanceEvals.Mean <= rec.DistanceEvals.Mean {
				assert.LessOrEqual(t, r.Recall.Min-r.RecallSE, rec.Recall.Min-rec.RecallSE,
					"%v ef %d is as cheap with more recall", r.BuildParams, r.EfSearch)
			}
		}
	}
	require.Len(t, rec.Statements, 3)
	stmts, err := pgcompat.ParseStatements(rec.SQL())
	require.NoError(t, err, rec.SQL())
	require.Len(t, stmts, 3)
	settings := pgcompat.DefaultSettings(pgcompat.Linux64)
	require.NoError(t, settings.Exec(stmts[0]))
	assert.GreaterOrEqual(t, int64(settings.MaintenanceWorkMem)*1024, rec.BuildMemory)
	assert.GreaterOrEqual(t, settings.MaintenanceWorkMem, DefaultMaintenanceWorkMem)
	ci, ok := stmts[1].(*pgcompat.CreateIndex)
	require.True(t, ok)
	assert.True(t, ci.Concurrently)
	opts, err := ci.HNSWOptions()
	require.NoError(t, err)
	assert.Equal(t, pgcompat.HNSWOptions{M: rec.M, EfConstruction: rec.EfConstruction}, opts)
	require.NoError(t, opts.CheckBuild())
	_, _, err = ci.Validate(&pgcompat.Catalog{Tables: []pgcompat.Table{{Name: spec.tableName(), Columns: []pgcompat.Column{
		{Name: spec.columnName(), Type: rep.Dataset.Type, Typmod: rep.Dataset.Dim}}}}})
	require.NoError(t, err)
	require.NoError(t, settings.Exec(stmts[2]))
	assert.Equal(t, rec.EfSearch, settings.EfSearch)
	assert.NotEmpty(t, rec.Warnings)
	assert.NotEmpty(t, rec.Reason)
}

func (s Spec) tableName() string {
	if s.Table == "" {
		return DefaultTable
	}
	return s.Table
}

func (s Spec) columnName() string {
	if s.Column == "" {
		return DefaultColumn
	}
	return s.Column
}

func TestRunRepeatsReportSpread(t *testing.T) {
	spec := Spec{
		Base: clustered(4, 1500, 8, 6), HoldOut: 40, K: 5, Repeats: 3, Seed: 11,
		Builds: []BuildParams{{4, 8}}, EfSearch: []int{5, 20},
	}
	rep, err := Run(context.Background(), spec)
	require.NoError(t, err)
	require.Len(t, rep.Builds, 3)
	seeds := map[uint64]bool{}
	for i, b := range rep.Builds {
		assert.Equal(t, i, b.Repeat)
		seeds[b.Seed] = true
	}
	assert.Len(t, seeds, 3, "every repeat draws its own levels")
	for _, r := range rep.Results {
		assert.Equal(t, 3, r.Repeats)
		assert.LessOrEqual(t, r.Recall.Min, r.Recall.Mean)
		assert.LessOrEqual(t, r.Recall.Mean, r.Recall.Max)
		assert.LessOrEqual(t, r.IndexPages.Min, r.IndexPages.Max)
	}
	assert.Equal(t, 40, rep.Dataset.HeldOut)
	assert.Equal(t, 1460, rep.Dataset.Rows)
	assert.Contains(t, rep.Warnings[len(rep.Warnings)-1], "held out")
}

func TestRunCosineHalfvecZeroRows(t *testing.T) {
	base := clustered(5, 1200, 12, 5)
	for _, r := range []int{10, 20, 30} {
		clear(base.Row(r))
	}
	spec := Spec{
		Base: base, Queries: clustered(6, 30, 12, 5), OpClass: "halfvec_cosine_ops", K: 5,
		Builds: []BuildParams{{8, 32}}, EfSearch: []int{10, 40}, TargetRecall: 0.5,
	}
	rep, err := Run(context.Background(), spec)
	require.NoError(t, err)
	assert.Equal(t, 3, rep.Dataset.ZeroVectors)
	assert.Equal(t, 1197, rep.Dataset.Indexed)
	assert.Equal(t, "halfvec", rep.Dataset.Type)
	assert.Equal(t, pgcompat.HalfVecValueSize(12), rep.Dataset.ValueSize)
	assert.Equal(t, 1197, rep.Builds[0].Elements+rep.Builds[0].Merged)
	require.NotNil(t, rep.Recommendation)
	assert.Contains(t, rep.Recommendation.Statements[1], "halfvec_cosine_ops")
	found := false
	for _, w := range rep.Recommendation.Warnings {
		if assert.ObjectsAreEqual(true, containsAll(w, "3 zero vectors", "not indexed by pgvector")) {
			found = true
		}
	}
	assert.True(t, found, "%q", rep.Recommendation.Warnings)
	assert.Contains(t, rep.Warnings[0], "not indexed by pgvector")
	assert.GreaterOrEqual(t, rep.Results[1].Recall.Mean, 0.7)
}

func containsAll(s string, subs ...string) bool {
	for _, x := range subs {
		if !contains(s, x) {
			return false
		}
	}
	return true
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestRunNoRecommendationAndLimits(t *testing.T) {
	base := clustered(7, 1000, 8, 4)
	spec := Spec{Base: base, Queries: clustered(8, 20, 8, 4), K: 10, Builds: []BuildParams{{4, 8}}, EfSearch: []int{1, 2}}
	rep, err := Run(context.Background(), spec)
	require.NoError(t, err)
	assert.Nil(t, rep.Recommendation)
	assert.Contains(t, rep.NoRecommendation, "no configuration reached recall@10")
	for _, r := range rep.Results {
		assert.LessOrEqual(t, r.Recall.Max, float64(r.EfSearch)/10+1e-9, "ef_search caps the rows, and so recall")
		assert.False(t, r.MeetsTargets)
	}

	spec.EfSearch, spec.TargetRecall, spec.MaxIndexSize = []int{40}, 0.5, 8192
	rep, err = Run(context.Background(), spec)
	require.NoError(t, err)
	assert.Nil(t, rep.Recommendation)
	assert.Contains(t, rep.NoRecommendation, "none within the limits (index ≤ 8.00 kB)")
}

// blockingEngine builds with the real engine but parks builds of one
// configuration until the context ends.
type blockingEngine struct {
	inner engine
	block BuildParams
}

func (b blockingEngine) build(ctx context.Context, job buildJob, progress func(int)) (builtIndex, error) {
	if job.params == b.block {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return b.inner.build(ctx, job, progress)
}

func TestRunCancelReturnsWhatIsDone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	spec := Spec{
		Base: clustered(9, 800, 8, 4), Queries: clustered(10, 20, 8, 4), K: 5,
		Builds: []BuildParams{{4, 8}, {6, 12}, {8, 16}}, EfSearch: []int{10}, Workers: 2,
		engine: blockingEngine{inner: defaultEngine(), block: BuildParams{8, 16}},
	}
	spec.Progress = func(p Progress) {
		if p.Phase == PhaseSweep && p.BuildsDone == 2 {
			cancel()
		}
	}
	rep, err := Run(ctx, spec)
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.Canceled), "%v", err)
	require.NotNil(t, rep)
	assert.False(t, rep.Complete)
	assert.Len(t, rep.Builds, 2)
	assert.Len(t, rep.Results, 2)
	assert.Contains(t, err.Error(), "interrupted after 2 of 3 builds")

	// Cancelled before anything: no results, still a report.
	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	rep, err = Run(ctx2, Spec{Base: clustered(9, 800, 8, 4), Builds: []BuildParams{{4, 8}}})
	assert.ErrorIs(t, err, context.Canceled)
	if rep != nil {
		assert.False(t, rep.Complete)
		assert.Empty(t, rep.Results)
	}
}

func TestRunBadInputIsAnError(t *testing.T) {
	_, err := Run(context.Background(), Spec{Base: clustered(1, 10, 4, 1), OpClass: "bit_hamming_ops"})
	assert.ErrorIs(t, err, ErrUnsupported)
	_, err = Run(context.Background(), Spec{Base: &bench.Matrix{Dim: 3}})
	assert.ErrorIs(t, err, ErrEmpty)
}

func TestRunModelRowsScalesSizeAndPlan(t *testing.T) {
	spec := Spec{Base: clustered(3, 1000, 32, 4), Queries: clustered(4, 10, 32, 4), K: 10,
		Builds: []BuildParams{{16, 64}}, EfSearch: []int{40}, Rows: 1_000_000}
	rep, err := Run(context.Background(), spec)
	require.NoError(t, err)
	r := rep.Results[0]
	est, err := EstimateIndex(context.Background(), ModelSpec{Rows: 1_000_000, M: 16, ValueSize: pgcompat.VectorValueSize(32)})
	require.NoError(t, err)
	assert.InEpsilon(t, float64(est.Bytes), float64(r.IndexBytes), 0.01)
	assert.True(t, r.Plan.UseIndex, "a million rows: the planner uses the index")
	assert.Equal(t, int64(1_000_000), rep.Dataset.ModelRows)
}
