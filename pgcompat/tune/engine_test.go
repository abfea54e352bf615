package tune

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smallworld-go/smallworld/bench"
)

// The sweep's engine (pgcompat.Index) and a plain hnsw index configured the
// same way are two implementations of one algorithm: on the same data they
// must agree on recall and cost, up to the randomness of levels.
func TestEnginesAgree(t *testing.T) {
	if testing.Short() {
		t.Skip("builds four indexes of SIFT-small")
	}
	base, queries, _, err := bench.SIFTSmall()
	require.NoError(t, err)
	spec := Spec{Base: base, Queries: queries, Builds: []BuildParams{{8, 32}, {16, 64}}, EfSearch: []int{10, 40, 100}}
	viaPg, err := Run(context.Background(), spec)
	require.NoError(t, err)
	spec.engine = hnswEngine{}
	viaHNSW, err := Run(context.Background(), spec)
	require.NoError(t, err)
	for i, a := range viaPg.Results {
		b := viaHNSW.Results[i]
		assert.InDelta(t, b.Recall.Mean, a.Recall.Mean, 0.03, "%v ef %d", a.BuildParams, a.EfSearch)
		assert.InEpsilon(t, b.DistanceEvals.Mean, a.DistanceEvals.Mean, 0.1, "%v ef %d", a.BuildParams, a.EfSearch)
		assert.Equal(t, b.Rows, a.Rows)
		assert.Equal(t, b.IndexBytes, a.IndexBytes, "same seed, same levels, same size")
	}
}

// pgvector returns every heap row of the ef_search nearest elements, so
// duplicates merged into one element can push a scan past ef_search rows
// (spec §5.8: ef_search = 3 returned 17 rows).
func TestScanReturnsMergedDuplicates(t *testing.T) {
	m := clustered(3, 400, 8, 4)
	dup := bench.NewMatrix(8, 0)
	for i := range m.Len() {
		for range 5 { // every vector five times
			require.NoError(t, dup.Append(m.Row(i)))
		}
	}
	rows := make([]int32, dup.Len())
	for i := range rows {
		rows[i] = int32(i)
	}
	ix, err := pgEngine{}.build(context.Background(), buildJob{
		params: BuildParams{4, 16}, seed: 1, oc: mustOpClass(t, "vector_l2_ops"), base: dup, rows: rows,
	}, nil)
	require.NoError(t, err)
	assert.Len(t, ix.tupleLevels(), dup.Len(), "a level is drawn for every row")
	assert.Less(t, len(ix.elementLevels()), dup.Len(), "duplicates merged into elements")
	got, evals, err := ix.scan(m.Row(7), 50, 3, nil)
	require.NoError(t, err)
	assert.Positive(t, evals)
	assert.Greater(t, len(got), 3, "the rows of 3 elements, more than ef_search")
	assert.LessOrEqual(t, len(got), 15)
	for _, r := range got[:5] {
		assert.Equal(t, m.Row(7), dup.Row(int(r)), "the query's own five copies come first")
	}
}
