package main

import (
	"bytes"
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smallworld-go/smallworld/bench"
	"github.com/smallworld-go/smallworld/pgcompat/pgtest"
)

// oracle is a real pgvector (PGlite) for the tests; it is skipped when
// Node.js or the npm packages are missing (see package pgtest).
var oracle pgtest.Shared

func TestRoundtripAgreesWithPostgreSQL(t *testing.T) {
	srv := oracle.Server(t)
	base, queries, _, err := bench.SIFTSmall()
	require.NoError(t, err)
	cfg := Config{
		DSN: srv.DSN(), Table: "roundtrip_test", Base: base.Slice(0, 1000), Queries: queries.Slice(0, 20),
		K: 10, M: 16, EfConstruction: 64, EfSearch: 40,
	}
	rep, err := Roundtrip(context.Background(), cfg)
	require.NoError(t, err)
	assert.Contains(t, rep.Plan, "Index Scan using roundtrip_test_embedding_idx")
	require.Len(t, rep.Indexes, 3)
	for _, o := range rep.Indexes {
		assert.GreaterOrEqual(t, o.Recall, 0.95, o.Name)
		require.Len(t, o.IDs, 20, o.Name)
		for q, ids := range o.IDs {
			assert.Len(t, ids, 10, "%s query %d", o.Name, q)
		}
	}
	assert.GreaterOrEqual(t, Overlap(rep.Indexes[0].IDs, rep.Indexes[1].IDs, 10), 0.9)
	assert.GreaterOrEqual(t, Overlap(rep.Indexes[0].IDs, rep.Indexes[2].IDs, 10), 0.9)
	// The page model predicts the real index's size to within a few
	// pages: the levels differ, the layout rules do not.
	pgSize, modelSize := float64(rep.Indexes[0].Size), float64(rep.Indexes[1].Size)
	assert.InDelta(t, pgSize, modelSize, 0.05*pgSize)

	// The table was dropped; a second run can use the same name.
	conn := srv.Conn(t)
	var exists bool
	require.NoError(t, conn.QueryRow(context.Background(), "SELECT to_regclass('roundtrip_test') IS NOT NULL").Scan(&exists))
	assert.False(t, exists)
}

func TestRunPrintsTheComparison(t *testing.T) {
	srv := oracle.Server(t)
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"-dsn", srv.DSN(), "-table", "roundtrip_cli", "-n", "400", "-nq", "5",
		"-m", "8", "-ef-construction", "32", "-keep"}, &out, &errOut)
	require.NoError(t, err, errOut.String())
	s := out.String()
	assert.Contains(t, s, "400 rows × 128 dimensions, 5 queries, k = 10 (L2)")
	assert.Contains(t, s, "PostgreSQL vs pgcompat:")
	assert.Contains(t, s, "PostgreSQL vs hnsw:")
	assert.Contains(t, errOut.String(), "CREATE INDEX (m = 8, ef_construction = 32)")

	// -keep left the table; without -replace a second run refuses to
	// touch it, with -replace it starts over.
	err = run(context.Background(), []string{"-dsn", srv.DSN(), "-table", "roundtrip_cli", "-n", "50", "-nq", "2"}, &out, &errOut)
	require.ErrorContains(t, err, "-replace")
	err = run(context.Background(), []string{"-dsn", srv.DSN(), "-table", "roundtrip_cli", "-n", "50", "-nq", "2", "-replace"}, &out, &errOut)
	require.NoError(t, err)
}

func TestOverlap(t *testing.T) {
	a := [][]int64{{1, 2, 3, 4}, {5, 6, 7, 8}}
	b := [][]int64{{4, 3, 9, 9}, {5, 6, 7, 8}}
	assert.InDelta(t, (0.5+1.0)/2, Overlap(a, b, 4), 1e-12)
	assert.Zero(t, Overlap(nil, nil, 4))
	assert.False(t, math.IsNaN(Overlap([][]int64{{}}, [][]int64{{}}, 1)))
}

func TestRunRejectsBadFlags(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	missing := filepath.Join(t.TempDir(), "none.fvecs")
	for _, args := range [][]string{
		{},
		{"-dsn", "postgres://x", "-k", "0"},
		{"-dsn", "postgres://x", "-n", "-1"},
		{"-dsn", "postgres://x", "-base", missing},
		{"-dsn", "postgres://x", "stray"},
		{"-nope"},
	} {
		var out, errOut bytes.Buffer
		assert.Error(t, run(context.Background(), args, &out, &errOut), "%v", args)
	}
	// Settings pgvector refuses are refused before connecting.
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"-dsn", "postgres://127.0.0.1:1/x", "-m", "16", "-ef-construction", "16", "-n", "10", "-nq", "1"}, &out, &errOut)
	assert.ErrorContains(t, err, "ef_construction must be greater than or equal to 2 * m")
}
