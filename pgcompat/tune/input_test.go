package tune

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smallworld-go/smallworld/bench"
	"github.com/smallworld-go/smallworld/halfvec"
)

func mustOpClass(t *testing.T, name string) opClassInfo {
	t.Helper()
	oc, err := lookupOpClass(name)
	require.NoError(t, err)
	return oc
}

func TestOpClasses(t *testing.T) {
	names := OpClassNames()
	assert.Len(t, names, 8, "the vector_* and halfvec_* classes")
	for _, n := range names {
		oc := mustOpClass(t, n)
		assert.Equal(t, oc.oc.Type == "halfvec", oc.half(), n)
	}
	for _, bad := range []string{"bit_hamming_ops", "sparsevec_l2_ops", "vector_foo_ops"} {
		_, err := lookupOpClass(bad)
		assert.ErrorIs(t, err, ErrUnsupported, bad)
	}
	assert.Equal(t, 8+4*768, mustOpClass(t, "vector_cosine_ops").valueSize(768))
	assert.Equal(t, 8+2*768, mustOpClass(t, "halfvec_ip_ops").valueSize(768))
}

func inputErr(t *testing.T, err error, sentinel error) *InputError {
	t.Helper()
	require.ErrorIs(t, err, sentinel)
	var ie *InputError
	require.True(t, errors.As(err, &ie), "%v", err)
	return ie
}

func TestPrepareRejectsBadInput(t *testing.T) {
	l2 := mustOpClass(t, "vector_l2_ops")
	cos := mustOpClass(t, "vector_cosine_ops")

	_, err := prepare(Spec{Base: &bench.Matrix{}}, l2)
	inputErr(t, err, ErrEmpty)

	base := clustered(1, 50, 4, 2)
	base.Data[4*7+1] = float32(math.NaN())
	base.Data[4*9] = float32(math.Inf(-1))
	ie := inputErr(t, prepareErr(Spec{Base: base}, l2), ErrNonFinite)
	assert.Equal(t, "base", ie.Set)
	assert.Equal(t, 7, ie.Row)
	assert.Equal(t, 2, ie.Count)
	assert.Contains(t, ie.Error(), "base row 7 (and 1 more)")

	ie = inputErr(t, prepareErr(Spec{Base: clustered(1, 50, 4, 2), Queries: clustered(2, 5, 3, 1)}, l2), ErrDimension)
	assert.Equal(t, "queries", ie.Set)
	assert.Contains(t, ie.Error(), "queries have 3 dimensions, base vectors 4")

	_, err = prepare(Spec{Base: clustered(1, 50, 4, 2), Queries: &bench.Matrix{Dim: 4}}, l2)
	inputErr(t, err, ErrEmpty)

	// Zero queries under cosine: an error naming them.
	q := clustered(2, 6, 4, 1)
	clear(q.Row(2))
	clear(q.Row(4))
	ie = inputErr(t, prepareErr(Spec{Base: clustered(1, 50, 4, 2), Queries: q}, cos), ErrZeroVector)
	assert.Equal(t, 2, ie.Row)
	assert.Equal(t, 2, ie.Count)
	// ... but fine under L2.
	_, err = prepare(Spec{Base: clustered(1, 50, 4, 2), Queries: q}, l2)
	require.NoError(t, err)

	// All-zero base under cosine: nothing to index.
	zero := &bench.Matrix{Dim: 4, Data: make([]float32, 40)}
	ie = inputErr(t, prepareErr(Spec{Base: zero, Queries: clustered(2, 3, 4, 1)}, cos), ErrEmpty)
	assert.Equal(t, 10, ie.Count)
	assert.Contains(t, ie.Error(), "pgvector indexes none of them under vector_cosine_ops")

	// Too many dimensions: pgvector's message, and the way out.
	_, err = prepare(Spec{Base: clustered(1, 3, 2001, 1), Column: "embedding"}, l2)
	require.ErrorIs(t, err, ErrUnsupported)
	assert.Contains(t, err.Error(), "column cannot have more than 2000 dimensions for hnsw index")
	assert.Contains(t, err.Error(), "halfvec")
	_, err = prepare(Spec{Base: clustered(1, 30, 2001, 1), Column: "embedding"}, mustOpClass(t, "halfvec_l2_ops"))
	require.NoError(t, err, "halfvec indexes up to 4000")
	_, err = prepare(Spec{Base: clustered(1, 3, 4001, 1), Column: "embedding"}, mustOpClass(t, "halfvec_l2_ops"))
	assert.ErrorContains(t, err, "column cannot have more than 4000 dimensions for hnsw index")

	// halfvec cannot hold 70000.
	big := clustered(1, 20, 4, 1)
	big.Data[5] = 70000
	ie = inputErr(t, prepareErr(Spec{Base: big}, mustOpClass(t, "halfvec_l2_ops")), ErrOutOfRange)
	assert.Equal(t, 1, ie.Row)
}

func prepareErr(s Spec, oc opClassInfo) error {
	_, err := prepare(s, oc)
	return err
}

func TestPrepareZeroVectorsUnderCosine(t *testing.T) {
	base := clustered(1, 200, 8, 4)
	clear(base.Row(3))
	clear(base.Row(150))
	ds, err := prepare(Spec{Base: base, Queries: clustered(2, 5, 8, 2)}, mustOpClass(t, "vector_cosine_ops"))
	require.NoError(t, err)
	assert.Equal(t, 2, ds.zeroRows)
	assert.Equal(t, 3, ds.firstZero)
	assert.Len(t, ds.indexed, 198)
	assert.NotContains(t, ds.indexed, int32(3))
	assert.NotContains(t, ds.indexed, int32(150))
	// Under L2 they are indexed.
	ds, err = prepare(Spec{Base: base, Queries: clustered(2, 5, 8, 2)}, mustOpClass(t, "vector_l2_ops"))
	require.NoError(t, err)
	assert.Zero(t, ds.zeroRows)
	assert.Len(t, ds.indexed, 200)
}

func TestPrepareHoldsOutQueries(t *testing.T) {
	base := clustered(1, 1000, 8, 4)
	clear(base.Row(0))
	s := Spec{Base: base, Seed: 9, MaxQueries: DefaultMaxQueries}
	ds, err := prepare(s, mustOpClass(t, "vector_cosine_ops"))
	require.NoError(t, err)
	assert.Equal(t, 100, ds.heldOut, "10% of the rows by default")
	assert.Equal(t, 100, ds.queries.Len())
	assert.Equal(t, 900, ds.base.Len())
	// Held-out rows left the base, and the rest kept their order.
	seen := map[[8]float32]int{}
	for i := range base.Len() {
		seen[[8]float32(base.Row(i))]++
	}
	for i := range ds.queries.Len() {
		v := [8]float32(ds.queries.Row(i))
		assert.NotEqual(t, [8]float32{}, v, "a zero vector is never a cosine query")
		seen[v]--
	}
	prev := -1
	for i := range ds.base.Len() {
		v := [8]float32(ds.base.Row(i))
		seen[v]--
		// Find its original row: order must increase.
		for j := prev + 1; j < base.Len(); j++ {
			if [8]float32(base.Row(j)) == v {
				prev = j
				break
			}
		}
	}
	for _, c := range seen {
		assert.Zero(t, c, "every row is either a query or in the base, once")
	}
	// The same seed holds out the same rows; another seed others.
	again, err := prepare(s, mustOpClass(t, "vector_cosine_ops"))
	require.NoError(t, err)
	assert.Equal(t, ds.queries.Data, again.queries.Data)
	s.Seed = 10
	other, err := prepare(s, mustOpClass(t, "vector_cosine_ops"))
	require.NoError(t, err)
	assert.NotEqual(t, ds.queries.Data, other.queries.Data)

	s.HoldOut = 1000
	_, err = prepare(s, mustOpClass(t, "vector_cosine_ops"))
	assert.ErrorIs(t, err, ErrEmpty)
}

func TestPrepareSamplesQueries(t *testing.T) {
	q := clustered(2, 500, 4, 3)
	ds, err := prepare(Spec{Base: clustered(1, 100, 4, 3), Queries: q, MaxQueries: 50}, mustOpClass(t, "vector_l2_ops"))
	require.NoError(t, err)
	assert.Equal(t, 50, ds.queries.Len())
	assert.Equal(t, 500, ds.sampled)
	ds, err = prepare(Spec{Base: clustered(1, 100, 4, 3), Queries: q, MaxQueries: -1}, mustOpClass(t, "vector_l2_ops"))
	require.NoError(t, err)
	assert.Equal(t, 500, ds.queries.Len())
}

func TestPrepareRoundsToHalf(t *testing.T) {
	base := &bench.Matrix{Dim: 2, Data: []float32{1.0001, 3e-8, 0.1, 65504}}
	q := &bench.Matrix{Dim: 2, Data: []float32{0.333333, 2049}}
	ds, err := prepare(Spec{Base: base, Queries: q}, mustOpClass(t, "halfvec_l2_ops"))
	require.NoError(t, err)
	for i, x := range append(base.Data, q.Data...) {
		h, err := halfvec.FromFloat32(x)
		require.NoError(t, err)
		want := h.Float32()
		got := append(ds.base.Data, ds.queries.Data...)[i]
		assert.Equal(t, want, got, "value %v", x)
	}
	assert.Equal(t, float32(1.0001), base.Data[0], "the caller's data is untouched")
	assert.Equal(t, float32(2048), ds.queries.Data[1], "2049 rounds to even")
}
