package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smallworld-go/smallworld/bench"
	"github.com/smallworld-go/smallworld/pgcompat"
	"github.com/smallworld-go/smallworld/pgcompat/pgtest"
)

// exportOracle is a real pgvector (PGlite) shared by the export tests; it is
// started by the first test that needs it and stops with the test binary.
var exportOracle pgtest.Shared

// runExportCLI runs one command line and returns the exit code and outputs.
func runExportCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), env{stdout: &out, stderr: &errOut}, args)
	return code, out.String(), errOut.String()
}

// exportFixture writes n random vectors of dim components to dir/name and
// returns them.
func exportFixture(t *testing.T, name string, n, dim int, seed uint64) (string, *bench.Matrix) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	m := bench.NewMatrix(dim, n)
	v := make([]float32, dim)
	for range n {
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		require.NoError(t, m.Append(v))
	}
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, bench.Save(path, m))
	return path, m
}

// tableRows reads id and vector of every row, by id.
func tableRows(t *testing.T, conn *pgx.Conn, table, idCol, vecCol string, half bool) map[int64][]float32 {
	t.Helper()
	sql := fmt.Sprintf("SELECT %s, %s FROM %s", pgx.Identifier{idCol}.Sanitize(), pgx.Identifier{vecCol}.Sanitize(), table)
	rows, err := conn.Query(context.Background(), sql)
	require.NoError(t, err)
	out := map[int64][]float32{}
	for rows.Next() {
		var id int64
		if half {
			var v pgvector.HalfVector
			require.NoError(t, rows.Scan(&id, &v))
			out[id] = v.Slice()
		} else {
			var v pgvector.Vector
			require.NoError(t, rows.Scan(&id, &v))
			out[id] = v.Slice()
		}
	}
	require.NoError(t, rows.Err())
	return out
}

func TestExportCreatesTableAndIndex(t *testing.T) {
	srv := exportOracle.Server(t)
	conn := srv.Conn(t)
	ctx := context.Background()
	path, m := exportFixture(t, "vecs.fvecs", 200, 8, 1)
	t.Cleanup(func() { conn.Exec(ctx, "DROP TABLE IF EXISTS export_basic") })

	code, stdout, stderr := runExportCLI(t, "export", "--dsn", srv.DSN(), "--table", "export_basic",
		"--from", path, "--create-table", "--create-index", "--m", "4", "--ef-construction", "16",
		"--opclass", "vector_cosine_ops", "--index-name", "export_basic_idx", "--batch", "64")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "exported 200 rows of 8 dimensions")
	assert.Contains(t, stdout, `created HNSW index export_basic_idx (m = 4, ef_construction = 16)`)
	assert.Contains(t, stderr, "copied 64 rows", "progress per COPY batch")
	assert.Contains(t, stderr, "copied 200 rows")

	// Every row arrived bit for bit under its row number.
	got := tableRows(t, conn, "export_basic", "id", "embedding", false)
	require.Len(t, got, 200)
	for i := range 200 {
		require.Equal(t, m.Row(i), got[int64(i)], "row %d", i)
	}

	// The index has the options and operator class asked for.
	var opts []string
	var opclass, am string
	require.NoError(t, conn.QueryRow(ctx, `
		SELECT c.reloptions, oc.opcname, a.amname
		FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid
		JOIN pg_opclass oc ON oc.oid = i.indclass[0] JOIN pg_am a ON a.oid = c.relam
		WHERE c.relname = 'export_basic_idx'`).Scan(&opts, &opclass, &am))
	assert.ElementsMatch(t, []string{"m=4", "ef_construction=16"}, opts)
	assert.Equal(t, "vector_cosine_ops", opclass)
	assert.Equal(t, "hnsw", am)

	// And PostgreSQL uses it for a cosine k-NN query.
	tx, err := conn.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx)
	_, err = tx.Exec(ctx, "SET LOCAL enable_seqscan = off")
	require.NoError(t, err)
	rows, err := tx.Query(ctx, "EXPLAIN (COSTS OFF) SELECT id FROM export_basic ORDER BY embedding <=> $1 LIMIT 5",
		pgvector.NewVector(m.Row(0)))
	require.NoError(t, err)
	plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	assert.Contains(t, strings.Join(plan, "\n"), "Index Scan using export_basic_idx")
}

func TestExportHalfvecIntoExistingTable(t *testing.T) {
	srv := exportOracle.Server(t)
	conn := srv.Conn(t)
	ctx := context.Background()
	path, m := exportFixture(t, "vecs.csv", 120, 6, 2)
	_, err := conn.Exec(ctx, "CREATE TABLE export_half (key bigint PRIMARY KEY, emb halfvec(6), note text DEFAULT 'x')")
	require.NoError(t, err)
	t.Cleanup(func() { conn.Exec(ctx, "DROP TABLE IF EXISTS export_half") })

	// The type comes from the column; rows 20..69 of the file get ids
	// 1020..1069.
	code, stdout, stderr := runExportCLI(t, "export", "--dsn", srv.DSN(), "--table", "public.export_half",
		"--column", "emb", "--id-column", "key", "--from", path, "--skip", "20", "--limit", "50",
		"--first-id", "1000", "--create-index", "--opclass", "halfvec_l2_ops")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "exported 50 rows of 6 dimensions")
	assert.Contains(t, stdout, "(halfvec)")

	got := tableRows(t, conn, "export_half", "key", "emb", true)
	require.Len(t, got, 50)
	for i := 20; i < 70; i++ {
		want, err := pgcompat.NewHalfVec(m.Row(i))
		require.NoError(t, err)
		require.Equal(t, want.Slice(), got[int64(1000+i)], "row %d", i)
	}

	// A second run appends the rest after the rows already there.
	code, stdout, stderr = runExportCLI(t, "export", "--dsn", srv.DSN(), "--table", "export_half",
		"--column", "emb", "--id-column", "key", "--from", path, "--skip", "70", "--first-id", "1000")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "exported 50 rows")
	assert.Len(t, tableRows(t, conn, "export_half", "key", "emb", true), 100)
}

func TestExportQuotedNamesAndSchemas(t *testing.T) {
	srv := exportOracle.Server(t)
	conn := srv.Conn(t)
	ctx := context.Background()
	path, _ := exportFixture(t, "vecs.jsonl", 30, 3, 3)
	_, err := conn.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS "Export Schema"`)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Exec(ctx, `DROP SCHEMA IF EXISTS "Export Schema" CASCADE`) })

	// Names that would break (or inject into) SQL if pasted unquoted.
	table := `Export Schema.Odd "Table"; DROP TABLE x`
	code, _, stderr := runExportCLI(t, "export", "--dsn", srv.DSN(), "--table", table, "--column", "Vec Col",
		"--id-column", "ID", "--from", path, "--create-table", "--create-index", "--index-name", "Odd Index")
	require.Equal(t, exitOK, code, stderr)
	var n int
	require.NoError(t, conn.QueryRow(ctx, `SELECT count("ID") FROM "Export Schema"."Odd ""Table""; DROP TABLE x"`).Scan(&n))
	assert.Equal(t, 30, n)
	var idx string
	require.NoError(t, conn.QueryRow(ctx, `SELECT to_regclass('"Export Schema"."Odd Index"')::text`).Scan(&idx))
	assert.NotEmpty(t, idx)
}

func TestExportBuiltInDataset(t *testing.T) {
	srv := exportOracle.Server(t)
	conn := srv.Conn(t)
	ctx := context.Background()
	t.Cleanup(func() { conn.Exec(ctx, "DROP TABLE IF EXISTS export_sift") })
	code, stdout, stderr := runExportCLI(t, "export", "--dsn", srv.DSN(), "--table", "export_sift",
		"--dataset", "siftsmall", "--limit", "300", "--create-table")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "exported 300 rows of 128 dimensions from siftsmall")
	base, _, _, err := bench.SIFTSmall()
	require.NoError(t, err)
	got := tableRows(t, conn, "export_sift", "id", "embedding", false)
	require.Len(t, got, 300)
	assert.Equal(t, base.Row(299), got[299])
}

// TestExportChecksBeforeSending: settings pgvector would refuse are refused
// with pgvector's own words before any table is created or row is sent.
func TestExportChecksBeforeSending(t *testing.T) {
	srv := exportOracle.Server(t)
	conn := srv.Conn(t)
	ctx := context.Background()
	path, _ := exportFixture(t, "vecs.fvecs", 10, 4, 4)
	_, err := conn.Exec(ctx, "CREATE TABLE export_small (id bigint, embedding vector(3))")
	require.NoError(t, err)
	t.Cleanup(func() { conn.Exec(ctx, "DROP TABLE IF EXISTS export_small") })

	for _, tc := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"m out of range", []string{"--table", "export_new", "--create-table", "--create-index", "--m", "1"}, exitFailure,
			`value 1 out of bounds for option "m"`},
		{"ef_construction below 2m", []string{"--table", "export_new", "--create-table", "--create-index", "--m", "16", "--ef-construction", "20"}, exitFailure,
			"ef_construction must be greater than or equal to 2 * m"},
		{"opclass for another type", []string{"--table", "export_new", "--create-table", "--create-index", "--opclass", "halfvec_l2_ops"}, exitFailure,
			"operator class"},
		{"unknown opclass", []string{"--table", "export_new", "--create-table", "--create-index", "--opclass", "vector_l2_ops) WITH (m = 2); DROP TABLE x; --"}, exitUsage,
			"not an HNSW operator class"},
		{"dimension mismatch", []string{"--table", "export_small"}, exitFailure, "vector(3), but"},
		{"table exists", []string{"--table", "export_small", "--create-table"}, exitFailure, "already exists"},
		{"table missing", []string{"--table", "export_new"}, exitFailure, "does not exist"},
		{"column missing", []string{"--table", "export_small", "--column", "nope"}, exitFailure, `no column "nope"`},
		{"id column missing", []string{"--table", "export_small", "--id-column", "key"}, exitFailure, `no column "key"`},
		{"type disagrees", []string{"--table", "export_small", "--type", "halfvec"}, exitFailure, "--type halfvec, but"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"export", "--dsn", srv.DSN(), "--from", path}, tc.args...)
			code, _, stderr := runExportCLI(t, args...)
			assert.Equal(t, tc.code, code, stderr)
			assert.Contains(t, stderr, tc.msg)
		})
	}
	var exists bool
	require.NoError(t, conn.QueryRow(ctx, "SELECT to_regclass('export_new') IS NOT NULL").Scan(&exists))
	assert.False(t, exists, "a refused export must not create the table")
	var n int
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM export_small").Scan(&n))
	assert.Zero(t, n)
}

// TestExportBadRowMidway: rows of committed batches stay and the error says
// how to resume.
func TestExportBadRowMidway(t *testing.T) {
	srv := exportOracle.Server(t)
	conn := srv.Conn(t)
	ctx := context.Background()
	var b strings.Builder
	for i := range 30 {
		if i == 25 {
			b.WriteString("1,NaN\n")
			continue
		}
		fmt.Fprintf(&b, "%d,%d\n", i, i+1)
	}
	path := filepath.Join(t.TempDir(), "bad.csv")
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o600))
	t.Cleanup(func() { conn.Exec(ctx, "DROP TABLE IF EXISTS export_bad") })

	code, _, stderr := runExportCLI(t, "export", "--dsn", srv.DSN(), "--table", "export_bad", "--from", path,
		"--create-table", "--batch", "10")
	require.Equal(t, exitFailure, code)
	assert.Contains(t, stderr, "NaN")
	assert.Contains(t, stderr, "20 rows were committed before it (ids 0..19): rerun with --skip 20 to resume")
	var n int
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM export_bad").Scan(&n))
	assert.Equal(t, 20, n)
}

// TestExportUsage covers the command-line checks, which need no server.
func TestExportUsage(t *testing.T) {
	path, _ := exportFixture(t, "v.fvecs", 3, 2, 5)
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--from", path}, "--table is required"},
		{[]string{"--table", "t"}, "--from is required"},
		{[]string{"--table", "t", "--from", path, "--dataset", "siftsmall"}, "one or the other"},
		{[]string{"--table", "t", "--dataset", "mnist"}, "unknown --dataset"},
		{[]string{"--table", "t", "--from", path, "--type", "sparsevec"}, "--type must be"},
		{[]string{"--table", "t", "--from", path, "--batch", "0"}, "--batch"},
		{[]string{"--table", "t", "--from", path, "--skip", "-1"}, "--skip"},
		{[]string{"--table", "t", "--from", path, "--opclass", "vector_l2_ops"}, "need --create-index"},
		{[]string{"--table", "a.b.c", "--from", path}, "schema.table"},
		{[]string{"--table", "a.", "--from", path}, "empty name"},
		{[]string{"--table", "t", "--from", path, "--column", "x", "--id-column", "x"}, "same column"},
		{[]string{"--table", "t", "--from", path, "stray"}, "unexpected argument"},
	} {
		code, _, stderr := runExportCLI(t, append([]string{"export"}, tc.args...)...)
		assert.Equal(t, exitUsage, code, "%v: %s", tc.args, stderr)
		assert.Contains(t, stderr, tc.msg, "%v", tc.args)
	}

	// Errors found on the way: a missing file, and a server that is not there.
	code, _, stderr := runExportCLI(t, "export", "--table", "t", "--from", filepath.Join(t.TempDir(), "none.fvecs"), "--dsn", "postgres://127.0.0.1:1/x")
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, stderr, "none.fvecs")
	code, _, stderr = runExportCLI(t, "export", "--table", "t", "--from", path, "--dsn", "postgres://127.0.0.1:1/x?connect_timeout=5")
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, stderr, "connecting")
}
