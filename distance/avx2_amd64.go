//go:build !purego

package distance

import "golang.org/x/sys/cpu"

// Assembly in avx2_amd64.s.

//go:noescape
func dotAVX2(a, b []float32) float32

//go:noescape
func l2SquaredAVX2(a, b []float32) float32

//go:noescape
func l1AVX2(a, b []float32) float32

//go:noescape
func cosineSumsAVX2(a, b []float32) (dot, aa, bb float32)

//go:noescape
func hammingPOPCNT(a, b []uint64) int

//go:noescape
func jaccardCountsPOPCNT(a, b []uint64) (and, or int)

//go:noescape
func dotBatchAVX2(q *float32, dim int, arena *float32, stride int, nvec int, ids *uint32, out *float32, n int)

//go:noescape
func l2SquaredBatchAVX2(q *float32, dim int, arena *float32, stride int, nvec int, ids *uint32, out *float32, n int)

//go:noescape
func l1BatchAVX2(q *float32, dim int, arena *float32, stride int, nvec int, ids *uint32, out *float32, n int)

func cosineAVX2(a, b []float32) float32 {
	return cosineFinish(cosineSumsAVX2(a, b))
}

// shortBitWords is the length below which the bit kernels of the assembly
// tiers stay in Go: for one to three words the call into assembly (through
// the ABI wrapper) and, for AVX-512, the vector reduction cost more than the
// generic loop's inlined POPCNTs. Measured with "smallworld bench kernels
// --kernels hamming,jaccard --dims 128,256,384,512".
const shortBitWords = 4

func hammingPOPCNTShort(a, b []uint64) int {
	if min(len(a), len(b)) < shortBitWords {
		return hammingGeneric(a, b)
	}
	return hammingPOPCNT(a, b)
}

func jaccardPOPCNT(a, b []uint64) float64 {
	if min(len(a), len(b)) < shortBitWords {
		return jaccardGeneric(a, b)
	}
	return jaccardFinish(jaccardCountsPOPCNT(a, b))
}

// bitKernelsPOPCNT returns the bit kernels of the AVX2 tier: the POPCNT
// assembly where the CPU has the instruction (every AVX2 CPU made so far
// does, but nothing guarantees it), otherwise the generic ones.
func bitKernelsPOPCNT() (func(a, b []uint64) int, func(a, b []uint64) float64) {
	if cpu.X86.HasPOPCNT {
		return hammingPOPCNTShort, jaccardPOPCNT
	}
	return hammingGeneric, jaccardGeneric
}

var avx2Kernels = func() Kernels {
	hamming, jaccard := bitKernelsPOPCNT()
	return Kernels{
		ISA:            AVX2,
		Dot:            dotAVX2,
		L2Squared:      l2SquaredAVX2,
		L1:             l1AVX2,
		Cosine:         cosineAVX2,
		Hamming:        hamming,
		Jaccard:        jaccard,
		DotBatch:       batchAsm(dotBatchAVX2),
		L2SquaredBatch: batchAsm(l2SquaredBatchAVX2),
		L1Batch:        batchAsm(l1BatchAVX2),
	}
}()
