package pgtest_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/pgvector/pgvector-go"
	"github.com/smallworld-go/smallworld/pgcompat/pgtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func show(ctx context.Context, t testing.TB, conn *pgx.Conn, name string) string {
	t.Helper()
	var v string
	require.NoError(t, conn.QueryRow(ctx, "SELECT current_setting($1)", name).Scan(&v))
	return v
}

// TestConnectionsSeeOnlyTheirOwnSettings: PGlite has one session, but the
// front end saves and restores SET values when it switches connections, so
// each connection behaves as its own session.
func TestConnectionsSeeOnlyTheirOwnSettings(t *testing.T) {
	ctx := testContext(t)
	srv := oracle.Server(t)
	a, b := srv.Conn(t), srv.Conn(t)

	_, err := a.Exec(ctx, "SET hnsw.ef_search = 11")
	require.NoError(t, err)
	_, err = a.Exec(ctx, "SET search_path = pg_catalog, public")
	require.NoError(t, err)
	assert.Equal(t, "40", show(ctx, t, b, "hnsw.ef_search"))
	assert.Equal(t, "public", show(ctx, t, b, "search_path"))
	_, err = b.Exec(ctx, "SET hnsw.ef_search = 22")
	require.NoError(t, err)
	assert.Equal(t, "11", show(ctx, t, a, "hnsw.ef_search"))
	assert.Equal(t, "pg_catalog, public", show(ctx, t, a, "search_path"))
	assert.Equal(t, "22", show(ctx, t, b, "hnsw.ef_search"))

	// A setting scoped to a transaction ends with it.
	tx, err := a.Begin(ctx)
	require.NoError(t, err)
	_, err = tx.Exec(ctx, "SET LOCAL hnsw.ef_search = 33")
	require.NoError(t, err)
	require.NoError(t, tx.Commit(ctx))
	assert.Equal(t, "11", show(ctx, t, a, "hnsw.ef_search"))

	require.NoError(t, a.Close(ctx))
	assert.Equal(t, "22", show(ctx, t, b, "hnsw.ef_search"))
	c := srv.Conn(t)
	assert.Equal(t, "40", show(ctx, t, c, "hnsw.ef_search"), "a new connection starts from the defaults")
}

func TestStartupParametersBecomeSettings(t *testing.T) {
	ctx := testContext(t)
	srv := oracle.Server(t)
	conn, err := pgx.Connect(ctx, srv.DSN()+"&application_name=pgtest-startup&search_path=pg_catalog,public"+
		"&options="+urlEscape("-c hnsw.ef_search=77 -c work_mem=8MB"))
	require.NoError(t, err)
	defer conn.Close(ctx)
	assert.Equal(t, "pgtest-startup", conn.PgConn().ParameterStatus("application_name"))
	assert.Equal(t, "pgtest-startup", show(ctx, t, conn, "application_name"))
	assert.Equal(t, "pg_catalog,public", show(ctx, t, conn, "search_path"), "kept as written, as PostgreSQL does")
	assert.Equal(t, "77", show(ctx, t, conn, "hnsw.ef_search"))
	assert.Equal(t, "8MB", show(ctx, t, conn, "work_mem"))

	_, err = pgx.Connect(ctx, srv.DSN()+"&no_such_setting=1")
	var pgErr *pgconn.PgError
	require.True(t, errors.As(err, &pgErr), "got %v", err)
	assert.Equal(t, "FATAL", pgErr.Severity)
	assert.Equal(t, "42704", pgErr.Code)
	assert.Equal(t, `unrecognized configuration parameter "no_such_setting"`, pgErr.Message)
}

func urlEscape(s string) string {
	out := make([]byte, 0, len(s)*3)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' {
			out = append(out, c)
		} else {
			out = append(out, fmt.Sprintf("%%%02X", c)...)
		}
	}
	return string(out)
}

// TestDisconnectRollsBackAndReleasesTheSession: a client that vanishes in
// the middle of a transaction must not leave its changes or its hold on the
// single session behind.
func TestDisconnectRollsBackAndReleasesTheSession(t *testing.T) {
	ctx := testContext(t)
	srv := oracle.Server(t)
	b := srv.Conn(t)
	_, err := b.Exec(ctx, "CREATE TABLE vanishing (id int)")
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = b.Exec(context.Background(), "DROP TABLE vanishing") })

	for _, how := range []string{"Close", "socket"} {
		a, err := srv.Connect(ctx)
		require.NoError(t, err)
		_, err = a.Exec(ctx, "BEGIN")
		require.NoError(t, err)
		_, err = a.Exec(ctx, "INSERT INTO vanishing VALUES ($1)", 1)
		require.NoError(t, err)
		_, err = a.Prepare(ctx, "leftover", "SELECT 1")
		require.NoError(t, err)
		if how == "Close" {
			require.NoError(t, a.Close(ctx))
		} else {
			require.NoError(t, a.PgConn().Conn().Close()) // no Terminate message
		}
		var n int
		require.NoError(t, b.QueryRow(ctx, "SELECT count(*) FROM vanishing").Scan(&n), how)
		assert.Zero(t, n, how)
	}
	// Another connection may now use the same statement name.
	c := srv.Conn(t)
	_, err = c.Prepare(ctx, "leftover", "SELECT 2")
	require.NoError(t, err)
}

// TestOpenTransactionHoldsTheSession documents the one visible consequence of
// the single backend: other connections wait while a transaction is open.
func TestOpenTransactionHoldsTheSession(t *testing.T) {
	ctx := testContext(t)
	srv := oracle.Server(t)
	a, b := srv.Conn(t), srv.Conn(t)
	tx, err := a.Begin(ctx)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() {
		var n int
		done <- b.QueryRow(ctx, "SELECT 1").Scan(&n)
	}()
	select {
	case err := <-done:
		t.Fatalf("b ran while a's transaction was open (err %v)", err)
	case <-time.After(300 * time.Millisecond):
	}
	require.NoError(t, tx.Commit(ctx))
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("b still waits after a committed")
	}
}

// TestPipelinesWithFlushDoNotInterleave: a Flush without Sync leaves the
// backend mid-exchange; another connection must wait for the Sync.
func TestPipelinesWithFlushDoNotInterleave(t *testing.T) {
	ctx := testContext(t)
	srv := oracle.Server(t)
	a, b := srv.Conn(t), srv.Conn(t)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			var got int
			if err := b.QueryRow(ctx, "SELECT $1::int + 1", i).Scan(&got); err != nil || got != i+1 {
				t.Errorf("b: got %d, %v", got, err)
				return
			}
		}
	}()
	for round := range 20 {
		p := a.PgConn().StartPipeline(ctx)
		for i := range 3 {
			p.SendQueryParams("SELECT $1::int * 10", [][]byte{[]byte(strconv.Itoa(round*3 + i))}, nil, nil, nil)
		}
		p.SendFlushRequest() // a protocol Flush: results without a Sync
		require.NoError(t, p.Flush())
		for i := range 3 {
			results, err := p.GetResults()
			require.NoError(t, err)
			rr, ok := results.(*pgconn.ResultReader)
			require.True(t, ok, "got %T", results)
			res := rr.Read()
			require.NoError(t, res.Err)
			assert.Equal(t, strconv.Itoa((round*3+i)*10), string(res.Rows[0][0]))
		}
		require.NoError(t, p.Sync())
		_, err := p.GetResults() // the PipelineSync
		require.NoError(t, err)
		require.NoError(t, p.Close())
	}
	close(stop)
	wg.Wait()
}

// TestManyConnectionsAtOnce runs eight clients doing everything at once:
// COPY, transactions that commit or roll back, same-named prepared
// statements, batches, private settings and exact k-NN checks.
func TestManyConnectionsAtOnce(t *testing.T) {
	const clients, rows, dim = 8, 400, 24
	ctx := testContext(t)
	srv := oracle.Server(t)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := oneClient(ctx, srv, c, rows, dim); err != nil {
				t.Errorf("client %d: %v", c, err)
			}
		}()
	}
	wg.Wait()
}

func oneClient(ctx context.Context, srv *pgtest.Server, id, rows, dim int) (err error) {
	conn, err := srv.Connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	rng := rand.New(rand.NewPCG(uint64(id), 99))
	table := fmt.Sprintf("crowd_%d", id)
	if _, err := conn.Exec(ctx, fmt.Sprintf("CREATE TABLE %s (id int PRIMARY KEY, embedding vector(%d))", table, dim)); err != nil {
		return err
	}
	defer func() {
		if _, dropErr := conn.Exec(context.Background(), "DROP TABLE "+table); err == nil {
			err = dropErr
		}
	}()
	vecs := randomVectors(rng, rows, dim)
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{table}, []string{"id", "embedding"},
		pgx.CopyFromSlice(rows, func(i int) ([]any, error) { return []any{i, pgvector.NewVector(vecs[i])}, nil })); err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	efSearch := strconv.Itoa(10 + id)
	if _, err := conn.Exec(ctx, "SET hnsw.ef_search = "+efSearch); err != nil {
		return err
	}
	if _, err := conn.Prepare(ctx, "knn", fmt.Sprintf("SELECT id FROM %s ORDER BY embedding <-> $1 LIMIT 1", table)); err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	for round := range 15 {
		// A transaction that commits or rolls back a row.
		commit := round%2 == 0
		tx, err := conn.Begin(ctx)
		if err != nil {
			return err
		}
		extra := rows + round
		if _, err := tx.Exec(ctx, fmt.Sprintf("INSERT INTO %s VALUES ($1, $2)", table), extra,
			pgvector.NewVector(make([]float32, dim))); err != nil {
			return err
		}
		if commit {
			err = tx.Commit(ctx)
		} else {
			err = tx.Rollback(ctx)
		}
		if err != nil {
			return err
		}
		// Exact nearest neighbour (no index): must match brute force.
		q := randomVectors(rng, 1, dim)[0]
		var got int
		if err := conn.QueryRow(ctx, "knn", pgvector.NewVector(q)).Scan(&got); err != nil {
			return fmt.Errorf("knn: %w", err)
		}
		want, best := -1, math.Inf(1)
		for i, v := range vecs {
			if d := l2(q, v); d < best {
				want, best = i, d
			}
		}
		if got != want && got < rows {
			return fmt.Errorf("round %d: nearest is %d, want %d", round, got, want)
		}
		// A batch, and the private setting.
		batch := &pgx.Batch{}
		batch.Queue("SELECT count(*) FROM " + table)
		batch.Queue("SELECT current_setting('hnsw.ef_search')")
		br := conn.SendBatch(ctx, batch)
		var count int
		var setting string
		if err := br.QueryRow().Scan(&count); err != nil {
			return err
		}
		if err := br.QueryRow().Scan(&setting); err != nil {
			return err
		}
		if err := br.Close(); err != nil {
			return err
		}
		if wantCount := rows + round/2 + 1; count != wantCount {
			return fmt.Errorf("round %d: %d rows, want %d", round, count, wantCount)
		}
		if setting != efSearch {
			return fmt.Errorf("round %d: hnsw.ef_search is %s, want %s", round, setting, efSearch)
		}
	}
	return nil
}

// TestUnnamedStatementIsPrivateButCannotBlockOthers: a connection that parses
// the unnamed statement keeps the session until it binds it, so nobody else's
// statement replaces it; if it dawdles (over a second) while others wait, the
// session moves on, and binding it later fails cleanly instead of running
// somebody else's statement.
func TestUnnamedStatementIsPrivateButCannotBlockOthers(t *testing.T) {
	ctx := testContext(t)
	srv := oracle.Server(t)
	a, b := srv.Conn(t), srv.Conn(t)

	// Parse, then bind promptly: works even with b busy alongside.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			var n int
			if err := b.QueryRow(ctx, "SELECT 7").Scan(&n); err != nil || n != 7 {
				t.Errorf("b: %d, %v", n, err)
				return
			}
		}
	}()
	for i := range 20 {
		_, err := a.PgConn().Prepare(ctx, "", "SELECT $1::int * 2", nil)
		require.NoError(t, err)
		res := a.PgConn().ExecPrepared(ctx, "", [][]byte{[]byte(strconv.Itoa(i))}, nil, nil).Read()
		require.NoError(t, res.Err)
		assert.Equal(t, strconv.Itoa(2*i), string(res.Rows[0][0]))
	}
	close(stop)
	wg.Wait()

	// Parse, then dawdle while b needs the session.
	_, err := a.PgConn().Prepare(ctx, "", "SELECT 'mine'", nil)
	require.NoError(t, err)
	start := time.Now()
	var s string
	require.NoError(t, b.QueryRow(ctx, "SELECT 'theirs'").Scan(&s))
	assert.Equal(t, "theirs", s)
	assert.Less(t, time.Since(start), 20*time.Second)
	res := a.PgConn().ExecPrepared(ctx, "", nil, nil, nil).Read()
	var pgErr *pgconn.PgError
	require.True(t, errors.As(res.Err, &pgErr), "got %v", res.Err)
	assert.Equal(t, "26000", pgErr.Code)
	assert.Contains(t, pgErr.Message, "unnamed statement discarded")
	require.NoError(t, a.QueryRow(ctx, "SELECT 'again'").Scan(&s), "a recovers")
}
