package pgcompat_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smallworld-go/smallworld/pgcompat"
)

// wantErr is an expected pgvector error.
type wantErr struct {
	code   pgcompat.SQLState
	msg    string
	detail string
}

func requirePGError(t *testing.T, err error, want wantErr) {
	t.Helper()
	require.Error(t, err)
	var pe *pgcompat.Error
	require.True(t, errors.As(err, &pe), "not a *pgcompat.Error: %v", err)
	assert.Equal(t, want.code, pe.Code, "code")
	assert.Equal(t, want.msg, pe.Message, "message")
	assert.Equal(t, want.detail, pe.Detail, "detail")
	assert.True(t, errors.Is(err, want.code))
}

func TestParseVectorValid(t *testing.T) {
	// Spec §1.2 and §1.3: accepted spellings and the text they print as.
	cases := []struct{ in, out string }{
		{"[1,2,3]", "[1,2,3]"},
		{" [ 1 , 2 , 3 ] ", "[1,2,3]"},
		{"\t[\n1\r,\v2\f]\v", "[1,2]"},
		{"[+1,-2,.5,1.]", "[1,-2,0.5,1]"},
		{"[1E3,1e-3]", "[1000,0.001]"},
		{"[0x10,0x1p-2]", "[16,0.25]"},
		{"[1e-50,-1e-46]", "[0,-0]"},
		{"[1e-45,1e-40]", "[1e-45,1e-40]"},
		{"[1e-07,0.1,1e+20,-0,0]", "[1e-07,0.1,1e+20,-0,0]"},
		{"[100000,999999.9,1e6,1234567,123456789]", "[100000,999999.9,1e+06,1.234567e+06,1.2345679e+08]"},
		{"[0.0001,0.000099999,0.00001]", "[0.0001,9.9999e-05,1e-05]"},
		{"[3.4028235e38,16777217]", "[3.4028235e+38,1.6777216e+07]"},
	}
	for _, c := range cases {
		v, err := pgcompat.ParseVector(c.in)
		require.NoError(t, err, c.in)
		assert.Equal(t, c.out, v.String(), c.in)
		// Output parses back to the same value.
		w, err := pgcompat.ParseVector(v.String())
		require.NoError(t, err)
		assert.True(t, v.Equal(w))
	}
}

func TestParseVectorErrors(t *testing.T) {
	syntax := func(lit, detail string) wantErr {
		return wantErr{pgcompat.InvalidTextRepresentation, `invalid input syntax for type vector: "` + lit + `"`, detail}
	}
	cases := []struct {
		in   string
		want wantErr
	}{
		{"1,2", syntax("1,2", `Vector contents must start with "[".`)},
		{"", syntax("", `Vector contents must start with "[".`)},
		{"[1,2", syntax("[1,2", "")},
		{"[1,,2]", syntax("[1,,2]", "")},
		{"[1,]", syntax("[1,]", "")},
		{"[1 2]", syntax("[1 2]", "")},
		{"[1e]", syntax("[1e]", "")},
		{"[1e+]", syntax("[1e+]", "")},
		{"[- 1]", syntax("[- 1]", "")},
		{"[1_0]", syntax("[1_0]", "")},
		{"[1] x", syntax("[1] x", "Junk after closing right brace.")},
		{"[]", wantErr{pgcompat.DataException, "vector must have at least 1 dimension", ""}},
		{"[ ]", wantErr{pgcompat.DataException, "vector must have at least 1 dimension", ""}},
		{"[nan]", wantErr{pgcompat.DataException, "NaN not allowed in vector", ""}},
		{"[-Infinity]", wantErr{pgcompat.DataException, "infinite value not allowed in vector", ""}},
		{"[1e39]", wantErr{pgcompat.NumericValueOutOfRange, `"1e39" is out of range for type vector`, ""}},
		{"[ -3.4028236e38 ]", wantErr{pgcompat.NumericValueOutOfRange, `"-3.4028236e38" is out of range for type vector`, ""}},
		{"[" + strings.TrimSuffix(strings.Repeat("0,", 16001), ",") + "]", wantErr{pgcompat.ProgramLimitExceeded, "vector cannot have more than 16000 dimensions", ""}},
	}
	for _, c := range cases {
		_, err := pgcompat.ParseVector(c.in)
		requirePGError(t, err, c.want)
	}
}

func TestVectorTypmod(t *testing.T) {
	_, err := pgcompat.ParseVectorTypmod("[1,2]", 3)
	requirePGError(t, err, wantErr{pgcompat.DataException, "expected 3 dimensions, not 2", ""})
	v, err := pgcompat.ParseVectorTypmod("[1,2,3]", 3)
	require.NoError(t, err)
	assert.NoError(t, v.CheckTypmod(-1))
	for _, c := range []struct {
		mods []int
		want wantErr
	}{
		{[]int{}, wantErr{pgcompat.InvalidParameterValue, "invalid type modifier", ""}},
		{[]int{1, 2}, wantErr{pgcompat.InvalidParameterValue, "invalid type modifier", ""}},
		{[]int{0}, wantErr{pgcompat.InvalidParameterValue, "dimensions for type vector must be at least 1", ""}},
		{[]int{16001}, wantErr{pgcompat.InvalidParameterValue, "dimensions for type vector cannot exceed 16000", ""}},
	} {
		_, err := pgcompat.VectorTypmod(c.mods...)
		requirePGError(t, err, c.want)
	}
	n, err := pgcompat.VectorTypmod(16000)
	require.NoError(t, err)
	assert.Equal(t, 16000, n)
}

func TestNewVector(t *testing.T) {
	_, err := pgcompat.NewVector(nil)
	requirePGError(t, err, wantErr{pgcompat.DataException, "vector must have at least 1 dimension", ""})
	_, err = pgcompat.NewVector([]float32{1, float32(math.NaN())})
	requirePGError(t, err, wantErr{pgcompat.DataException, "NaN not allowed in vector", ""})
	_, err = pgcompat.VectorFromFloat64([]float64{1e300})
	requirePGError(t, err, wantErr{pgcompat.DataException, "infinite value not allowed in vector", ""})
	x := []float32{1, 2}
	v, err := pgcompat.NewVector(x)
	require.NoError(t, err)
	x[0] = 9 // NewVector copies
	assert.Equal(t, float32(1), v.At(0))
	s := v.Slice()
	s[1] = 9 // Slice copies
	assert.Equal(t, float32(2), v.At(1))
}

func TestVectorBinary(t *testing.T) {
	v, err := pgcompat.ParseVector("[1,-2.5,3e-40]")
	require.NoError(t, err)
	b, err := v.MarshalBinary()
	require.NoError(t, err)
	assert.Equal(t, []byte{0, 3, 0, 0, 0x3f, 0x80, 0, 0}, b[:8])
	var w pgcompat.Vector
	require.NoError(t, w.UnmarshalBinary(b))
	assert.True(t, v.Equal(w))

	for _, c := range []struct {
		in   []byte
		want wantErr
	}{
		{[]byte{0}, wantErr{pgcompat.ProtocolViolation, "insufficient data left in message", ""}},
		{[]byte{0, 0, 0, 0}, wantErr{pgcompat.DataException, "vector must have at least 1 dimension", ""}},
		{[]byte{0xff, 0xff, 0, 0}, wantErr{pgcompat.ProgramLimitExceeded, "vector cannot have more than 16000 dimensions", ""}},
		{[]byte{0, 1, 0, 7, 0, 0, 0, 0}, wantErr{pgcompat.DataException, "expected unused to be 0, not 7", ""}},
		{[]byte{0, 2, 0, 0, 0, 0, 0, 0}, wantErr{pgcompat.ProtocolViolation, "insufficient data left in message", ""}},
		{[]byte{0, 1, 0, 0, 0x7f, 0xc0, 0, 0}, wantErr{pgcompat.DataException, "NaN not allowed in vector", ""}},
		{[]byte{0, 1, 0, 0, 0xff, 0x80, 0, 0}, wantErr{pgcompat.DataException, "infinite value not allowed in vector", ""}},
		{[]byte{0, 1, 0, 0, 0, 0, 0, 0, 1}, wantErr{pgcompat.InvalidBinaryRepresentation, "incorrect binary data format", ""}},
	} {
		_, err := pgcompat.RecvVector(c.in, -1)
		requirePGError(t, err, c.want)
	}
	_, err = pgcompat.RecvVector(b, 2)
	requirePGError(t, err, wantErr{pgcompat.DataException, "expected 2 dimensions, not 3", ""})
}

func TestVectorTextAndSQL(t *testing.T) {
	var v pgcompat.Vector
	require.NoError(t, v.UnmarshalText([]byte("[1,2]")))
	b, err := v.MarshalText()
	require.NoError(t, err)
	assert.Equal(t, "[1,2]", string(b))
	val, err := v.Value()
	require.NoError(t, err)
	assert.Equal(t, "[1,2]", val)
	var w pgcompat.Vector
	require.NoError(t, w.Scan("[3]"))
	require.NoError(t, w.Scan([]byte("[4]")))
	assert.Equal(t, "[4]", w.String())
	assert.Error(t, w.Scan(nil))
	assert.Error(t, w.Scan(3))
	assert.Error(t, w.UnmarshalText([]byte("[")))
}

func TestErrorType(t *testing.T) {
	_, err := pgcompat.ParseVector("[nan]")
	assert.Equal(t, "ERROR: NaN not allowed in vector (SQLSTATE 22000)", err.Error())
	assert.Equal(t, pgcompat.DataException, pgcompat.ErrorCode(err))
	assert.Equal(t, pgcompat.SQLState(""), pgcompat.ErrorCode(errors.New("x")))
	assert.True(t, errors.Is(err, pgcompat.DataException))
	assert.False(t, errors.Is(err, pgcompat.SyntaxError))
	assert.Equal(t, "SQLSTATE 22000", pgcompat.DataException.Error())
}
