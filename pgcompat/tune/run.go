package tune

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/smallworld-go/smallworld/bench"
)

// Run sweeps the configurations of spec and returns what each does and the
// recommended one.
//
// Ground truth comes first (from spec.CacheDir when cached), then the builds,
// spec.Workers at a time; each build is followed by its queries at every
// ef_search. When ctx is cancelled Run stops the builds in progress and
// returns the report of the builds that finished (Report.Complete false)
// together with an error wrapping ctx.Err(). Bad input gives a nil report and
// an error wrapping one of the package's sentinel errors (an *InputError
// names the rows).
func Run(ctx context.Context, spec Spec) (*Report, error) {
	start, cpu0 := time.Now(), processCPU()
	s, err := spec.normalized()
	if err != nil {
		return nil, err
	}
	oc, err := lookupOpClass(s.OpClass)
	if err != nil {
		return nil, err
	}
	ds, err := prepare(s, oc)
	if err != nil {
		return nil, err
	}
	modelRows := int64(ds.base.Len())
	if s.Rows > 0 {
		modelRows = s.Rows
	}
	rep := &Report{
		Dataset: DatasetInfo{
			Rows: ds.base.Len(), Indexed: len(ds.indexed), ZeroVectors: ds.zeroRows, Dim: ds.base.Dim,
			Queries: ds.queries.Len(), HeldOut: ds.heldOut, SampledFrom: ds.sampled,
			Type: oc.oc.Type, ValueSize: oc.valueSize(ds.base.Dim), Distance: oc.truth.DistanceName(),
			ModelRows: modelRows,
		},
		Spec: SpecInfo{
			OpClass: oc.oc.Name, K: s.K, EfSearch: s.EfSearch, Builds: s.Builds, Repeats: s.Repeats,
			Workers: s.Workers, Seed: s.Seed, TargetRecall: s.TargetRecall, MaxIndexSize: s.MaxIndexSize,
			MaxBuildMemory: s.MaxBuildMemory, MaxLatency: s.MaxLatency, Objective: s.Objective,
			MaintenanceWorkMem: s.MaintenanceWorkMem, Table: s.Table, Column: s.Column,
		},
	}
	rep.Warnings = dataWarnings(s, ds, oc)

	progress := newReporter(s.Progress)
	t0 := time.Now()
	truth, err := bench.GroundTruth(ctx, ds.base, ds.queries, oc.truth, s.K, bench.GroundTruthOptions{
		CacheDir: s.CacheDir,
		Progress: func(done, total int64) {
			progress.report(Progress{Phase: PhaseTruth, Done: done, Total: total})
		},
	})
	rep.Timing.GroundTruth = time.Since(t0)
	if err != nil {
		if truth == nil || !errors.Is(err, bench.ErrCacheWrite) {
			rep.Timing.Total, rep.Timing.CPU = time.Since(start), processCPU()-cpu0
			if ctx.Err() != nil {
				return rep, fmt.Errorf("tune: interrupted during ground truth: %w", err)
			}
			return nil, err
		}
		rep.Warnings = append(rep.Warnings, err.Error())
	}
	rep.Dataset.TruthCached = truth.Cached
	if truth.K < s.K {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("LIMIT %d exceeds the %d base vectors: recall is measured at %d", s.K, ds.base.Len(), truth.K))
	}

	t0 = time.Now()
	outcomes, sweepErr := sweep(ctx, s, oc, ds, truth, modelRows, progress)
	rep.Timing.Sweep = time.Since(t0)
	for _, o := range outcomes {
		rep.Builds = append(rep.Builds, o.build)
		rep.Timing.Builds += o.build.Duration
		rep.Timing.Queries += o.build.QueryTime
	}
	if err := aggregate(ctx, rep, s, ds, outcomes); err != nil {
		return nil, err
	}
	if err := recommend(ctx, rep, s, oc, ds); err != nil {
		return nil, err
	}
	rep.Complete = sweepErr == nil
	rep.Timing.Total, rep.Timing.CPU = time.Since(start), processCPU()-cpu0
	if sweepErr != nil {
		if ctx.Err() != nil {
			return rep, fmt.Errorf("tune: interrupted after %d of %d builds: %w", len(outcomes), len(s.Builds)*s.Repeats, sweepErr)
		}
		return nil, sweepErr
	}
	return rep, nil
}

// dataWarnings lists what the user should know about the data.
func dataWarnings(s Spec, ds *dataset, oc opClassInfo) []string {
	var w []string
	if ds.zeroRows > 0 {
		w = append(w, fmt.Sprintf("%d zero vectors (the first at row %d) are not indexed by pgvector under %s: no index scan can return them", ds.zeroRows, ds.firstZero, oc.oc.Name))
	}
	if ds.sampled > 0 {
		w = append(w, fmt.Sprintf("using %d queries sampled at random from %d", ds.queries.Len(), ds.sampled))
	}
	if ds.heldOut > 0 && s.Queries == nil {
		w = append(w, fmt.Sprintf("no query set given: %d base vectors were held out as queries (seed %d)", ds.heldOut, s.Seed))
	}
	return w
}

// outcome is what one build measured.
type outcome struct {
	build BuildResult
	// perEf[i] is the measurement at ef_search = EfSearch[i].
	perEf []efMeasure
}

// efMeasure is one build's queries at one ef_search.
type efMeasure struct {
	recall    float64
	recallSE  float64
	rows      float64
	evals     float64
	latencies []time.Duration
}

// job is one build of the sweep and its repeat number.
type job struct {
	params BuildParams
	repeat int
}

// seedFor derives the level seed of a build from the run's seed, so that
// every build draws its own levels and a rerun draws the same ones.
func seedFor(seed uint64, j job) uint64 {
	h := mix64(seed ^ 0x7475_6e65) // "tune"
	h = mix64(h ^ uint64(j.params.M))
	h = mix64(h ^ uint64(j.params.EfConstruction))
	return mix64(h ^ uint64(j.repeat))
}

// mix64 is SplitMix64's finaliser: a fixed bijection that scatters bits.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// sweep runs every build and its queries, Workers at a time. It returns the
// outcomes of the builds that finished, and the first error (cancellation
// included).
func sweep(ctx context.Context, s Spec, oc opClassInfo, ds *dataset, truth *bench.Truth, modelRows int64, progress *reporter) ([]outcome, error) {
	var jobs []job
	for r := range s.Repeats {
		for _, b := range s.Builds {
			jobs = append(jobs, job{b, r})
		}
	}
	// Longest first: the expensive builds overlap the cheap ones, which
	// shortens the run when there are few workers.
	order := slices.Clone(jobs)
	slices.SortStableFunc(order, func(a, b job) int {
		return cmp.Compare(buildCost(b.params), buildCost(a.params))
	})

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		firstErr error
		done     = make(map[job]outcome, len(jobs))
		running  = map[job]bool{}
	)
	totalInserts := int64(len(jobs)) * int64(len(ds.indexed))
	var inserted int64
	status := func() Progress {
		p := Progress{Phase: PhaseSweep, Done: inserted, Total: totalInserts, BuildsDone: len(done), Builds: len(jobs)}
		for _, j := range jobs {
			if running[j] {
				p.Running = append(p.Running, fmt.Sprintf("%v #%d", j.params, j.repeat+1))
			}
		}
		return p
	}
	next := make(chan job)
	go func() {
		defer close(next)
		for _, j := range order {
			select {
			case next <- j:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range min(s.Workers, len(jobs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				mu.Lock()
				running[j] = true
				progress.report(status())
				mu.Unlock()
				o, err := runJob(ctx, s, oc, ds, truth, modelRows, j, func(n int) {
					mu.Lock()
					inserted += int64(n)
					progress.report(status())
					mu.Unlock()
				})
				mu.Lock()
				delete(running, j)
				if err != nil {
					if firstErr == nil {
						firstErr = err
					}
					cancel()
				} else {
					done[j] = o
				}
				progress.report(status())
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	progress.flush()
	out := make([]outcome, 0, len(done))
	for _, j := range jobs {
		if o, ok := done[j]; ok {
			out = append(out, o)
		}
	}
	if firstErr == nil && len(out) < len(jobs) {
		firstErr = ctx.Err()
	}
	return out, firstErr
}

// buildCost is a rough relative cost of a build, for scheduling.
func buildCost(b BuildParams) int { return b.EfConstruction * (b.M + 8) }

// runJob builds one index and runs every query at every ef_search.
func runJob(ctx context.Context, s Spec, oc opClassInfo, ds *dataset, truth *bench.Truth, modelRows int64, j job, progress func(int)) (outcome, error) {
	seed := seedFor(s.Seed, j)
	t0 := time.Now()
	ix, err := s.engine.build(ctx, buildJob{params: j.params, seed: seed, oc: oc, base: ds.base, rows: ds.indexed}, progress)
	if err != nil {
		return outcome{}, fmt.Errorf("build %v: %w", j.params, err)
	}
	o := outcome{build: BuildResult{BuildParams: j.params, Repeat: j.repeat, Seed: seed, Duration: time.Since(t0)}}
	elements, tuples := ix.elementLevels(), ix.tupleLevels()
	o.build.Elements = len(elements)
	o.build.Merged = len(tuples) - len(elements)
	for _, l := range tuples {
		o.build.TopLevel = max(o.build.TopLevel, l)
	}

	valueSize := oc.valueSize(ds.base.Dim)
	var im IndexModel
	if modelRows == int64(ds.base.Len()) {
		im, err = modelFromLevels(elements, tuples, j.params.M, valueSize, s.MaintenanceWorkMem)
	} else {
		indexed := int64(float64(modelRows) * float64(len(ds.indexed)) / float64(ds.base.Len()))
		im, err = EstimateIndex(ctx, ModelSpec{Rows: indexed, M: j.params.M, ValueSize: valueSize, MaintenanceWorkMem: s.MaintenanceWorkMem, Seed: seed})
	}
	if err != nil {
		return outcome{}, fmt.Errorf("size model %v: %w", j.params, err)
	}
	o.build.IndexPages, o.build.IndexBytes = int(im.Pages), im.Bytes
	o.build.BuildMemory, o.build.FlushAfter = im.BuildMemory, im.FlushAfter

	t0 = time.Now()
	k := truth.K
	results := make([][]int32, ds.queries.Len())
	buf := make([]int32, 0, len(ds.queries.Data)/max(ds.queries.Dim, 1)*k)
	for _, ef := range s.EfSearch {
		buf = buf[:0]
		lat := make([]time.Duration, ds.queries.Len())
		var evals, rows int64
		for q := range ds.queries.Len() {
			if q%64 == 0 {
				if err := ctx.Err(); err != nil {
					return outcome{}, err
				}
			}
			from := len(buf)
			qs := time.Now()
			var n int
			buf, n, err = ix.scan(ds.queries.Row(q), s.K, ef, buf)
			lat[q] = time.Since(qs)
			if err != nil {
				return outcome{}, fmt.Errorf("query %d with %v, ef_search %d: %w", q, j.params, ef, err)
			}
			results[q] = buf[from:len(buf):len(buf)]
			evals += int64(n)
			rows += int64(len(buf) - from)
		}
		perQuery, err := bench.RecallPerQuery(truth, results, k)
		if err != nil {
			return outcome{}, err
		}
		rs := newStat(perQuery)
		nq := float64(len(perQuery))
		o.perEf = append(o.perEf, efMeasure{
			recall: rs.Mean, recallSE: rs.StdDev / math.Sqrt(nq),
			rows: float64(rows) / nq, evals: float64(evals) / nq, latencies: lat,
		})
	}
	o.build.QueryTime = time.Since(t0)
	return o, nil
}

// reporter serialises and throttles progress reports.
type reporter struct {
	mu      sync.Mutex
	fn      func(Progress)
	last    time.Time
	sent    Progress
	pending *Progress
}

func newReporter(fn func(Progress)) *reporter { return &reporter{fn: fn} }

// report forwards p at most ten times a second, and always when a phase
// ends or a build starts or finishes.
func (r *reporter) report(p Progress) {
	if r.fn == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	important := p.Done == p.Total || p.Phase != r.sent.Phase ||
		len(p.Running) != len(r.sent.Running) || p.BuildsDone != r.sent.BuildsDone
	if !important && now.Sub(r.last) < 100*time.Millisecond {
		r.pending = &p
		return
	}
	r.last, r.sent, r.pending = now, p, nil
	r.fn(p)
}

// flush forwards the last report held back, if any.
func (r *reporter) flush() {
	if r.fn == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pending != nil {
		r.sent = *r.pending
		r.pending = nil
		r.fn(r.sent)
	}
}
