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

// filter2AVX512 is in pool_amd64.s.
//
//go:noescape
func filter2AVX512(l0, l1 *float32, n int, t0, t1 float32, ids *uint32) int

func filter2Asm(l0, l1 []float32, t0, t1 float32, ids []uint32) int {
	n := len(l0)
	if n == 0 {
		return 0
	}
	_, _ = l1[n-1], ids[n+15] // see filter2AVX512
	return filter2AVX512(unsafe.SliceData(l0), unsafe.SliceData(l1), n, t0, t1, unsafe.SliceData(ids))
}

// filter2 uses AVX-512 where the distance package's tier does.
var filter2 = func() func(l0, l1 []float32, t0, t1 float32, ids []uint32) int {
	if distance.Tier() >= distance.AVX512 {
		return filter2Asm
	}
	return filter2Generic
}()

// poolBlocks follows the distance package's tier (and so the purego tag and
// SMALLWORLD_SIMD): the AVX2 loop wherever its kernels use AVX2 or better.
var poolBlocks = func() func(x []float32, blocks int, fine, coarse, pf []float32) (xx, ff, cc float32) {
	if distance.Tier() >= distance.AVX2 {
		return poolBlocksAVX2
	}
	return poolBlocksGeneric
}()
