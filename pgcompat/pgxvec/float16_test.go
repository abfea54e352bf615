package pgxvec

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFloat16FromBitsRoundTripsEveryValue(t *testing.T) {
	for i := range 1 << 16 {
		h := uint16(i)
		f := Float16FromBits(h)
		if h&0x7c00 == 0x7c00 && h&0x3ff != 0 {
			require.True(t, math.IsNaN(float64(f)), "%#04x", h)
			continue
		}
		back, ok := Float16Bits(f)
		require.True(t, ok, "%#04x", h)
		require.Equal(t, h, back, "%#04x -> %v", h, f)
	}
	assert.Equal(t, float32(65504), Float16FromBits(0x7bff))
	assert.Equal(t, float32(math.Ldexp(1, -24)), Float16FromBits(0x0001))
	assert.Equal(t, uint32(0x80000000), math.Float32bits(Float16FromBits(0x8000)), "negative zero")
}

// finiteHalves lists every finite binary16 value with its encoding, sorted by
// value, as the reference for rounding.
type finiteHalves struct {
	values []float64
	codes  []uint16
}

func newFiniteHalves() *finiteHalves {
	type pair struct {
		v float64
		h uint16
	}
	var pairs []pair
	for i := range 1 << 16 {
		h := uint16(i)
		if h&0x7c00 == 0x7c00 || h == 0x8000 {
			continue // non-finite, and -0 (same value as +0)
		}
		// Decode independently of Float16FromBits: sign * mant * 2^(e-25).
		e, m := int(h>>10&0x1f), float64(h&0x3ff)
		v := math.Ldexp(m, -24)
		if e > 0 {
			v = math.Ldexp(1024+m, e-25)
		}
		if h&0x8000 != 0 {
			v = -v
		}
		pairs = append(pairs, pair{v, h})
	}
	sort.Slice(pairs, func(i, j int) bool { return pairs[i].v < pairs[j].v })
	r := &finiteHalves{}
	for _, p := range pairs {
		r.values = append(r.values, p.v)
		r.codes = append(r.codes, p.h)
	}
	return r
}

// nearest rounds x to the nearest binary16, ties to the even encoding;
// overflow reports |x| >= 65520, the midpoint between the largest finite
// value and the next power of two.
func (r *finiteHalves) nearest(x float64) (code uint16, overflow bool) {
	if math.Abs(x) >= 65520 {
		return 0, true
	}
	i := sort.SearchFloat64s(r.values, x)
	switch {
	case i == len(r.values):
		i--
	case i > 0 && r.values[i] != x:
		lo, hi := r.values[i-1], r.values[i]
		if x-lo < hi-x || (x-lo == hi-x && r.codes[i-1]&1 == 0) {
			i--
		}
	}
	code = r.codes[i]
	if code == 0 && math.Signbit(x) {
		code = 0x8000 // a negative value rounding to zero keeps its sign
	}
	return code, false
}

func TestFloat16BitsRoundsToNearestEven(t *testing.T) {
	ref := newFiniteHalves()
	check := func(f float32) {
		t.Helper()
		want, overflow := ref.nearest(float64(f))
		got, ok := Float16Bits(f)
		if overflow {
			require.False(t, ok, "%v (%#08x) should overflow", f, math.Float32bits(f))
			require.Equal(t, uint16(0x7c00), got&0x7fff)
			return
		}
		require.True(t, ok, "%v", f)
		require.Equal(t, want, got, "%v (%#08x)", f, math.Float32bits(f))
	}
	// Every midpoint between neighbouring halves and a float32 step either
	// side of it: the cases where rounding can go wrong.
	for i := 0; i+1 < len(ref.values); i++ {
		mid := float32((ref.values[i] + ref.values[i+1]) / 2) // exact in float32
		check(mid)
		check(math.Nextafter32(mid, float32(math.Inf(1))))
		check(math.Nextafter32(mid, float32(math.Inf(-1))))
	}
	for _, f := range []float32{0, 65504, 65519.996, 65520, -65520, 1e-8, -1e-8, 2.9802322e-08, 2.9802326e-08,
		math.MaxFloat32, math.SmallestNonzeroFloat32} {
		check(f)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for range 200000 {
		f := math.Float32frombits(rng.Uint32())
		if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
			continue
		}
		check(f)
	}
}

func TestFloat16BitsNonFinite(t *testing.T) {
	h, ok := Float16Bits(float32(math.Inf(1)))
	assert.True(t, ok)
	assert.Equal(t, uint16(0x7c00), h)
	h, ok = Float16Bits(float32(math.Inf(-1)))
	assert.True(t, ok)
	assert.Equal(t, uint16(0xfc00), h)
	h, ok = Float16Bits(float32(math.NaN()))
	assert.True(t, ok)
	assert.True(t, math.IsNaN(float64(Float16FromBits(h))))
	// A signalling NaN whose payload lives only in the low bits stays NaN.
	h, _ = Float16Bits(math.Float32frombits(0x7f800001))
	assert.True(t, math.IsNaN(float64(Float16FromBits(h))))
}

func FuzzFloat16Bits(f *testing.F) {
	ref := newFiniteHalves()
	for _, seed := range []uint32{0, 0x3f800000, 0x477fe000, 0x477ff000, 0x33800000, 0x33000001, 0x80000001, 0x7f800001} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, bits uint32) {
		x := math.Float32frombits(bits)
		got, ok := Float16Bits(x)
		if math.IsNaN(float64(x)) {
			require.True(t, math.IsNaN(float64(Float16FromBits(got))))
			return
		}
		if math.IsInf(float64(x), 0) {
			require.Equal(t, float32(x), Float16FromBits(got))
			return
		}
		want, overflow := ref.nearest(float64(x))
		require.Equal(t, overflow, !ok)
		if !overflow {
			require.Equal(t, want, got)
		}
	})
}
