package pgxvec

import "math"

// IEEE 754 binary16 conversions for the halfvec codec, exported for code
// that reads halfvec bytes elsewhere (pgtest decodes them from index pages)
// or wants to know client-side what a halfvec will store. They are written
// here, not imported, so that this package stays an independent reference
// for the repository's own halfvec package.

// Float16Bits rounds f to the nearest binary16 value, ties to even, as
// pgvector's Float4ToHalfUnchecked (and F16C's VCVTPS2PH) do, and returns its
// encoding, as math.Float32bits does for float32. ok is false when
// a finite f is too large and rounds to infinity, which pgvector rejects as
// "value out of range for type halfvec". NaN and infinities convert to their
// binary16 counterparts.
func Float16Bits(f float32) (h uint16, ok bool) {
	bits := math.Float32bits(f)
	sign := uint16(bits>>16) & 0x8000
	exp := int(bits>>23) & 0xff
	mant := bits & 0x7fffff

	if exp == 0xff {
		if mant == 0 {
			return sign | 0x7c00, true
		}
		// Keep NaN quiet and keep the top payload bits.
		return sign | 0x7e00 | uint16(mant>>13), true
	}

	e := exp - 127 + 15 // binary16 biased exponent
	switch {
	case e >= 0x1f:
		return sign | 0x7c00, false
	case e <= 0:
		// Subnormal or zero in binary16: the value is m16 * 2^-24.
		if e < -10 {
			return sign, true // below half the smallest subnormal: rounds to zero
		}
		m := mant | 0x800000 // the implicit bit (float32 subnormals took e < -10)
		shift := uint(14 - e)
		m16 := m >> shift
		rem := m & (1<<shift - 1)
		halfway := uint32(1) << (shift - 1)
		if rem > halfway || (rem == halfway && m16&1 == 1) {
			m16++ // may carry into the exponent field: still the right encoding
		}
		return sign | uint16(m16), true
	}

	h = sign | uint16(e)<<10 | uint16(mant>>13)
	rem := mant & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && h&1 == 1) {
		h++ // a carry out of the mantissa increments the exponent, as it should
	}
	if h&0x7fff == 0x7c00 {
		return h, false
	}
	return h, true
}

// Float16FromBits widens the binary16 value with encoding h exactly, as
// math.Float32frombits does for float32.
func Float16FromBits(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch exp {
	case 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case 0:
		// Subnormal (or zero): mant * 2^-24, exact in float32.
		v := float32(mant) / (1 << 24)
		if sign != 0 {
			v = -v
		}
		return v
	default:
		return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
	}
}
