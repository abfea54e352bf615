package pgcompat

import (
	"math"
	"strconv"
)

// This file reproduces the C library number scanners pgvector and PostgreSQL
// call: strtof (vector elements), strtod (settings) and strtol (sparsevec
// indices, integer settings), in the C locale. Go's strconv differs from them
// in what it accepts (hex floats need a 'p' exponent, underscores, "0o"
// prefixes, no partial matches such as "1e" → 1), so the extent of the number
// is found here, character by character as the C scanner (musl's, which PGlite
// uses, and glibc's agree on everything below) finds it, and only the
// conversion of an already delimited token is left to strconv, which rounds
// correctly.

// cIsSpace is C isspace in the C locale, which is also PostgreSQL's
// scanner_isspace: space, \t, \n, \v, \f, \r.
func cIsSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHexDigit(c byte) bool {
	return isDigit(c) || (c|0x20) >= 'a' && (c|0x20) <= 'f'
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// floatForm says what kind of number a scan found.
type floatForm uint8

const (
	formNone    floatForm = iota // no conversion
	formDecimal                  // [sign] digits [. digits] [e [sign] digits]
	formHex                      // [sign] 0x hexdigits [. hexdigits] [p [sign] digits]
	formInf                      // [sign] inf | infinity
	formNaN                      // [sign] nan [ ( chars ) ]
)

// floatScan is the extent and shape of a C floating-point token starting at
// the beginning of a string (after any whitespace the caller skipped).
type floatScan struct {
	form    floatForm
	end     int  // bytes consumed; 0 when form == formNone
	neg     bool // a leading '-'
	nonzero bool // some mantissa digit is not zero
	// For formHex: the mantissa (hex digits and at most one '.') and the
	// exponent text ("" when absent), so the token can be re-spelt for strconv.
	hexMant string
	hexExp  string
}

// scanCFloat finds the longest prefix of s that C strtod would convert. It
// does not skip leading whitespace.
func scanCFloat(s string) floatScan {
	var r floatScan
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		r.neg = s[i] == '-'
		i++
	}
	// inf / infinity, any case. A partial "infinity" (4 to 7 letters) backs
	// up to "inf"; fewer than 3 letters is no number at all.
	if k := matchFold(s[i:], "infinity"); k > 0 {
		switch {
		case k == 8:
			r.form, r.end = formInf, i+8
			return r
		case k >= 3:
			r.form, r.end = formInf, i+3
			return r
		}
		return floatScan{}
	}
	if k := matchFold(s[i:], "nan"); k > 0 {
		if k < 3 {
			return floatScan{}
		}
		i += 3
		r.form, r.end = formNaN, i
		// An optional "(n-char-sequence)" is consumed only when closed.
		if i < len(s) && s[i] == '(' {
			j := i + 1
			for j < len(s) && (isDigit(s[j]) || (s[j]|0x20) >= 'a' && (s[j]|0x20) <= 'z' || s[j] == '_') {
				j++
			}
			if j < len(s) && s[j] == ')' {
				r.end = j + 1
			}
		}
		return r
	}
	if i+1 < len(s) && s[i] == '0' && (s[i+1]|0x20) == 'x' {
		if h, ok := scanHex(s, i+2); ok {
			h.neg = r.neg
			return h
		}
		// "0x" without hex digits: only the "0" is a number.
		r.form, r.end = formDecimal, i+1
		return r
	}
	digits := 0
	for i < len(s) && isDigit(s[i]) {
		if s[i] != '0' {
			r.nonzero = true
		}
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			if s[i] != '0' {
				r.nonzero = true
			}
			i++
			digits++
		}
	}
	if digits == 0 {
		return floatScan{}
	}
	r.form, r.end = formDecimal, i
	if j, ok := scanExponent(s, i, 'e'); ok {
		r.end = j
	}
	return r
}

// scanHex scans the part of a hex float after "0x", starting at i.
func scanHex(s string, i int) (floatScan, bool) {
	var r floatScan
	mantStart := i
	digits := 0
	for i < len(s) && isHexDigit(s[i]) {
		if s[i] != '0' {
			r.nonzero = true
		}
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isHexDigit(s[i]) {
			if s[i] != '0' {
				r.nonzero = true
			}
			i++
			digits++
		}
	}
	if digits == 0 {
		return r, false
	}
	r.form, r.end = formHex, i
	r.hexMant = s[mantStart:i]
	if j, ok := scanExponent(s, i, 'p'); ok {
		r.hexExp = s[i+1 : j]
		r.end = j
	}
	return r, true
}

// scanExponent scans "e[sign]digits" (or 'p' for hex floats) at i. It
// reports the end of the exponent, or false if there is no complete one (then
// the number ends before the letter, as in C).
func scanExponent(s string, i int, letter byte) (int, bool) {
	if i >= len(s) || (s[i]|0x20) != letter {
		return 0, false
	}
	j := i + 1
	if j < len(s) && (s[j] == '+' || s[j] == '-') {
		j++
	}
	if j >= len(s) || !isDigit(s[j]) {
		return 0, false
	}
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	return j, true
}

// matchFold returns how many leading bytes of s match word, ignoring ASCII
// case (word is lower case).
func matchFold(s, word string) int {
	k := 0
	for k < len(word) && k < len(s) && lower(s[k]) == word[k] {
		k++
	}
	return k
}

// convert turns a scanned token into a float of the given size (32 or 64),
// rounding to nearest even as strtof/strtod do. erange reports what C sets
// errno to ERANGE for: a finite token that overflows to ±Inf, and a non-zero
// token that underflows to zero or to an inexact subnormal.
func (r floatScan) convert(s string, bits int) (v float64, erange bool) {
	switch r.form {
	case formInf:
		if r.neg {
			return math.Inf(-1), false
		}
		return math.Inf(1), false
	case formNaN:
		return math.NaN(), false
	case formNone:
		return 0, false
	}
	var tok string
	if r.form == formHex {
		exp := r.hexExp
		if exp == "" {
			exp = "0"
		}
		sign := ""
		if r.neg {
			sign = "-"
		}
		tok = sign + "0x" + r.hexMant + "p" + exp
	} else {
		tok = s[:r.end]
	}
	f, err := strconv.ParseFloat(tok, bits)
	if r.form == formHex {
		return r.hexRange(f, bits)
	}
	if err != nil {
		// The only error a well-formed token can give is ErrRange, and
		// strconv then returns ±Inf (overflow) or ±0 (underflow).
		return f, true
	}
	if !r.nonzero {
		return f, false
	}
	if f == 0 {
		return f, true
	}
	if bits == 32 {
		if a := math.Abs(f); a < 0x1p-126 && !exactFloat(tok, f) {
			return f, true
		}
	} else if a := math.Abs(f); a < 0x1p-1022 && !exactFloat(tok, f) {
		return f, true
	}
	return f, false
}

// hexRange applies musl's range rule for hex floats, which PGlite's strtof
// follows: the binary exponent e2 = p + 4·(integer hex digits) − 32 is
// tested before rounding, so ERANGE is set for e2 beyond the format's
// smallest-subnormal exponent (overflow) or far below it (underflow), or for a
// result that rounds to zero. A value that overflows only in the final
// rounding is infinite without ERANGE, so pgvector then rejects it as an
// infinite value rather than as out of range. (glibc would report ERANGE.)
func (r floatScan) hexRange(f float64, bits int) (float64, bool) {
	if !r.nonzero {
		return f, false
	}
	emin, ldblMantDig := -149, 113 // FLT_MIN_EXP-FLT_MANT_DIG; wasm32 long double is binary128
	if bits == 64 {
		emin = -1074
	}
	// rp: significant integer digits, or minus the zeros that follow the
	// radix point when there are none.
	mant := r.hexMant
	i := 0
	for i < len(mant) && mant[i] == '0' {
		i++
	}
	rp := 0
	if i < len(mant) && mant[i] == '.' {
		j := i + 1
		for j < len(mant) && mant[j] == '0' {
			rp--
			j++
		}
	} else {
		for i < len(mant) && mant[i] != '.' {
			rp++
			i++
		}
	}
	// musl's scanexp stops accumulating near LLONG_MAX/100.
	var e int64
	neg := false
	for k := 0; k < len(r.hexExp); k++ {
		c := r.hexExp[k]
		switch {
		case c == '-':
			neg = true
		case isDigit(c) && e < math.MaxInt64/100:
			e = e*10 + int64(c-'0')
		}
	}
	if neg {
		e = -e
	}
	e2 := e + 4*int64(rp) - 32
	switch {
	case e2 > int64(-emin):
		return math.Copysign(math.Inf(1), boolSign(r.neg)), true
	case e2 < int64(emin-2*ldblMantDig):
		return math.Copysign(0, boolSign(r.neg)), true
	case f == 0:
		return f, true
	}
	return f, false
}

func boolSign(neg bool) float64 {
	if neg {
		return -1
	}
	return 1
}

// exactFloat reports whether the token denotes exactly the value f. It is
// asked only about subnormal results, where C reports an inexact underflow.
// A decimal token can only be exact for a subnormal when it has hundreds of
// digits; those rare cases are treated as inexact, like almost all inputs.
func exactFloat(tok string, f float64) bool {
	if len(tok) > 2 && (tok[1]|0x20) == 'x' || len(tok) > 3 && (tok[2]|0x20) == 'x' {
		// Hex: exact when re-parsing at a wider precision gives the same value.
		g, err := strconv.ParseFloat(tok, 64)
		return err == nil && g == f
	}
	return false
}

// cStrtof is C strtof: it skips leading whitespace, converts the longest
// valid prefix and reports how many bytes it consumed (0 when nothing was
// converted) and whether errno would be ERANGE.
func cStrtof(s string) (v float32, end int, erange bool) {
	i := 0
	for i < len(s) && cIsSpace(s[i]) {
		i++
	}
	r := scanCFloat(s[i:])
	if r.form == formNone {
		return 0, 0, false
	}
	f, er := r.convert(s[i:], 32)
	return float32(f), i + r.end, er
}

// cStrtod is C strtod; see cStrtof.
func cStrtod(s string) (v float64, end int, erange bool) {
	i := 0
	for i < len(s) && cIsSpace(s[i]) {
		i++
	}
	r := scanCFloat(s[i:])
	if r.form == formNone {
		return 0, 0, false
	}
	f, er := r.convert(s[i:], 64)
	return f, i + r.end, er
}

// cStrtol is C strtol with a 64-bit long. base is 10 or 0 (0 accepts a "0x"
// hex or a leading-"0" octal prefix). It skips leading whitespace, accepts a
// sign, and on overflow returns the clamped value with erange set. end is 0
// when nothing was converted.
func cStrtol(s string, base int) (v int64, end int, erange bool) {
	i := 0
	for i < len(s) && cIsSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	if base == 0 {
		switch {
		case i+1 < len(s) && s[i] == '0' && (s[i+1]|0x20) == 'x':
			// PGlite's C library (musl, as built by Emscripten) consumes a
			// "0x" prefix even when no hex digit follows, so "0x" reads as
			// 0 with nothing left over; glibc would stop after the "0".
			base = 16
			i += 2
			if i >= len(s) || !isHexDigit(s[i]) {
				return 0, i, false
			}
		case i < len(s) && s[i] == '0':
			base = 8
		default:
			base = 10
		}
	} else if base == 16 && i+2 < len(s) && s[i] == '0' && (s[i+1]|0x20) == 'x' && isHexDigit(s[i+2]) {
		i += 2
	}
	digitVal := func(c byte) int {
		switch {
		case isDigit(c):
			return int(c - '0')
		case (c|0x20) >= 'a' && (c|0x20) <= 'z':
			return int((c|0x20)-'a') + 10
		}
		return 99
	}
	start := i
	var acc uint64
	over := false
	limit := uint64(math.MaxInt64)
	if neg {
		limit++
	}
	for i < len(s) {
		d := digitVal(s[i])
		if d >= base {
			break
		}
		if !over {
			if acc > (limit-uint64(d))/uint64(base) {
				over = true
			} else {
				acc = acc*uint64(base) + uint64(d)
			}
		}
		i++
	}
	if i == start {
		return 0, 0, false
	}
	if over {
		if neg {
			return math.MinInt64, i, true
		}
		return math.MaxInt64, i, true
	}
	if neg {
		if acc == 1<<63 {
			return math.MinInt64, i, false
		}
		return -int64(acc), i, false
	}
	return int64(acc), i, false
}
