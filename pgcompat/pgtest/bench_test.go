package pgtest_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"
	"github.com/smallworld-go/smallworld/pgcompat/pgtest"
	"github.com/stretchr/testify/require"
)

// These benchmarks size the oracle for CI: what a start, a query, a bulk load
// and an index build cost. Run the slow ones once:
//
//	go test -run XXX -bench 'CopyFrom|IndexBuild' -benchtime 1x ./pgcompat/pgtest/

func BenchmarkStart(b *testing.B) {
	for b.Loop() {
		srv, err := pgtest.Start(context.Background(), pgtest.Options{})
		if err != nil {
			b.Skip(err)
		}
		b.ReportMetric(float64(srv.Info().StartupMillis), "server-ms/op")
		require.NoError(b, srv.Close())
	}
}

func BenchmarkConnect(b *testing.B) {
	srv := oracle.Server(b)
	ctx := context.Background()
	for b.Loop() {
		conn, err := srv.Connect(ctx)
		require.NoError(b, err)
		require.NoError(b, conn.Close(ctx))
	}
}

func BenchmarkSelectOne(b *testing.B) {
	ctx := context.Background()
	conn := oracle.Server(b).Conn(b)
	var n int
	for b.Loop() {
		require.NoError(b, conn.QueryRow(ctx, "SELECT 1").Scan(&n))
	}
}

// BenchmarkKNN is one k-NN query through an HNSW index on 2,000 x 128.
func BenchmarkKNN(b *testing.B) {
	const n, dim = 2000, 128
	ctx := context.Background()
	conn := oracle.Server(b).Conn(b)
	rng := rand.New(rand.NewPCG(1, 1))
	createAndLoad(ctx, b, conn, "bench_knn", randomVectors(rng, n, dim))
	_, err := conn.Exec(ctx, "CREATE INDEX ON bench_knn USING hnsw (embedding vector_l2_ops) WITH (m = 8, ef_construction = 32)")
	require.NoError(b, err)
	queries := randomVectors(rng, 64, dim)
	var id int
	i := 0
	for b.Loop() {
		require.NoError(b, conn.QueryRow(ctx, "SELECT id FROM bench_knn ORDER BY embedding <-> $1 LIMIT 10",
			pgvector.NewVector(queries[i%len(queries)])).Scan(&id))
		i++
	}
}

func createAndLoad(ctx context.Context, b *testing.B, conn *pgx.Conn, table string, vecs [][]float32) {
	b.Helper()
	_, err := conn.Exec(ctx, fmt.Sprintf("CREATE TABLE %s (id int PRIMARY KEY, embedding vector(%d))", table, len(vecs[0])))
	require.NoError(b, err)
	b.Cleanup(func() { _, _ = conn.Exec(context.Background(), "DROP TABLE "+table) })
	copyVectors(ctx, b, conn, table, vecs)
}

// BenchmarkCopyFrom10kx128 loads 10,000 x 128-d rows with pgx CopyFrom.
func BenchmarkCopyFrom10kx128(b *testing.B) {
	const n, dim = 10000, 128
	ctx := context.Background()
	conn := oracle.Server(b).Conn(b)
	vecs := randomVectors(rand.New(rand.NewPCG(2, 2)), n, dim)
	_, err := conn.Exec(ctx, fmt.Sprintf("CREATE TABLE bench_copy (id int PRIMARY KEY, embedding vector(%d))", dim))
	require.NoError(b, err)
	b.Cleanup(func() { _, _ = conn.Exec(context.Background(), "DROP TABLE bench_copy") })
	var elapsed time.Duration
	for b.Loop() {
		_, err := conn.Exec(ctx, "TRUNCATE bench_copy")
		require.NoError(b, err)
		start := time.Now()
		copyVectors(ctx, b, conn, "bench_copy", vecs)
		elapsed += time.Since(start)
	}
	rows := float64(n) * float64(b.N)
	b.ReportMetric(rows/elapsed.Seconds(), "rows/s")
	b.ReportMetric(rows*(4*dim+12)/elapsed.Seconds()/1e6, "MB/s")
}

// BenchmarkIndexBuild10kx128 builds HNSW (m=16, ef_construction=64, the
// defaults) over 10,000 x 128-d rows.
func BenchmarkIndexBuild10kx128(b *testing.B) {
	const n, dim = 10000, 128
	ctx := context.Background()
	conn := oracle.Server(b).Conn(b)
	createAndLoad(ctx, b, conn, "bench_build", randomVectors(rand.New(rand.NewPCG(3, 3)), n, dim))
	for b.Loop() {
		_, err := conn.Exec(ctx, "CREATE INDEX bench_build_idx ON bench_build USING hnsw (embedding vector_l2_ops) WITH (m = 16, ef_construction = 64)")
		require.NoError(b, err)
		b.StopTimer()
		_, err = conn.Exec(ctx, "DROP INDEX bench_build_idx")
		require.NoError(b, err)
		b.StartTimer()
	}
}
