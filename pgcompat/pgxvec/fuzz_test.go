package pgxvec

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smallworld-go/smallworld/pgcompat"
)

// The binary fuzz targets feed arbitrary bytes to the binary decoders. Whatever the
// input, a decoder returns an error or a value; a value encodes back to the
// input, and whatever pgcompat's model of pgvector's recv function accepts,
// the decoder accepts with the same elements.

func FuzzDecodeVectorBinary(f *testing.F) {
	f.Add([]byte{0, 1, 0, 0, 0x3f, 0x80, 0, 0})
	f.Add([]byte{0, 2, 0, 0, 0x3f, 0x80, 0, 0})
	f.Add([]byte{0, 0, 0, 0})
	f.Add([]byte{0, 1, 0, 1, 0x7f, 0xc0, 0, 0})
	f.Fuzz(func(t *testing.T, src []byte) {
		checkDenseDecode(t, src, "vector", vectorElems(), src, func(b []byte) ([]float32, error) {
			v, err := pgcompat.RecvVector(b, -1)
			return v.Slice(), err
		})
	})
}

func FuzzDecodeHalfvecBinary(f *testing.F) {
	f.Add([]byte{0, 1, 0, 0, 0x3c, 0})
	f.Add([]byte{0, 2, 0, 0, 0x7c, 0, 0xfc, 0x01})
	f.Add([]byte{0, 1, 0, 0, 0x3c})
	f.Add([]byte{0, 0, 1, 0})
	f.Fuzz(func(t *testing.T, src []byte) {
		checkDenseDecode(t, src, "halfvec", halfvecElems(), quietNaNs(src), func(b []byte) ([]float32, error) {
			v, err := pgcompat.RecvHalfVec(b, -1)
			return v.Slice(), err
		})
	})
}

// checkDenseDecode decodes src: an error must wrap ErrMalformed, a value
// must encode back to wantBack, and what recv (pgcompat's model of
// pgvector's) accepts must decode to the same elements.
func checkDenseDecode(t *testing.T, src []byte, name string, elems denseElems, wantBack []byte, recv func([]byte) ([]float32, error)) {
	t.Helper()
	xs, err := decodeDenseBinary(src, name, elems)
	if err != nil {
		require.ErrorIs(t, err, ErrMalformed)
	} else {
		back, err := appendDenseBinary(nil, name, elems, xs)
		require.NoError(t, err, "a decoded value always encodes")
		require.Equal(t, wantBack, back)
	}
	if ref, refErr := recv(src); refErr == nil {
		require.NoError(t, err)
		require.Equal(t, ref, xs)
	}
}

// quietNaNs sets the quiet bit of the NaN halves of a halfvec message: the
// only change a decode and encode makes, as widening and narrowing a NaN
// does on x86 and in pgvector's conversions.
func quietNaNs(src []byte) []byte {
	out := append([]byte(nil), src...)
	for i := 4; i+1 < len(out); i += 2 {
		if out[i]&0x7c == 0x7c && (out[i]&0x03 != 0 || out[i+1] != 0) {
			out[i] |= 0x02
		}
	}
	return out
}

func FuzzDecodeSparsevecBinary(f *testing.F) {
	f.Add([]byte{0, 0, 0, 5, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0x3f, 0x80, 0, 0})
	f.Add([]byte{0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{0, 0, 0, 5, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 5, 0x3f, 0x80, 0, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, src []byte) {
		v, err := decodeSparseBinary(src)
		if err != nil {
			require.ErrorIs(t, err, ErrMalformed)
		} else {
			back, err := v.EncodeBinary(nil)
			require.NoError(t, err)
			require.Equal(t, src, back)
			if v.Dimensions() <= 1<<16 {
				require.Len(t, v.Slice(), int(v.Dimensions()), "a decoded value is safe to expand")
			}
		}
		if ref, refErr := pgcompat.RecvSparseVec(src, -1); refErr == nil {
			require.NoError(t, err)
			require.Equal(t, ref.Dims(), int(v.Dimensions()))
			require.Equal(t, ref.Indices(), v.Indices())
			require.Equal(t, ref.Values(), v.Values())
		}
	})
}

// FuzzParseText feeds arbitrary text to the text decoders: each returns an
// error or a value whose text form parses back to the same value.
func FuzzParseText(f *testing.F) {
	for _, s := range []string{"[1,2.5,-3e-7]", "[]", "[1,", "{1:1.5,3:-2}/5", "{}/3", "{2:1,1:1}/5", "{1:1}/-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if xs, err := parseFloatList(s, "vector"); err != nil {
			require.ErrorIs(t, err, ErrMalformed)
		} else {
			back, err := parseFloatList(string(appendFloatList(nil, xs)), "vector")
			require.NoError(t, err)
			require.Equal(t, bitsOf(xs), bitsOf(back))
		}
		if v, err := parseSparseText(s); err != nil {
			require.ErrorIs(t, err, ErrMalformed)
		} else {
			back, err := parseSparseText(string(appendSparseText(nil, v)))
			require.NoError(t, err)
			require.Equal(t, v.Dimensions(), back.Dimensions())
			require.Equal(t, v.Indices(), back.Indices())
			require.Equal(t, bitsOf(v.Values()), bitsOf(back.Values()))
		}
	})
}

// bitsOf compares floats by encoding, so that NaN equals itself.
func bitsOf(xs []float32) []uint32 {
	out := make([]uint32, len(xs))
	for i, x := range xs {
		out[i] = math.Float32bits(x)
	}
	return out
}
