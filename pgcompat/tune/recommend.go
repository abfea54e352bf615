package tune

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/smallworld-go/smallworld/pgcompat"
)

// Recommendation is the configuration Run recommends, with the SQL that
// sets it up.
type Recommendation struct {
	// Result is what the configuration measured.
	Result
	// MaintenanceWorkMem is the maintenance_work_mem (kB) to build with:
	// the measured need plus headroom for other levels and a parallel
	// build's overhead, in whole megabytes, at least PostgreSQL's 64MB.
	MaintenanceWorkMem int `json:"maintenance_work_mem_kb"`
	// Statements are the SQL statements to run, in order, without
	// trailing semicolons.
	Statements []string `json:"sql"`
	// Warnings are the caveats that apply to this configuration.
	Warnings []string `json:"warnings"`
	// MinRowsForIndex is about the table size from which the planner uses
	// the index for LIMIT K (0: any size; −1: never).
	MinRowsForIndex int64 `json:"min_rows_for_index"`
	// Candidates is how many configurations met every target.
	Candidates int `json:"candidates"`
	// Reason says how the configuration was chosen.
	Reason string `json:"reason"`
}

// SQL returns the statements as a script, one per line.
func (r *Recommendation) SQL() string {
	var b strings.Builder
	for _, s := range r.Statements {
		b.WriteString(s)
		b.WriteString(";\n")
	}
	return b.String()
}

// meets reports whether r satisfies every target and limit of s. Recall
// must reach the target in every repeat by one standard error: the queries
// are a sample, and a recommendation that just scrapes the target on them
// misses it on the next sample, or on a real build's other levels, about
// half the time.
func meets(r *Result, s Spec) bool {
	return r.Recall.Min-r.RecallSE >= s.TargetRecall &&
		(s.MaxIndexSize == 0 || r.IndexBytes <= s.MaxIndexSize) &&
		(s.MaxBuildMemory == 0 || r.BuildMemory <= s.MaxBuildMemory) &&
		(s.MaxLatency == 0 || r.Latency.P99 <= s.MaxLatency)
}

// costOf is the objective's measure of a result: smaller is cheaper.
func costOf(o Objective, r *Result) float64 {
	switch o {
	case ObjectiveLatency:
		return float64(r.Latency.P50)
	case ObjectiveSize:
		return float64(r.IndexBytes)
	case ObjectiveBuild:
		return float64(r.BuildTime)
	}
	return r.DistanceEvals.Mean
}

// costTolerance is how much dearer than the cheapest a configuration may be
// and still count as as cheap: measured costs that close are the same cost,
// and among them the one with the most recall to spare is the safer choice.
const costTolerance = 0.02

// pick returns the recommended result among candidates: those within
// costTolerance of the cheapest, then the highest worst-case recall, then
// the smaller index, the cheaper build and the smaller ef_search.
func pick(o Objective, candidates []*Result) *Result {
	if len(candidates) == 0 {
		return nil
	}
	cheapest := costOf(o, candidates[0])
	for _, r := range candidates[1:] {
		cheapest = min(cheapest, costOf(o, r))
	}
	var best *Result
	for _, r := range candidates {
		if costOf(o, r) > cheapest*(1+costTolerance) {
			continue
		}
		if best == nil || better(r, best) {
			best = r
		}
	}
	return best
}

// better breaks ties among equally cheap results.
func better(a, b *Result) bool {
	if c := cmp.Compare(a.Recall.Min-a.RecallSE, b.Recall.Min-b.RecallSE); c != 0 {
		return c > 0
	}
	if c := cmp.Compare(a.IndexBytes, b.IndexBytes); c != 0 {
		return c < 0
	}
	if c := cmp.Compare(a.BuildTime, b.BuildTime); c != 0 {
		return c < 0
	}
	return a.EfSearch < b.EfSearch
}

// recommend picks the cheapest result meeting the targets and writes its SQL.
func recommend(ctx context.Context, rep *Report, s Spec, oc opClassInfo, ds *dataset) error {
	var all, usesIndex []*Result
	for i := range rep.Results {
		r := &rep.Results[i]
		r.MeetsTargets = meets(r, s)
		if r.MeetsTargets {
			all = append(all, r)
			if r.Plan.UseIndex {
				usesIndex = append(usesIndex, r)
			}
		}
	}
	// A configuration the planner would not use is no use: prefer one it
	// uses when there is one.
	best := pick(s.Objective, usesIndex)
	if best == nil {
		best = pick(s.Objective, all)
	}
	if best == nil {
		rep.NoRecommendation = noRecommendation(rep, s)
		return nil
	}
	candidates := len(all)
	rec := &Recommendation{Result: *best, Candidates: candidates}
	rec.Reason = fmt.Sprintf("the lowest %s (within %.0f%%, then the most recall) among the %d configurations whose recall@%d, less one standard error, is ≥ %.3g in every build%s",
		objectiveWhat(s.Objective), 100*costTolerance, candidates, s.K, s.TargetRecall, limitsText(s))

	need := best.BuildMemory
	// Headroom: a real build draws other levels (a few percent more upper
	// layers), and a parallel build keeps its graph in a shared area 3MB
	// smaller than maintenance_work_mem and stops 1MB short of its end.
	needKB := (need*11/10)/1024 + 4*1024
	mb := (needKB + 1023) / 1024
	rec.MaintenanceWorkMem = int(max(mb*1024, DefaultMaintenanceWorkMem))

	table := tableSQL(s.Table)
	column := pgcompat.QualifiedName{Name: s.Column}.String()
	rec.Statements = []string{
		"SET maintenance_work_mem = " + memoryLiteral(rec.MaintenanceWorkMem),
		fmt.Sprintf("CREATE INDEX CONCURRENTLY ON %s USING hnsw (%s %s) WITH (m = %d, ef_construction = %d)",
			table, column, oc.oc.Name, best.M, best.EfConstruction),
		fmt.Sprintf("SET hnsw.ef_search = %d", best.EfSearch),
	}

	minRows, err := MinRowsForIndex(ctx, QuerySpec{
		ValueSize: rep.Dataset.ValueSize, KeyBytes: s.KeyBytes, M: best.M, EfSearch: best.EfSearch, Limit: s.K,
	})
	if err != nil {
		return err
	}
	rec.MinRowsForIndex = minRows
	rec.Warnings = recommendationWarnings(rep, s, oc, ds, rec)
	rep.Recommendation = rec
	return nil
}

// tableSQL writes a table name given as "name" or "schema.name" (or quoted
// parts) as SQL.
func tableSQL(t string) string {
	parts, err := ParseTableName(t)
	if err != nil {
		return pgcompat.QualifiedName{Name: t}.String()
	}
	if len(parts) == 2 {
		return pgcompat.QualifiedName{Schema: parts[0], Name: parts[1]}.String()
	}
	return pgcompat.QualifiedName{Name: parts[0]}.String()
}

// memoryLiteral writes kB as PostgreSQL's memory literal, in GB when whole.
func memoryLiteral(kb int) string {
	if kb%(1024*1024) == 0 {
		return fmt.Sprintf("'%dGB'", kb/(1024*1024))
	}
	return fmt.Sprintf("'%dMB'", (kb+1023)/1024)
}

func objectiveWhat(o Objective) string {
	switch o {
	case ObjectiveLatency:
		return "p50 latency"
	case ObjectiveSize:
		return "index size"
	case ObjectiveBuild:
		return "build time"
	}
	return "distance evaluations per query"
}

func limitsText(s Spec) string {
	var parts []string
	if s.MaxIndexSize > 0 {
		parts = append(parts, "index ≤ "+FormatBytes(s.MaxIndexSize))
	}
	if s.MaxBuildMemory > 0 {
		parts = append(parts, "build memory ≤ "+FormatBytes(s.MaxBuildMemory))
	}
	if s.MaxLatency > 0 {
		parts = append(parts, "p99 ≤ "+s.MaxLatency.String())
	}
	if len(parts) == 0 {
		return ""
	}
	return " and " + strings.Join(parts, ", ")
}

// noRecommendation explains why nothing met the targets and what to try.
func noRecommendation(rep *Report, s Spec) string {
	if len(rep.Results) == 0 {
		return "no build finished"
	}
	var bestRecall *Result
	reach := 0
	for i := range rep.Results {
		r := &rep.Results[i]
		if bestRecall == nil || r.Recall.Min > bestRecall.Recall.Min {
			bestRecall = r
		}
		if r.Recall.Min-r.RecallSE >= s.TargetRecall {
			reach++
		}
	}
	if reach == 0 {
		return fmt.Sprintf("no configuration reached recall@%d ≥ %.3g (less one standard error) in every build; the best was %.4f ± %.4f (%v, ef_search %d). Try larger ef_search values (up to 1000), a larger m or ef_construction, more queries, or a lower target",
			s.K, s.TargetRecall, bestRecall.Recall.Min, bestRecall.RecallSE, bestRecall.BuildParams, bestRecall.EfSearch)
	}
	return fmt.Sprintf("%d configurations reach recall@%d ≥ %.3g, but none within the limits (%s)", reach, s.K, s.TargetRecall, strings.TrimPrefix(limitsText(s), " and "))
}

// recommendationWarnings lists the caveats a user of rec must know.
func recommendationWarnings(rep *Report, s Spec, oc opClassInfo, ds *dataset, rec *Recommendation) []string {
	var w []string
	ef := rec.EfSearch
	if s.K > ef {
		w = append(w, fmt.Sprintf("LIMIT %d is above hnsw.ef_search = %d: an index scan returns at most %d rows", s.K, ef, ef))
	} else {
		w = append(w, fmt.Sprintf("hnsw.ef_search = %d caps an index scan at %d rows: a query with a LIMIT above %d gets at most %d rows unless it raises hnsw.ef_search first (SET LOCAL inside its transaction)", ef, ef, ef, ef))
	}
	dim := rep.Dataset.Dim
	switch {
	case oc.oc.Type == "halfvec" && dim > pgcompat.HNSWMaxDim:
		w = append(w, fmt.Sprintf("%d dimensions: the column must be halfvec(%d); a vector column can be indexed only up to %d dimensions (halfvec up to %d)", dim, dim, pgcompat.HNSWMaxDim, pgcompat.HNSWMaxHalfDim))
	case oc.oc.Type == "vector" && dim > pgcompat.HNSWMaxDim*3/4:
		w = append(w, fmt.Sprintf("%d dimensions is near the %d that a vector column can index; above it, use halfvec (up to %d dimensions, half the index size)", dim, pgcompat.HNSWMaxDim, pgcompat.HNSWMaxHalfDim))
	}
	if ds.zeroRows > 0 {
		w = append(w, fmt.Sprintf("%d zero vectors are not indexed by pgvector under %s: index scans never return them", ds.zeroRows, oc.oc.Name))
	}
	w = append(w, "queries with a WHERE filter lose the rows the filter removes from the ef_search candidates, and can return fewer than LIMIT rows: SET hnsw.iterative_scan = relaxed_order (or strict_order) lets the scan go on, up to hnsw.max_scan_tuples")
	switch {
	case rec.MinRowsForIndex < 0:
		w = append(w, fmt.Sprintf("the planner never uses this index for LIMIT %d with hnsw.ef_search = %d: every query runs a Seq Scan and a Sort", s.K, ef))
	case !rec.Plan.UseIndex:
		w = append(w, fmt.Sprintf("at %d rows the planner prefers a Seq Scan and a Sort (exact, but it reads the whole table) for LIMIT %d with hnsw.ef_search = %d; it uses the index from about %d rows", rep.Dataset.ModelRows, s.K, ef, rec.MinRowsForIndex))
	case rec.MinRowsForIndex > 0:
		w = append(w, fmt.Sprintf("the planner uses the index for LIMIT %d only from about %d rows; a smaller table is scanned in full (exact results)", s.K, rec.MinRowsForIndex))
	}
	if !rec.FitsMaintenanceWorkMem {
		w = append(w, fmt.Sprintf("at maintenance_work_mem = %s the build would spill to disk (NOTICE \"hnsw graph no longer fits into maintenance_work_mem\") and take much longer: set it as above", memoryLiteral(s.MaintenanceWorkMem)))
	}
	if rec.Repeats == 1 {
		w = append(w, "measured on one build: pgvector draws random levels, so a real build's recall differs slightly; use more repeats to see the spread")
	}
	w = append(w, "CREATE INDEX CONCURRENTLY cannot run inside a transaction block")
	return w
}
