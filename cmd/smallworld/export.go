package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"
	"github.com/schollz/progressbar/v3"

	"github.com/smallworld-go/smallworld/bench"
	"github.com/smallworld-go/smallworld/pgcompat"
	"github.com/smallworld-go/smallworld/pgcompat/pgxvec"
)

const exportExamples = `  # a TEXMEX file into a new table, then an HNSW index for L2
  smallworld export --dsn postgres://app@localhost/app --table items --column embedding \
      --from sift_base.fvecs --create-table --create-index --m 16 --ef-construction 64

  # embeddings as halfvec with a cosine index, built with 2 GB of maintenance_work_mem
  smallworld export --dsn "$DATABASE_URL" --table docs --from emb.npy --type halfvec \
      --create-table --create-index --opclass halfvec_cosine_ops --maintenance-work-mem 2GB

  # append to an existing table whose ids continue at 1,000,000
  smallworld export --table public.items --from more.fvecs --first-id 1000000

  # the built-in SIFT-small set, to try things out
  smallworld export --dsn postgres://localhost/test --table sift --dataset siftsmall --create-table --create-index`

// exportOptions are the flags of "smallworld export".
type exportOptions struct {
	dsn         string
	table       string
	column      string
	idColumn    string
	from        string
	format      string
	dataset     string
	typ         string
	createTable bool
	createIndex bool
	m           int
	efc         int
	opclass     string
	indexName   string
	mwm         string
	batch       int
	firstID     int64
	skip        int
	limit       int
	progress    bool
}

// runExport implements "smallworld export".
func runExport(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "export", "export --table NAME --from FILE [flags]\n\n"+
		"Streams vectors from a file into a PostgreSQL table with pgvector, through\n"+
		"COPY in pgvector's binary format, then optionally builds an HNSW index. Row i\n"+
		"of the file (from 0) gets id first-id + i, so ground-truth files keep working.\n"+
		"Table and column names are used exactly as written (quoted, case-sensitive);\n"+
		"--table may be schema-qualified (schema.table). Index settings are checked\n"+
		"the way pgvector checks them before anything is sent.\n\n"+
		"Input formats by extension: .fvecs .ivecs .bvecs .npy .csv .tsv .jsonl .txt\n"+
		"(pgvector text) *-idx3-ubyte, each optionally .gz.",
		exportExamples)
	var o exportOptions
	fs.StringVar(&o.dsn, "dsn", "", "PostgreSQL connection `string` (default $DATABASE_URL; libpq's PG* variables also apply)")
	fs.StringVar(&o.table, "table", "", "target `table`, optionally schema.table (required)")
	fs.StringVar(&o.column, "column", "embedding", "vector `column`")
	fs.StringVar(&o.idColumn, "id-column", "id", "id `column` (bigint); empty to let the table fill it")
	fs.StringVar(&o.from, "from", "", "vectors `file` (required unless --dataset)")
	fs.StringVar(&o.format, "format", "", "input `format` when the file name does not say: fvecs, npy, csv, jsonl, pgvector, idx, ...")
	fs.StringVar(&o.dataset, "dataset", "", "a built-in dataset instead of --from: siftsmall (its 10,000 base vectors)")
	fs.StringVar(&o.typ, "type", "", "column type: vector or halfvec (default: the existing column's, else vector)")
	fs.BoolVar(&o.createTable, "create-table", false, "create the table (and the vector extension if missing); fails if the table exists")
	fs.BoolVar(&o.createIndex, "create-index", false, "build an HNSW index after loading")
	fs.IntVar(&o.m, "m", pgcompat.DefaultM, "index option m (2..100)")
	fs.IntVar(&o.efc, "ef-construction", pgcompat.DefaultEfConstruction, "index option ef_construction (4..1000, at least 2·m)")
	fs.StringVar(&o.opclass, "opclass", "", "operator `class`, e.g. vector_cosine_ops (default: the type's L2 class)")
	fs.StringVar(&o.indexName, "index-name", "", "index `name` (default: PostgreSQL's choice)")
	fs.StringVar(&o.mwm, "maintenance-work-mem", "", "maintenance_work_mem for the index build, e.g. 2GB (default: the server's)")
	fs.IntVar(&o.batch, "batch", 100000, "rows per COPY; each COPY commits on its own")
	fs.Int64Var(&o.firstID, "first-id", 0, "id of the file's first row")
	fs.IntVar(&o.skip, "skip", 0, "skip the first `n` rows of the file (to resume; ids still count them)")
	fs.IntVar(&o.limit, "limit", 0, "export at most `n` rows (0: all)")
	fs.BoolVar(&o.progress, "progress", false, "show a progress bar even when stderr is not a terminal")
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	if o.dsn == "" {
		// Not the flag's default, so that -h never prints a password.
		o.dsn = os.Getenv("DATABASE_URL")
	}
	if err := o.check(); err != nil {
		return err
	}
	return export(ctx, e, o)
}

// check validates the flags that need no data or server.
func (o *exportOptions) check() error {
	switch {
	case o.table == "":
		return usageErrorf("--table is required")
	case o.column == "":
		return usageErrorf("--column must not be empty")
	case o.from == "" && o.dataset == "":
		return usageErrorf("--from is required")
	case o.from != "" && o.dataset != "":
		return usageErrorf("--dataset replaces --from; give one or the other")
	case o.dataset != "" && o.dataset != "siftsmall":
		return usageErrorf("unknown --dataset %q (built in: siftsmall)", o.dataset)
	case o.typ != "" && o.typ != "vector" && o.typ != "halfvec":
		return usageErrorf("--type must be vector or halfvec, got %q", o.typ)
	case o.batch < 1:
		return usageErrorf("--batch must be at least 1")
	case o.firstID < 0:
		return usageErrorf("--first-id must not be negative")
	case o.skip < 0:
		return usageErrorf("--skip must not be negative")
	case o.limit < 0:
		return usageErrorf("--limit must not be negative")
	case o.idColumn == o.column:
		return usageErrorf("--id-column and --column name the same column %q", o.column)
	case !o.createIndex && (o.opclass != "" || o.indexName != "" || o.mwm != ""):
		return usageErrorf("--opclass, --index-name and --maintenance-work-mem need --create-index")
	}
	if _, err := tableIdentifier(o.table); err != nil {
		return err
	}
	return nil
}

// tableIdentifier splits "schema.table" (or "table") into an identifier.
// Names are taken literally: pgx quotes each part, so "Items" is a different
// table from "items", as in SQL with double quotes.
func tableIdentifier(s string) (pgx.Identifier, error) {
	parts := strings.Split(s, ".")
	if len(parts) > 2 {
		return nil, usageErrorf("--table %q: use table or schema.table", s)
	}
	for _, p := range parts {
		if p == "" {
			return nil, usageErrorf("--table %q has an empty name", s)
		}
	}
	return pgx.Identifier(parts), nil
}

// matrixReader streams the rows of an in-memory matrix as a VectorReader.
type matrixReader struct {
	m   *bench.Matrix
	row int
}

// Read returns the next row, or io.EOF after the last.
func (r *matrixReader) Read() ([]float32, error) {
	if r.row >= r.m.Len() {
		return nil, io.EOF
	}
	r.row++
	return r.m.Row(r.row - 1), nil
}

// Dim returns the matrix's dimension.
func (r *matrixReader) Dim() int { return r.m.Dim }

// Row returns the number of rows read.
func (r *matrixReader) Row() int { return r.row }

// Close does nothing: the matrix is in memory.
func (r *matrixReader) Close() error { return nil }

// openInput opens the vectors to export.
func (o *exportOptions) openInput() (bench.VectorReadCloser, string, error) {
	if o.dataset != "" {
		base, _, _, err := bench.SIFTSmall()
		if err != nil {
			return nil, "", err
		}
		return &matrixReader{m: base}, "siftsmall", nil
	}
	if o.format != "" {
		f, err := bench.ParseFormat(o.format)
		if err != nil {
			return nil, "", usageErrorf("%v", err)
		}
		r, err := bench.OpenFormat(o.from, f)
		return r, o.from, err
	}
	r, err := bench.Open(o.from)
	return r, o.from, err
}

// peekReader puts back the vector read to learn the dimension.
type peekReader struct {
	bench.VectorReadCloser
	first []float32
}

// Read returns the vector put back, then the underlying reader's.
func (p *peekReader) Read() ([]float32, error) {
	if p.first != nil {
		v := p.first
		p.first = nil
		return v, nil
	}
	return p.VectorReadCloser.Read()
}

// tableColumns returns the columns of an existing table as pgcompat
// describes them, or nil if the table does not exist.
func tableColumns(ctx context.Context, conn *pgx.Conn, table pgx.Identifier) ([]pgcompat.Column, error) {
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", table.Sanitize()).Scan(&exists); err != nil {
		return nil, fmt.Errorf("looking up table %s: %w", table.Sanitize(), err)
	}
	if !exists {
		return nil, nil
	}
	rows, err := conn.Query(ctx, `
		SELECT a.attname, pg_catalog.format_type(a.atttypid, NULL), a.atttypmod
		FROM pg_catalog.pg_attribute a
		WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
		ORDER BY a.attnum`, table.Sanitize())
	if err != nil {
		return nil, fmt.Errorf("reading the columns of %s: %w", table.Sanitize(), err)
	}
	cols, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (pgcompat.Column, error) {
		var c pgcompat.Column
		var typmod int32
		err := row.Scan(&c.Name, &c.Type, &typmod)
		c.Typmod = int(typmod)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("reading the columns of %s: %w", table.Sanitize(), err)
	}
	return cols, nil
}

// createIndexSQL is the statement export sends to build the index.
func (o *exportOptions) createIndexSQL(table pgx.Identifier, opclass string) string {
	var b strings.Builder
	b.WriteString("CREATE INDEX ")
	if o.indexName != "" {
		b.WriteString(pgx.Identifier{o.indexName}.Sanitize() + " ")
	}
	fmt.Fprintf(&b, "ON %s USING hnsw (%s %s) WITH (m = %d, ef_construction = %d)",
		table.Sanitize(), pgx.Identifier{o.column}.Sanitize(), opclass, o.m, o.efc)
	return b.String()
}

// validateIndex checks the index the way PostgreSQL and pgvector would, on
// the table as it will be after loading, so that a bad option fails before
// any row is sent.
func (o *exportOptions) validateIndex(table pgx.Identifier, cols []pgcompat.Column, opclass string) (string, error) {
	stmt := o.createIndexSQL(table, opclass)
	ci, err := pgcompat.ParseCreateIndex(stmt)
	if err != nil {
		return "", err
	}
	t := pgcompat.Table{Name: table[len(table)-1], Columns: cols}
	cat := &pgcompat.Catalog{Tables: []pgcompat.Table{t}}
	if len(table) == 2 {
		t.Schema = table[0]
		cat.Tables[0] = t
		if table[0] != "public" && table[0] != "pg_catalog" {
			cat.Schemas = []string{table[0]}
		}
	}
	if _, _, err := ci.Validate(cat); err != nil {
		return "", fmt.Errorf("index: %w", err)
	}
	return stmt, nil
}

// vectorSource feeds CopyFrom from a VectorReader, one COPY batch at a time.
type vectorSource struct {
	r       bench.VectorReader
	dim     int
	halfvec bool
	withID  bool
	nextID  int64
	left    int // rows still allowed by --limit (−1: no limit)
	inBatch int // rows still allowed in this batch
	done    bool
	values  []any
	err     error
	rows    int // rows read in total
	onRow   func()
}

// Next reads the next row, or reports false at the end of the input, of
// the limit, of the batch, or at an error (see Err).
func (s *vectorSource) Next() bool {
	if s.err != nil || s.done || s.inBatch == 0 || s.left == 0 {
		return false
	}
	v, err := s.r.Read()
	if errors.Is(err, io.EOF) {
		s.done = true
		return false
	}
	if err != nil {
		s.err = err
		return false
	}
	if len(v) != s.dim {
		s.err = fmt.Errorf("row %d has %d dimensions, the first had %d", s.r.Row()-1, len(v), s.dim)
		return false
	}
	var val any
	if s.halfvec {
		// pgcompat reports an out-of-range element as pgvector would;
		// the halves it rounded to encode exactly.
		h, err := pgcompat.NewHalfVec(v)
		if err != nil {
			s.err = fmt.Errorf("row %d: %w", s.r.Row()-1, err)
			return false
		}
		val = h.ToPgvector()
	} else {
		// The reader reuses its slice, but pgx encodes the row before it
		// asks for the next one, so the vector needs no copy.
		val = pgvector.NewVector(v)
	}
	s.values = s.values[:0]
	if s.withID {
		s.values = append(s.values, s.nextID)
	}
	s.values = append(s.values, val)
	s.nextID++
	s.inBatch--
	if s.left > 0 {
		s.left--
	}
	s.rows++
	if s.onRow != nil {
		s.onRow()
	}
	return true
}

// Values returns the current row: the id (when written) and the vector.
func (s *vectorSource) Values() ([]any, error) { return s.values, nil }

// Err returns the error that ended the rows, if any.
func (s *vectorSource) Err() error { return s.err }

// exhausted reports whether the input or the limit is used up.
func (s *vectorSource) exhausted() bool { return s.done || s.left == 0 || s.err != nil }

// export does the work of "smallworld export" once the flags are checked.
func export(ctx context.Context, e env, o exportOptions) error {
	table, _ := tableIdentifier(o.table)
	input, inputName, err := o.openInput()
	if err != nil {
		return err
	}
	defer input.Close()
	for range o.skip {
		if _, err := input.Read(); err != nil {
			if errors.Is(err, io.EOF) {
				return fmt.Errorf("--skip %d: %s has only %d rows", o.skip, inputName, input.Row())
			}
			return err
		}
	}
	first, err := input.Read()
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("%s has no rows to export", inputName)
	}
	if err != nil {
		return err
	}
	dim := len(first)
	if dim > pgcompat.VectorMaxDim {
		return fmt.Errorf("%s has %d dimensions; pgvector columns hold at most %d", inputName, dim, pgcompat.VectorMaxDim)
	}
	reader := &peekReader{VectorReadCloser: input, first: first}

	conn, err := pgx.Connect(ctx, o.dsn)
	if err != nil {
		return fmt.Errorf("connecting: %w", err)
	}
	defer conn.Close(context.Background())

	// Work out the column type and check the table, or plan its creation.
	cols, err := tableColumns(ctx, conn, table)
	if err != nil {
		return err
	}
	typ := o.typ
	switch {
	case cols != nil && o.createTable:
		return fmt.Errorf("table %s already exists; drop --create-table to append to it", table.Sanitize())
	case cols == nil && !o.createTable:
		return fmt.Errorf("table %s does not exist; add --create-table to create it", table.Sanitize())
	case cols == nil:
		if typ == "" {
			typ = "vector"
		}
		if o.idColumn != "" {
			cols = append(cols, pgcompat.Column{Name: o.idColumn, Type: "bigint", Typmod: -1})
		}
		cols = append(cols, pgcompat.Column{Name: o.column, Type: typ, Typmod: dim})
	default:
		col, ok := findColumn(cols, o.column)
		if !ok {
			return fmt.Errorf("table %s has no column %q", table.Sanitize(), o.column)
		}
		if o.idColumn != "" {
			if _, ok := findColumn(cols, o.idColumn); !ok {
				return fmt.Errorf("table %s has no column %q (set --id-column, or --id-column '' to let the table fill ids)", table.Sanitize(), o.idColumn)
			}
		}
		if col.Type != "vector" && col.Type != "halfvec" {
			return fmt.Errorf("column %q is %s; export writes vector or halfvec columns", o.column, col.Type)
		}
		if typ != "" && typ != col.Type {
			return fmt.Errorf("--type %s, but column %q is %s", typ, o.column, col.Type)
		}
		typ = col.Type
		if col.Typmod >= 0 && col.Typmod != dim {
			return fmt.Errorf("column %q is %s(%d), but %s has %d dimensions", o.column, col.Type, col.Typmod, inputName, dim)
		}
	}

	var indexSQL string
	if o.createIndex {
		opclass := o.opclass
		if opclass == "" {
			opclass = typ + "_l2_ops"
		}
		// Only a known class name goes into the statement text.
		if _, ok := pgcompat.LookupOpClass(opclass); !ok {
			var names []string
			for _, c := range pgcompat.OpClasses() {
				if c.Type == typ {
					names = append(names, c.Name)
				}
			}
			return usageErrorf("--opclass %q is not an HNSW operator class (for %s: %s)", opclass, typ, strings.Join(names, ", "))
		}
		if indexSQL, err = o.validateIndex(table, cols, opclass); err != nil {
			return err
		}
	}

	if o.createTable {
		if _, err := conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS vector"); err != nil {
			return fmt.Errorf("creating the vector extension: %w", err)
		}
		var defs []string
		if o.idColumn != "" {
			defs = append(defs, pgx.Identifier{o.idColumn}.Sanitize()+" bigint PRIMARY KEY")
		}
		defs = append(defs, fmt.Sprintf("%s %s(%d)", pgx.Identifier{o.column}.Sanitize(), typ, dim))
		stmt := fmt.Sprintf("CREATE TABLE %s (%s)", table.Sanitize(), strings.Join(defs, ", "))
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("creating the table: %w", err)
		}
		fmt.Fprintf(e.stderr, "created %s\n", stmt)
	}
	// COPY ... (FORMAT binary), which pgx's CopyFrom uses, needs the
	// vector types' binary encoders.
	if err := pgxvec.Register(ctx, conn); err != nil {
		if errors.Is(err, pgxvec.ErrNoExtension) {
			return fmt.Errorf("%w, or pass --create-table", err)
		}
		return err
	}

	copied, copyTime, err := copyRows(ctx, e, o, conn, table, reader, dim, typ)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "exported %d rows of %d dimensions from %s into %s.%s (%s) in %s (%.0f rows/s)\n",
		copied, dim, inputName, table.Sanitize(), pgx.Identifier{o.column}.Sanitize(), typ,
		copyTime.Round(time.Millisecond), float64(copied)/max(copyTime.Seconds(), 1e-9))

	if o.createIndex {
		if err := buildIndex(ctx, e, o, conn, table, indexSQL, typ, dim); err != nil {
			return err
		}
	}
	return nil
}

func findColumn(cols []pgcompat.Column, name string) (pgcompat.Column, bool) {
	for _, c := range cols {
		if c.Name == name {
			return c, true
		}
	}
	return pgcompat.Column{}, false
}

// copyRows streams the rows in COPY batches and reports progress.
func copyRows(ctx context.Context, e env, o exportOptions, conn *pgx.Conn, table pgx.Identifier,
	reader bench.VectorReader, dim int, typ string) (int64, time.Duration, error) {
	columns := []string{o.column}
	if o.idColumn != "" {
		columns = []string{o.idColumn, o.column}
	}
	src := &vectorSource{
		r: reader, dim: dim, halfvec: typ == "halfvec", withID: o.idColumn != "",
		nextID: o.firstID + int64(o.skip), left: -1,
	}
	if o.limit > 0 {
		src.left = o.limit
	}
	var bar *progressbar.ProgressBar
	if o.progress || isTerminal(e.stderr) {
		total := int64(-1)
		if o.limit > 0 {
			total = int64(o.limit)
		}
		bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(e.stderr),
			progressbar.OptionSetDescription("export"),
			progressbar.OptionSetItsString("rows"),
			progressbar.OptionShowIts(),
			progressbar.OptionShowCount(),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(e.stderr) }),
		)
		src.onRow = func() { bar.Add(1) }
	}
	start := time.Now()
	var copied int64
	for !src.exhausted() {
		src.inBatch = o.batch
		n, err := conn.CopyFrom(ctx, table, columns, src)
		copied += n
		if err == nil {
			err = src.Err()
		}
		if err != nil {
			if bar != nil {
				bar.Exit()
				fmt.Fprintln(e.stderr)
			}
			resume := ""
			if copied > 0 {
				resume = fmt.Sprintf("; %d rows were committed before it (ids %d..%d): rerun with --skip %d to resume",
					copied, o.firstID+int64(o.skip), o.firstID+int64(o.skip)+copied-1, int64(o.skip)+copied)
			}
			return copied, time.Since(start), fmt.Errorf("copying into %s: %w%s", table.Sanitize(), err, resume)
		}
		if bar == nil {
			elapsed := time.Since(start)
			fmt.Fprintf(e.stderr, "copied %d rows (%.0f rows/s)\n", copied, float64(copied)/max(elapsed.Seconds(), 1e-9))
		}
	}
	if bar != nil {
		bar.Finish()
	}
	return copied, time.Since(start), nil
}

// buildIndex creates the index, after warning when the build would not fit
// in maintenance_work_mem (it still succeeds, but several times slower).
func buildIndex(ctx context.Context, e env, o exportOptions, conn *pgx.Conn, table pgx.Identifier, stmt, typ string, dim int) error {
	if o.mwm != "" {
		// set_config takes the value as a parameter, so it needs no quoting;
		// the server validates it.
		if _, err := conn.Exec(ctx, "SELECT set_config('maintenance_work_mem', $1, false)", o.mwm); err != nil {
			return fmt.Errorf("--maintenance-work-mem %s: %w", o.mwm, err)
		}
	}
	var rows int64
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+table.Sanitize()).Scan(&rows); err != nil {
		return fmt.Errorf("counting rows: %w", err)
	}
	// The memory model draws one level per row; past a few million rows
	// the estimate is not worth the memory it takes here.
	const maxModelRows = 5_000_000
	var mwmKB int
	if err := conn.QueryRow(ctx, "SELECT setting::int FROM pg_catalog.pg_settings WHERE name = 'maintenance_work_mem'").Scan(&mwmKB); err == nil && rows > 0 && rows <= maxModelRows {
		valueSize := pgcompat.VectorValueSize(dim)
		if typ == "halfvec" {
			valueSize = pgcompat.HalfVecValueSize(dim)
		}
		mem, err := pgcompat.BuildMemory(pgcompat.BuildMemorySpec{
			Platform: pgcompat.Linux64, MaintenanceWorkMem: mwmKB, M: o.m, ValueSize: valueSize,
			Levels: pgcompat.NewLevelSource(o.m, 1).Levels(int(rows)),
		})
		if err == nil && !mem.Fits {
			fmt.Fprintf(e.stderr, "warning: the graph of %d rows needs about %d MB of maintenance_work_mem, the server gives %d MB;\n"+
				"  pgvector will build the rest on disk, much more slowly (rerun with --maintenance-work-mem %dMB)\n",
				rows, (mem.MinMaintenanceWorkMem+1023)/1024, mwmKB/1024, (mem.MinMaintenanceWorkMem+1023)/1024)
		}
	}
	fmt.Fprintf(e.stderr, "%s\n", stmt)
	start := time.Now()
	if _, err := conn.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("creating the index: %w", err)
	}
	built := time.Since(start)
	if _, err := conn.Exec(ctx, "ANALYZE "+table.Sanitize()); err != nil {
		return fmt.Errorf("analyzing %s: %w", table.Sanitize(), err)
	}
	// The index just built is the newest HNSW index on the column.
	var name string
	var size int64
	err := conn.QueryRow(ctx, `
		SELECT i.indexrelid::regclass::text, pg_catalog.pg_relation_size(i.indexrelid)
		FROM pg_catalog.pg_index i
		JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
		JOIN pg_catalog.pg_am am ON am.oid = c.relam
		WHERE i.indrelid = to_regclass($1) AND am.amname = 'hnsw'
		ORDER BY i.indexrelid DESC LIMIT 1`, table.Sanitize()).Scan(&name, &size)
	if err != nil {
		return fmt.Errorf("reading the index size: %w", err)
	}
	fmt.Fprintf(e.stdout, "created HNSW index %s (m = %d, ef_construction = %d) in %s: %d pages, %.1f MB\n",
		name, o.m, o.efc, built.Round(time.Millisecond), size/pgcompat.BlockSize, float64(size)/(1<<20))
	return nil
}
