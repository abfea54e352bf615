package pgtest_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBinaryVectorsMatchServerTextCasts sends vectors in binary and checks
// them against the server's own parsing of their text form, and reads them
// back in binary. For halfvec this pins the client-side float32 -> binary16
// rounding to pgvector's.
func TestBinaryVectorsMatchServerTextCasts(t *testing.T) {
	ctx := testContext(t)
	conn := oracle.Server(t).Conn(t)
	rng := rand.New(rand.NewPCG(1, 2))

	for round := range 50 {
		dim := 1 + rng.IntN(40)
		xs := make([]float32, dim)
		for i := range xs {
			switch rng.IntN(5) {
			case 0: // anything finite
				xs[i] = math.Float32frombits(rng.Uint32())
				if math.IsNaN(float64(xs[i])) || math.IsInf(float64(xs[i]), 0) {
					xs[i] = 0
				}
			case 1: // within halfvec's range, often near a rounding tie
				xs[i] = float32(rng.NormFloat64() * 1000)
			case 2: // halfvec subnormals and underflow
				xs[i] = float32(rng.NormFloat64() * 1e-6)
			default:
				xs[i] = float32(rng.NormFloat64())
			}
		}
		// vector: binary in, binary out, and equal to the text cast.
		var fromBinary, fromText pgvector.Vector
		var text string
		require.NoError(t, conn.QueryRow(ctx, "SELECT $1::vector, $2::text::vector, $1::vector::text",
			pgvector.NewVector(xs), pgvector.NewVector(xs).String()).Scan(&fromBinary, &fromText, &text))
		assert.Equal(t, bits(xs), bits(fromBinary.Slice()), "round %d", round)
		assert.Equal(t, bits(xs), bits(fromText.Slice()), "round %d", round)
		var reparsed pgvector.Vector
		require.NoError(t, reparsed.Parse(text))
		assert.Equal(t, bits(xs), bits(reparsed.Slice()), "server text output %s", text)

		// halfvec: only values in range; the server rounds the text, the
		// codec rounds the binary.
		hs := make([]float32, dim)
		for i, x := range xs {
			if math.Abs(float64(x)) < 65504 {
				hs[i] = x
			}
		}
		var halfBinary, halfText pgvector.HalfVector
		require.NoError(t, conn.QueryRow(ctx, "SELECT $1::halfvec, $2::text::halfvec",
			pgvector.NewHalfVector(hs), pgvector.NewVector(hs).String()).Scan(&halfBinary, &halfText))
		assert.Equal(t, bits(halfText.Slice()), bits(halfBinary.Slice()), "round %d: %v", round, hs)

		// sparsevec with the zeros of hs dropped.
		sv := pgvector.NewSparseVector(hs)
		var sparseBinary pgvector.SparseVector
		var sparseText string
		require.NoError(t, conn.QueryRow(ctx, "SELECT $1::sparsevec, $1::sparsevec::vector::text", sv).
			Scan(&sparseBinary, &sparseText))
		assert.Equal(t, sv.Dimensions(), sparseBinary.Dimensions())
		assert.Equal(t, sv.Indices(), sparseBinary.Indices())
		assert.Equal(t, bits(sv.Values()), bits(sparseBinary.Values()))
		var dense pgvector.Vector
		require.NoError(t, dense.Parse(sparseText))
		assert.Equal(t, bits(hs), bits(dense.Slice()))
	}
}

func bits(xs []float32) []uint32 {
	out := make([]uint32, len(xs))
	for i, x := range xs {
		out[i] = math.Float32bits(x)
	}
	return out
}

func TestFloat32SlicesAndArrays(t *testing.T) {
	ctx := testContext(t)
	conn := oracle.Server(t).Conn(t)
	var v, h []float32
	require.NoError(t, conn.QueryRow(ctx, "SELECT $1::vector, $2::halfvec",
		[]float32{1.5, -2}, []float32{0.1, 3}).Scan(&v, &h))
	assert.Equal(t, []float32{1.5, -2}, v)
	assert.Equal(t, []float32{0.099975586, 3}, h, "0.1 rounds to the nearest binary16")

	var arr []pgvector.Vector
	require.NoError(t, conn.QueryRow(ctx, "SELECT ARRAY['[1,2]'::vector, '[3,4]']").Scan(&arr))
	require.Len(t, arr, 2)
	assert.Equal(t, []float32{3, 4}, arr[1].Slice())
}

// TestHalfvecNonFiniteValuesReachTheServer checks that the codec leaves the
// verdict on NaN, infinity and overflow to pgvector rather than silently
// turning large finite values into infinity.
func TestHalfvecNonFiniteValuesReachTheServer(t *testing.T) {
	ctx := testContext(t)
	conn := oracle.Server(t).Conn(t)
	var h pgvector.HalfVector
	err := conn.QueryRow(ctx, "SELECT $1::halfvec", pgvector.NewHalfVector([]float32{float32(math.NaN())})).Scan(&h)
	requirePgError(t, err, "22000", "NaN not allowed in halfvec")
	err = conn.QueryRow(ctx, "SELECT $1::halfvec", pgvector.NewHalfVector([]float32{float32(math.Inf(-1))})).Scan(&h)
	requirePgError(t, err, "22000", "infinite value not allowed in halfvec")
	// The binary encoder refuses 70000; pgx then falls back to the text
	// format and the server reports its own error.
	err = conn.QueryRow(ctx, "SELECT $1::halfvec", pgvector.NewHalfVector([]float32{70000})).Scan(&h)
	requirePgError(t, err, "22003", `"70000" is out of range for type halfvec`)

	var n int
	require.NoError(t, conn.QueryRow(ctx, "SELECT 1").Scan(&n), "the connection survives")
}

func TestVectorTypesInSimpleProtocol(t *testing.T) {
	ctx := testContext(t)
	conn := oracle.Server(t).Conn(t)
	var v pgvector.Vector
	var h pgvector.HalfVector
	var s pgvector.SparseVector
	require.NoError(t, conn.QueryRow(ctx, "SELECT $1::vector, $2::halfvec, $3::sparsevec", pgx.QueryExecModeSimpleProtocol,
		pgvector.NewVector([]float32{1e-30, 3.4028235e38}), pgvector.NewHalfVector([]float32{0.5}),
		pgvector.NewSparseVector([]float32{0, 2, 0})).Scan(&v, &h, &s))
	assert.Equal(t, []float32{1e-30, 3.4028235e38}, v.Slice())
	assert.Equal(t, []float32{0.5}, h.Slice())
	assert.Equal(t, []float32{0, 2, 0}, s.Slice())
}
