// Command pgvector-roundtrip loads a dataset into PostgreSQL with pgvector,
// builds the same HNSW index there and in-process, runs the same queries on
// both, and reports how well each finds the exact nearest neighbours and how
// much their answers agree.
//
// Three indexes are compared, all with the same m, ef_construction and
// ef_search:
//
//   - PostgreSQL: a real pgvector HNSW index, queried with
//     ORDER BY embedding <-> $1 LIMIT k;
//   - pgcompat: smallworld's model of that index (pgcompat.Index), which
//     builds the graph as pgvector does and scans it with pgvector's rules;
//   - hnsw: smallworld's own index (hnsw.Index), as an application embeds it.
//
// The graphs are not identical (each draws its random levels on its own),
// so their answers differ a little; recall against exact ground truth says
// which differences matter.
//
// Usage:
//
//	go run ./examples/pgvector-roundtrip -dsn postgres://user@localhost/db
//	go run ./examples/pgvector-roundtrip -dsn "$DATABASE_URL" -n 2000 -k 20 -ef-search 80
//
// By default it uses the built-in SIFT-small set (10,000 × 128, L2). The
// table (-table, default smallworld_roundtrip) is created, and dropped at the
// end unless -keep; an existing table of that name is an error unless
// -replace.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/smallworld-go/smallworld/bench"
	"github.com/smallworld-go/smallworld/hnsw"
	"github.com/smallworld-go/smallworld/pgcompat"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "pgvector-roundtrip:", err)
		os.Exit(1)
	}
}

// Config says what to compare.
type Config struct {
	DSN     string
	Table   string
	Base    *bench.Matrix
	Queries *bench.Matrix
	K       int
	// Index settings, the same for every index.
	M, EfConstruction, EfSearch int
	// Keep leaves the table in PostgreSQL; Replace drops an existing one.
	Keep, Replace bool
	// Log receives progress messages.
	Log io.Writer
}

// Outcome is one index's result.
type Outcome struct {
	Name      string
	Build     time.Duration
	Recall    float64
	QueryTime time.Duration // mean per query, as seen by the caller
	// Size is the index's size: on disk for PostgreSQL, as pgcompat's page
	// model predicts it, in memory for hnsw.
	Size int64
	IDs  [][]int64 // result ids per query, nearest first
}

// Report is what a round trip measured.
type Report struct {
	Rows, Queries, Dim, K int
	// Plan is PostgreSQL's plan for the k-NN query.
	Plan string
	// Indexes are PostgreSQL, pgcompat and hnsw, in that order.
	Indexes []Outcome
}

// Overlap returns the mean fraction of a's top k also in b's, over the
// queries.
func Overlap(a, b [][]int64, k int) float64 {
	if len(a) == 0 {
		return 0
	}
	var sum float64
	for q := range a {
		in := map[int64]bool{}
		for _, id := range b[q] {
			in[id] = true
		}
		n := 0
		for _, id := range a[q] {
			if in[id] {
				n++
			}
		}
		sum += float64(n) / float64(k)
	}
	return sum / float64(len(a))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("pgvector-roundtrip", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dsn := fs.String("dsn", "", "PostgreSQL connection `string` (default $DATABASE_URL)")
	table := fs.String("table", "smallworld_roundtrip", "table to create (dropped at the end unless -keep)")
	basePath := fs.String("base", "", "base vectors `file` (default: the built-in SIFT-small)")
	queryPath := fs.String("query", "", "query vectors `file` (with -base)")
	n := fs.Int("n", 0, "use the first `n` base vectors (0: all)")
	nq := fs.Int("nq", 100, "use the first `n` queries (0: all)")
	k := fs.Int("k", 10, "neighbours per query (LIMIT)")
	m := fs.Int("m", pgcompat.DefaultM, "index option m")
	efc := fs.Int("ef-construction", pgcompat.DefaultEfConstruction, "index option ef_construction")
	efs := fs.Int("ef-search", hnsw.DefaultEfSearch, "hnsw.ef_search")
	keep := fs.Bool("keep", false, "keep the table and its index")
	replace := fs.Bool("replace", false, "drop the table first if it exists")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dsn == "" {
		*dsn = os.Getenv("DATABASE_URL")
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case *dsn == "":
		return errors.New("-dsn is required (or set DATABASE_URL)")
	case (*basePath == "") != (*queryPath == ""):
		return errors.New("-base and -query go together")
	case *n < 0 || *nq < 0:
		return errors.New("-n and -nq must not be negative")
	case *k < 1 || *k > 1000:
		return fmt.Errorf("-k must be between 1 and 1000, got %d", *k)
	}

	var base, queries *bench.Matrix
	var err error
	if *basePath != "" {
		if base, err = bench.Load(*basePath); err != nil {
			return err
		}
		if queries, err = bench.Load(*queryPath); err != nil {
			return err
		}
	} else if base, queries, _, err = bench.SIFTSmall(); err != nil {
		return err
	}
	if *n > 0 && *n < base.Len() {
		base = base.Slice(0, *n)
	}
	if *nq > 0 && *nq < queries.Len() {
		queries = queries.Slice(0, *nq)
	}

	rep, err := Roundtrip(ctx, Config{
		DSN: *dsn, Table: *table, Base: base, Queries: queries, K: *k,
		M: *m, EfConstruction: *efc, EfSearch: *efs, Keep: *keep, Replace: *replace, Log: stderr,
	})
	if err != nil {
		return err
	}
	rep.Print(stdout)
	return nil
}

// Print writes the report as a table.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "%d rows × %d dimensions, %d queries, k = %d (L2)\n", r.Rows, r.Dim, r.Queries, r.K)
	// The plan's nodes, without the Order By line and its long literal.
	var nodes []string
	for _, line := range strings.Split(r.Plan, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "Order By") {
			nodes = append(nodes, line)
		}
	}
	fmt.Fprintf(w, "PostgreSQL plan: %s\n\n", strings.Join(nodes, " "))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "index\tbuild\trecall@%d\tmean query\tsize\t\n", r.K)
	sizeNote := []string{"on disk", "predicted pages", "in memory"}
	for i, o := range r.Indexes {
		fmt.Fprintf(tw, "%s\t%s\t%.4f\t%s\t%.2f MB %s\t\n", o.Name, o.Build.Round(time.Millisecond), o.Recall,
			o.QueryTime.Round(time.Microsecond), float64(o.Size)/(1<<20), sizeNote[min(i, len(sizeNote)-1)])
	}
	tw.Flush()
	fmt.Fprintf(w, "\nagreement (mean share of the top %d in common):\n", r.K)
	for i := 1; i < len(r.Indexes); i++ {
		fmt.Fprintf(w, "  %s vs %s: %.4f\n", r.Indexes[0].Name, r.Indexes[i].Name, Overlap(r.Indexes[0].IDs, r.Indexes[i].IDs, r.K))
	}
	fmt.Fprintln(w, "\n(PostgreSQL's query times include the client round trip; pgcompat builds serially,")
	fmt.Fprintln(w, " as pgvector does without parallel workers; hnsw builds on all cores.)")
}

// Roundtrip loads cfg.Base into PostgreSQL, builds the three indexes, runs
// cfg.Queries on each and measures them against exact ground truth.
func Roundtrip(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	if cfg.Base.Len() == 0 || cfg.Queries.Len() == 0 {
		return nil, errors.New("need at least one base vector and one query")
	}
	if cfg.Base.Dim != cfg.Queries.Dim {
		return nil, fmt.Errorf("base vectors have %d dimensions, queries %d", cfg.Base.Dim, cfg.Queries.Dim)
	}
	// Check the index settings as pgvector would before touching the
	// database.
	opclass, _ := pgcompat.LookupOpClass("vector_l2_ops")
	opts := pgcompat.HNSWOptions{M: cfg.M, EfConstruction: cfg.EfConstruction}
	if err := pgcompat.CheckBuildColumn(opclass, pgcompat.Column{Name: "embedding", Type: "vector", Typmod: cfg.Base.Dim}, opts); err != nil {
		return nil, err
	}
	settings := pgcompat.DefaultSettings(pgcompat.Linux64)
	if err := settings.Set("hnsw.ef_search", fmt.Sprint(cfg.EfSearch)); err != nil {
		return nil, err
	}

	fmt.Fprintf(cfg.Log, "exact ground truth for %d queries over %d rows...\n", cfg.Queries.Len(), cfg.Base.Len())
	truth, err := bench.GroundTruth(ctx, cfg.Base, cfg.Queries, bench.L2, cfg.K, bench.GroundTruthOptions{})
	if err != nil {
		return nil, err
	}
	rep := &Report{Rows: cfg.Base.Len(), Queries: cfg.Queries.Len(), Dim: cfg.Base.Dim, K: cfg.K}

	pg, plan, err := runPostgres(ctx, cfg)
	if err != nil {
		return nil, err
	}
	rep.Plan = plan
	model, err := runPgcompat(ctx, cfg, opclass, opts, settings)
	if err != nil {
		return nil, err
	}
	native, err := runHNSW(ctx, cfg)
	if err != nil {
		return nil, err
	}
	rep.Indexes = []Outcome{pg, model, native}
	for i := range rep.Indexes {
		if rep.Indexes[i].Recall, err = bench.Recall(truth, rep.Indexes[i].IDs, min(cfg.K, truth.K)); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// runPostgres loads the table with COPY, builds the index and queries it.
func runPostgres(ctx context.Context, cfg Config) (Outcome, string, error) {
	out := Outcome{Name: "PostgreSQL"}
	conn, err := pgx.Connect(ctx, cfg.DSN)
	if err != nil {
		return out, "", fmt.Errorf("connecting: %w", err)
	}
	defer conn.Close(context.Background())
	table := pgx.Identifier{cfg.Table}.Sanitize()

	if _, err := conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS vector"); err != nil {
		return out, "", err
	}
	if cfg.Replace {
		if _, err := conn.Exec(ctx, "DROP TABLE IF EXISTS "+table); err != nil {
			return out, "", err
		}
	}
	if _, err := conn.Exec(ctx, fmt.Sprintf("CREATE TABLE %s (id bigint PRIMARY KEY, embedding vector(%d))", table, cfg.Base.Dim)); err != nil {
		return out, "", fmt.Errorf("creating %s (pass -replace to drop an old one): %w", table, err)
	}
	if !cfg.Keep {
		defer conn.Exec(context.Background(), "DROP TABLE IF EXISTS "+table)
	}

	// COPY in text format: one "id<TAB>[x,y,...]" line per row, the
	// vector written as pgvector prints it, so no client-side type
	// registration is needed.
	fmt.Fprintf(cfg.Log, "COPY %d rows into %s...\n", cfg.Base.Len(), table)
	pr, pw := io.Pipe()
	go func() {
		var line []byte
		for i := range cfg.Base.Len() {
			v, err := pgcompat.NewVector(cfg.Base.Row(i))
			if err != nil {
				pw.CloseWithError(fmt.Errorf("row %d: %w", i, err))
				return
			}
			line = fmt.Appendf(line[:0], "%d\t", i)
			line = append(v.AppendText(line), '\n')
			if _, err := pw.Write(line); err != nil {
				return
			}
		}
		pw.Close()
	}()
	if _, err := conn.PgConn().CopyFrom(ctx, pr, fmt.Sprintf("COPY %s (id, embedding) FROM STDIN", table)); err != nil {
		pr.CloseWithError(err)
		return out, "", fmt.Errorf("COPY: %w", err)
	}

	fmt.Fprintf(cfg.Log, "CREATE INDEX (m = %d, ef_construction = %d)...\n", cfg.M, cfg.EfConstruction)
	start := time.Now()
	if _, err := conn.Exec(ctx, fmt.Sprintf("CREATE INDEX ON %s USING hnsw (embedding vector_l2_ops) WITH (m = %d, ef_construction = %d)",
		table, cfg.M, cfg.EfConstruction)); err != nil {
		return out, "", err
	}
	out.Build = time.Since(start)
	if _, err := conn.Exec(ctx, "ANALYZE "+table); err != nil {
		return out, "", err
	}
	if err := conn.QueryRow(ctx, `
		SELECT pg_relation_size(i.indexrelid)
		FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
		WHERE i.indrelid = to_regclass($1) AND a.amname = 'hnsw'`, table).Scan(&out.Size); err != nil {
		return out, "", err
	}
	// set_config takes the values as parameters. enable_seqscan = off
	// makes PostgreSQL use the index even where a table is small enough
	// for a sequential scan to look cheaper: the point is to compare
	// index with index.
	if _, err := conn.Exec(ctx, "SELECT set_config('hnsw.ef_search', $1, false), set_config('enable_seqscan', 'off', false)", fmt.Sprint(cfg.EfSearch)); err != nil {
		return out, "", err
	}

	query := fmt.Sprintf("SELECT id FROM %s ORDER BY embedding <-> $1::vector LIMIT %d", table, cfg.K)
	text := func(q []float32) (string, error) {
		v, err := pgcompat.NewVector(q)
		if err != nil {
			return "", err
		}
		return v.String(), nil
	}
	q0, err := text(cfg.Queries.Row(0))
	if err != nil {
		return out, "", fmt.Errorf("query 0: %w", err)
	}
	planRows, err := conn.Query(ctx, "EXPLAIN (COSTS OFF) "+query, q0)
	if err != nil {
		return out, "", err
	}
	planLines, err := pgx.CollectRows(planRows, pgx.RowTo[string])
	if err != nil {
		return out, "", err
	}

	fmt.Fprintf(cfg.Log, "%d queries on PostgreSQL...\n", cfg.Queries.Len())
	out.IDs = make([][]int64, cfg.Queries.Len())
	start = time.Now()
	for i := range cfg.Queries.Len() {
		q, err := text(cfg.Queries.Row(i))
		if err != nil {
			return out, "", fmt.Errorf("query %d: %w", i, err)
		}
		rows, err := conn.Query(ctx, query, q)
		if err != nil {
			return out, "", err
		}
		if out.IDs[i], err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
			return out, "", err
		}
	}
	out.QueryTime = time.Since(start) / time.Duration(cfg.Queries.Len())
	return out, strings.Join(planLines, "\n"), nil
}

// tidOf gives row i a heap position, as a table of fixed-size rows would:
// the model needs TIDs, and mapping back is arithmetic.
const rowsPerPage = 100

func tidOf(i int) pgcompat.TID {
	return pgcompat.TID{Block: uint32(i / rowsPerPage), Offset: uint16(i%rowsPerPage + 1)}
}

func rowOf(t pgcompat.TID) int64 { return int64(t.Block)*rowsPerPage + int64(t.Offset) - 1 }

// runPgcompat builds pgvector's graph in-process with pgcompat.Index and
// scans it with pgvector's rules.
func runPgcompat(ctx context.Context, cfg Config, oc pgcompat.OpClass, opts pgcompat.HNSWOptions, s pgcompat.Settings) (Outcome, error) {
	out := Outcome{Name: "pgcompat"}
	ix, err := pgcompat.NewIndex(pgcompat.IndexSpec{OpClass: oc, Dims: cfg.Base.Dim, Options: opts, Seed: 1, FastDistance: true})
	if err != nil {
		return out, err
	}
	rows := make([]pgcompat.Row, cfg.Base.Len())
	for i := range rows {
		rows[i] = pgcompat.Row{TID: tidOf(i), Value: cfg.Base.Row(i)}
	}
	fmt.Fprintf(cfg.Log, "pgcompat build...\n")
	s.MaintenanceWorkMem = 1 << 20 // 1 GB: build in memory, as the comparison needs no flush
	start := time.Now()
	if _, err := ix.Build(ctx, rows, s); err != nil {
		return out, err
	}
	out.Build = time.Since(start)
	out.Size = ix.Size().Bytes
	out.IDs = make([][]int64, cfg.Queries.Len())
	start = time.Now()
	for i := range cfg.Queries.Len() {
		res, _, err := ix.Scan(cfg.Queries.Row(i), cfg.K, s)
		if err != nil {
			return out, fmt.Errorf("query %d: %w", i, err)
		}
		out.IDs[i] = make([]int64, len(res))
		for j, r := range res {
			out.IDs[i][j] = rowOf(r.TID)
		}
	}
	out.QueryTime = time.Since(start) / time.Duration(cfg.Queries.Len())
	return out, nil
}

// runHNSW builds smallworld's own index and searches it.
func runHNSW(ctx context.Context, cfg Config) (Outcome, error) {
	out := Outcome{Name: "hnsw"}
	ix, err := hnsw.New(hnsw.Config{Dim: cfg.Base.Dim, M: cfg.M, EfConstruction: cfg.EfConstruction, EfSearch: cfg.EfSearch, Seed: 1})
	if err != nil {
		return out, err
	}
	keys := make([]uint64, cfg.Base.Len())
	for i := range keys {
		keys[i] = uint64(i)
	}
	fmt.Fprintf(cfg.Log, "hnsw build...\n")
	start := time.Now()
	if err := ix.AddBatch(ctx, keys, cfg.Base.Rows(), hnsw.BatchOptions{}); err != nil {
		return out, err
	}
	out.Build = time.Since(start)
	out.Size = ix.Stats().BytesUsed
	out.IDs = make([][]int64, cfg.Queries.Len())
	start = time.Now()
	for i := range cfg.Queries.Len() {
		res, err := ix.Search(cfg.Queries.Row(i), cfg.K)
		if err != nil {
			return out, fmt.Errorf("query %d: %w", i, err)
		}
		out.IDs[i] = make([]int64, len(res))
		for j, r := range res {
			out.IDs[i][j] = int64(r.Key)
		}
	}
	out.QueryTime = time.Since(start) / time.Duration(cfg.Queries.Len())
	return out, nil
}
