package halfvec

import (
	"encoding/binary"
	"math"
	"testing"
)

// FuzzFromFloat32 checks the generic converter against the float64
// reference, and every other tier's bulk conversion against the generic one,
// with the input planted at a fuzzed position of a fuzzed-length block so it
// lands in main loops and tails.
func FuzzFromFloat32(f *testing.F) {
	for _, b := range []uint32{0, 0x80000000, 0x3f800000, 0x477fefff, 0x477ff000, 0x477fe000, 0x7f800000,
		0xff800000, 0x7fc00000, 0x7f800001, 0xffa00123, 0x33000000, 0x33000001, 0x387fc000, 0x38800000, 0x3f801000, 0x3f803000} {
		f.Add(b, uint8(0))
		f.Add(b, uint8(37))
	}
	ks := tiers(f)
	f.Fuzz(func(t *testing.T, bits uint32, where uint8) {
		x := math.Float32frombits(bits)
		h, err := FromFloat32(x)
		want, overflow := refRound(x)
		switch {
		case overflow:
			if err == nil {
				t.Fatalf("%v (%#08x): want overflow, got %#04x", x, bits, h)
			}
		case math.IsNaN(want):
			if err != nil || !h.IsNaN() || h != Float16(bits>>16&0x8000|0x7e00|bits>>13&0x3ff) {
				t.Fatalf("NaN %#08x: got %#04x, %v", bits, h, err)
			}
		case err != nil || !sameValue(h.Float32(), want):
			t.Fatalf("%v (%#08x): got %#04x (%v), %v; want %v", x, bits, h, h.Float32(), err, want)
		}

		length := 1 + int(where)%40
		pos := int(where) % length
		src := make([]float32, length)
		for i := range src {
			src[i] = float32(i) * 0.75
		}
		src[pos] = x
		for _, k := range ks {
			dst := make([]Float16, length)
			n, kerr := k.Encode(dst, src)
			if overflow {
				oe, ok := kerr.(*OverflowError)
				if !ok || n != pos || oe.Index != pos {
					t.Fatalf("%s: %v at %d of %d: n=%d err=%v", k.ISA, x, pos, length, n, kerr)
				}
				continue
			}
			if kerr != nil || n != length || dst[pos] != h {
				t.Fatalf("%s: %v (%#08x) at %d of %d: got %#04x, generic %#04x (n=%d, %v)", k.ISA, x, bits, pos, length, dst[pos], h, n, kerr)
			}
			back := make([]float32, length)
			k.Decode(back, dst)
			if math.Float32bits(back[pos]) != math.Float32bits(h.Float32()) {
				t.Fatalf("%s: decode of %#04x gives %#08x, generic %#08x", k.ISA, h, math.Float32bits(back[pos]), math.Float32bits(h.Float32()))
			}
		}
	})
}

// FuzzKernels compares every kernel of every tier with the float64 reference:
// within the stated bound when the result is finite, and in class (NaN, ±Inf)
// otherwise. The fuzzer's bytes are the two half vectors; the float32 query is
// the first vector scaled by fuzzed factors.
func FuzzKernels(f *testing.F) {
	seed := func(h ...uint16) []byte {
		out := make([]byte, 2*len(h))
		for i, v := range h {
			binary.LittleEndian.PutUint16(out[2*i:], v)
		}
		return out
	}
	f.Add(seed(0x3c00, 0x4000, 0xbc00, 0x4000))
	f.Add(seed(0x7c00, 0x3c00, 0x0000, 0x3c00))
	f.Add(seed(0x7bff, 0x7bff, 0xfbff, 0x7bff, 0x0001, 0x8001, 0x03ff, 0x0400))
	f.Add(seed(0x7e00, 0x1234, 0x3c00, 0x3c00, 0xfc00, 0x7c00))
	f.Add(make([]byte, 2*70))
	ks := tiers(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		n := len(data) / 4
		a, b := make([]Float16, n), make([]Float16, n)
		q := make([]float32, n)
		for i := range n {
			a[i] = Float16(binary.LittleEndian.Uint16(data[2*i:]))
			b[i] = Float16(binary.LittleEndian.Uint16(data[2*n+2*i:]))
			q[i] = a[i].Float32() * (1 + float32(data[i])/64)
		}
		ra, rb, rq := widenAll(a), widenAll(b), f64All(q)
		check := func(isa, name string, got float32, want, bound float64) {
			if valueClass(want) != valueClass(float64(got)) {
				t.Fatalf("%s %s n=%d: got %v, reference %v", isa, name, n, got, want)
			}
			if valueClass(want) == "finite" && math.Abs(float64(got)-want) > bound {
				t.Fatalf("%s %s n=%d: got %v, reference %v, error %g > bound %g", isa, name, n, got, want, math.Abs(float64(got)-want), bound)
			}
		}
		for _, k := range ks {
			isa := k.ISA.String()
			for _, kern := range hhKernels(k) {
				want, mag := refSums(kern.name, ra, rb)
				check(isa, "hh-"+kern.name, kern.f(a, b), want, errorBound(n, mag))
			}
			for _, kern := range fhKernels(k) {
				want, mag := refSums(kern.name, rq, rb)
				check(isa, "fh-"+kern.name, kern.f(q, b), want, errorBound(n, mag))
			}
			want, bound := refCosine(ra, rb)
			check(isa, "hh-cos", k.Cosine(a, b), want, bound)
			want, bound = refCosine(rq, rb)
			check(isa, "fh-cos", k.CosineF32(q, b), want, bound)
		}
	})
}
