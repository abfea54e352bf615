//go:build !purego

package distance

import "golang.org/x/sys/cpu"

// Assembly in avx512_amd64.s.

//go:noescape
func dotAVX512(a, b []float32) float32

//go:noescape
func l2SquaredAVX512(a, b []float32) float32

//go:noescape
func l1AVX512(a, b []float32) float32

//go:noescape
func cosineSumsAVX512(a, b []float32) (dot, aa, bb float32)

//go:noescape
func hammingAVX512(a, b []uint64) int

//go:noescape
func jaccardCountsAVX512(a, b []uint64) (and, or int)

//go:noescape
func dotBatchAVX512(q *float32, dim int, arena *float32, stride int, nvec int, ids *uint32, out *float32, n int)

//go:noescape
func l2SquaredBatchAVX512(q *float32, dim int, arena *float32, stride int, nvec int, ids *uint32, out *float32, n int)

//go:noescape
func l1BatchAVX512(q *float32, dim int, arena *float32, stride int, nvec int, ids *uint32, out *float32, n int)

func cosineAVX512(a, b []float32) float32 {
	return cosineFinish(cosineSumsAVX512(a, b))
}

// bitKernelsAVX512 returns the bit kernels of the AVX-512 tier: VPOPCNTQ
// where the CPU has AVX512_VPOPCNTDQ (Ice Lake, Zen 4 and later), otherwise
// the AVX2 tier's scalar POPCNT loop.
func bitKernelsAVX512() (func(a, b []uint64) int, func(a, b []uint64) float64) {
	if cpu.X86.HasAVX512VPOPCNTDQ && cpu.X86.HasPOPCNT {
		return hammingAVX512Short, jaccardAVX512
	}
	return bitKernelsPOPCNT()
}

var avx512Kernels = func() Kernels {
	hamming, jaccard := bitKernelsAVX512()
	return Kernels{
		ISA:            AVX512,
		Dot:            dotAVX512,
		L2Squared:      l2SquaredAVX512,
		L1:             l1AVX512,
		Cosine:         cosineAVX512,
		Hamming:        hamming,
		Jaccard:        jaccard,
		DotBatch:       batchAsm(dotBatchAVX512),
		L2SquaredBatch: batchAsm(l2SquaredBatchAVX512),
		L1Batch:        batchAsm(l1BatchAVX512),
	}
}()

// The bit kernels leave vectors of fewer than shortBitWords words to the
// generic loop; see shortBitWords.

func hammingAVX512Short(a, b []uint64) int {
	if min(len(a), len(b)) < shortBitWords {
		return hammingGeneric(a, b)
	}
	return hammingAVX512(a, b)
}

func jaccardAVX512(a, b []uint64) float64 {
	if min(len(a), len(b)) < shortBitWords {
		return jaccardGeneric(a, b)
	}
	return jaccardFinish(jaccardCountsAVX512(a, b))
}
