package main

import (
	"math/rand/v2"
	"testing"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/pgvector/pgvector-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smallworld-go/smallworld/pgcompat"
)

func randomFloats(n int, seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 9))
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64() * 100)
	}
	return v
}

// TestVectorEncoderMatchesRecv checks the bytes sent against pgcompat's
// model of the server's vector_recv and halfvec_recv.
func TestVectorEncoderMatchesRecv(t *testing.T) {
	m := pgtype.NewMap()
	x := randomFloats(130, 1)

	plan := vectorEncoder{typ: "vector"}.PlanEncode(m, 0, pgtype.BinaryFormatCode, pgvector.NewVector(x))
	require.NotNil(t, plan)
	prefix := []byte{0xAA}
	b, err := plan.Encode(pgvector.NewVector(x), prefix)
	require.NoError(t, err)
	assert.Equal(t, byte(0xAA), b[0], "appends to buf")
	v, err := pgcompat.RecvVector(b[1:], -1)
	require.NoError(t, err)
	assert.Equal(t, x, v.Slice())

	h, err := pgcompat.NewHalfVec(x)
	require.NoError(t, err)
	plan = vectorEncoder{typ: "halfvec"}.PlanEncode(m, 0, pgtype.BinaryFormatCode, h)
	require.NotNil(t, plan)
	b, err = plan.Encode(h, nil)
	require.NoError(t, err)
	got, err := pgcompat.RecvHalfVec(b, -1)
	require.NoError(t, err)
	assert.True(t, got.Equal(h))
}

// TestVectorEncoderRefusesOtherTypes: a value of the wrong type must never
// be sent as the column type's bytes.
func TestVectorEncoderRefusesOtherTypes(t *testing.T) {
	m := pgtype.NewMap()
	h, err := pgcompat.NewHalfVec([]float32{1, 2})
	require.NoError(t, err)
	assert.Nil(t, vectorEncoder{typ: "vector"}.PlanEncode(m, 0, pgtype.BinaryFormatCode, h))
	assert.Nil(t, vectorEncoder{typ: "halfvec"}.PlanEncode(m, 0, pgtype.BinaryFormatCode, pgvector.NewVector([]float32{1, 2})))
	assert.Nil(t, vectorEncoder{typ: "vector"}.PlanEncode(m, 0, pgtype.BinaryFormatCode, []float32{1, 2}))
	assert.Nil(t, vectorEncoder{typ: "vector"}.PlanEncode(m, 0, pgtype.TextFormatCode, pgvector.NewVector([]float32{1, 2})))
	assert.Nil(t, vectorEncoder{typ: "vector"}.PlanScan(m, 0, pgtype.BinaryFormatCode, new(pgvector.Vector)))
	_, err = vectorEncoder{typ: "vector"}.DecodeValue(m, 0, pgtype.BinaryFormatCode, []byte{0, 0, 0, 0})
	assert.ErrorIs(t, err, errDecodeUnsupported)
}

// BenchmarkCopyRowEncoding compares the bytes export sends per row (binary,
// as COPY ... FORMAT binary takes them) with the text form a text COPY
// would send, for a 768-dimensional embedding.
func BenchmarkCopyRowEncoding(b *testing.B) {
	x := randomFloats(768, 2)
	m := pgtype.NewMap()
	b.Run("binary-vector", func(b *testing.B) {
		v := pgvector.NewVector(x)
		plan := vectorEncoder{typ: "vector"}.PlanEncode(m, 0, pgtype.BinaryFormatCode, v)
		buf := make([]byte, 0, 8192)
		b.SetBytes(int64(4 * len(x)))
		b.ReportAllocs()
		for b.Loop() {
			var err error
			if buf, err = plan.Encode(v, buf[:0]); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(buf)), "wire-bytes/row")
	})
	b.Run("binary-halfvec", func(b *testing.B) {
		buf := make([]byte, 0, 8192)
		b.SetBytes(int64(4 * len(x)))
		b.ReportAllocs()
		for b.Loop() {
			// The conversion is part of the per-row cost.
			h, err := pgcompat.NewHalfVec(x)
			if err != nil {
				b.Fatal(err)
			}
			plan := vectorEncoder{typ: "halfvec"}.PlanEncode(m, 0, pgtype.BinaryFormatCode, h)
			if buf, err = plan.Encode(h, buf[:0]); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(buf)), "wire-bytes/row")
	})
	b.Run("text-vector", func(b *testing.B) {
		v, err := pgcompat.NewVector(x)
		if err != nil {
			b.Fatal(err)
		}
		buf := make([]byte, 0, 16384)
		b.SetBytes(int64(4 * len(x)))
		b.ReportAllocs()
		for b.Loop() {
			buf = v.AppendText(buf[:0])
		}
		b.ReportMetric(float64(len(buf)), "wire-bytes/row")
	})
}
