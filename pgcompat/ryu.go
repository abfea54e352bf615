package pgcompat

import (
	"math"
	"math/big"
	"math/bits"
)

// PostgreSQL prints float4 values (and pgvector every vector element) with
// its own copy of Ryu, built without Ryu's STRICTLY_SHORTEST option: the
// ends of the rounding interval are never accepted, even for an even
// mantissa. Its output is therefore sometimes one digit longer than the
// strictly shortest form Go's strconv produces (-8.3063357e+09 where strconv
// gives -8.306336e+09). This file implements that variant of the algorithm:
// shortestDecimal32 returns the digits m and exponent e of m·10^e.

const (
	f32MantissaBits = 23
	f32Bias         = 127
	pow5InvBits     = 59
	pow5Bits        = 61
)

// pow5InvSplit[q] = ⌊2^(pow5bits(q)−1+59) / 5^q⌋ + 1 and pow5Split[i] =
// 5^i scaled to 61 bits, as in Ryu; computed once with math/big.
var pow5InvSplit, pow5Split = func() ([31]uint64, [47]uint64) {
	var inv [31]uint64
	var pos [47]uint64
	five := big.NewInt(5)
	p := big.NewInt(1)
	for i := 0; i < 47; i++ {
		if i < 31 {
			num := new(big.Int).Lsh(big.NewInt(1), uint(pow5bits(int32(i))-1+pow5InvBits))
			num.Quo(num, p)
			inv[i] = num.Uint64() + 1
		}
		shift := pow5bits(int32(i)) - pow5Bits
		v := new(big.Int).Set(p)
		if shift >= 0 {
			v.Rsh(v, uint(shift))
		} else {
			v.Lsh(v, uint(-shift))
		}
		pos[i] = v.Uint64()
		p.Mul(p, five)
	}
	return inv, pos
}()

// pow5bits is the bit length of 5^e (1 for e = 0).
func pow5bits(e int32) int32 { return int32((uint32(e)*1217359)>>19) + 1 }

// log10Pow2 is ⌊e·log10(2)⌋.
func log10Pow2(e int32) uint32 { return (uint32(e) * 78913) >> 18 }

// log10Pow5 is ⌊e·log10(5)⌋.
func log10Pow5(e int32) uint32 { return (uint32(e) * 732923) >> 20 }

func pow5Factor(v uint32) uint32 {
	var n uint32
	for v%5 == 0 {
		v /= 5
		n++
	}
	return n
}

// mulShift returns ⌊m·factor / 2^shift⌋ for shift > 32.
func mulShift(m uint32, factor uint64, shift int32) uint32 {
	hi, lo := bits.Mul64(uint64(m), factor)
	// The product fits in 96 bits; shift the 128-bit value right.
	s := uint(shift)
	if s >= 64 {
		return uint32(hi >> (s - 64))
	}
	return uint32(lo>>s | hi<<(64-s))
}

// shortestDecimal32 is PostgreSQL's float_to_shortest_decimal_bufn before
// formatting, for a finite non-zero f.
func shortestDecimal32(f float32) (mantissa uint32, exponent int32) {
	b := math.Float32bits(f)
	ieeeMantissa := b & (1<<f32MantissaBits - 1)
	ieeeExponent := b >> f32MantissaBits & 0xff

	// Integers below 2^24 print as the integer itself.
	e2 := int32(ieeeExponent) - f32Bias - f32MantissaBits
	if e2 >= -f32MantissaBits && e2 <= 0 {
		mask := uint32(1)<<uint(-e2) - 1
		if ieeeMantissa&mask == 0 {
			m2 := uint32(1)<<f32MantissaBits | ieeeMantissa
			return m2 >> uint(-e2), 0
		}
	}

	var m2 uint32
	if ieeeExponent == 0 {
		e2 = 1 - f32Bias - f32MantissaBits - 2
		m2 = ieeeMantissa
	} else {
		e2 = int32(ieeeExponent) - f32Bias - f32MantissaBits - 2
		m2 = 1<<f32MantissaBits | ieeeMantissa
	}
	mv := 4 * m2
	mp := 4*m2 + 2
	mmShift := uint32(0)
	if ieeeMantissa != 0 || ieeeExponent <= 1 {
		mmShift = 1
	}
	mm := 4*m2 - 1 - mmShift

	var vr, vp, vm uint32
	var e10 int32
	vrTrailingZeros := false
	var lastRemoved uint32
	if e2 >= 0 {
		q := log10Pow2(e2)
		e10 = int32(q)
		k := pow5InvBits + pow5bits(int32(q)) - 1
		i := -e2 + int32(q) + k
		vr = mulShift(mv, pow5InvSplit[q], i)
		vp = mulShift(mp, pow5InvSplit[q], i)
		vm = mulShift(mm, pow5InvSplit[q], i)
		if q != 0 && (vp-1)/10 <= vm/10 {
			l := pow5InvBits + pow5bits(int32(q-1)) - 1
			lastRemoved = mulShift(mv, pow5InvSplit[q-1], -e2+int32(q)-1+l) % 10
		}
		if q <= 9 {
			// At most one of mp, mv and mm is a multiple of 5.
			if mv%5 == 0 {
				vrTrailingZeros = pow5Factor(mv) >= q
			} else if pow5Factor(mp) >= q {
				vp--
			}
		}
	} else {
		q := log10Pow5(-e2)
		e10 = int32(q) + e2
		i := -e2 - int32(q)
		k := pow5bits(i) - pow5Bits
		j := int32(q) - k
		vr = mulShift(mv, pow5Split[i], j)
		vp = mulShift(mp, pow5Split[i], j)
		vm = mulShift(mm, pow5Split[i], j)
		if q != 0 && (vp-1)/10 <= vm/10 {
			j = int32(q) - 1 - (pow5bits(i+1) - pow5Bits)
			lastRemoved = mulShift(mv, pow5Split[i+1], j) % 10
		}
		if q <= 1 {
			// mv has at least two trailing zero bits; mp = mv+2 one.
			vrTrailingZeros = true
			vp--
		} else if q < 31 {
			vrTrailingZeros = mv&(uint32(1)<<(q-1)-1) == 0
		}
	}

	var removed int32
	var output uint32
	if vrTrailingZeros {
		for vp/10 > vm/10 {
			vrTrailingZeros = vrTrailingZeros && lastRemoved == 0
			lastRemoved = vr % 10
			vr /= 10
			vp /= 10
			vm /= 10
			removed++
		}
		if vrTrailingZeros && lastRemoved == 5 && vr%2 == 0 {
			// Exactly ...50..0: round to even.
			lastRemoved = 4
		}
		output = vr
		if vr == vm || lastRemoved >= 5 {
			output++
		}
	} else {
		for vp/10 > vm/10 {
			lastRemoved = vr % 10
			vr /= 10
			vp /= 10
			vm /= 10
			removed++
		}
		output = vr
		if vr == vm || lastRemoved >= 5 {
			output++
		}
	}
	return output, e10 + removed
}
