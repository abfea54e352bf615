// Command tune-pgvector asks smallworld's tuning oracle (package
// pgcompat/tune) which pgvector HNSW settings to use for a dataset, from Go:
// it builds each (m, ef_construction) the way pgvector 0.8.7 would, scans it at
// each hnsw.ef_search with pgvector's rules, measures recall against exact
// search, and prints the cheapest configuration that reaches the target
// recall, with the SQL to apply it. No database is involved.
//
// The smallworld CLI's "tune" command does the same with more options; this
// program shows the few lines of Go it takes (see tuneSpec and printReport).
//
// Usage:
//
//	go run ./examples/tune-pgvector                          # built-in SIFT-small, L2
//	go run ./examples/tune-pgvector -base items.npy -opclass vector_cosine_ops -k 20 -target 0.99
//	go run ./examples/tune-pgvector -base emb.fvecs -query probes.fvecs -rows 50000000
//
// Without -query, some base rows are held out as queries.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/smallworld-go/smallworld/bench"
	"github.com/smallworld-go/smallworld/pgcompat/tune"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "tune-pgvector:", err)
		os.Exit(1)
	}
}

// options are the command-line settings.
type options struct {
	base, query string
	n           int
	opclass     string
	k           int
	target      float64
	rows        int64
	builds      []tune.BuildParams
	efSearch    []int
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("tune-pgvector", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.base, "base", "", "base vectors `file` (default: the built-in SIFT-small); any format package bench reads")
	fs.StringVar(&o.query, "query", "", "query vectors `file` (default: hold out base rows)")
	fs.IntVar(&o.n, "n", 0, "use only the first `n` base vectors (0: all)")
	fs.StringVar(&o.opclass, "opclass", tune.DefaultOpClass, "operator `class`: "+strings.Join(tune.OpClassNames(), ", "))
	fs.IntVar(&o.k, "k", 10, "the query's LIMIT; recall is recall@k")
	fs.Float64Var(&o.target, "target", 0.95, "recall the recommendation must reach")
	fs.Int64Var(&o.rows, "rows", 0, "rows of the production table, if the file is a sample (sizes and plans are predicted for it)")
	builds := fs.String("builds", "", "`m:ef_construction` pairs to try, comma-separated, e.g. 8:32,16:64 (default: the oracle's grid)")
	efs := fs.String("ef-search", "", "hnsw.ef_search `values` to try, comma-separated (default: the oracle's list)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.n < 0 {
		return o, errors.New("-n must not be negative")
	}
	if o.query != "" && o.base == "" {
		return o, errors.New("-query needs -base")
	}
	var err error
	if o.builds, err = parseBuilds(*builds); err != nil {
		return o, err
	}
	if o.efSearch, err = parseInts(*efs); err != nil {
		return o, fmt.Errorf("-ef-search: %w", err)
	}
	return o, nil
}

// parseBuilds reads "m:efc,m:efc".
func parseBuilds(s string) ([]tune.BuildParams, error) {
	if s == "" {
		return nil, nil
	}
	var out []tune.BuildParams
	for _, pair := range strings.Split(s, ",") {
		m, efc, ok := strings.Cut(strings.TrimSpace(pair), ":")
		mi, err1 := strconv.Atoi(m)
		ei, err2 := strconv.Atoi(efc)
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("-builds: %q is not m:ef_construction", pair)
		}
		out = append(out, tune.BuildParams{M: mi, EfConstruction: ei})
	}
	return out, nil
}

func parseInts(s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer", f)
		}
		out = append(out, v)
	}
	return out, nil
}

// loadData reads the vectors the options name.
func loadData(o options) (base, queries *bench.Matrix, name string, err error) {
	if o.base == "" {
		base, queries, _, err = bench.SIFTSmall()
		name = "SIFT-small (built in)"
	} else {
		name = o.base
		if base, err = bench.Load(o.base); err == nil && o.query != "" {
			queries, err = bench.Load(o.query)
		}
	}
	if err != nil {
		return nil, nil, "", err
	}
	if o.n > 0 && o.n < base.Len() {
		base = base.Slice(0, o.n)
	}
	return base, queries, name, nil
}

// tuneSpec is the whole of the oracle's input: the data and what the
// recommendation must achieve. Every field left zero takes its default.
func tuneSpec(o options, base, queries *bench.Matrix, progress func(tune.Progress)) tune.Spec {
	return tune.Spec{
		Base:         base,
		Queries:      queries, // nil: hold out base rows as queries
		OpClass:      o.opclass,
		K:            o.k,
		TargetRecall: o.target,
		Rows:         o.rows,
		Builds:       o.builds,
		EfSearch:     o.efSearch,
		Seed:         1, // the same report every run
		Progress:     progress,
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseOptions(args, stderr)
	if err != nil {
		return err
	}
	base, queries, name, err := loadData(o)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "dataset: %s, %d vectors of %d dimensions\n", name, base.Len(), base.Dim)

	// Report each phase once, and the sweep's builds as they finish.
	var lastPhase tune.Phase
	lastBuilds := -1
	progress := func(p tune.Progress) {
		if p.Phase != lastPhase {
			lastPhase = p.Phase
			fmt.Fprintf(stderr, "%s...\n", p.Phase)
		}
		if p.Phase == tune.PhaseSweep && p.BuildsDone != lastBuilds {
			lastBuilds = p.BuildsDone
			fmt.Fprintf(stderr, "  %d/%d builds done\n", p.BuildsDone, p.Builds)
		}
	}
	rep, err := tune.Run(ctx, tuneSpec(o, base, queries, progress))
	if err != nil {
		return err
	}
	return printReport(stdout, rep)
}

// printReport shows the Pareto front (the configurations worth
// considering), then the recommendation and its SQL.
func printReport(w io.Writer, rep *tune.Report) error {
	k := rep.Spec.K
	fmt.Fprintf(w, "%s, LIMIT %d, target recall %.2f, %d queries\n\n",
		rep.Spec.OpClass, k, rep.Spec.TargetRecall, rep.Dataset.Queries)
	fmt.Fprintln(w, "Pareto front (no other configuration has both higher recall and fewer distance evaluations):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "m\tef_construction\tef_search\trecall@%d\tdistances/query\tp50\tindex size\t\n", k)
	for _, r := range rep.ParetoFront() {
		fmt.Fprintf(tw, "%d\t%d\t%d\t%.4f\t%.0f\t%s\t%s\t\n", r.M, r.EfConstruction, r.EfSearch,
			r.Recall.Mean, r.DistanceEvals.Mean, r.Latency.P50, tune.FormatBytes(r.IndexBytes))
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	rec := rep.Recommendation
	if rec == nil {
		fmt.Fprintf(w, "\nno recommendation: %s\n", rep.NoRecommendation)
	} else {
		fmt.Fprintf(w, "\nrecommended: m = %d, ef_construction = %d, hnsw.ef_search = %d\n",
			rec.M, rec.EfConstruction, rec.EfSearch)
		fmt.Fprintf(w, "  recall@%d %.4f (± %.4f), %.0f distances per query, index %s, build memory %s\n",
			k, rec.Recall.Mean, rec.RecallSE, rec.DistanceEvals.Mean, tune.FormatBytes(rec.IndexBytes), tune.FormatBytes(rec.BuildMemory))
		fmt.Fprintf(w, "  %s\n\n", rec.Reason)
		fmt.Fprintln(w, rec.SQL())
		for _, warning := range rec.Warnings {
			fmt.Fprintf(w, "warning: %s\n", warning)
		}
	}
	for _, warning := range rep.Warnings {
		fmt.Fprintf(w, "note: %s\n", warning)
	}
	return nil
}
