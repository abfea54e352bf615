package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/smallworld-go/smallworld/bench"
	"github.com/smallworld-go/smallworld/pgcompat"
	"github.com/smallworld-go/smallworld/pgcompat/tune"
)

const tuneExamples = `  # the built-in SIFT-small set (10,000 × 128, L2): sweep, recommend, print SQL
  smallworld tune

  # your embeddings and queries, cosine, LIMIT 20, 99% recall, a plot
  smallworld tune --base items.npy --query probes.npy --opclass vector_cosine_ops \
      --k 20 --target-recall 0.99 --plot tune.png

  # straight from PostgreSQL: 1,000 rows held out as queries
  smallworld tune --dsn postgres://app@db/app --table items --column embedding \
      --queries 1000 --opclass halfvec_cosine_ops --max-index-size 2GB

  # a custom grid (ef_construction as multiples of m), 3 builds each, CSV
  smallworld tune --base emb.fvecs --m 12,16,24 --ef-construction 4x,8x \
      --ef-search 20,40,80,160 --repeats 3 --csv > sweep.csv`

// runTune implements "smallworld tune".
func runTune(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "tune", "tune [flags]\n\n"+
		"Predicts what pgvector's HNSW index does on your embeddings and recommends\n"+
		"m, ef_construction and hnsw.ef_search, as SQL. Each (m, ef_construction) is\n"+
		"built the way pgvector builds it and queried at every ef_search with pgvector's\n"+
		"row cap; recall is measured against exact search. With no input flags it runs\n"+
		"on the built-in SIFT-small dataset.\n\n"+
		"Input formats by extension: .fvecs .ivecs .bvecs .npy .csv .tsv .jsonl .txt\n"+
		"(pgvector text) *-idx3-ubyte, each optionally .gz; or a PostgreSQL table.",
		tuneExamples)
	// Input.
	basePath := fs.String("base", "", "base vectors `file` (default: the built-in siftsmall)")
	queryPath := fs.String("query", "", "query vectors `file`")
	holdOut := fs.Int("queries", 0, "hold out `n` base vectors as queries (default without --query: min(1000, 10%))")
	maxQueries := fs.Int("max-queries", tune.DefaultMaxQueries, "use at most `n` queries, sampled at random (0: all)")
	dataset := fs.String("dataset", "", "a built-in dataset: siftsmall")
	format := fs.String("format", "", "input `format` when the file name does not say: fvecs, npy, csv, jsonl, pgvector, idx, ...")
	dsn := fs.String("dsn", "", "read the base vectors from PostgreSQL: connection `string`")
	table := fs.String("table", "", "table to read (with --dsn), e.g. public.items; also names the table in the SQL")
	column := fs.String("column", "", "vector, halfvec or sparsevec column to read (with --dsn); also names it in the SQL")
	idColumn := fs.String("id-column", "", "key `column` read along (with --dsn)")
	where := fs.String("where", "", "SQL `condition` selecting the rows to read (with --dsn)")
	limit := fs.Int("limit", 0, "read at most `n` rows (with --dsn)")
	// Sweep.
	opclass := fs.String("opclass", tune.DefaultOpClass, "HNSW operator `class`: "+strings.Join(tune.OpClassNames(), ", "))
	k := fs.Int("k", tune.DefaultK, "the queries' LIMIT; recall is recall@k")
	ms := fs.String("m", "", "m values, comma-separated (default: a grid of 12 (m, ef_construction) pairs)")
	efcs := fs.String("ef-construction", "", "ef_construction values; '4x' means 4·m (default with --m: 2x,4x,8x,12x)")
	efs := fs.String("ef-search", "", "hnsw.ef_search values (default 10,20,30,40,60,80,100,150,200,300,400)")
	repeats := fs.Int("repeats", tune.DefaultRepeats, "builds per (m, ef_construction), each with its own random levels")
	workers := fs.Int("workers", 0, "builds run at once (0: GOMAXPROCS)")
	seed := fs.Uint64("seed", 1, "seed for the query sample and the levels")
	cache := fs.String("cache", defaultCacheDir(), "ground-truth cache `dir`ectory ('' to disable)")
	// Targets.
	target := fs.Float64("target-recall", tune.DefaultTargetRecall, "recall@k the recommendation must reach")
	maxSize := fs.String("max-index-size", "", "largest acceptable index `size`, e.g. 2GB")
	maxMem := fs.String("max-build-memory", "", "largest acceptable maintenance_work_mem for the build, e.g. 1GB")
	maxLat := fs.Duration("max-latency", 0, "largest acceptable in-process p99 query latency, e.g. 2ms")
	objective := fs.String("objective", "query-cost", "what the recommendation minimises: query-cost, latency, size or build")
	rows := fs.Int64("rows", 0, "production table size in rows, for size, memory and plan predictions (default: the data's)")
	mwm := fs.String("maintenance-work-mem", "64MB", "the server's maintenance_work_mem, for the build-memory check")
	sqlTable := fs.String("sql-table", "", "table name for the SQL (default: --table, else items)")
	sqlColumn := fs.String("sql-column", "", "column name for the SQL (default: --column, else embedding)")
	// Output.
	asCSV := fs.Bool("csv", false, "print the results as CSV instead of the table")
	asJSON := fs.Bool("json", false, "print the report as JSON instead of the table")
	plotPath := fs.String("plot", "", "draw recall vs cost to `file` (.png or .svg)")
	progress := fs.Bool("progress", false, "show progress bars even when stderr is not a terminal")
	quiet := fs.Bool("quiet", false, "no progress bars")
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}

	// Check the flags before any work.
	fromDB := *dsn != ""
	switch {
	case *asCSV && *asJSON:
		return usageErrorf("--csv and --json both replace the table; choose one")
	case fromDB && (*basePath != "" || *dataset != ""):
		return usageErrorf("--dsn replaces --base and --dataset")
	case fromDB && (*table == "" || *column == ""):
		return usageErrorf("--dsn needs --table and --column")
	case !fromDB && (*table != "" || *column != "" || *idColumn != "" || *where != "" || *limit != 0):
		return usageErrorf("--table, --column, --id-column, --where and --limit need --dsn")
	case *dataset != "" && *basePath != "":
		return usageErrorf("--dataset replaces --base; give one or the other")
	case *dataset != "" && *dataset != "siftsmall":
		return usageErrorf("unknown --dataset %q (built in: siftsmall)", *dataset)
	case *queryPath != "" && *holdOut != 0:
		return usageErrorf("--query gives the queries; --queries N holds some out of the base instead: choose one")
	case *holdOut < 0 || *limit < 0 || *maxQueries < 0 || *workers < 0 || *rows < 0:
		return usageErrorf("counts must not be negative")
	case *k < 1:
		return usageErrorf("--k must be at least 1, got %d", *k)
	case *repeats < 1:
		return usageErrorf("--repeats must be at least 1, got %d", *repeats)
	case !(*target > 0 && *target <= 1):
		return usageErrorf("--target-recall must be in (0, 1], got %v", *target)
	case *maxLat < 0:
		return usageErrorf("--max-latency must not be negative")
	}
	if *plotPath != "" {
		if _, err := tune.PlotFormatOf(*plotPath); err != nil {
			return usageErrorf("%v", err)
		}
	}
	spec := tune.Spec{
		HoldOut: *holdOut, MaxQueries: *maxQueries, Seed: *seed, OpClass: *opclass, K: *k,
		Repeats: *repeats, Workers: *workers, CacheDir: *cache, TargetRecall: *target,
		MaxLatency: *maxLat, Rows: *rows,
	}
	if spec.MaxQueries == 0 {
		spec.MaxQueries = -1
	}
	if _, ok := pgcompat.LookupOpClass(*opclass); !ok {
		return usageErrorf("unknown --opclass %q (one of %s)", *opclass, strings.Join(tune.OpClassNames(), ", "))
	}
	var err error
	if spec.Builds, err = gridFlags(*ms, *efcs, e.stderr); err != nil {
		return err
	}
	if *efs != "" {
		if spec.EfSearch, err = parseIntList("--ef-search", *efs); err != nil {
			return err
		}
	}
	if spec.MaxIndexSize, err = parseByteSize("--max-index-size", *maxSize); err != nil {
		return err
	}
	if spec.MaxBuildMemory, err = parseByteSize("--max-build-memory", *maxMem); err != nil {
		return err
	}
	if spec.Objective, err = tune.ParseObjective(*objective); err != nil {
		return usageErrorf("%v", err)
	}
	if spec.MaintenanceWorkMem, err = parseMaintenanceWorkMem(*mwm); err != nil {
		return err
	}
	showProgress := !*quiet && (*progress || isTerminal(e.stderr))

	// Load.
	switch {
	case fromDB:
		var bar *progressbar.ProgressBar
		if showProgress {
			bar = newBar(e.stderr, -1, "reading "+*table, "rows")
		}
		data, err := tune.LoadTable(ctx, tune.TableSource{
			DSN: *dsn, Table: *table, Column: *column, IDColumn: *idColumn, Where: *where, Limit: *limit,
			Progress: func(n int64) {
				if bar != nil {
					bar.Set64(n)
				}
			},
		})
		if bar != nil {
			bar.Finish()
		}
		if err != nil {
			return err
		}
		spec.Base, spec.Table, spec.Column = data.Vectors, *table, *column
		if data.Nulls > 0 {
			fmt.Fprintf(e.stderr, "smallworld tune: %d NULL values skipped (no index stores them)\n", data.Nulls)
		}
		if data.Type == "sparsevec" {
			fmt.Fprintf(e.stderr, "smallworld tune: %s is %s: tuning a dense %s index of the same values\n", *column, data.Declared, *opclass)
		}
	case *basePath != "":
		if spec.Base, err = loadMatrix(*basePath, *format); err != nil {
			return err
		}
	default:
		base, queries, _, err := bench.SIFTSmall()
		if err != nil {
			return err
		}
		spec.Base = base
		if *queryPath == "" && *holdOut == 0 {
			spec.Queries = queries
		}
	}
	if *queryPath != "" {
		if spec.Queries, err = loadMatrix(*queryPath, *format); err != nil {
			return err
		}
	}
	if *sqlTable != "" {
		spec.Table = *sqlTable
	}
	if *sqlColumn != "" {
		spec.Column = *sqlColumn
	}

	// Sweep.
	var bars *progressBars
	if showProgress {
		bars = &progressBars{w: e.stderr}
		spec.Progress = bars.update
	}
	rep, runErr := tune.Run(ctx, spec)
	if bars != nil {
		bars.finish()
	}
	if rep == nil {
		return runErr
	}
	var outErr error
	switch {
	case *asJSON:
		outErr = rep.WriteJSON(e.stdout)
	case *asCSV:
		outErr = rep.WriteCSV(e.stdout)
	default:
		outErr = rep.WriteText(e.stdout)
	}
	if outErr == nil && *plotPath != "" && len(rep.Results) > 0 {
		if outErr = rep.SavePlot(*plotPath); outErr == nil && !*asJSON && !*asCSV {
			fmt.Fprintf(e.stdout, "plot written to %s\n", *plotPath)
		}
	}
	return errors.Join(runErr, outErr)
}

// loadMatrix reads a dataset file, in the named format or the one its name
// implies.
func loadMatrix(path, format string) (*bench.Matrix, error) {
	if format == "" {
		return bench.Load(path)
	}
	f, err := bench.ParseFormat(format)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	return bench.LoadFormat(path, f)
}

// gridFlags builds the (m, ef_construction) list from --m and
// --ef-construction; nil means the default grid.
func gridFlags(ms, efcs string, stderr io.Writer) ([]tune.BuildParams, error) {
	if ms == "" && efcs == "" {
		return nil, nil
	}
	mList := tune.DefaultMs()
	if ms != "" {
		var err error
		if mList, err = parseIntList("--m", ms); err != nil {
			return nil, err
		}
	}
	efList := tune.DefaultEfConstructionFactors()
	if efcs != "" {
		efList = nil
		for _, f := range strings.Split(efcs, ",") {
			v, err := tune.ParseEfConstruction(f)
			if err != nil {
				return nil, usageErrorf("--ef-construction: %v", err)
			}
			efList = append(efList, v)
		}
	}
	builds, skipped := tune.Grid(mList, efList)
	for _, b := range skipped {
		fmt.Fprintf(stderr, "smallworld tune: skipping %v: ef_construction must be greater than or equal to 2 * m\n", b)
	}
	if len(builds) == 0 {
		return nil, usageErrorf("no (m, ef_construction) pair has ef_construction ≥ 2·m")
	}
	for _, b := range builds {
		if err := b.Check(); err != nil {
			return nil, usageErrorf("%v: %v", b, err)
		}
	}
	return builds, nil
}

// parseIntList parses "10,20,40".
func parseIntList(flag, s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, usageErrorf("%s: %q is not an integer", flag, f)
		}
		out = append(out, v)
	}
	return out, nil
}

// parseByteSize parses a size such as "2GB", "512MB", "1.5GiB" or a plain
// number of bytes, with PostgreSQL's 1024-based units; "" is 0.
func parseByteSize(flag, s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	v, err := strconv.ParseFloat(s[:i], 64)
	if err != nil || v < 0 {
		return 0, usageErrorf("%s: bad size %q (want e.g. 512MB or 2GB)", flag, s)
	}
	units := map[string]float64{"": 1, "b": 1, "bytes": 1, "kb": 1 << 10, "kib": 1 << 10, "k": 1 << 10,
		"mb": 1 << 20, "mib": 1 << 20, "m": 1 << 20, "gb": 1 << 30, "gib": 1 << 30, "g": 1 << 30,
		"tb": 1 << 40, "tib": 1 << 40, "t": 1 << 40}
	mult, ok := units[strings.ToLower(strings.TrimSpace(s[i:]))]
	if !ok {
		return 0, usageErrorf("%s: unknown unit in %q (use B, kB, MB, GB or TB)", flag, s)
	}
	b := v * mult
	if b > math.MaxInt64/2 {
		return 0, usageErrorf("%s: %q is too large", flag, s)
	}
	return int64(math.Round(b)), nil
}

// parseMaintenanceWorkMem parses a maintenance_work_mem value as
// PostgreSQL does (a plain number is kB), returning kB.
func parseMaintenanceWorkMem(s string) (int, error) {
	st := pgcompat.DefaultSettings(pgcompat.Linux64)
	if err := st.Set("maintenance_work_mem", s); err != nil {
		return 0, usageErrorf("--maintenance-work-mem: %v", err)
	}
	return st.MaintenanceWorkMem, nil
}

// defaultCacheDir is where ground truth is cached: the user cache
// directory's smallworld/truth, or nowhere if there is none.
func defaultCacheDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "smallworld", "truth")
}

// newBar returns a progress bar on w; max −1 makes a spinner.
func newBar(w io.Writer, max int64, desc, unit string) *progressbar.ProgressBar {
	return progressbar.NewOptions64(max,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionSetItsString(unit),
		progressbar.OptionShowIts(),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
	)
}

// progressBars shows a run's progress: one bar for ground truth, one for
// the builds (vectors inserted over all builds, with the builds running
// named in the description).
type progressBars struct {
	w     io.Writer
	phase tune.Phase
	bar   *progressbar.ProgressBar
}

func (p *progressBars) update(pr tune.Progress) {
	if pr.Phase != p.phase {
		p.finish()
		p.phase = pr.Phase
		unit := "pairs"
		if pr.Phase == tune.PhaseSweep {
			unit = "inserts"
		}
		p.bar = newBar(p.w, pr.Total, string(pr.Phase), unit)
	}
	if p.bar.IsFinished() {
		return
	}
	if pr.Phase == tune.PhaseSweep {
		desc := fmt.Sprintf("builds %d/%d", pr.BuildsDone, pr.Builds)
		if len(pr.Running) > 0 {
			desc += " [" + strings.Join(pr.Running, ", ") + "]"
		}
		p.bar.Describe(desc)
	}
	p.bar.Set64(pr.Done)
}

func (p *progressBars) finish() {
	if p.bar != nil {
		p.bar.Finish()
		p.bar = nil
	}
}
