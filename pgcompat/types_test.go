package pgcompat_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smallworld-go/smallworld/halfvec"
	"github.com/smallworld-go/smallworld/pgcompat"
)

func TestParseHalfVec(t *testing.T) {
	// Spec §1.5: double rounding strtof → RNE half, subnormals, overflow.
	cases := []struct{ in, out string }{
		{"[0.1]", "[0.099975586]"},
		{"[1.00048828125,1.00146484375]", "[1,1.0019531]"},
		{"[2049,2051]", "[2048,2052]"},
		{"[3e-08,2.98e-08,1e-07]", "[5.9604645e-08,0,1.1920929e-07]"},
		{"[6.1e-5]", "[6.097555e-05]"},
		{"[65519,-65504]", "[65504,-65504]"},
		{"[-1e-40]", "[-0]"},
	}
	for _, c := range cases {
		v, err := pgcompat.ParseHalfVec(c.in)
		require.NoError(t, err, c.in)
		assert.Equal(t, c.out, v.String(), c.in)
	}
	for _, c := range []struct {
		in   string
		want wantErr
	}{
		{"[65520]", wantErr{pgcompat.NumericValueOutOfRange, `"65520" is out of range for type halfvec`, ""}},
		{"[1e5]", wantErr{pgcompat.NumericValueOutOfRange, `"1e5" is out of range for type halfvec`, ""}},
		{"[1e39]", wantErr{pgcompat.NumericValueOutOfRange, `"1e39" is out of range for type halfvec`, ""}},
		{"[inf]", wantErr{pgcompat.DataException, "infinite value not allowed in halfvec", ""}},
		{"[NaN]", wantErr{pgcompat.DataException, "NaN not allowed in halfvec", ""}},
		{"[]", wantErr{pgcompat.DataException, "halfvec must have at least 1 dimension", ""}},
		{"(1)", wantErr{pgcompat.InvalidTextRepresentation, `invalid input syntax for type halfvec: "(1)"`, `Vector contents must start with "[".`}},
	} {
		_, err := pgcompat.ParseHalfVec(c.in)
		requirePGError(t, err, c.want)
	}
	_, err := pgcompat.ParseHalfVecTypmod("[1]", 2)
	requirePGError(t, err, wantErr{pgcompat.DataException, "expected 2 dimensions, not 1", ""})
}

func TestHalfVecConversions(t *testing.T) {
	// Casts and arrays quote the float32 in its shortest form.
	v, _ := pgcompat.NewVector([]float32{100000})
	_, err := v.ToHalfVec()
	requirePGError(t, err, wantErr{pgcompat.NumericValueOutOfRange, `"100000" is out of range for type halfvec`, ""})
	_, err = pgcompat.NewHalfVec([]float32{1, 65520})
	requirePGError(t, err, wantErr{pgcompat.NumericValueOutOfRange, `"65520" is out of range for type halfvec`, ""})
	h, err := pgcompat.NewHalfVec([]float32{0.1, -2, 0})
	require.NoError(t, err)
	assert.Equal(t, []float32{0.099975586, -2, 0}, h.Slice())
	assert.Equal(t, "[0.099975586,-2,0]", h.ToVector().String())
	s, err := h.ToSparseVec()
	require.NoError(t, err)
	assert.Equal(t, "{1:0.099975586,2:-2}/3", s.String())
	back, err := s.ToHalfVec()
	require.NoError(t, err)
	assert.True(t, back.Equal(h))

	_, err = pgcompat.HalfVecFromHalves([]halfvec.Float16{halfvec.PosInf})
	requirePGError(t, err, wantErr{pgcompat.DataException, "infinite value not allowed in halfvec", ""})
	hh, err := pgcompat.HalfVecFromHalves([]halfvec.Float16{0x3c00})
	require.NoError(t, err)
	assert.Equal(t, []halfvec.Float16{0x3c00}, hh.Halves())

	b, err := h.MarshalBinary()
	require.NoError(t, err)
	var w pgcompat.HalfVec
	require.NoError(t, w.UnmarshalBinary(b))
	assert.True(t, w.Equal(h))
	_, err = pgcompat.RecvHalfVec([]byte{0, 1, 0, 0, 0x7e, 0}, -1)
	requirePGError(t, err, wantErr{pgcompat.DataException, "NaN not allowed in halfvec", ""})
	_, err = pgcompat.RecvHalfVec([]byte{0, 1, 0, 1, 0, 0}, -1)
	requirePGError(t, err, wantErr{pgcompat.DataException, "expected unused to be 0, not 1", ""})
	_, err = pgcompat.RecvHalfVec([]byte{0, 2, 0, 0, 0, 0}, -1)
	requirePGError(t, err, wantErr{pgcompat.ProtocolViolation, "insufficient data left in message", ""})
}

func TestParseSparseVec(t *testing.T) {
	cases := []struct{ in, out string }{
		{"{1:1,3:2}/5", "{1:1,3:2}/5"},
		{"{}/5", "{}/5"},
		{" { 3 : 1 , 1 : 2 } / 3 ", "{1:2,3:1}/3"},
		{"{1:0,2:1}/3", "{2:1}/3"},
		{"{0:0}/3", "{}/3"}, // a dropped zero is never range-checked
		{"{1:1e-40}/3", "{1:1e-40}/3"},
		{"{+2:1.5}/3", "{2:1.5}/3"},
	}
	for _, c := range cases {
		v, err := pgcompat.ParseSparseVec(c.in)
		require.NoError(t, err, c.in)
		assert.Equal(t, c.out, v.String(), c.in)
	}
	syntax := func(lit, detail string) wantErr {
		return wantErr{pgcompat.InvalidTextRepresentation, `invalid input syntax for type sparsevec: "` + lit + `"`, detail}
	}
	for _, c := range []struct {
		in   string
		want wantErr
	}{
		{"[1]", syntax("[1]", `Vector contents must start with "{".`)},
		{"{1:1}", syntax("{1:1}", "Unexpected end of input.")},
		{"{1:1}/3x", syntax("{1:1}/3x", "Junk after closing.")},
		{"{1:}/3", syntax("{1:}/3", "")},
		{"{1:1,}/3", syntax("{1:1,}/3", "")},
		{"{1:1e-50}/3", wantErr{pgcompat.NumericValueOutOfRange, `"1e-50" is out of range for type sparsevec`, ""}},
		{"{1:1e39}/3", wantErr{pgcompat.NumericValueOutOfRange, `"1e39" is out of range for type sparsevec`, ""}},
		{"{1:nan}/3", wantErr{pgcompat.DataException, "NaN not allowed in sparsevec", ""}},
		{"{1:1,1:2}/3", wantErr{pgcompat.DataException, "sparsevec indices must not contain duplicates", ""}},
		{"{0:1}/3", wantErr{pgcompat.DataException, "sparsevec index out of bounds", ""}},
		{"{4:1}/3", wantErr{pgcompat.DataException, "sparsevec index out of bounds", ""}},
		{"{}/0", wantErr{pgcompat.DataException, "sparsevec must have at least 1 dimension", ""}},
		{"{}/1000000001", wantErr{pgcompat.ProgramLimitExceeded, "sparsevec cannot have more than 1000000000 dimensions", ""}},
		{"{" + strings.Repeat(",", 16000) + "}/3", wantErr{pgcompat.ProgramLimitExceeded, "sparsevec cannot have more than 16000 non-zero elements", ""}},
	} {
		_, err := pgcompat.ParseSparseVec(c.in)
		requirePGError(t, err, c.want)
	}
	// The typmod is checked after the dimensions and before the indices.
	_, err := pgcompat.ParseSparseVecTypmod("{5:1}/3", 4)
	requirePGError(t, err, wantErr{pgcompat.DataException, "expected 4 dimensions, not 3", ""})
}

func TestSparseVecBinaryAndConstructors(t *testing.T) {
	s, err := pgcompat.NewSparseVec(5, []int32{0, 3}, []float32{1.5, -2})
	require.NoError(t, err)
	assert.Equal(t, "{1:1.5,4:-2}/5", s.String())
	assert.Equal(t, 2, s.NNZ())
	assert.Equal(t, 5, s.Dims())
	b, err := s.MarshalBinary()
	require.NoError(t, err)
	got, err := pgcompat.RecvSparseVec(b, 5)
	require.NoError(t, err)
	assert.True(t, got.Equal(s))

	for _, c := range []struct {
		dim  int
		idx  []int32
		val  []float32
		want wantErr
	}{
		{3, []int32{2, 1}, []float32{1, 1}, wantErr{pgcompat.DataException, "sparsevec indices must be in ascending order", ""}},
		{3, []int32{1, 1}, []float32{1, 1}, wantErr{pgcompat.DataException, "sparsevec indices must not contain duplicates", ""}},
		{3, []int32{3}, []float32{1}, wantErr{pgcompat.DataException, "sparsevec index out of bounds", ""}},
		{3, []int32{0}, []float32{0}, wantErr{pgcompat.DataException, "binary representation of sparsevec cannot contain zero values", ""}},
		{1, []int32{0, 1}, []float32{1, 1}, wantErr{pgcompat.ProgramLimitExceeded, "sparsevec cannot have more elements than dimensions", ""}},
	} {
		_, err := pgcompat.NewSparseVec(c.dim, c.idx, c.val)
		requirePGError(t, err, c.want)
	}
	_, err = pgcompat.NewSparseVec(3, []int32{1}, nil)
	assert.Error(t, err)
	_, err = pgcompat.RecvSparseVec([]byte{0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}, -1)
	requirePGError(t, err, wantErr{pgcompat.DataException, "sparsevec cannot have negative number of elements", ""})

	v, _ := pgcompat.NewVector([]float32{0, 2, 0})
	sv, err := v.ToSparseVec()
	require.NoError(t, err)
	assert.Equal(t, "{2:2}/3", sv.String())
	dense, err := sv.ToVector()
	require.NoError(t, err)
	assert.True(t, dense.Equal(v))
	big, _ := pgcompat.ParseSparseVec("{1:1}/16001")
	_, err = big.ToVector()
	requirePGError(t, err, wantErr{pgcompat.ProgramLimitExceeded, "vector cannot have more than 16000 dimensions", ""})
}

func TestBit(t *testing.T) {
	for _, c := range []struct{ in, out string }{
		{"0101", "0101"}, {"B0101", "0101"}, {"X5f", "01011111"}, {"", ""}, {"X", ""},
	} {
		b, err := pgcompat.ParseBit(c.in)
		require.NoError(t, err, c.in)
		assert.Equal(t, c.out, b.String())
	}
	_, err := pgcompat.ParseBit("012")
	requirePGError(t, err, wantErr{pgcompat.InvalidTextRepresentation, `"2" is not a valid binary digit`, ""})
	_, err = pgcompat.ParseBit("Xg")
	requirePGError(t, err, wantErr{pgcompat.InvalidTextRepresentation, `"g" is not a valid hexadecimal digit`, ""})
	_, err = pgcompat.ParseBit("0é")
	requirePGError(t, err, wantErr{pgcompat.InvalidTextRepresentation, `"é" is not a valid binary digit`, ""})
	_, err = pgcompat.ParseBitTypmod("0101", 3)
	requirePGError(t, err, wantErr{pgcompat.StringDataLengthMismatch, "bit string length 4 does not match type bit(3)", ""})
	_, err = pgcompat.ParseVarBitTypmod("0101", 3)
	requirePGError(t, err, wantErr{pgcompat.StringDataRightTruncation, "bit string too long for type bit varying(3)", ""})

	b, _ := pgcompat.ParseBit("0101")
	p, err := b.CastBit(6, true)
	require.NoError(t, err)
	assert.Equal(t, "010100", p.String())
	p, err = b.CastBit(2, true)
	require.NoError(t, err)
	assert.Equal(t, "01", p.String())
	_, err = b.CastBit(2, false)
	requirePGError(t, err, wantErr{pgcompat.StringDataLengthMismatch, "bit string length 4 does not match type bit(2)", ""})
	p, err = b.CastVarBit(3, true)
	require.NoError(t, err)
	assert.Equal(t, "010", p.String())
	p, err = b.CastVarBit(8, false)
	require.NoError(t, err)
	assert.Equal(t, "0101", p.String())

	enc, err := b.MarshalBinary()
	require.NoError(t, err)
	assert.Equal(t, []byte{0, 0, 0, 4, 0x50}, enc)
	// Stray bits after the length are cleared on receive.
	r, err := pgcompat.RecvBit([]byte{0, 0, 0, 4, 0x5f}, -1)
	require.NoError(t, err)
	assert.Equal(t, "0101", r.String())
	_, err = pgcompat.RecvBit([]byte{0xff, 0xff, 0xff, 0xff}, -1)
	requirePGError(t, err, wantErr{pgcompat.InvalidBinaryRepresentation, "invalid length in external bit string", ""})
	_, err = pgcompat.RecvBit([]byte{0, 0, 0, 4, 0x50}, 5)
	requirePGError(t, err, wantErr{pgcompat.StringDataLengthMismatch, "bit string length 4 does not match type bit(5)", ""})

	n, err := pgcompat.BitTypmod("bit", 0)
	assert.Zero(t, n)
	requirePGError(t, err, wantErr{pgcompat.InvalidParameterValue, "length for type bit must be at least 1", ""})
}

func TestBitDistances(t *testing.T) {
	a, _ := pgcompat.ParseBit("1100")
	b, _ := pgcompat.ParseBit("1010")
	h, err := pgcompat.HammingDistance(a, b)
	require.NoError(t, err)
	assert.Equal(t, 2.0, h)
	j, err := pgcompat.JaccardDistance(a, b)
	require.NoError(t, err)
	ab, union := 1.0, 3.0 // computed at run time, in float64, as pgvector does
	assert.Equal(t, 1-ab/union, j)
	z, _ := pgcompat.ParseBit("0000")
	j, err = pgcompat.JaccardDistance(z, z)
	require.NoError(t, err)
	assert.Equal(t, 1.0, j, "no common bit is distance 1, even for two zero strings")
	c, _ := pgcompat.ParseBit("101")
	_, err = pgcompat.HammingDistance(a, c)
	requirePGError(t, err, wantErr{pgcompat.DataException, "different bit lengths 4 and 3", ""})
	d, err := pgcompat.OpHamming.Distance(a, b)
	require.NoError(t, err)
	assert.Equal(t, 2.0, d)
	_, err = pgcompat.OpL2.Distance(a, b)
	requirePGError(t, err, wantErr{"42883", "operator does not exist: bit <-> bit", ""})
}
