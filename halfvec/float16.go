package halfvec

import (
	"math"
	"strconv"
)

// Float16 is an IEEE 754 binary16 value held in its bit pattern: 1 sign bit,
// 5 exponent bits (bias 15) and 10 mantissa bits. The largest finite value
// is 65504; the smallest positive subnormal is 2⁻²⁴ ≈ 5.96e-8.
type Float16 uint16

// Notable half-precision values.
const (
	// MaxValue is the largest finite half, 65504.
	MaxValue Float16 = 0x7bff
	// SmallestNonzero is the smallest positive subnormal half, 2⁻²⁴.
	SmallestNonzero Float16 = 0x0001
	// PosInf is +Inf.
	PosInf Float16 = 0x7c00
	// NegInf is −Inf.
	NegInf Float16 = 0xfc00
	// QuietNaN is the canonical quiet NaN, the half VCVTPS2PH produces from
	// the float32 default NaN (0x7fc00000).
	QuietNaN Float16 = 0x7e00
)

// Bit-pattern thresholds on |x| of a float32, used by the generic converter
// and mirrored by the assembly.
const (
	f32AbsMask  = 0x7fffffff
	f32Inf      = 0x7f800000 // +Inf; anything above is NaN
	f32Overflow = 0x477ff000 // 65520 = 65504 + half an ulp: the first value that rounds to Inf
	f32MinHalf  = 0x38800000 // 2⁻¹⁴, the smallest normal half
	f32MinRound = 0x33000000 // 2⁻²⁵, half the smallest subnormal: below it everything is ±0
)

// FromFloat32 converts f to the nearest half, ties to even, with subnormals.
//
// A finite f that would round to ±Inf (|f| ≥ 65520) returns the infinity of
// its sign together with ErrOverflow. ±Inf converts to ±Inf without error and a
// NaN to a quiet NaN of the same sign (sign | 0x7E00 | payload>>13), exactly as
// the F16C instruction VCVTPS2PH does.
func FromFloat32(f float32) (Float16, error) {
	h, overflow := fromFloat32Bits(math.Float32bits(f))
	if overflow {
		return h, ErrOverflow
	}
	return h, nil
}

// fromFloat32Bits converts the float32 with bit pattern b. It reports overflow
// when a finite input rounds to ±Inf; the returned half is then that infinity.
// It works on bits alone so that no floating-point mode or compiler choice can
// change a result.
func fromFloat32Bits(b uint32) (Float16, bool) {
	sign := uint16(b>>16) & 0x8000
	a := b & f32AbsMask
	switch {
	case a >= f32Inf:
		if a == f32Inf {
			return Float16(sign | 0x7c00), false
		}
		// NaN: keep the top 10 payload bits and set the quiet bit, as
		// VCVTPS2PH does; a signalling NaN is thereby quieted.
		return Float16(sign | 0x7e00 | uint16(a>>13)&0x3ff), false
	case a >= f32Overflow:
		return Float16(sign | 0x7c00), true
	case a >= f32MinHalf:
		// Normal half: rebias the exponent from 127 to 15 (subtract 112) and
		// keep the top 10 mantissa bits, rounding on the 13 dropped bits
		// without a branch (random data would mispredict it half the time):
		// adding 0xfff plus the kept lowest bit carries into the kept bits
		// exactly when the dropped part is above one half, or is one half and
		// the kept part is odd. A carry out of the mantissa correctly bumps
		// the exponent; it cannot reach Inf because a < 65520.
		h := (a - 112<<23 + 0xfff + a>>13&1) >> 13
		return Float16(sign | uint16(h)), false
	case a >= f32MinRound:
		// Subnormal half, in units of 2⁻²⁴: the full significand m (24 bits,
		// value m·2^(e−150)) shifted right by 126−e, rounded to nearest even.
		// Rounding up from the largest subnormal gives the smallest normal,
		// whose bit pattern is the next integer, so no special case is needed.
		// The same carry trick rounds it.
		e := a >> 23
		m := a&0x7fffff | 0x800000
		shift := 126 - e // 14 … 24
		h := (m + (1<<(shift-1) - 1) + m>>shift&1) >> shift
		return Float16(sign | uint16(h)), false
	}
	// |f| < 2⁻²⁵, float32 subnormals included, rounds to ±0. (2⁻²⁵ itself,
	// a tie, reaches 0 in the subnormal branch: 0 is even.)
	return Float16(sign), false
}

// Float32 returns h as a float32. The conversion is exact for every non-NaN
// half; a NaN becomes a quiet float32 NaN with the same sign and payload.
func (h Float16) Float32() float32 {
	return math.Float32frombits(toFloat32Bits(h))
}

// ToFloat32 is the function form of h.Float32, the inverse of FromFloat32.
func ToFloat32(h Float16) float32 { return h.Float32() }

// toFloat32Bits widens h to a float32 bit pattern. It is small enough to be
// inlined into the generic kernels.
func toFloat32Bits(h Float16) uint32 {
	x := uint32(h&0x7fff) << 13 // exponent and mantissa in float32 position
	switch x & 0x0f800000 {
	case 0x0f800000: // Inf or NaN: exponent 31 → 255
		x += 224 << 23
		if x != f32Inf {
			x |= 0x00400000 // quiet the NaN, as VCVTPH2PS does
		}
	case 0: // ±0 or subnormal m·2⁻²⁴ = (2⁻¹⁴ + m·2⁻²⁴) − 2⁻¹⁴, exactly
		x = math.Float32bits(math.Float32frombits(x+113<<23) - 0x1p-14)
	default: // normal: exponent bias 15 → 127
		x += 112 << 23
	}
	return x | uint32(h&0x8000)<<16
}

// IsNaN reports whether h is a NaN.
func (h Float16) IsNaN() bool { return h&0x7c00 == 0x7c00 && h&0x3ff != 0 }

// IsInf reports whether h is an infinity, according to sign: sign > 0 asks
// for +Inf, sign < 0 for −Inf, and sign == 0 for either (as math.IsInf).
func (h Float16) IsInf(sign int) bool {
	return sign >= 0 && h == PosInf || sign <= 0 && h == NegInf
}

// String formats h as the shortest decimal that round-trips its float32
// value, the way pgvector prints halfvec elements (0.1 prints as 0.099975586).
func (h Float16) String() string {
	return strconv.FormatFloat(float64(h.Float32()), 'g', -1, 32)
}
