package halfvec

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFloat32AllHalves(t *testing.T) {
	for i := range 1 << 16 {
		h := Float16(i)
		got := h.Float32()
		if h.IsNaN() {
			// Quiet NaN, same sign and payload.
			want := uint32(h&0x8000)<<16 | 0x7fc00000 | uint32(h&0x3ff)<<13
			require.Equalf(t, want, math.Float32bits(got), "half %#04x", i)
			continue
		}
		require.Truef(t, sameValue(got, refValue(h)), "half %#04x: got %v want %v", i, got, refValue(h))
	}
}

func TestFromFloat32RoundTripsAllHalves(t *testing.T) {
	for i := range 1 << 16 {
		h := Float16(i)
		got, err := FromFloat32(h.Float32())
		require.NoError(t, err)
		if h.IsNaN() {
			require.Equalf(t, h|0x200, got, "NaN %#04x comes back quieted", i)
			continue
		}
		require.Equalf(t, h, got, "half %#04x", i)
	}
}

// TestFromFloat32Pgvector checks the conversions pgvector's specification
// lists (spec §1.5), confirmed on a real server.
func TestFromFloat32Pgvector(t *testing.T) {
	cases := []struct {
		in   float32
		want float32
	}{
		{1.00048828125, 1},
		{1.00146484375, 1.0019531},
		{2049, 2048},
		{2051, 2052},
		{3e-08, 5.9604645e-08},
		{2.98e-08, 0},
		{1e-07, 1.1920929e-07},
		{6.1e-5, 6.097555e-05},
		{65519, 65504},
		{65519.99, 65504},
		{-65519.99, -65504},
		{-1e-40, float32(math.Copysign(0, -1))},
		{0.1, 0.099975586},
	}
	for _, c := range cases {
		h, err := FromFloat32(c.in)
		require.NoError(t, err, c.in)
		assert.Equal(t, math.Float32bits(c.want), math.Float32bits(h.Float32()), "%v", c.in)
	}
	h, err := FromFloat32(0.1)
	require.NoError(t, err)
	assert.Equal(t, "0.099975586", h.String())
}

func TestFromFloat32Overflow(t *testing.T) {
	for _, x := range []float32{65520, -65520, 1e5, 100000, math.MaxFloat32, -math.MaxFloat32,
		math.Nextafter32(65520, 1e9), 65536} {
		h, err := FromFloat32(x)
		require.ErrorIs(t, err, ErrOverflow, "%v", x)
		assert.Equal(t, "value out of range: overflow", err.Error())
		assert.True(t, h.IsInf(int(math.Copysign(1, float64(x)))), "%v gives the signed infinity", x)
	}
	// The largest float32 below 65520 still fits.
	h, err := FromFloat32(math.Nextafter32(65520, 0))
	require.NoError(t, err)
	assert.Equal(t, MaxValue, h)
}

func TestFromFloat32Specials(t *testing.T) {
	h, err := FromFloat32(float32(math.Inf(1)))
	require.NoError(t, err, "±Inf converts without error: only a finite overflow is one")
	assert.Equal(t, PosInf, h)
	h, err = FromFloat32(float32(math.Inf(-1)))
	require.NoError(t, err)
	assert.Equal(t, NegInf, h)

	nans := []struct {
		bits uint32
		want Float16
	}{
		{0x7fc00000, 0x7e00}, // the default quiet NaN
		{0xffc00000, 0xfe00}, // negative
		{0x7f800001, 0x7e00}, // signalling, payload only in the dropped bits: quieted
		{0x7fa00000, 0x7f00}, // signalling, payload kept and quieted
		{0x7fffe000, 0x7fff}, // every kept payload bit set
		{0x7f802000, 0x7e01}, // lowest kept payload bit
	}
	for _, c := range nans {
		h, err := FromFloat32(math.Float32frombits(c.bits))
		require.NoError(t, err)
		assert.Equalf(t, c.want, h, "NaN %#08x", c.bits)
		assert.True(t, h.IsNaN())
	}
	assert.False(t, PosInf.IsNaN())
	assert.True(t, PosInf.IsInf(0) && PosInf.IsInf(1) && !PosInf.IsInf(-1))
	assert.True(t, NegInf.IsInf(0) && NegInf.IsInf(-1) && !NegInf.IsInf(1))
	assert.False(t, MaxValue.IsInf(0))
	assert.Equal(t, float32(65504), MaxValue.Float32())
	assert.Equal(t, float32(0x1p-24), SmallestNonzero.Float32())
	assert.True(t, QuietNaN.IsNaN())
}

// TestFromFloat32Reference compares the generic converter with the float64
// reference on the weighted inputs (ties, subnormals, the overflow edge, NaN
// payloads, random bits).
func TestFromFloat32Reference(t *testing.T) {
	n := 10_000_000
	if testing.Short() {
		n = 1_000_000
	}
	inputs := weightedInputs(n, 1)
	for _, x := range inputs {
		h, err := FromFloat32(x)
		want, overflow := refRound(x)
		if overflow {
			if !errors.Is(err, ErrOverflow) {
				t.Fatalf("%v (%#08x): want overflow, got %#04x", x, math.Float32bits(x), h)
			}
			continue
		}
		if err != nil || !sameValue(h.Float32(), want) {
			t.Fatalf("%v (%#08x): got %#04x (%v, %v), want %v", x, math.Float32bits(x), h, h.Float32(), err, want)
		}
	}
}

func TestToFloat32(t *testing.T) {
	assert.Equal(t, float32(-2.5), ToFloat32(0xc100))
	assert.Equal(t, Float16(0x1234).Float32(), ToFloat32(0x1234))
}
