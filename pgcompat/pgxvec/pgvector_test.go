package pgxvec_test

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smallworld-go/smallworld/pgcompat/pgtest"
	"github.com/smallworld-go/smallworld/pgcompat/pgxvec"
)

// These tests run against the real pgvector (the PGlite oracle); they skip
// without Node.js unless SMALLWORLD_REQUIRE_PGVECTOR=1.

var oracle pgtest.Shared

func TestMain(m *testing.M) { os.Exit(oracle.Run(m)) }

// connect opens a plain pgx connection in mode and registers the codecs
// with Register itself.
func connect(t *testing.T, mode pgx.QueryExecMode) (context.Context, *pgx.Conn) {
	t.Helper()
	srv := oracle.Server(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	cfg, err := pgx.ParseConfig(srv.DSN())
	require.NoError(t, err)
	cfg.DefaultQueryExecMode = mode
	conn, err := pgx.ConnectConfig(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	require.NoError(t, pgxvec.Register(ctx, conn))
	return ctx, conn
}

// wireModes are the ways a value can travel: parameters and results in
// binary; parameters in binary and results in text; everything in text
// (the simple protocol).
var wireModes = []struct {
	name    string
	mode    pgx.QueryExecMode
	results []any // leading Query arguments choosing the result format
}{
	{"binary", pgx.QueryExecModeCacheStatement, nil},
	{"binary-in-text-out", pgx.QueryExecModeCacheStatement, []any{pgx.QueryResultFormats{pgx.TextFormatCode}}},
	{"text", pgx.QueryExecModeSimpleProtocol, nil},
}

func bits(xs []float32) []uint32 {
	out := make([]uint32, len(xs))
	for i, x := range xs {
		out[i] = math.Float32bits(x)
	}
	return out
}

// randomElements mixes magnitudes, halfvec subnormals and values near
// binary16 rounding ties; all are finite and within halfvec's range.
func randomElements(rng *rand.Rand, dim int) []float32 {
	xs := make([]float32, dim)
	for i := range xs {
		switch rng.IntN(4) {
		case 0:
			xs[i] = float32(rng.NormFloat64() * 1000)
		case 1:
			xs[i] = float32(rng.NormFloat64() * 1e-6)
		case 2:
			xs[i] = 0
		default:
			xs[i] = float32(rng.NormFloat64())
		}
	}
	return xs
}

// TestRoundTripAgainstServerCasts sends every type in every wire mode and
// checks what the server stored against its own reading of pgvector-go's
// text form of the same value, and what came back against what was sent
// (for halfvec, against the server's rounding).
func TestRoundTripAgainstServerCasts(t *testing.T) {
	for _, wm := range wireModes {
		t.Run(wm.name, func(t *testing.T) {
			ctx, conn := connect(t, wm.mode)
			rng := rand.New(rand.NewPCG(7, uint64(wm.mode)))
			for round := range 20 {
				xs := randomElements(rng, 1+rng.IntN(40))
				vec, half, sparse := pgvector.NewVector(xs), pgvector.NewHalfVector(xs), pgvector.NewSparseVector(xs)
				args := append(append([]any{}, wm.results...), vec, half, sparse, vec.String(), sparse.String())
				rows, err := conn.Query(ctx, `SELECT $1::vector, $2::halfvec, $3::sparsevec,
					$1::vector::text = $4::text::vector::text,
					$2::halfvec::text = $4::text::halfvec::text,
					$3::sparsevec::text = $5::text::sparsevec::text,
					$4::text::halfvec::text`, args...)
				require.NoError(t, err)
				var gotVec pgvector.Vector
				var gotHalf pgvector.HalfVector
				var gotSparse pgvector.SparseVector
				var sameVec, sameHalf, sameSparse bool
				var serverHalf string
				require.True(t, rows.Next(), "round %d: %v", round, rows.Err())
				require.NoError(t, rows.Scan(&gotVec, &gotHalf, &gotSparse, &sameVec, &sameHalf, &sameSparse, &serverHalf))
				rows.Close()
				require.NoError(t, rows.Err())

				assert.True(t, sameVec, "round %d: the server stored another vector", round)
				assert.True(t, sameHalf, "round %d: the server stored another halfvec", round)
				assert.True(t, sameSparse, "round %d: the server stored another sparsevec", round)
				assert.Equal(t, bits(xs), bits(gotVec.Slice()), "round %d", round)
				var wantHalf pgvector.HalfVector
				require.NoError(t, wantHalf.Parse(serverHalf))
				assert.Equal(t, bits(wantHalf.Slice()), bits(gotHalf.Slice()), "round %d", round)
				assert.Equal(t, sparse.Dimensions(), gotSparse.Dimensions())
				assert.Equal(t, sparse.Indices(), gotSparse.Indices())
				assert.Equal(t, bits(sparse.Values()), bits(gotSparse.Values()))
			}
		})
	}
}

// TestFloat32Slices covers []float32 parameters and *[]float32 targets,
// which the simple protocol cannot type, so only in the extended modes.
func TestFloat32Slices(t *testing.T) {
	for _, wm := range wireModes[:2] {
		t.Run(wm.name, func(t *testing.T) {
			ctx, conn := connect(t, wm.mode)
			xs := []float32{1e-30, -2, 3.4028235e38}
			var v, h []float32
			args := append(append([]any{}, wm.results...), xs, []float32{0.1, 3})
			require.NoError(t, conn.QueryRow(ctx, "SELECT $1::vector, $2::halfvec", args...).Scan(&v, &h))
			assert.Equal(t, xs, v)
			assert.Equal(t, []float32{0.099975586, 3}, h, "0.1 rounds to the nearest binary16")
		})
	}
}

func TestNulls(t *testing.T) {
	for _, wm := range wireModes {
		t.Run(wm.name, func(t *testing.T) {
			ctx, conn := connect(t, wm.mode)
			query := func(sql string, args ...any) pgx.Row {
				return conn.QueryRow(ctx, sql, append(append([]any{}, wm.results...), args...)...)
			}
			const nulls = "SELECT NULL::vector, NULL::halfvec, NULL::sparsevec"
			v, h := []float32{1}, []float32{1}
			var vp *pgvector.Vector
			var hp *pgvector.HalfVector
			sp := &pgvector.SparseVector{}
			require.NoError(t, query(nulls).Scan(&v, &h, &sp))
			assert.Nil(t, v)
			assert.Nil(t, h)
			assert.Nil(t, sp)
			require.NoError(t, query(nulls).Scan(&vp, &hp, &sp))
			assert.Nil(t, vp)
			assert.Nil(t, hp)

			var vec pgvector.Vector
			err := query("SELECT NULL::vector").Scan(&vec)
			assert.ErrorIs(t, err, pgxvec.ErrNull)

			values, err := conn.Query(ctx, nulls)
			require.NoError(t, err)
			require.True(t, values.Next())
			got, err := values.Values()
			require.NoError(t, err)
			assert.Equal(t, []any{nil, nil, nil}, got)
			values.Close()

			// Nil parameters are sent as NULL.
			var allNull bool
			require.NoError(t, query("SELECT $1::vector IS NULL AND $2::halfvec IS NULL AND $3::sparsevec IS NULL",
				(*pgvector.Vector)(nil), (*pgvector.HalfVector)(nil), (*pgvector.SparseVector)(nil)).Scan(&allNull))
			assert.True(t, allNull)
			if wm.mode != pgx.QueryExecModeSimpleProtocol {
				require.NoError(t, query("SELECT $1::vector IS NULL", []float32(nil)).Scan(&allNull))
				assert.True(t, allNull)
			}
		})
	}
}

func TestArraysAndValues(t *testing.T) {
	for _, wm := range wireModes {
		t.Run(wm.name, func(t *testing.T) {
			ctx, conn := connect(t, wm.mode)
			var vs []pgvector.Vector
			var hs []*pgvector.HalfVector
			var ss []pgvector.SparseVector
			args := append(append([]any{}, wm.results...),
				[]pgvector.Vector{pgvector.NewVector([]float32{1, 2}), pgvector.NewVector([]float32{3, 4})})
			require.NoError(t, conn.QueryRow(ctx,
				"SELECT $1::vector[], ARRAY['[0.5]'::halfvec, NULL], ARRAY['{2:7}/3'::sparsevec]", args...).
				Scan(&vs, &hs, &ss))
			require.Len(t, vs, 2)
			assert.Equal(t, []float32{3, 4}, vs[1].Slice())
			require.Len(t, hs, 2)
			assert.Equal(t, []float32{0.5}, hs[0].Slice())
			assert.Nil(t, hs[1])
			require.Len(t, ss, 1)
			assert.Equal(t, []float32{0, 7, 0}, ss[0].Slice())

			rows, err := conn.Query(ctx, "SELECT '[1,2]'::vector, '[0.25]'::halfvec, '{1:-1}/2'::sparsevec", wm.results...)
			require.NoError(t, err)
			require.True(t, rows.Next())
			got, err := rows.Values()
			require.NoError(t, err)
			rows.Close()
			require.Len(t, got, 3)
			assert.Equal(t, pgvector.NewVector([]float32{1, 2}), got[0])
			assert.Equal(t, pgvector.NewHalfVector([]float32{0.25}), got[1])
			assert.Equal(t, []float32{-1, 0}, got[2].(pgvector.SparseVector).Slice())
		})
	}
}

// TestHalfvecOverflowReachesTheServer: a finite value too large for
// binary16 falls back to the text format, so that the server reports it.
func TestHalfvecOverflowReachesTheServer(t *testing.T) {
	ctx, conn := connect(t, pgx.QueryExecModeCacheStatement)
	var h pgvector.HalfVector
	err := conn.QueryRow(ctx, "SELECT $1::halfvec", pgvector.NewHalfVector([]float32{70000})).Scan(&h)
	assert.ErrorContains(t, err, `"70000" is out of range for type halfvec`)
	err = conn.QueryRow(ctx, "SELECT $1::halfvec", pgvector.NewHalfVector([]float32{float32(math.NaN())})).Scan(&h)
	assert.ErrorContains(t, err, "NaN not allowed in halfvec")
}

// TestRegisterWithoutExtension drops the extension inside a transaction
// that is rolled back.
func TestRegisterWithoutExtension(t *testing.T) {
	ctx, conn := connect(t, pgx.QueryExecModeCacheStatement)
	tx, err := conn.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	_, err = tx.Exec(ctx, "DROP EXTENSION vector CASCADE")
	require.NoError(t, err)
	err = pgxvec.Register(ctx, conn)
	require.ErrorIs(t, err, pgxvec.ErrNoExtension)
	assert.ErrorContains(t, err, "CREATE EXTENSION vector")
	require.NoError(t, tx.Rollback(ctx))
	require.NoError(t, pgxvec.Register(ctx, conn))

	// A failed lookup is wrapped, not replaced.
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	err = pgxvec.Register(canceled, conn)
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
}

// TestCopyFromBinary is what smallworld export does: COPY ... FORMAT binary
// through pgx's CopyFrom, which needs the binary encoders.
func TestCopyFromBinary(t *testing.T) {
	ctx, conn := connect(t, pgx.QueryExecModeCacheStatement)
	_, err := conn.Exec(ctx, "CREATE TABLE pgxvec_copy (v vector(3), h halfvec(3), s sparsevec(3))")
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = conn.Exec(context.Background(), "DROP TABLE pgxvec_copy") })
	xs := []float32{0.1, -2, 1e-7}
	n, err := conn.CopyFrom(ctx, pgx.Identifier{"pgxvec_copy"}, []string{"v", "h", "s"}, pgx.CopyFromRows([][]any{
		{pgvector.NewVector(xs), pgvector.NewHalfVector(xs), pgvector.NewSparseVector(xs)},
		{xs, xs, nil},
	}))
	require.NoError(t, err)
	assert.Equal(t, int64(2), n)
	var ok bool
	require.NoError(t, conn.QueryRow(ctx, `SELECT bool_and(v = '[0.1,-2,1e-7]' AND h = '[0.1,-2,1e-7]')
		AND count(s) = 1 AND bool_and(s IS NULL OR s = '{1:0.1,2:-2,3:1e-7}/3') FROM pgxvec_copy`).Scan(&ok))
	assert.True(t, ok)
}
