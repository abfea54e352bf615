package pgcompat

import (
	"math"
	"strconv"
)

// appendFloat32 appends f as PostgreSQL's float_to_shortest_decimal_bufn
// prints it, which is how pgvector prints every element of a vector, halfvec
// and sparsevec:
//
//   - the digits PostgreSQL's Ryu produces (shortest except at the ends of
//     the rounding interval, see shortestDecimal32; integers below 2^24 as
//     themselves);
//   - fixed notation when the decimal exponent of the leading digit, e, is in
//     −4 ≤ e < 6 (1e-04 prints as 0.0001, 999999.9 as 999999.9);
//   - otherwise d[.ddd]e±XX with at least two exponent digits (1e-05,
//     1e+06, 1.2345679e+08);
//   - "0", "-0", "NaN", "Infinity" and "-Infinity" for the special values.
func appendFloat32(b []byte, f float32) []byte {
	switch {
	case f != f:
		return append(b, "NaN"...)
	case math.IsInf(float64(f), 1):
		return append(b, "Infinity"...)
	case math.IsInf(float64(f), -1):
		return append(b, "-Infinity"...)
	case f == 0:
		if math.Signbit(float64(f)) {
			return append(b, "-0"...)
		}
		return append(b, '0')
	}
	if f < 0 {
		b = append(b, '-')
	}
	mant, e10 := shortestDecimal32(f)
	var digitBuf [10]byte
	d := strconv.AppendUint(digitBuf[:0], uint64(mant), 10)
	nd := len(d)
	// exp is the decimal exponent of the leading digit.
	exp := int(e10) + nd - 1
	if !(exp >= -4 && exp < 6) && e10 == 0 {
		// The small-integer path can leave trailing zeros, which belong in
		// the exponent in scientific form.
		for nd > 1 && d[nd-1] == '0' {
			nd--
		}
		d = d[:nd]
	}
	if exp >= -4 && exp < 6 {
		switch {
		case exp < 0:
			b = append(b, '0', '.')
			for k := 0; k < -exp-1; k++ {
				b = append(b, '0')
			}
			b = append(b, d...)
		case nd <= exp+1:
			b = append(b, d...)
			for k := nd; k < exp+1; k++ {
				b = append(b, '0')
			}
		default:
			b = append(b, d[:exp+1]...)
			b = append(b, '.')
			b = append(b, d[exp+1:]...)
		}
		return b
	}
	b = append(b, d[0])
	if nd > 1 {
		b = append(b, '.')
		b = append(b, d[1:]...)
	}
	b = append(b, 'e')
	if exp < 0 {
		b = append(b, '-')
		exp = -exp
	} else {
		b = append(b, '+')
	}
	if exp < 10 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, int64(exp), 10)
}

// formatFloat32 is appendFloat32 into a new string.
func formatFloat32(f float32) string { return string(appendFloat32(nil, f)) }

// formatCG formats v as PostgreSQL's snprintf formats "%g" (6 significant
// digits, trailing zeros removed, exponent form when the exponent is < −4 or
// ≥ 6, at least two exponent digits, and NaN/Infinity spelt out).
// PostgreSQL uses it for real-valued settings.
func formatCG(v float64) string {
	switch {
	// PostgreSQL's own snprintf spells the special values this way.
	case v != v:
		return "NaN"
	case math.IsInf(v, 1):
		return "Infinity"
	case math.IsInf(v, -1):
		return "-Infinity"
	case v == 0:
		if math.Signbit(v) {
			return "-0"
		}
		return "0"
	}
	const prec = 6
	e := strconv.FormatFloat(v, 'e', prec-1, 64)
	// Decimal exponent after rounding to 6 significant digits.
	k := len(e) - 1
	for e[k] != 'e' {
		k--
	}
	x, _ := strconv.Atoi(e[k+1:])
	var out string
	if x < -4 || x >= prec {
		mant := trimFractionZeros(e[:k])
		sign := byte('+')
		if x < 0 {
			sign = '-'
			x = -x
		}
		xs := strconv.Itoa(x)
		if len(xs) < 2 {
			xs = "0" + xs
		}
		out = mant + "e" + string(sign) + xs
	} else {
		out = trimFractionZeros(strconv.FormatFloat(v, 'f', prec-1-x, 64))
	}
	return out
}

// trimFractionZeros removes trailing zeros after a decimal point, and the
// point itself if nothing follows it.
func trimFractionZeros(s string) string {
	dot := -1
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			dot = i
			break
		}
	}
	if dot < 0 {
		return s
	}
	end := len(s)
	for end > dot+1 && s[end-1] == '0' {
		end--
	}
	if end == dot+1 {
		end = dot
	}
	return s[:end]
}
