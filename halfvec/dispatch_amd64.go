//go:build amd64 && !purego

package halfvec

import (
	"math"
	"unsafe"

	"golang.org/x/sys/cpu"

	"github.com/smallworld-go/smallworld/distance"
)

// cpuHas reports whether this CPU can run tier t's assembly. The AVX2 tier
// needs F16C for VCVTPH2PS/VCVTPS2PH besides AVX2 and FMA; the AVX-512 tier
// needs AVX-512F (the ZMM conversions), VL and BW (16-bit masked loads).
func cpuHas(t distance.ISA) bool {
	avx2 := cpu.X86.HasAVX2 && cpu.X86.HasFMA && cpu.X86.HasF16C
	switch t {
	case distance.Generic:
		return true
	case distance.AVX2:
		return avx2
	case distance.AVX512:
		return avx2 && cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL && cpu.X86.HasAVX512BW
	}
	return false
}

func kernelsFor(t distance.ISA) *Kernels {
	switch t {
	case distance.AVX2:
		return &avx2Kernels
	case distance.AVX512:
		return &avx512Kernels
	}
	return &genericKernels
}

// asmBatch is the signature of the assembly batch loops. They need dim ≥ 1,
// n ≥ 1 and maxID ≥ 0, and compare each id with maxID before reading.
type asmBatch func(q *float32, dim int, arena *Float16, stride int, maxID int, ids *uint32, out *float32, n int)

// batchAsm wraps an assembly batch loop with the checks of the BatchFunc
// contract; the cases the loop does not take go to the generic loop.
func batchAsm(loop asmBatch, generic BatchFunc) BatchFunc {
	return func(q []float32, arena []Float16, stride int, ids []uint32, out []float32) {
		n := min(len(ids), len(out))
		if n == 0 {
			return
		}
		maxID := batchMaxID(len(q), len(arena), stride)
		if maxID < 0 {
			for i := range n {
				out[i] = float32(math.NaN())
			}
			return
		}
		if len(q) == 0 {
			generic(q, arena, stride, ids, out)
			return
		}
		loop(unsafe.SliceData(q), len(q), unsafe.SliceData(arena), stride, maxID,
			unsafe.SliceData(ids), unsafe.SliceData(out), n)
	}
}

// cosineHH and cosineFH finish an assembly kernel that returns the three
// cosine sums.
func cosineHH(sums func(a, b []Float16) (dot, na, nb float32)) func(a, b []Float16) float32 {
	return func(a, b []Float16) float32 { return cosineFinish(sums(a, b)) }
}

func cosineFH(sums func(q []float32, h []Float16) (dot, na, nb float32)) func(q []float32, h []Float16) float32 {
	return func(q []float32, h []Float16) float32 { return cosineFinish(sums(q, h)) }
}

// encodeAsm finishes an assembly bulk conversion with the generic one: the
// assembly stops before the tail it does not handle or the block holding the
// first overflow, and the generic code converts from there, so the error
// names the exact element.
func encodeAsm(conv func(dst *Float16, src *float32, n int) int) func(dst []Float16, src []float32) (int, error) {
	return func(dst []Float16, src []float32) (int, error) {
		n := min(len(dst), len(src))
		done := 0
		if n > 0 {
			done = conv(unsafe.SliceData(dst), unsafe.SliceData(src), n)
		}
		return encodeTail(dst, src, done)
	}
}

func decodeAsm(conv func(dst *float32, src *Float16, n int) int) func(dst []float32, src []Float16) int {
	return func(dst []float32, src []Float16) int {
		n := min(len(dst), len(src))
		done := 0
		if n > 0 {
			done = conv(unsafe.SliceData(dst), unsafe.SliceData(src), n)
		}
		return decodeTail(dst, src, done)
	}
}

var avx2Kernels = Kernels{
	ISA:               distance.AVX2,
	Dot:               dotHHAVX2,
	L2Squared:         l2HHAVX2,
	L1:                l1HHAVX2,
	Cosine:            cosineHH(cosHHAVX2),
	DotF32:            dotFHAVX2,
	L2SquaredF32:      l2FHAVX2,
	L1F32:             l1FHAVX2,
	CosineF32:         cosineFH(cosFHAVX2),
	DotBatchF32:       batchAsm(dotBatchFHAVX2, genericKernels.DotBatchF32),
	L2SquaredBatchF32: batchAsm(l2BatchFHAVX2, genericKernels.L2SquaredBatchF32),
	L1BatchF32:        batchAsm(l1BatchFHAVX2, genericKernels.L1BatchF32),
	Encode:            encodeAsm(encodeAVX2),
	Decode:            decodeAsm(decodeAVX2),
}

var avx512Kernels = Kernels{
	ISA:               distance.AVX512,
	Dot:               dotHHAVX512,
	L2Squared:         l2HHAVX512,
	L1:                l1HHAVX512,
	Cosine:            cosineHH(cosHHAVX512),
	DotF32:            dotFHAVX512,
	L2SquaredF32:      l2FHAVX512,
	L1F32:             l1FHAVX512,
	CosineF32:         cosineFH(cosFHAVX512),
	DotBatchF32:       batchAsm(dotBatchFHAVX512, genericKernels.DotBatchF32),
	L2SquaredBatchF32: batchAsm(l2BatchFHAVX512, genericKernels.L2SquaredBatchF32),
	L1BatchF32:        batchAsm(l1BatchFHAVX512, genericKernels.L1BatchF32),
	Encode:            encodeAsm(encodeAVX512),
	Decode:            decodeAsm(decodeAVX512),
}
