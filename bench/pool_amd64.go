//go:build !purego

package bench

import (
	"unsafe"

	"github.com/smallworld-go/smallworld/distance"
)

// pool16AVX2 is in pool_amd64.s.
//
//go:noescape
func pool16AVX2(x *float32, blocks int, fine *float32, coarse *float32, pf *float32) (xx, ff, cc float32)

//go:noescape
func prefetchL2(p *float32, n int)

func poolBlocksAVX2(x []float32, blocks int, fine, coarse, pf []float32) (xx, ff, cc float32) {
	if blocks <= 0 {
		return 0, 0, 0
	}
	// Bounds checks once, so the assembly cannot write or read past a slice.
	_, _, _ = x[16*blocks-1], fine[4*blocks-1], coarse[blocks-1]
	var p *float32
	if len(pf) >= 16*blocks {
		p = unsafe.SliceData(pf)
	}
	return pool16AVX2(unsafe.SliceData(x), blocks, unsafe.SliceData(fine), unsafe.SliceData(coarse), p)
}

// prefetch asks for v to be brought into the L2 cache.
func prefetch(v []float32) {
	if len(v) > 0 {
		prefetchL2(unsafe.SliceData(v), len(v))
	}
}

// exactL2AVX2 is in exact_amd64.s.
//
//go:noescape
func exactL2AVX2(a, b *float32, n int) float64

func exactL2Asm(a, b []float32) float64 {
	b = b[:len(a)]
	return exactL2AVX2(unsafe.SliceData(a), unsafe.SliceData(b), len(a))
}

// exactL2 follows the tier like poolBlocks; both forms return the same bits.
var exactL2 = func() func(a, b []float32) float64 {
	if distance.Tier() >= distance.AVX2 {
		return exactL2Asm
	}
	return exactL2Generic
}()

// poolBlocks follows the distance package's tier (and so the purego tag and
// SMALLWORLD_SIMD): the AVX2 loop wherever its kernels use AVX2 or better.
var poolBlocks = func() func(x []float32, blocks int, fine, coarse, pf []float32) (xx, ff, cc float32) {
	if distance.Tier() >= distance.AVX2 {
		return poolBlocksAVX2
	}
	return poolBlocksGeneric
}()
