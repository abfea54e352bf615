package pgtest_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/pgvector/pgvector-go"
	"github.com/smallworld-go/smallworld/pgcompat/pgtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServerReportsPinnedVersions(t *testing.T) {
	srv := oracle.Server(t)
	info := srv.Info()
	assert.Equal(t, "0.8.7", info.VectorVersion)
	assert.True(t, strings.HasPrefix(info.ServerVersion, "18."), "server_version %q", info.ServerVersion)
	assert.Equal(t, "0.5.14", info.PGliteVersion)
	assert.Equal(t, "0.0.15", info.PGlitePgvectorVersion)
	assert.NotEmpty(t, info.PageinspectVersion)
	assert.Contains(t, []string{"loaded", "written", "unwritable", "none"}, info.Seed)

	ctx := testContext(t)
	conn := srv.Conn(t)
	_, err := conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS vector")
	require.NoError(t, err)
	var extversion, version string
	require.NoError(t, conn.QueryRow(ctx, "SELECT extversion FROM pg_extension WHERE extname = 'vector'").Scan(&extversion))
	assert.Equal(t, "0.8.7", extversion)
	require.NoError(t, conn.QueryRow(ctx, "SHOW server_version").Scan(&version))
	assert.Equal(t, info.ServerVersion, version)
	assert.Equal(t, info.ServerVersion, conn.PgConn().ParameterStatus("server_version"))
}

func TestErrorsCarrySQLStateMessageAndDetail(t *testing.T) {
	ctx := testContext(t)
	conn := oracle.Server(t).Conn(t)

	_, err := conn.Exec(ctx, "SELECT '[1,2]'::vector <-> '[1,2,3]'::vector")
	var pgErr *pgconn.PgError
	require.True(t, errors.As(err, &pgErr), "got %v", err)
	assert.Equal(t, "22000", pgErr.Code)
	assert.Equal(t, "different vector dimensions 2 and 3", pgErr.Message)
	assert.Equal(t, "ERROR", pgErr.Severity)

	// An error with a detail, through the extended protocol with a parameter.
	_, err = conn.Exec(ctx, "SELECT $1::text::vector", "1,2]")
	require.True(t, errors.As(err, &pgErr), "got %v", err)
	assert.Equal(t, "22P02", pgErr.Code)
	assert.Equal(t, `invalid input syntax for type vector: "1,2]"`, pgErr.Message)
	assert.Equal(t, `Vector contents must start with "[".`, pgErr.Detail)

	// And one with a hint.
	_, err = conn.Exec(ctx, "SET hnsw.iterative_scan = on")
	require.True(t, errors.As(err, &pgErr), "got %v", err)
	assert.Equal(t, "22023", pgErr.Code)
	assert.Equal(t, `invalid value for parameter "hnsw.iterative_scan": "on"`, pgErr.Message)
	assert.Equal(t, "Available values: off, relaxed_order, strict_order.", pgErr.Hint)

	// The connection is still usable, and an error inside a transaction
	// aborts it as PostgreSQL does.
	var one int
	require.NoError(t, conn.QueryRow(ctx, "SELECT 1").Scan(&one))
	tx, err := conn.Begin(ctx)
	require.NoError(t, err)
	_, err = tx.Exec(ctx, "SELECT 1/0")
	require.True(t, errors.As(err, &pgErr))
	assert.Equal(t, "22012", pgErr.Code)
	_, err = tx.Exec(ctx, "SELECT 1")
	require.True(t, errors.As(err, &pgErr))
	assert.Equal(t, "25P02", pgErr.Code)
	require.NoError(t, tx.Rollback(ctx))
	require.NoError(t, conn.QueryRow(ctx, "SELECT 2").Scan(&one))
	assert.Equal(t, 2, one)
}

// TestEveryQueryExecModeWorks runs the same typed, parameterised queries in
// each of pgx's execution modes: they exercise named and unnamed statements,
// Describe-then-Execute, and the simple protocol with client-side quoting.
func TestEveryQueryExecModeWorks(t *testing.T) {
	srv := oracle.Server(t)
	modes := []pgx.QueryExecMode{
		pgx.QueryExecModeCacheStatement,
		pgx.QueryExecModeCacheDescribe,
		pgx.QueryExecModeDescribeExec,
		pgx.QueryExecModeExec,
		pgx.QueryExecModeSimpleProtocol,
	}
	setup := srv.Conn(t)
	ctx := testContext(t)
	_, err := setup.Exec(ctx, `CREATE TABLE modes (id int PRIMARY KEY, e vector(3), h halfvec(3))`)
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = setup.Exec(context.Background(), "DROP TABLE modes") })
	for i := range 20 {
		x := float32(i)
		_, err := setup.Exec(ctx, "INSERT INTO modes VALUES ($1, $2, $3)",
			i, pgvector.NewVector([]float32{x, 0, 0}), pgvector.NewHalfVector([]float32{0, x, 0}))
		require.NoError(t, err)
	}
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			cfg, err := pgx.ParseConfig(srv.DSN())
			require.NoError(t, err)
			cfg.DefaultQueryExecMode = mode
			conn, err := pgx.ConnectConfig(ctx, cfg)
			require.NoError(t, err)
			defer conn.Close(ctx)
			// The simple protocol sends parameters as text, so only
			// registered types can be encoded; the codecs handle both.
			require.NoError(t, pgtest.RegisterTypes(ctx, conn))

			rows, err := conn.Query(ctx, "SELECT id, e, h, e <-> $1 FROM modes ORDER BY e <-> $1 LIMIT 3",
				pgvector.NewVector([]float32{7.2, 0, 0}))
			require.NoError(t, err)
			var ids []int
			for rows.Next() {
				var id int
				var e pgvector.Vector
				var h pgvector.HalfVector
				var d float64
				require.NoError(t, rows.Scan(&id, &e, &h, &d))
				assert.Equal(t, []float32{float32(id), 0, 0}, e.Slice())
				assert.Equal(t, []float32{0, float32(id), 0}, h.Slice())
				assert.InDelta(t, abs(7.2-float64(id)), d, 1e-6)
				ids = append(ids, id)
			}
			require.NoError(t, rows.Err())
			assert.Equal(t, []int{7, 8, 6}, ids)

			// The same statement twice exercises the statement caches.
			for range 2 {
				var n int
				require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM modes WHERE e <-> $1 < $2",
					pgvector.NewVector([]float32{0, 0, 0}), 4.5).Scan(&n))
				assert.Equal(t, 5, n)
			}
		})
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestBatchesAndPreparedStatements(t *testing.T) {
	ctx := testContext(t)
	conn := oracle.Server(t).Conn(t)
	_, err := conn.Exec(ctx, "CREATE TABLE batches (id int PRIMARY KEY, e vector(2))")
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = conn.Exec(context.Background(), "DROP TABLE batches") })

	batch := &pgx.Batch{}
	for i := range 100 {
		batch.Queue("INSERT INTO batches VALUES ($1, $2)", i, pgvector.NewVector([]float32{float32(i), 1}))
	}
	batch.Queue("SELECT count(*) FROM batches")
	results := conn.SendBatch(ctx, batch)
	for range 100 {
		_, err := results.Exec()
		require.NoError(t, err)
	}
	var n int
	require.NoError(t, results.QueryRow().Scan(&n))
	require.NoError(t, results.Close())
	assert.Equal(t, 100, n)

	_, err = conn.Prepare(ctx, "nearest", "SELECT id FROM batches ORDER BY e <-> $1 LIMIT 1")
	require.NoError(t, err)
	var id int
	require.NoError(t, conn.QueryRow(ctx, "nearest", pgvector.NewVector([]float32{41.9, 1})).Scan(&id))
	assert.Equal(t, 42, id)
	require.NoError(t, conn.Deallocate(ctx, "nearest"))
	_, err = conn.Exec(ctx, "nearest", pgvector.NewVector([]float32{0, 0}))
	require.Error(t, err, "the statement was deallocated")
}

func TestNullVectors(t *testing.T) {
	ctx := testContext(t)
	conn := oracle.Server(t).Conn(t)
	var v *pgvector.Vector
	var h *pgvector.HalfVector
	var s *pgvector.SparseVector
	require.NoError(t, conn.QueryRow(ctx, "SELECT NULL::vector, NULL::halfvec, NULL::sparsevec").Scan(&v, &h, &s))
	assert.Nil(t, v)
	assert.Nil(t, h)
	assert.Nil(t, s)
	var plain pgvector.Vector
	err := conn.QueryRow(ctx, "SELECT NULL::vector").Scan(&plain)
	require.Error(t, err)
}

func TestSimpleQueryWithSeveralStatements(t *testing.T) {
	ctx := testContext(t)
	conn := oracle.Server(t).Conn(t)
	results, err := conn.PgConn().Exec(ctx,
		"CREATE TABLE multi (e vector(2)); INSERT INTO multi VALUES ('[1,2]'), ('[3,4]'); SELECT count(*) FROM multi").ReadAll()
	require.NoError(t, err)
	require.Len(t, results, 3)
	assert.Equal(t, "INSERT 0 2", results[1].CommandTag.String())
	assert.Equal(t, "2", string(results[2].Rows[0][0]))
	_, err = conn.Exec(ctx, "DROP TABLE multi")
	require.NoError(t, err)
}

func TestDeallocateAllIsPerConnection(t *testing.T) {
	ctx := testContext(t)
	srv := oracle.Server(t)
	a, b := srv.Conn(t), srv.Conn(t)
	_, err := a.Prepare(ctx, "same_name", "SELECT 1")
	require.NoError(t, err)
	_, err = b.Prepare(ctx, "same_name", "SELECT 2")
	require.NoError(t, err, "names are private to each connection")
	require.NoError(t, a.DeallocateAll(ctx))
	var n int
	require.NoError(t, b.QueryRow(ctx, "same_name").Scan(&n), "b's statement survives a's DEALLOCATE ALL")
	assert.Equal(t, 2, n)
	_, err = a.Prepare(ctx, "same_name", "SELECT 3")
	require.NoError(t, err)
	require.NoError(t, a.QueryRow(ctx, "same_name").Scan(&n))
	assert.Equal(t, 3, n)
}
