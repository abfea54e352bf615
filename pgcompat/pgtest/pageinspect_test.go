package pgtest_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/pgvector/pgvector-go"
	"github.com/smallworld-go/smallworld/pgcompat/pgtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadHNSWFromTheRealIndex builds an index in the real pgvector, reads
// its pages back with pageinspect and checks them against the table and
// against the structure pgvector promises.
func TestReadHNSWFromTheRealIndex(t *testing.T) {
	const n, dim, m, efc = 600, 8, 4, 16
	ctx := testContext(t)
	conn := oracle.Server(t).Conn(t)
	rng := rand.New(rand.NewPCG(5, 6))
	vecs := randomVectors(rng, n, dim)

	_, err := conn.Exec(ctx, fmt.Sprintf("CREATE TABLE paged (id int PRIMARY KEY, embedding vector(%d))", dim))
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = conn.Exec(context.Background(), "DROP TABLE paged") })
	copyVectors(ctx, t, conn, "paged", vecs)
	_, err = conn.Exec(ctx, fmt.Sprintf(
		`CREATE INDEX "Paged HNSW" ON paged USING hnsw (embedding vector_l2_ops) WITH (m = %d, ef_construction = %d)`, m, efc))
	require.NoError(t, err)

	idx, err := pgtest.ReadHNSW(ctx, conn, `"Paged HNSW"`)
	require.NoError(t, err)
	assert.Equal(t, 1, idx.Version)
	assert.Equal(t, dim, idx.Dimensions)
	assert.Equal(t, m, idx.M)
	assert.Equal(t, efc, idx.EfConstruction)
	var size int64
	require.NoError(t, conn.QueryRow(ctx, `SELECT pg_relation_size('"Paged HNSW"')`).Scan(&size))
	assert.Equal(t, size, int64(idx.Pages)*8192)
	require.Len(t, idx.Elements, n)

	// Map heap TIDs to rows: every element holds exactly its row's vector.
	rowAt := map[pgtest.TID]int{}
	rows, err := conn.Query(ctx, "SELECT ctid, id FROM paged")
	require.NoError(t, err)
	for rows.Next() {
		var ctid pgtype.TID
		var id int
		require.NoError(t, rows.Scan(&ctid, &id))
		rowAt[pgtest.TID{Block: ctid.BlockNumber, Offset: ctid.OffsetNumber}] = id
	}
	require.NoError(t, rows.Err())
	seen := map[int]bool{}
	maxLevel, upper := 0, 0
	for i, e := range idx.Elements {
		require.Len(t, e.HeapTIDs, 1, "element %d", i)
		id, ok := rowAt[e.HeapTIDs[0]]
		require.True(t, ok, "element %d points to heap tuple %v", i, e.HeapTIDs[0])
		seen[id] = true
		got, err := e.Vector()
		require.NoError(t, err)
		assert.Equal(t, vecs[id], got, "element %d (row %d)", i, id)
		assert.False(t, e.Deleted)

		require.Len(t, e.Neighbors, e.Level+1)
		assert.NotEmpty(t, e.Neighbors[0], "element %d has no layer-0 neighbours", i)
		assert.LessOrEqual(t, len(e.Neighbors[0]), 2*m)
		for layer, list := range e.Neighbors {
			assert.LessOrEqual(t, len(list), max(m, 2*m*boolInt(layer == 0)))
			for _, j := range list {
				assert.NotEqual(t, i, j, "element %d lists itself", i)
				assert.GreaterOrEqual(t, idx.Elements[j].Level, layer, "a layer-%d neighbour must reach that layer", layer)
			}
		}
		maxLevel = max(maxLevel, e.Level)
		if e.Level > 0 {
			upper++
		}
	}
	assert.Len(t, seen, n, "every row is indexed once")
	require.GreaterOrEqual(t, idx.Entry, 0)
	assert.Equal(t, maxLevel, idx.EntryLevel)
	assert.Equal(t, idx.EntryLevel, idx.Elements[idx.Entry].Level)
	// Levels are drawn with P(level >= 1) = 1/m.
	assert.InDelta(t, float64(n)/m, float64(upper), 0.4*float64(n)/m, "%d of %d elements above layer 0", upper, n)

	// After the build, elements are written newest first (spec §5): the
	// last row inserted is the first element on page 1.
	assert.Equal(t, n-1, rowAt[idx.Elements[0].HeapTIDs[0]])

	// A halfvec index decodes too.
	_, err = conn.Exec(ctx, "CREATE INDEX paged_half ON paged USING hnsw ((embedding::halfvec(8)) halfvec_l2_ops) WITH (m = 4)")
	require.NoError(t, err)
	half, err := pgtest.ReadHNSW(ctx, conn, "paged_half")
	require.NoError(t, err)
	require.Len(t, half.Elements, n)
	id := rowAt[half.Elements[0].HeapTIDs[0]]
	var want pgvector.HalfVector
	require.NoError(t, conn.QueryRow(ctx, "SELECT embedding::halfvec(8) FROM paged WHERE id = $1", id).Scan(&want))
	got, err := half.Elements[0].HalfVector()
	require.NoError(t, err)
	assert.Equal(t, want.Slice(), got)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestReadHNSWOfAnEmptyIndex(t *testing.T) {
	ctx := testContext(t)
	conn := oracle.Server(t).Conn(t)
	_, err := conn.Exec(ctx, "CREATE TABLE empty_paged (embedding vector(3))")
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = conn.Exec(context.Background(), "DROP TABLE empty_paged") })
	_, err = conn.Exec(ctx, "CREATE INDEX empty_paged_idx ON empty_paged USING hnsw (embedding vector_cosine_ops)")
	require.NoError(t, err)
	idx, err := pgtest.ReadHNSW(ctx, conn, "empty_paged_idx")
	require.NoError(t, err)
	assert.Equal(t, 2, idx.Pages, "metapage plus one empty page (spec §6)")
	assert.Empty(t, idx.Elements)
	assert.Equal(t, -1, idx.Entry)
	assert.Equal(t, -1, idx.EntryLevel)
	assert.Equal(t, 16, idx.M)
	assert.Equal(t, 64, idx.EfConstruction)

	_, err = pgtest.ReadHNSW(ctx, conn, "no_such_index")
	require.Error(t, err)
}
