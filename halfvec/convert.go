package halfvec

import "math"

// Encode converts src to halves in dst, like copy: it converts
// n = min(len(dst), len(src)) elements and returns how many it wrote.
//
// Each element is rounded as FromFloat32 rounds it. If an element overflows,
// Encode stops there: it returns that element's index, having written
// dst[:index] and left the rest of dst untouched, and an *OverflowError (which
// wraps ErrOverflow) naming the index and the value. It uses the selected
// tier's F16C or AVX-512 conversion where available; every tier gives the same
// bits.
func Encode(dst []Float16, src []float32) (int, error) { return active.Encode(dst, src) }

// Decode widens src into dst exactly, like copy: it converts
// n = min(len(dst), len(src)) elements and returns n.
func Decode(dst []float32, src []Float16) int { return active.Decode(dst, src) }

// FromSlice returns src converted to a new slice of halves, or nil and an
// *OverflowError if an element does not fit.
func FromSlice(src []float32) ([]Float16, error) {
	dst := make([]Float16, len(src))
	if _, err := Encode(dst, src); err != nil {
		return nil, err
	}
	return dst, nil
}

// ToSlice returns src widened to a new float32 slice.
func ToSlice(src []Float16) []float32 {
	dst := make([]float32, len(src))
	Decode(dst, src)
	return dst
}

// encodeGeneric is the portable bulk conversion.
func encodeGeneric(dst []Float16, src []float32) (int, error) {
	return encodeTail(dst, src, 0)
}

// encodeTail converts elements from index start on with the generic
// converter. The assembly tiers hand it their leftovers: the elements after
// the last full vector, or the block in which they saw an overflow, so that
// the error names the exact element and dst past it stays untouched.
func encodeTail(dst []Float16, src []float32, start int) (int, error) {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i := start; i < n; i++ {
		b := math.Float32bits(src[i])
		if a := b & f32AbsMask; a-f32MinHalf < f32Overflow-f32MinHalf {
			// The common case, a normal half, inline: fromFloat32Bits's
			// rounding without the call.
			dst[i] = Float16(uint16(b>>16)&0x8000 | uint16((a-112<<23+0xfff+a>>13&1)>>13))
			continue
		}
		h, overflow := fromFloat32Bits(b)
		if overflow {
			return i, &OverflowError{Index: i, Value: src[i]}
		}
		dst[i] = h
	}
	return n, nil
}

// decodeGeneric is the portable bulk widening, through the generic tier's
// table.
func decodeGeneric(dst []float32, src []Float16) int {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	t := widenTable()
	for i, h := range src {
		dst[i] = t[h]
	}
	return n
}

// decodeTail widens elements from index start on, bit by bit: the assembly
// tiers hand it their last few elements, and it does not touch the generic
// tier's table so that they never build it.
func decodeTail(dst []float32, src []Float16, start int) int {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i := start; i < n; i++ {
		dst[i] = math.Float32frombits(toFloat32Bits(src[i]))
	}
	return n
}
