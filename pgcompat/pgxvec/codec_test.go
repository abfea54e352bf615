package pgxvec

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/pgvector/pgvector-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smallworld-go/smallworld/pgcompat"
)

// These tests need no server: they check the codecs against pgcompat's
// model of pgvector's send, recv, input and output functions, an
// independent implementation. pgvector_test.go checks them against the
// real pgvector.

const (
	binaryFormat = pgtype.BinaryFormatCode
	textFormat   = pgtype.TextFormatCode
)

func randomFloats(rng *rand.Rand, n int) []float32 {
	xs := make([]float32, n)
	for i := range xs {
		xs[i] = float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(9)-4)))
	}
	return xs
}

// encode runs the codec's encode plan for value.
func encode(t *testing.T, c pgtype.Codec, format int16, value any) []byte {
	t.Helper()
	plan := c.PlanEncode(pgtype.NewMap(), 0, format, value)
	require.NotNil(t, plan, "%T", value)
	b, err := plan.Encode(value, nil)
	require.NoError(t, err)
	return b
}

// scan runs the codec's scan plan for target.
func scan(c pgtype.Codec, format int16, src []byte, target any) error {
	plan := c.PlanScan(pgtype.NewMap(), 0, format, target)
	if plan == nil {
		return assert.AnError
	}
	return plan.Scan(src, target)
}

// denseModel is pgcompat's model of one dense type: what the server stores
// for the elements xs, in binary and in text.
type denseModel func(xs []float32) (stored []float32, bin, text []byte, err error)

// modelOf builds the model of a pgcompat type from its constructor.
func modelOf[V interface {
	Slice() []float32
	MarshalBinary() ([]byte, error)
	AppendText([]byte) []byte
}](newV func([]float32) (V, error)) denseModel {
	return func(xs []float32) ([]float32, []byte, []byte, error) {
		v, err := newV(xs)
		if err != nil {
			return nil, nil, nil, err
		}
		b, err := v.MarshalBinary()
		return v.Slice(), b, v.AppendText(nil), err
	}
}

func TestDenseMatchesPgcompat(t *testing.T) {
	for _, tc := range []struct {
		codec  *codec[[]float32]
		model  denseModel
		param  func([]float32) any            // the pgvector-go parameter
		target func() (any, func() []float32) // a pgvector-go scan target and its elements
	}{
		{newVectorCodec(), modelOf(pgcompat.NewVector),
			func(xs []float32) any { return pgvector.NewVector(xs) },
			func() (any, func() []float32) {
				v := new(pgvector.Vector)
				return v, func() []float32 { return v.Slice() }
			}},
		{newHalfvecCodec(), modelOf(pgcompat.NewHalfVec), // rounds as pgvector's input does
			func(xs []float32) any { return pgvector.NewHalfVector(xs) },
			func() (any, func() []float32) {
				v := new(pgvector.HalfVector)
				return v, func() []float32 { return v.Slice() }
			}},
	} {
		t.Run(tc.codec.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(len(tc.codec.name))))
			for range 100 {
				xs := randomFloats(rng, 1+rng.IntN(300))
				stored, wantBinary, wantText, err := tc.model(xs)
				require.NoError(t, err)

				assert.Equal(t, wantBinary, encode(t, tc.codec, binaryFormat, xs), "the server's rounding")
				assert.Equal(t, wantBinary, encode(t, tc.codec, binaryFormat, tc.param(xs)))
				reread, _, _, err := tc.model(mustParse(t, tc.codec, encode(t, tc.codec, textFormat, xs)))
				require.NoError(t, err)
				assert.Equal(t, stored, reread, "the text form reads back as the same value")

				for _, in := range []struct {
					format int16
					src    []byte
				}{{binaryFormat, wantBinary}, {textFormat, wantText}} {
					target, elems := tc.target()
					require.NoError(t, scan(tc.codec, in.format, in.src, target))
					assert.Equal(t, stored, elems())
					var s []float32
					require.NoError(t, scan(tc.codec, in.format, in.src, &s))
					assert.Equal(t, stored, s)
				}
			}
		})
	}
}

// mustParse parses a dense text form with pgcompat's parser, an
// independent reading of it.
func mustParse(t *testing.T, c *codec[[]float32], text []byte) []float32 {
	t.Helper()
	v, err := pgcompat.ParseVector(string(text))
	require.NoError(t, err, "%s %s", c.name, text)
	return v.Slice()
}

func TestSparsevecMatchesPgcompat(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	c := newSparsevecCodec()
	for range 100 {
		xs := randomFloats(rng, 1+rng.IntN(300))
		for i := range xs {
			if rng.IntN(3) > 0 {
				xs[i] = 0
			}
		}
		dense, err := pgcompat.NewVector(xs)
		require.NoError(t, err)
		ref, err := dense.ToSparseVec()
		require.NoError(t, err)
		wantBinary, err := ref.MarshalBinary()
		require.NoError(t, err)

		sv := pgvector.NewSparseVector(xs)
		assert.Equal(t, wantBinary, encode(t, c, binaryFormat, sv))
		got, err := pgcompat.ParseSparseVec(string(encode(t, c, textFormat, sv)))
		require.NoError(t, err)
		assert.True(t, got.Equal(ref), "text reads back exactly")

		for _, in := range []struct {
			format int16
			src    []byte
		}{{binaryFormat, wantBinary}, {textFormat, ref.AppendText(nil)}} {
			var v pgvector.SparseVector
			require.NoError(t, scan(c, in.format, in.src, &v))
			assert.Equal(t, ref.Dims(), int(v.Dimensions()))
			assert.Equal(t, ref.Indices(), v.Indices())
			assert.Equal(t, ref.Values(), v.Values())
		}
	}
}

// TestMalformedBinary feeds each decoder messages of the wrong length or
// with bad header fields: each must be an error wrapping ErrMalformed, never
// a panic or a short vector.
func TestMalformedBinary(t *testing.T) {
	dense := func(dim, unused uint16, body int) []byte {
		b := binary.BigEndian.AppendUint16(nil, dim)
		b = binary.BigEndian.AppendUint16(b, unused)
		return append(b, make([]byte, body)...)
	}
	sparse := func(dim, nnz, unused int32, body int, idx ...int32) []byte {
		b := binary.BigEndian.AppendUint32(nil, uint32(dim))
		b = binary.BigEndian.AppendUint32(b, uint32(nnz))
		b = binary.BigEndian.AppendUint32(b, uint32(unused))
		for _, i := range idx {
			b = binary.BigEndian.AppendUint32(b, uint32(i))
		}
		return append(b, make([]byte, body)...)
	}
	cases := []struct {
		name   string
		codec  pgtype.Codec
		target func() any
		src    []byte
	}{
		{"vector empty", newVectorCodec(), func() any { return new(pgvector.Vector) }, []byte{}},
		{"vector header cut", newVectorCodec(), func() any { return new([]float32) }, []byte{0, 1, 0}},
		{"vector short body", newVectorCodec(), func() any { return new(pgvector.Vector) }, dense(3, 0, 11)},
		{"vector long body", newVectorCodec(), func() any { return new(pgvector.Vector) }, dense(3, 0, 13)},
		{"vector halfvec-sized body", newVectorCodec(), func() any { return new([]float32) }, dense(3, 0, 6)},
		{"vector unused set", newVectorCodec(), func() any { return new(pgvector.Vector) }, dense(1, 7, 4)},
		{"vector huge dim", newVectorCodec(), func() any { return new(pgvector.Vector) }, dense(0xffff, 0, 4)},
		{"halfvec empty", newHalfvecCodec(), func() any { return new(pgvector.HalfVector) }, []byte{}},
		{"halfvec short body", newHalfvecCodec(), func() any { return new(pgvector.HalfVector) }, dense(3, 0, 5)},
		{"halfvec vector-sized body", newHalfvecCodec(), func() any { return new([]float32) }, dense(3, 0, 12)},
		{"halfvec unused set", newHalfvecCodec(), func() any { return new(pgvector.HalfVector) }, dense(1, 1, 2)},
		{"sparsevec header cut", newSparsevecCodec(), func() any { return new(pgvector.SparseVector) }, make([]byte, 11)},
		{"sparsevec short body", newSparsevecCodec(), func() any { return new(pgvector.SparseVector) }, sparse(5, 2, 0, 15)},
		{"sparsevec long body", newSparsevecCodec(), func() any { return new(pgvector.SparseVector) }, sparse(5, 1, 0, 9)},
		{"sparsevec huge nnz", newSparsevecCodec(), func() any { return new(pgvector.SparseVector) }, sparse(5, math.MaxInt32, 0, 8)},
		{"sparsevec negative nnz", newSparsevecCodec(), func() any { return new(pgvector.SparseVector) }, sparse(5, -1, 0, 0)},
		{"sparsevec negative dim", newSparsevecCodec(), func() any { return new(pgvector.SparseVector) }, sparse(-5, 0, 0, 0)},
		{"sparsevec unused set", newSparsevecCodec(), func() any { return new(pgvector.SparseVector) }, sparse(5, 0, 3, 0)},
		{"sparsevec index out of range", newSparsevecCodec(), func() any { return new(pgvector.SparseVector) }, sparse(5, 1, 0, 4, 5)},
		{"sparsevec negative index", newSparsevecCodec(), func() any { return new(pgvector.SparseVector) }, sparse(5, 1, 0, 4, -1)},
		{"sparsevec indices out of order", newSparsevecCodec(), func() any { return new(pgvector.SparseVector) }, sparse(5, 2, 0, 8, 3, 1)},
		{"sparsevec repeated index", newSparsevecCodec(), func() any { return new(pgvector.SparseVector) }, sparse(5, 2, 0, 8, 2, 2)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := scan(tc.codec, binaryFormat, tc.src, tc.target())
			require.ErrorIs(t, err, ErrMalformed)
			_, err = tc.codec.DecodeValue(nil, 0, binaryFormat, tc.src)
			require.ErrorIs(t, err, ErrMalformed)
			_, err = tc.codec.DecodeDatabaseSQLValue(nil, 0, binaryFormat, tc.src)
			require.ErrorIs(t, err, ErrMalformed)
		})
	}
}

func TestMalformedText(t *testing.T) {
	for _, tc := range []struct {
		codec pgtype.Codec
		src   string
	}{
		{newVectorCodec(), ""}, {newVectorCodec(), "["}, {newVectorCodec(), "1,2"}, {newVectorCodec(), "1,2]"}, {newVectorCodec(), "[1,2"}, {newVectorCodec(), "]"}, {newVectorCodec(), "[1,x]"},
		{newVectorCodec(), "[1e39]"}, {newHalfvecCodec(), "[1,,2]"}, {newHalfvecCodec(), "(1,2)"},
		{newSparsevecCodec(), "{1:1}"}, {newSparsevecCodec(), "{6:1}/5"}, {newSparsevecCodec(), "{2:1,1:1}/5"},
		{newSparsevecCodec(), "{1:x}/5"},
	} {
		_, err := tc.codec.DecodeValue(nil, 0, textFormat, []byte(tc.src))
		assert.ErrorIs(t, err, ErrMalformed, "%q", tc.src)
	}
}

func TestNullScans(t *testing.T) {
	for _, format := range []int16{binaryFormat, textFormat} {
		s := []float32{1}
		require.NoError(t, scan(newVectorCodec(), format, nil, &s))
		assert.Nil(t, s)
		s = []float32{1}
		require.NoError(t, scan(newHalfvecCodec(), format, nil, &s))
		assert.Nil(t, s)

		assert.ErrorIs(t, scan(newVectorCodec(), format, nil, new(pgvector.Vector)), ErrNull)
		assert.ErrorIs(t, scan(newHalfvecCodec(), format, nil, new(pgvector.HalfVector)), ErrNull)
		assert.ErrorIs(t, scan(newSparsevecCodec(), format, nil, new(pgvector.SparseVector)), ErrNull)

		for _, c := range []pgtype.Codec{newVectorCodec(), newHalfvecCodec(), newSparsevecCodec()} {
			v, err := c.DecodeValue(nil, 0, format, nil)
			assert.NoError(t, err)
			assert.Nil(t, v)
			dv, err := c.DecodeDatabaseSQLValue(nil, 0, format, nil)
			assert.NoError(t, err)
			assert.Nil(t, dv)
		}
	}
}

// TestCodecsRefuseOtherGoTypes: a value is only ever sent as its own type's
// bytes, and only scanned into targets that hold it.
func TestCodecsRefuseOtherGoTypes(t *testing.T) {
	m := pgtype.NewMap()
	v, h, s := newVectorCodec(), newHalfvecCodec(), newSparsevecCodec()
	for _, format := range []int16{binaryFormat, textFormat} {
		assert.Nil(t, v.PlanEncode(m, 0, format, pgvector.NewHalfVector([]float32{1})))
		assert.Nil(t, v.PlanEncode(m, 0, format, []float64{1}))
		assert.Nil(t, h.PlanEncode(m, 0, format, pgvector.NewVector([]float32{1})))
		assert.Nil(t, s.PlanEncode(m, 0, format, []float32{1}))
		assert.Nil(t, s.PlanEncode(m, 0, format, pgvector.NewVector([]float32{1})))
		assert.Nil(t, v.PlanScan(m, 0, format, new(pgvector.HalfVector)))
		assert.Nil(t, h.PlanScan(m, 0, format, new(pgvector.Vector)))
		assert.Nil(t, s.PlanScan(m, 0, format, new([]float32)), "a sparsevec is not expanded implicitly")
		assert.Nil(t, v.PlanScan(m, 0, format, new(string)))
	}
	assert.Nil(t, v.PlanEncode(m, 0, 2, []float32{1}), "unknown format")
	assert.Nil(t, v.PlanScan(m, 0, 2, new([]float32)), "unknown format")
	assert.False(t, v.FormatSupported(2))
	assert.Equal(t, int16(binaryFormat), s.PreferredFormat())
}

func TestEncodeRefusesWhatBinaryCannotCarry(t *testing.T) {
	m := pgtype.NewMap()
	for _, c := range []pgtype.Codec{newVectorCodec(), newHalfvecCodec()} {
		xs := make([]float32, math.MaxUint16+1)
		_, err := c.PlanEncode(m, 0, binaryFormat, xs).Encode(xs, nil)
		assert.ErrorContains(t, err, "65536 dimensions")
	}
	xs := []float32{1, 65520} // rounds to binary16 infinity
	_, err := newHalfvecCodec().PlanEncode(m, 0, binaryFormat, xs).Encode(xs, nil)
	assert.ErrorContains(t, err, "halfvec element 1 (65520) is out of range")
	b, err := newHalfvecCodec().PlanEncode(m, 0, textFormat, xs).Encode(xs, nil)
	require.NoError(t, err, "the text form leaves the verdict to the server")
	assert.Equal(t, "[1,65520]", string(b))
}

func TestDecodedValues(t *testing.T) {
	for _, format := range []int16{binaryFormat, textFormat} {
		src := encode(t, newVectorCodec(), format, []float32{1e-30, -2})
		v, err := newVectorCodec().DecodeValue(nil, 0, format, src)
		require.NoError(t, err)
		assert.Equal(t, pgvector.NewVector([]float32{1e-30, -2}), v)
		dv, err := newVectorCodec().DecodeDatabaseSQLValue(nil, 0, format, src)
		require.NoError(t, err)
		assert.Equal(t, "[1e-30,-2]", dv)

		src = encode(t, newHalfvecCodec(), format, []float32{0.5})
		v, err = newHalfvecCodec().DecodeValue(nil, 0, format, src)
		require.NoError(t, err)
		assert.Equal(t, pgvector.NewHalfVector([]float32{0.5}), v)

		sv := pgvector.NewSparseVector([]float32{0, 1.5, 0, -3})
		src = encode(t, newSparsevecCodec(), format, sv)
		v, err = newSparsevecCodec().DecodeValue(nil, 0, format, src)
		require.NoError(t, err)
		assert.Equal(t, sv.Slice(), v.(pgvector.SparseVector).Slice())
		dv, err = newSparsevecCodec().DecodeDatabaseSQLValue(nil, 0, format, src)
		require.NoError(t, err)
		assert.Equal(t, "{2:1.5,4:-3}/4", dv)
		var back pgvector.SparseVector
		require.NoError(t, back.Scan(dv), "database/sql scanners read the text form")
	}
}
