package tune

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// FormatBytes writes a byte count with PostgreSQL's units (powers of 1024
// named kB, MB, GB, TB), e.g. "1.6 MB".
func FormatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " bytes"
	}
	v := float64(n)
	for _, u := range []string{"kB", "MB", "GB", "TB"} {
		v /= unit
		if v < unit || u == "TB" {
			if v < 10 {
				return fmt.Sprintf("%.2f %s", v, u)
			}
			if v < 100 {
				return fmt.Sprintf("%.1f %s", v, u)
			}
			return fmt.Sprintf("%.0f %s", v, u)
		}
	}
	return strconv.FormatInt(n, 10)
}

// formatLatency writes a latency in µs or ms with 3 significant digits.
func formatLatency(d time.Duration) string {
	us := float64(d) / float64(time.Microsecond)
	switch {
	case us < 10:
		return fmt.Sprintf("%.2fµs", us)
	case us < 1000:
		return fmt.Sprintf("%.0fµs", us)
	case us < 10000:
		return fmt.Sprintf("%.2fms", us/1000)
	default:
		return fmt.Sprintf("%.1fms", us/1000)
	}
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// csvHeader names WriteCSV's columns.
var csvHeader = []string{
	"m", "ef_construction", "ef_search", "repeats",
	"recall_mean", "recall_stddev", "recall_min", "recall_max", "rows",
	"distance_evals_mean", "distance_evals_stddev",
	"latency_p50_us", "latency_p95_us", "latency_p99_us",
	"index_pages", "index_bytes", "build_memory_bytes", "fits_maintenance_work_mem", "build_seconds",
	"plan", "index_cost", "seq_scan_cost", "pareto", "pareto_latency", "meets_targets", "recommended",
}

// WriteCSV writes one line per result, with a header line.
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', 8, 64) }
	us := func(d time.Duration) string { return f(float64(d) / float64(time.Microsecond)) }
	for i := range r.Results {
		x := &r.Results[i]
		rec := r.Recommendation != nil && r.Recommendation.BuildParams == x.BuildParams && r.Recommendation.EfSearch == x.EfSearch
		row := []string{
			strconv.Itoa(x.M), strconv.Itoa(x.EfConstruction), strconv.Itoa(x.EfSearch), strconv.Itoa(x.Repeats),
			f(x.Recall.Mean), f(x.Recall.StdDev), f(x.Recall.Min), f(x.Recall.Max), f(x.Rows),
			f(x.DistanceEvals.Mean), f(x.DistanceEvals.StdDev),
			us(x.Latency.P50), us(x.Latency.P95), us(x.Latency.P99),
			f(x.IndexPages.Mean), strconv.FormatInt(x.IndexBytes, 10), strconv.FormatInt(x.BuildMemory, 10),
			strconv.FormatBool(x.FitsMaintenanceWorkMem), f(x.BuildTime.Seconds()),
			x.Plan.String(), f(x.Plan.IndexCost), f(x.Plan.SeqScanCost),
			strconv.FormatBool(x.Pareto), strconv.FormatBool(x.ParetoLatency), strconv.FormatBool(x.MeetsTargets),
			strconv.FormatBool(rec),
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteText writes the report for a person: what was measured, a table of
// every configuration (grouped by build; '*' marks the Pareto front of
// recall against distance evaluations, '>' the recommendation), the
// recommendation as SQL, the warnings and where the time went.
func (r *Report) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	d := r.Dataset
	ew.printf("%d vectors × %d dims (%s, %s), %d queries, LIMIT %d; %d builds",
		d.Rows, d.Dim, r.Spec.OpClass, d.Distance, d.Queries, r.Spec.K, len(r.Builds))
	if r.Spec.Repeats > 1 {
		ew.printf(" (%d repeats each)", r.Spec.Repeats)
	}
	ew.printf("\n")
	if d.ModelRows != int64(d.Rows) {
		ew.printf("index size, build memory and plans are predicted for a table of %d rows\n", d.ModelRows)
	}
	ew.printf("\n")
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', tabwriter.AlignRight)
	minCol := ""
	if r.Spec.Repeats > 1 {
		minCol = "min\t"
	}
	fmt.Fprintln(tw, "m\tef_c\tef_search\trecall\t± se\t"+minCol+"rows\tdist/q\tp50\tp95\tp99\tindex\tbuild mem\tplan\t\t")
	var prev BuildParams
	for i := range r.Results {
		x := &r.Results[i]
		if i > 0 && x.BuildParams != prev {
			fmt.Fprintln(tw, strings.Repeat("\t", 15+strings.Count(minCol, "\t")))
		}
		prev = x.BuildParams
		mark := ""
		if x.Pareto {
			mark = "*"
		}
		if r.Recommendation != nil && r.Recommendation.BuildParams == x.BuildParams && r.Recommendation.EfSearch == x.EfSearch {
			mark += ">"
		}
		spread := fmt.Sprintf("%.4f\t", x.RecallSE)
		if r.Spec.Repeats > 1 {
			spread += fmt.Sprintf("%.4f\t", x.Recall.Min)
		}
		plan := "index"
		if !x.Plan.UseIndex {
			plan = "seq+sort"
		}
		fmt.Fprintf(tw, "%d\t%d\t%d\t%.4f\t%s%.1f\t%.0f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n",
			x.M, x.EfConstruction, x.EfSearch, x.Recall.Mean, spread, x.Rows, x.DistanceEvals.Mean,
			formatLatency(x.Latency.P50), formatLatency(x.Latency.P95), formatLatency(x.Latency.P99),
			FormatBytes(x.IndexBytes), FormatBytes(x.BuildMemory), plan, mark)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	ew.printf("\n* Pareto front (recall vs distance evaluations)   > recommended\n")
	ew.printf("recall: recall@%d vs exact search, ties counted; ± se: its standard error over the queries; rows: rows returned (hnsw.ef_search caps them); dist/q: distance evaluations per query;\n", r.Spec.K)
	ew.printf("p50/p95/p99: in-process latency; index: predicted pg_relation_size; build mem: maintenance_work_mem for an in-memory build;\n")
	ew.printf("plan: PostgreSQL's choice for LIMIT %d at %d rows\n", r.Spec.K, d.ModelRows)

	if len(r.Warnings) > 0 {
		ew.printf("\nNotes:\n")
		for _, s := range r.Warnings {
			ew.printf("  - %s\n", s)
		}
	}
	if rec := r.Recommendation; rec != nil {
		ew.printf("\nRecommendation: m = %d, ef_construction = %d, hnsw.ef_search = %d\n", rec.M, rec.EfConstruction, rec.EfSearch)
		ew.printf("  recall@%d %.4f", r.Spec.K, rec.Recall.Mean)
		if rec.Repeats > 1 {
			ew.printf(" (min %.4f over %d builds)", rec.Recall.Min, rec.Repeats)
		}
		ew.printf(", %.0f distance evaluations and %s (p50) per query, index %s, build memory %s\n",
			rec.DistanceEvals.Mean, formatLatency(rec.Latency.P50), FormatBytes(rec.IndexBytes), FormatBytes(rec.BuildMemory))
		ew.printf("  chosen as %s\n\n", rec.Reason)
		for _, s := range rec.Statements {
			ew.printf("  %s;\n", s)
		}
		ew.printf("\nWarnings:\n")
		for _, s := range rec.Warnings {
			ew.printf("  - %s\n", s)
		}
	} else {
		ew.printf("\nNo recommendation: %s\n", r.NoRecommendation)
	}
	t := r.Timing
	work := t.Builds + t.Queries
	share := func(x time.Duration) float64 {
		if all := t.GroundTruth + work; all > 0 {
			return 100 * float64(x) / float64(all)
		}
		return 0
	}
	ew.printf("\nTime: %s (%s CPU); ground truth %s%s (%.0f%%), builds %s (%.0f%%), queries %s (%.0f%%) of worker time on %d workers\n",
		t.Total.Round(10*time.Millisecond), t.CPU.Round(10*time.Millisecond), t.GroundTruth.Round(time.Millisecond), cachedNote(d.TruthCached), share(t.GroundTruth),
		t.Builds.Round(10*time.Millisecond), share(t.Builds), t.Queries.Round(10*time.Millisecond), share(t.Queries), r.Spec.Workers)
	if !r.Complete {
		ew.printf("INTERRUPTED: these results cover the %d builds that finished\n", len(r.Builds))
	}
	return ew.err
}

func cachedNote(cached bool) string {
	if cached {
		return " (cached)"
	}
	return ""
}

// errWriter remembers the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

// Write writes p unless an earlier write failed.
func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) {
	fmt.Fprintf(e, format, args...)
}
