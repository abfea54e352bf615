package distance

import (
	"encoding/binary"
	"math"
	"testing"
)

// Fuzz targets: every tier against the float64 reference (and so against
// each other) on arbitrary bit patterns, including NaN, ±Inf, subnormals and
// −0. Run one with, for example:
//
//	go test -run '^$' -fuzz '^FuzzDot$' -fuzztime 1m ./distance

// fuzzFloats decodes raw as little-endian float32s. Finite values above 2⁵⁰
// in magnitude are scaled down by 2⁸⁰: with them, a sum could overflow
// float32 in one summation order and not in another, and then the tiers
// legitimately disagree between a finite value and an infinity. That is the
// one input class the special-value guarantee excludes.
func fuzzFloats(raw []byte) []float32 {
	v := make([]float32, len(raw)/4)
	for i := range v {
		x := math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		if !math.IsInf(float64(x), 0) && !math.IsNaN(float64(x)) && math.Abs(float64(x)) > 0x1p50 {
			x = float32(math.Ldexp(float64(x), -80))
		}
		v[i] = x
	}
	return v
}

func fuzzWords(raw []byte) []uint64 {
	v := make([]uint64, len(raw)/8)
	for i := range v {
		v[i] = binary.LittleEndian.Uint64(raw[8*i:])
	}
	return v
}

// fuzzOperands splits the decoded values into a and b, starting a at one of
// the first four elements so the SIMD tiers see unaligned operands, and
// letting the lengths differ by up to skew elements.
func fuzzOperands(v []float32, off, skew uint8) (a, b []float32) {
	o := min(int(off%4), len(v))
	v = v[o:]
	half := len(v) / 2
	a, b = v[:half], v[half:]
	if s := int(skew % 8); s < len(b) {
		b = b[:len(b)-s]
	}
	return a, b
}

func addFloatSeeds(f *testing.F) {
	enc := func(xs ...float32) []byte {
		b := make([]byte, 4*len(xs))
		for i, x := range xs {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
		}
		return b
	}
	ramp := make([]float32, 2*131)
	for i := range ramp {
		ramp[i] = float32(i%13) - 6.25
	}
	f.Add([]byte{}, uint8(0), uint8(0))
	f.Add(enc(1, 2, 3, 4, 5, 6), uint8(0), uint8(0))
	f.Add(enc(ramp...), uint8(1), uint8(3))
	f.Add(enc(float32(math.NaN()), 1, 2, 3), uint8(0), uint8(0))
	f.Add(enc(float32(math.Inf(1)), 0, 2, 3, 4, 5), uint8(2), uint8(0))
	f.Add(enc(float32(math.Inf(1)), float32(math.Inf(-1)), 1, 1), uint8(0), uint8(1))
	f.Add(enc(0x1p-149, 0x1p-130, 1e-30, -0.0, 0x1p-149, 3), uint8(0), uint8(0))
	f.Add(enc(3e38, 3e38, -3e38, 1, 1, 1), uint8(0), uint8(0))
}

// fuzzFloatKernel checks one float kernel of every tier against the
// reference: same class for special results, within the stated bound for
// finite ones.
func fuzzFloatKernel(f *testing.F, fk floatKernel) {
	addFloatSeeds(f)
	tiers := allTiers(f)
	f.Fuzz(func(t *testing.T, raw []byte, off, skew uint8) {
		a, b := fuzzOperands(fuzzFloats(raw), off, skew)
		ref := fk.ref(a, b)
		for _, k := range tiers {
			got := float64(fk.get(k)(a, b))
			if classOf(got) != classOf(ref.val) {
				t.Fatalf("%s %s: got %v (%v), reference %v (%v); a=%v b=%v", k.ISA, fk.name, got, classOf(got), ref.val, classOf(ref.val), a, b)
			}
			if classOf(got) == classOf(0) && math.Abs(got-ref.val) > ref.bound {
				t.Fatalf("%s %s: got %v, reference %v, |diff| %g > bound %g; a=%v b=%v", k.ISA, fk.name, got, ref.val, math.Abs(got-ref.val), ref.bound, a, b)
			}
		}
	})
}

func FuzzDot(f *testing.F)       { fuzzFloatKernel(f, floatKernels[0]) }
func FuzzL2Squared(f *testing.F) { fuzzFloatKernel(f, floatKernels[1]) }
func FuzzL1(f *testing.F)        { fuzzFloatKernel(f, floatKernels[2]) }

// FuzzCosine is checked like the others where the squared norms are normal
// float32 numbers. Where a norm underflows the float64 reference is not a
// fair comparison (float32 may round it to zero and return NaN), so there the
// tiers are only required to agree with each other on NaN.
func FuzzCosine(f *testing.F) {
	addFloatSeeds(f)
	tiers := allTiers(f)
	f.Fuzz(func(t *testing.T, raw []byte, off, skew uint8) {
		a, b := fuzzOperands(fuzzFloats(raw), off, skew)
		ref := refCosine(a, b)
		_, aa, bb := refCosineSums(a, b)
		normal := aa >= 0x1p-100 && bb >= 0x1p-100
		firstNaN := math.IsNaN(float64(tiers[0].Cosine(a, b)))
		for _, k := range tiers {
			got := float64(k.Cosine(a, b))
			if !normal {
				if math.IsNaN(got) != firstNaN {
					t.Fatalf("%s Cosine with tiny norms: got %v, %s gives NaN=%v", k.ISA, got, tiers[0].ISA, firstNaN)
				}
				continue
			}
			if classOf(got) != classOf(ref.val) {
				t.Fatalf("%s Cosine: got %v, reference %v; a=%v b=%v", k.ISA, got, ref.val, a, b)
			}
			if !math.IsNaN(got) && math.Abs(got-ref.val) > ref.bound {
				t.Fatalf("%s Cosine: got %v, reference %v, |diff| %g > bound %g", k.ISA, got, ref.val, math.Abs(got-ref.val), ref.bound)
			}
			if !math.IsNaN(got) && (got < 0 || got > 2) {
				t.Fatalf("%s Cosine: %v outside [0, 2]", k.ISA, got)
			}
		}
	})
}

func addWordSeeds(f *testing.F) {
	f.Add([]byte{}, uint8(0))
	f.Add([]byte{0xff, 0, 0, 0, 0, 0, 0, 0x80, 1, 2, 3, 4, 5, 6, 7, 8}, uint8(0))
	long := make([]byte, 8*2*70)
	for i := range long {
		long[i] = byte(i * 37)
	}
	f.Add(long, uint8(3))
}

// fuzzWordOperands splits words into two halves, a starting at one of the
// first four words.
func fuzzWordOperands(raw []byte, off uint8) (a, b []uint64) {
	w := fuzzWords(raw)
	w = w[min(int(off%4), len(w)):]
	return w[:len(w)/2], w[len(w)/2:]
}

func FuzzHamming(f *testing.F) {
	addWordSeeds(f)
	tiers := allTiers(f)
	f.Fuzz(func(t *testing.T, raw []byte, off uint8) {
		a, b := fuzzWordOperands(raw, off)
		want := refHamming(a, b)
		for _, k := range tiers {
			if got := k.Hamming(a, b); got != want {
				t.Fatalf("%s Hamming: got %d, want %d", k.ISA, got, want)
			}
		}
	})
}

func FuzzJaccard(f *testing.F) {
	addWordSeeds(f)
	tiers := allTiers(f)
	f.Fuzz(func(t *testing.T, raw []byte, off uint8) {
		a, b := fuzzWordOperands(raw, off)
		want := refJaccard(a, b)
		for _, k := range tiers {
			if got := k.Jaccard(a, b); got != want {
				t.Fatalf("%s Jaccard: got %v, want %v", k.ISA, got, want)
			}
		}
	})
}

// FuzzBatch feeds arbitrary geometry (dimension, stride including zero and
// negative, ids including huge ones) to every batch kernel. None may panic or
// read out of bounds, and each result must be the pair kernel's, or NaN for
// an invalid id or stride.
func FuzzBatch(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, uint8(1), int64(1), []byte{0, 0, 0, 0, 3, 0, 0, 0})
	f.Add(make([]byte, 4*100), uint8(17), int64(20), []byte{4, 0, 0, 0, 5, 0, 0, 0, 255, 255, 255, 255})
	f.Add(make([]byte, 4*40), uint8(0), int64(0), []byte{0, 0, 0, 0})
	f.Add(make([]byte, 4*40), uint8(3), int64(-3), []byte{0, 0, 0, 0})
	f.Add(make([]byte, 4*40), uint8(3), int64(math.MaxInt64), []byte{1, 0, 0, 0})
	tiers := allTiers(f)
	f.Fuzz(func(t *testing.T, raw []byte, dim uint8, stride int64, rawIDs []byte) {
		vals := fuzzFloats(raw)
		d := min(int(dim), len(vals))
		q, arena := vals[:d], vals[d:]
		ids := make([]uint32, len(rawIDs)/4)
		for i := range ids {
			ids[i] = binary.LittleEndian.Uint32(rawIDs[4*i:])
		}
		s := int(stride)
		valid := s >= 1 && s >= d
		for _, k := range tiers {
			for _, bk := range batchKernels {
				out := make([]float32, len(ids))
				bk.batch(k)(q, arena, s, ids, out)
				for i, id := range ids {
					want := float32(math.NaN())
					if valid && len(arena) >= d && uint64(id) <= uint64(len(arena)-d)/uint64(s) {
						off := int(id) * s
						want = bk.pair(k)(q, arena[off:off+d])
					}
					if !sameFloat(want, out[i]) {
						t.Fatalf("%s %s dim=%d stride=%d id=%d: got %v, want %v", k.ISA, bk.name, d, s, id, out[i], want)
					}
				}
			}
		}
	})
}
