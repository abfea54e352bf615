package tune

import (
	"context"
	"math"
	"slices"
	"time"

	"github.com/smallworld-go/smallworld/bench"
)

// aggregate turns the builds' outcomes into one Result per (m,
// ef_construction, ef_search), adds the planner's choice and marks the
// Pareto fronts.
func aggregate(ctx context.Context, rep *Report, s Spec, ds *dataset, outcomes []outcome) error {
	byParams := map[BuildParams][]outcome{}
	for _, o := range outcomes {
		byParams[o.build.BuildParams] = append(byParams[o.build.BuildParams], o)
	}
	valueSize := rep.Dataset.ValueSize
	for _, b := range s.Builds {
		group := byParams[b]
		if len(group) == 0 {
			continue
		}
		var pages []float64
		var bytes, buildMem int64
		var buildTime time.Duration
		fits := true
		for _, o := range group {
			pages = append(pages, float64(o.build.IndexPages))
			bytes += o.build.IndexBytes
			buildMem = max(buildMem, o.build.BuildMemory)
			buildTime += o.build.Duration
			fits = fits && o.build.FlushAfter == 0
		}
		pageStat := newStat(pages)
		for i, ef := range s.EfSearch {
			var recalls, evals []float64
			var rows, se float64
			var lat []time.Duration
			for _, o := range group {
				m := o.perEf[i]
				recalls = append(recalls, m.recall)
				se += m.recallSE
				evals = append(evals, m.evals)
				rows += m.rows
				lat = append(lat, m.latencies...)
			}
			ls := bench.NewLatencyStats(lat)
			r := Result{
				BuildParams: b, EfSearch: ef, Repeats: len(group),
				Recall: newStat(recalls), RecallSE: se / float64(len(group)),
				Rows:          rows / float64(len(group)),
				DistanceEvals: newStat(evals),
				Latency:       Latency{P50: ls.P50, P95: ls.P95, P99: ls.P99, Mean: ls.Mean},
				IndexPages:    pageStat, IndexBytes: bytes / int64(len(group)),
				BuildMemory: buildMem, FitsMaintenanceWorkMem: fits,
				BuildTime: buildTime / time.Duration(len(group)),
			}
			ex, _, err := ExplainQuery(ctx, QuerySpec{
				Rows: rep.Dataset.ModelRows, ValueSize: valueSize, KeyBytes: s.KeyBytes,
				M: b.M, EfSearch: ef, Limit: s.K, IndexPages: int64(math.Round(pageStat.Mean)),
			})
			if err != nil {
				return err
			}
			r.Plan = PlanChoice{UseIndex: ex.UseIndex, IndexCost: ex.IndexLimit.Total, SeqScanCost: ex.SortLimit.Total}
			rep.Results = append(rep.Results, r)
		}
	}
	markPareto(rep.Results,
		func(r *Result) float64 { return r.DistanceEvals.Mean },
		func(r *Result, on bool) { r.Pareto = on })
	markPareto(rep.Results,
		func(r *Result) float64 { return float64(r.Latency.P50) },
		func(r *Result, on bool) { r.ParetoLatency = on })
	return nil
}

// markPareto marks the results that no other result beats on both mean
// recall (higher is better) and cost (lower is better).
func markPareto(rs []Result, cost func(*Result) float64, set func(*Result, bool)) {
	idx := make([]int, len(rs))
	for i := range idx {
		idx[i] = i
	}
	// Sweep by rising cost (ties: higher recall first); a result is on the
	// front when its recall beats every cheaper one's.
	slices.SortStableFunc(idx, func(a, b int) int {
		ca, cb := cost(&rs[a]), cost(&rs[b])
		switch {
		case ca < cb:
			return -1
		case ca > cb:
			return 1
		case rs[a].Recall.Mean > rs[b].Recall.Mean:
			return -1
		case rs[a].Recall.Mean < rs[b].Recall.Mean:
			return 1
		}
		return 0
	})
	best := math.Inf(-1)
	for _, i := range idx {
		on := rs[i].Recall.Mean > best
		set(&rs[i], on)
		if on {
			best = rs[i].Recall.Mean
		}
	}
}

// ParetoFront returns the results on the front of recall against distance
// evaluations, cheapest first.
func (r *Report) ParetoFront() []Result {
	var out []Result
	for _, x := range r.Results {
		if x.Pareto {
			out = append(out, x)
		}
	}
	slices.SortFunc(out, func(a, b Result) int {
		switch {
		case a.DistanceEvals.Mean < b.DistanceEvals.Mean:
			return -1
		case a.DistanceEvals.Mean > b.DistanceEvals.Mean:
			return 1
		}
		return 0
	})
	return out
}
