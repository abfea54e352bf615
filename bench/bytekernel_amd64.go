//go:build !purego

package bench

import (
	"unsafe"

	"github.com/smallworld-go/smallworld/distance"
	"golang.org/x/sys/cpu"
)

// byteKeys4x4VNNI and bytePackAVX512 are in bytekernel_amd64.s.
//
//go:noescape
func byteKeys4x4VNNI(q, x *byte, stride, tiles int, c, thr *int32, shift int, keys *int32, masks *uint16, pf *float32, pfstep int)

//go:noescape
func bytePackAVX512(src *float32, dim, rows int, dst *byte, stride int, sq, sum *int32) bool

// byteKeysAsm checks every bound the assembly relies on, then calls it.
func byteKeysAsm(q, x []byte, stride, tiles int, c []int32, thr *[byteTile]int32, shift int, keys []int32, masks []uint16, ahead []float32) {
	if tiles <= 0 {
		return
	}
	if stride <= 0 || stride%64 != 0 {
		panic("bench: byte kernel stride must be a positive multiple of 64")
	}
	n := byteTile * tiles
	_, _, _, _, _ = q[byteTile*stride-1], x[n*stride-1], c[n-1], keys[16*tiles-1], masks[tiles-1]
	// A prefetch never faults, so the kernel may run past the end of
	// ahead; with nothing to fetch it fetches one line of the query, over
	// and over, which is in cache already.
	pf, step := (*float32)(unsafe.Pointer(unsafe.SliceData(q))), 0
	if len(ahead) > 0 {
		pf, step = unsafe.SliceData(ahead), 64
	}
	byteKeys4x4VNNI(unsafe.SliceData(q), unsafe.SliceData(x), stride, tiles,
		unsafe.SliceData(c), &thr[0], shift, unsafe.SliceData(keys), unsafe.SliceData(masks), pf, step)
}

// bytePackAsm checks the bounds, then calls the assembly.
func bytePackAsm(src []float32, dim, rows int, dst []byte, stride int, sq, sum []int32) bool {
	if rows <= 0 {
		return true
	}
	if dim <= 0 || stride < (dim+15)&^15 {
		panic("bench: byte pack stride too short")
	}
	_, _, _, _ = src[rows*dim-1], dst[(rows-1)*stride+(dim+15)&^15-1], sq[rows-1], sum[rows-1]
	return bytePackAVX512(unsafe.SliceData(src), dim, rows, unsafe.SliceData(dst), stride,
		unsafe.SliceData(sq), unsafe.SliceData(sum))
}

// byteVNNI reports whether the assembly may run: the distance package's
// tier (and so the purego tag and SMALLWORLD_SIMD) allows AVX-512, and the
// CPU has the VNNI extension on top of it.
var byteVNNI = distance.Tier() >= distance.AVX512 && cpu.X86.HasAVX512VNNI

// byteKeys and bytePack are the kernels the byte path uses.
var (
	byteKeys = func() func(q, x []byte, stride, tiles int, c []int32, thr *[byteTile]int32, shift int, keys []int32, masks []uint16, ahead []float32) {
		if byteVNNI {
			return byteKeysAsm
		}
		return byteKeysGeneric
	}()
	bytePack = func() func(src []float32, dim, rows int, dst []byte, stride int, sq, sum []int32) bool {
		if byteVNNI {
			return bytePackAsm
		}
		return bytePackGeneric
	}()
)
