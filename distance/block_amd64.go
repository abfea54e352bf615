//go:build !purego

package distance

import "unsafe"

// Assembly in block_avx512_amd64.s and block_avx2_amd64.s. The arguments
// are validated by blockWith: nq, dim and n are at least 1, every id is
// below the arena's vector count, and out holds nq·n results. A nil ids
// means the arena's first n vectors.

//go:noescape
func dotBlockAVX512(q *float32, nq, dim int, arena *float32, stride int, ids *uint32, n int, out *float32)

//go:noescape
func l2SquaredBlockAVX512(q *float32, nq, dim int, arena *float32, stride int, ids *uint32, n int, out *float32)

//go:noescape
func dotBlockAVX2(q *float32, nq, dim int, arena *float32, stride int, ids *uint32, n int, out *float32)

//go:noescape
func l2SquaredBlockAVX2(q *float32, nq, dim int, arena *float32, stride int, ids *uint32, n int, out *float32)

// blockAsm adapts an assembly block loop to a BlockFunc.
func blockAsm(kernel func(q *float32, nq, dim int, arena *float32, stride int, ids *uint32, n int, out *float32)) BlockFunc {
	return blockWith(func(queries []float32, nq, dim int, arena []float32, stride int, ids []uint32, n int, out []float32) {
		kernel(unsafe.SliceData(queries), nq, dim, unsafe.SliceData(arena), stride, unsafe.SliceData(ids), n, unsafe.SliceData(out))
	})
}

// The assembly tiers' full tables: the pair and batch kernels of
// avx2_amd64.go and avx512_amd64.go plus the block and panel kernels.
var (
	avx2Table = func() Kernels {
		k := avx2Kernels
		k.DotBlock = blockAsm(dotBlockAVX2)
		k.L2SquaredBlock = blockAsm(l2SquaredBlockAVX2)
		k.DotPanels = panelAsm(dotPanelsAVX2)
		k.L2SquaredPanels = panelAsm(l2SquaredPanelsAVX2)
		return k
	}()
	avx512Table = func() Kernels {
		k := avx512Kernels
		k.DotBlock = blockAsm(dotBlockAVX512)
		k.L2SquaredBlock = blockAsm(l2SquaredBlockAVX512)
		k.DotPanels = panelAsm(dotPanelsAVX512)
		k.L2SquaredPanels = panelAsm(l2SquaredPanelsAVX512)
		return k
	}()
)
