package pgtest_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/pgvector/pgvector-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func requirePgError(t testing.TB, err error, code, message string) {
	t.Helper()
	var pgErr *pgconn.PgError
	require.True(t, errors.As(err, &pgErr), "want SQLSTATE %s, got %v", code, err)
	assert.Equal(t, code, pgErr.Code)
	assert.Equal(t, message, pgErr.Message)
}

func randomVectors(rng *rand.Rand, n, dim int) [][]float32 {
	out := make([][]float32, n)
	for i := range out {
		v := make([]float32, dim)
		for j := range v {
			v[j] = float32(rng.NormFloat64())
		}
		out[i] = v
	}
	return out
}

// copyVectors loads rows (id, embedding) with pgx's CopyFrom, which uses
// binary COPY FROM STDIN.
func copyVectors(ctx context.Context, t testing.TB, conn *pgx.Conn, table string, vecs [][]float32) {
	t.Helper()
	n, err := conn.CopyFrom(ctx, pgx.Identifier{table}, []string{"id", "embedding"},
		pgx.CopyFromSlice(len(vecs), func(i int) ([]any, error) {
			return []any{i, pgvector.NewVector(vecs[i])}, nil
		}))
	require.NoError(t, err)
	require.Equal(t, int64(len(vecs)), n)
}

// l2 is the float64 reference distance.
func l2(a, b []float32) float64 {
	var s float64
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		s += d * d
	}
	return math.Sqrt(s)
}

func TestCopyFromIndexBuildAndKNN(t *testing.T) {
	const n, dim, k = 3000, 16, 10
	ctx := testContext(t)
	conn := oracle.Server(t).Conn(t)
	rng := rand.New(rand.NewPCG(3, 4))
	vecs := randomVectors(rng, n, dim)

	_, err := conn.Exec(ctx, fmt.Sprintf("CREATE TABLE knn (id int PRIMARY KEY, embedding vector(%d))", dim))
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = conn.Exec(context.Background(), "DROP TABLE knn") })
	copyVectors(ctx, t, conn, "knn", vecs)

	var count int
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM knn").Scan(&count))
	require.Equal(t, n, count)
	var back pgvector.Vector
	require.NoError(t, conn.QueryRow(ctx, "SELECT embedding FROM knn WHERE id = 1234").Scan(&back))
	require.Equal(t, vecs[1234], back.Slice(), "COPY stores the float32 values exactly")

	_, err = conn.Exec(ctx, "CREATE INDEX knn_hnsw ON knn USING hnsw (embedding vector_l2_ops) WITH (m = 8, ef_construction = 32)")
	require.NoError(t, err)

	// The planner uses the index for ORDER BY ... LIMIT.
	query := "SELECT id, embedding <-> $1 FROM knn ORDER BY embedding <-> $1 LIMIT 10"
	plan := explain(ctx, t, conn, query, pgvector.NewVector(vecs[0]))
	assert.Contains(t, plan, "Index Scan using knn_hnsw on knn")

	// Approximate search agrees closely with exact search, and every
	// returned distance is the exact distance of that row.
	var found, total int
	for q := range 20 {
		query := randomVectors(rng, 1, dim)[0]
		rows, err := conn.Query(ctx, "SELECT id, embedding <-> $1 FROM knn ORDER BY embedding <-> $1 LIMIT 10",
			pgvector.NewVector(query))
		require.NoError(t, err)
		var got []int
		for rows.Next() {
			var id int
			var d float64
			require.NoError(t, rows.Scan(&id, &d))
			assert.InEpsilon(t, l2(query, vecs[id]), d, 1e-5, "query %d id %d", q, id)
			got = append(got, id)
		}
		require.NoError(t, rows.Err())
		require.Len(t, got, k)
		exact := make([]int, n)
		for i := range exact {
			exact[i] = i
		}
		slices.SortFunc(exact, func(a, b int) int {
			da, db := l2(query, vecs[a]), l2(query, vecs[b])
			switch {
			case da < db:
				return -1
			case da > db:
				return 1
			}
			return a - b
		})
		for _, id := range got {
			if slices.Contains(exact[:k], id) {
				found++
			}
		}
		total += k
	}
	recall := float64(found) / float64(total)
	t.Logf("recall@%d with the default hnsw.ef_search: %.3f", k, recall)
	assert.GreaterOrEqual(t, recall, 0.9)

	// The index occupies whole 8 KiB pages, and the row cap follows
	// hnsw.ef_search.
	var size int64
	require.NoError(t, conn.QueryRow(ctx, "SELECT pg_relation_size('knn_hnsw')").Scan(&size))
	assert.Positive(t, size)
	assert.Zero(t, size%8192)
	_, err = conn.Exec(ctx, "SET hnsw.ef_search = 10")
	require.NoError(t, err)
	require.NoError(t, conn.QueryRow(ctx,
		"SELECT count(*) FROM (SELECT id FROM knn ORDER BY embedding <-> $1 LIMIT 50) s",
		pgvector.NewVector(vecs[7])).Scan(&count))
	assert.Equal(t, 10, count)
}

func explain(ctx context.Context, t testing.TB, conn *pgx.Conn, query string, args ...any) string {
	t.Helper()
	rows, err := conn.Query(ctx, "EXPLAIN "+query, args...)
	require.NoError(t, err)
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return strings.Join(lines, "\n")
}

func TestCopyFromErrorsLeaveTheConnectionUsable(t *testing.T) {
	ctx := testContext(t)
	conn := oracle.Server(t).Conn(t)
	_, err := conn.Exec(ctx, "CREATE TABLE copy_errors (id int, embedding vector(3))")
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = conn.Exec(context.Background(), "DROP TABLE copy_errors") })

	_, err = conn.CopyFrom(ctx, pgx.Identifier{"no_such_table"}, []string{"id"}, pgx.CopyFromRows([][]any{{1}}))
	requirePgError(t, err, "42P01", `relation "no_such_table" does not exist`)

	rows := [][]any{
		{1, pgvector.NewVector([]float32{1, 2, 3})},
		{2, pgvector.NewVector([]float32{1, 2})},
	}
	_, err = conn.CopyFrom(ctx, pgx.Identifier{"copy_errors"}, []string{"id", "embedding"}, pgx.CopyFromRows(rows))
	requirePgError(t, err, "22000", "expected 3 dimensions, not 2")

	var n int
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM copy_errors").Scan(&n))
	assert.Zero(t, n, "a failed COPY inserts nothing")

	// A COPY inside a transaction, then commit.
	tx, err := conn.Begin(ctx)
	require.NoError(t, err)
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"copy_errors"}, []string{"id", "embedding"}, pgx.CopyFromRows(rows[:1]))
	require.NoError(t, err)
	require.NoError(t, tx.Commit(ctx))
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM copy_errors").Scan(&n))
	assert.Equal(t, 1, n)

	// Text COPY through the simple protocol, as psql would send it.
	tag, err := conn.PgConn().CopyFrom(ctx, strings.NewReader("7\t[7,7,7]\n8\t[8,8,8]\n"), "COPY copy_errors FROM STDIN")
	require.NoError(t, err)
	assert.Equal(t, "COPY 2", tag.String())

	// COPY TO STDOUT needs no help from the front end.
	var out strings.Builder
	_, err = conn.PgConn().CopyTo(ctx, &out, "COPY (SELECT id, embedding FROM copy_errors ORDER BY id) TO STDOUT")
	require.NoError(t, err)
	assert.Equal(t, "1\t[1,2,3]\n7\t[7,7,7]\n8\t[8,8,8]\n", out.String())
}

// TestUnsupportedCopyFormsFailCleanly checks that the COPY forms the front
// end cannot run (they would kill the single WebAssembly backend) are turned
// into ordinary errors.
func TestUnsupportedCopyFormsFailCleanly(t *testing.T) {
	ctx := testContext(t)
	conn := oracle.Server(t).Conn(t)
	_, err := conn.Exec(ctx, "CREATE TABLE copy_forms (id int)")
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = conn.Exec(context.Background(), "DROP TABLE copy_forms") })

	_, err = conn.PgConn().ExecParams(ctx, "COPY copy_forms FROM STDIN", nil, nil, nil, nil).Close()
	requirePgError(t, err, "0A000", "pgtest oracle: COPY FROM STDIN is supported only through the simple query protocol")

	_, err = conn.PgConn().CopyFrom(ctx, strings.NewReader("1\n"),
		"COPY copy_forms FROM STDIN; COPY copy_forms FROM STDIN")
	requirePgError(t, err, "0A000", "pgtest oracle: at most one COPY FROM STDIN per query string is supported")

	var n int
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM copy_forms").Scan(&n))
	assert.Zero(t, n)
}

// TestAbandonedCopyIsCleanedUp starts a COPY FROM STDIN the way a confused
// client might, through Exec, which (like PostgreSQL) leaves the server waiting
// for data; the client gives up, and the server must recover.
func TestAbandonedCopyIsCleanedUp(t *testing.T) {
	ctx := testContext(t)
	srv := oracle.Server(t)
	conn := srv.Conn(t)
	_, err := conn.Exec(ctx, "CREATE TABLE copy_abandoned (id int)")
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = conn.Exec(context.Background(), "DROP TABLE copy_abandoned") })

	victim, err := srv.Connect(ctx)
	require.NoError(t, err)
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	_, err = victim.Exec(short, "COPY copy_abandoned FROM STDIN")
	require.Error(t, err)
	_ = victim.Close(ctx)

	var n int
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM copy_abandoned").Scan(&n))
	assert.Zero(t, n)
}
