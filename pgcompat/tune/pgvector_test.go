package tune_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smallworld-go/smallworld/bench"
	"github.com/smallworld-go/smallworld/pgcompat/tune"
)

// TestRecommendationHoldsOnRealPgvector is the oracle's promise, checked:
// tune's recommendation for SIFT-small (the default grid the README runs,
// with three builds per configuration so that the choice allows for the
// real build's own random levels) is applied to a real pgvector 0.8.7 with
// the SQL tune prints, and the real index, built three times, reaches the
// target recall on the same queries in the median build. The planner's choice and the index size are checked too.
func TestRecommendationHoldsOnRealPgvector(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a dozen indexes and one on the real pgvector")
	}
	srv := oracle.Server(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	base, queries, _, err := bench.SIFTSmall()
	require.NoError(t, err)
	start := time.Now()
	rep, err := tune.Run(ctx, tune.Spec{Base: base, Queries: queries, Repeats: 3, CacheDir: t.TempDir()})
	require.NoError(t, err)
	rec := rep.Recommendation
	require.NotNil(t, rec, rep.NoRecommendation)
	t.Logf("tune: %v; recommends m=%d ef_construction=%d ef_search=%d, predicted recall %.4f, %s",
		time.Since(start).Round(time.Millisecond), rec.M, rec.EfConstruction, rec.EfSearch, rec.Recall.Mean, tune.FormatBytes(rec.IndexBytes))

	conn := srv.Conn(t)
	_, err = conn.Exec(ctx, `CREATE TABLE items (id integer, embedding vector(128))`)
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = conn.Exec(context.Background(), "DROP TABLE items") })
	n, err := conn.CopyFrom(ctx, pgx.Identifier{"items"}, []string{"id", "embedding"},
		pgx.CopyFromSlice(base.Len(), func(i int) ([]any, error) {
			return []any{i, pgvector.NewVector(base.Row(i))}, nil
		}))
	require.NoError(t, err)
	require.Equal(t, int64(base.Len()), n)

	// The recommendation, statement by statement, as a user pastes it.
	start = time.Now()
	for _, stmt := range rec.Statements {
		_, err := conn.Exec(ctx, stmt)
		require.NoError(t, err, stmt)
	}
	t.Logf("CREATE INDEX on pgvector: %v", time.Since(start).Round(time.Millisecond))

	var size int64
	require.NoError(t, conn.QueryRow(ctx, `SELECT pg_relation_size('items_embedding_idx')`).Scan(&size))
	t.Logf("index size: real %d bytes, predicted %d", size, rec.IndexBytes)
	assert.InEpsilon(t, float64(size), float64(rec.IndexBytes), 0.02, "the size model")
	assert.LessOrEqual(t, int64(rec.IndexPages.Min)*8192-8192, size)
	assert.GreaterOrEqual(t, int64(rec.IndexPages.Max)*8192+8192, size)

	const query = `SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 10`
	var plan strings.Builder
	rows, err := conn.Query(ctx, "EXPLAIN "+query, pgvector.NewVector(queries.Row(0)))
	require.NoError(t, err)
	for rows.Next() {
		var line string
		require.NoError(t, rows.Scan(&line))
		plan.WriteString(line + "\n")
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, rec.Plan.UseIndex, strings.Contains(plan.String(), "Index Scan using items_embedding_idx"), plan.String())

	truth, err := bench.GroundTruth(ctx, base, queries, bench.L2, 10, bench.GroundTruthOptions{})
	require.NoError(t, err)
	measure := func() float64 {
		results := make([][]int32, queries.Len())
		for q := range queries.Len() {
			rows, err := conn.Query(ctx, query, pgvector.NewVector(queries.Row(q)))
			require.NoError(t, err)
			for rows.Next() {
				var id int32
				require.NoError(t, rows.Scan(&id))
				results[q] = append(results[q], id)
			}
			require.NoError(t, rows.Err())
			require.Len(t, results[q], 10)
		}
		recall, err := bench.Recall(truth, results, 10)
		require.NoError(t, err)
		return recall
	}
	// pgvector draws new random levels at every build, and a single real
	// build's recall on 100 queries scatters by about ±0.02 around the
	// mean (its low tail is heavy). The promise is about the configuration,
	// so the real index is built three times (REINDEX draws new levels) and
	// the median build must reach the target.
	recalls := []float64{measure()}
	for range 2 {
		_, err := conn.Exec(ctx, `REINDEX INDEX items_embedding_idx`)
		require.NoError(t, err)
		recalls = append(recalls, measure())
	}
	t.Logf("recall@10 on pgvector over 3 builds %.4f, predicted %.4f ± %.4f (target %.2f)", recalls, rec.Recall.Mean, rec.RecallSE, rep.Spec.TargetRecall)
	slices.Sort(recalls)
	assert.GreaterOrEqual(t, recalls[1], rep.Spec.TargetRecall, fmt.Sprintf("median of 3 real builds of the recommended %v, ef_search %d", rec.BuildParams, rec.EfSearch))
}
