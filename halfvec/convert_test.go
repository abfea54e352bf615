package halfvec

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// allHalves returns the 65,536 half bit patterns in order.
func allHalves() []Float16 {
	out := make([]Float16, 1<<16)
	for i := range out {
		out[i] = Float16(i)
	}
	return out
}

// TestDecodeAllHalvesTiers widens all 65,536 halves with every tier, at
// several start offsets so each lane and tail path sees every value, and
// compares bit for bit with the generic Float32.
func TestDecodeAllHalvesTiers(t *testing.T) {
	src := allHalves()
	want := make([]uint32, len(src))
	for i, h := range src {
		want[i] = math.Float32bits(h.Float32())
	}
	for _, k := range tiers(t) {
		for _, off := range []int{0, 1, 3, 7, 13} {
			dst := make([]float32, len(src)-off+2)
			n := k.Decode(dst, src[off:])
			require.Equal(t, len(src)-off, n)
			for i := range n {
				if math.Float32bits(dst[i]) != want[off+i] {
					t.Fatalf("%s: half %#04x widened to %#08x, generic %#08x", k.ISA, off+i, math.Float32bits(dst[i]), want[off+i])
				}
			}
			assert.Zero(t, dst[n], "%s wrote past n", k.ISA)
		}
	}
}

// TestEncodeAllHalvesTiers encodes the widened value of every half with every
// tier and checks it maps back to the same half (NaNs come back quieted).
func TestEncodeAllHalvesTiers(t *testing.T) {
	src := make([]float32, 1<<16)
	for i := range src {
		src[i] = Float16(i).Float32()
	}
	for _, k := range tiers(t) {
		for _, off := range []int{0, 1, 5, 9} {
			dst := make([]Float16, len(src)-off)
			n, err := k.Encode(dst, src[off:])
			require.NoError(t, err, k.ISA)
			require.Equal(t, len(dst), n)
			for i, h := range dst {
				want := Float16(off + i)
				if want.IsNaN() {
					want |= 0x200
				}
				if h != want {
					t.Fatalf("%s: %v encoded to %#04x, want %#04x", k.ISA, src[off+i], h, want)
				}
			}
		}
	}
}

// TestEncodeTiersBitExact runs the weighted inputs (10 million, 1 million
// with -short) through every tier and compares with the generic converter
// bit for bit. Inputs that convert are encoded in runs of varying length, so
// main loops and tails all see them; each overflowing input is planted at a
// varying position inside a run of convertible values, and every tier must
// stop exactly there.
func TestEncodeTiersBitExact(t *testing.T) {
	n := 10_000_000
	if testing.Short() {
		n = 1_000_000
	}
	inputs := weightedInputs(n, 2)
	var ok []float32
	var okWant []Float16
	var over []float32
	for _, x := range inputs {
		h, overflow := fromFloat32Bits(math.Float32bits(x))
		if overflow {
			over = append(over, x)
			continue
		}
		ok = append(ok, x)
		okWant = append(okWant, h)
	}
	t.Logf("%d inputs: %d convertible, %d overflowing", len(inputs), len(ok), len(over))
	require.NotEmpty(t, over)

	for _, k := range tiers(t) {
		dst := make([]Float16, len(ok))
		run := 1
		for i := 0; i < len(ok); {
			end := min(i+run, len(ok))
			m, err := k.Encode(dst[i:end], ok[i:end])
			require.NoError(t, err)
			require.Equal(t, end-i, m)
			i = end
			run = run%97 + 1
			if run == 50 {
				run = 4096 // now and then a long run through the main loop
			}
		}
		for i := range ok {
			if dst[i] != okWant[i] {
				t.Fatalf("%s: %v (%#08x) encoded to %#04x, generic %#04x", k.ISA, ok[i], math.Float32bits(ok[i]), dst[i], okWant[i])
			}
		}

		// Plain comparisons and reused buffers here: this loop runs about a
		// million times per tier.
		const sentinel = Float16(0xdead)
		src := make([]float32, 70)
		out := make([]Float16, 70)
		for j, x := range over {
			length := 1 + j%70
			pos := (j / 70) % length
			src, out := src[:length], out[:length]
			for i := range src {
				src[i] = ok[(j*31+i)%len(ok)]
				out[i] = sentinel
			}
			src[pos] = x
			m, err := k.Encode(out, src)
			oe, isOverflow := err.(*OverflowError)
			if m != pos || !isOverflow || oe.Index != pos || math.Float32bits(oe.Value) != math.Float32bits(x) {
				t.Fatalf("%s: %v (%#08x) planted at %d of %d: got n=%d, err=%v", k.ISA, x, math.Float32bits(x), pos, length, m, err)
			}
			for i := range length {
				want := sentinel
				if i < pos {
					want, _ = fromFloat32Bits(math.Float32bits(src[i]))
				}
				if out[i] != want {
					t.Fatalf("%s: overflow at %d of %d: element %d is %#04x, want %#04x", k.ISA, pos, length, i, out[i], want)
				}
			}
		}
		require.ErrorIs(t, func() error { _, err := k.Encode(out[:1], over[:1]); return err }(), ErrOverflow)
	}
}

func TestEncodeStopsAtFirstOverflow(t *testing.T) {
	for _, k := range tiers(t) {
		for length := 1; length <= 70; length++ {
			for pos := range length {
				src := make([]float32, length)
				for i := range src {
					src[i] = float32(i) - 3.5
				}
				src[pos] = -1e6
				if pos+1 < length {
					src[length-1] = 7e4 // a second overflow must not be reported
				}
				dst := make([]Float16, length)
				n, err := k.Encode(dst, src)
				require.Equal(t, pos, n)
				var oe *OverflowError
				require.ErrorAs(t, err, &oe, "%s len %d pos %d", k.ISA, length, pos)
				require.Equal(t, pos, oe.Index)
				require.Equal(t, fmt.Sprintf("halfvec: element %d (-1e+06): value out of range: overflow", pos), err.Error())
			}
		}
	}
}

func TestEncodeDecodeLengthRule(t *testing.T) {
	for _, k := range tiers(t) {
		src := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}
		short := make([]Float16, 9)
		n, err := k.Encode(short, src)
		require.NoError(t, err)
		assert.Equal(t, 9, n, "%s converts min(len(dst), len(src))", k.ISA)
		long := make([]Float16, 40)
		n, err = k.Encode(long, src)
		require.NoError(t, err)
		assert.Equal(t, len(src), n)
		assert.Zero(t, long[len(src)])

		n, err = k.Encode(nil, src)
		require.NoError(t, err)
		assert.Zero(t, n)
		n, err = k.Encode(long, nil)
		require.NoError(t, err)
		assert.Zero(t, n)

		back := make([]float32, 5)
		assert.Equal(t, 5, k.Decode(back, long))
		assert.Equal(t, []float32{1, 2, 3, 4, 5}, back)
		assert.Zero(t, k.Decode(nil, long))
		assert.Zero(t, k.Decode(back, nil))
	}
}

func TestFromSliceToSlice(t *testing.T) {
	h, err := FromSlice([]float32{0.5, -2, 65504, 1e-8})
	require.NoError(t, err)
	assert.Equal(t, []Float16{0x3800, 0xc000, 0x7bff, 0x0000}, h)
	assert.Equal(t, []float32{0.5, -2, 65504, 0}, ToSlice(h))

	h, err = FromSlice([]float32{1, 2, 70000})
	require.Nil(t, h)
	var oe *OverflowError
	require.True(t, errors.As(err, &oe))
	assert.Equal(t, 2, oe.Index)
	assert.Equal(t, float32(70000), oe.Value)

	h, err = FromSlice(nil)
	require.NoError(t, err)
	assert.Empty(t, h)
	assert.Empty(t, ToSlice(nil))
}
