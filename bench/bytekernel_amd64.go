//go:build !purego

package bench

import (
	"unsafe"

	"github.com/smallworld-go/smallworld/distance"
	"golang.org/x/sys/cpu"
)

// byteKeys4x4VNNI, bytePackAVX512, byteSegNormsAVX512 and byteBoundAVX512
// are in bytekernel_amd64.s.
//
//go:noescape
func byteKeys4x4VNNI(q, x *byte, stride, tiles int, c, thr *int32, shift int, keys *int32, masks *uint16, rows *int32)

//go:noescape
func bytePackAVX512(src *float32, dim, rows int, dst *byte, stride int, sq, sum, seg *int32, segRow, segStep int) bool

//go:noescape
func byteSegNormsAVX512(dst *float32, src *int32, n int)

//go:noescape
func byteBoundAVX512(xseg *float32, ldx, groups, nseg int, qseg *float32, ldq int, cx *float32, scale float32, thr *float32, cin, rows, cout *int32) int

// byteKeysAsm checks every bound the assembly relies on, then calls it.
func byteKeysAsm(q, x []byte, stride, tiles int, c []int32, thr *[byteTile]int32, shift int, keys []int32, masks []uint16, rows []int32) {
	if tiles <= 0 {
		return
	}
	if stride <= 0 || stride%64 != 0 {
		panic("bench: byte kernel stride must be a positive multiple of 64")
	}
	n := byteTile * tiles
	_, _, _, _, _ = q[byteTile*stride-1], c[n-1], keys[16*tiles-1], masks[tiles-1], rows[n-1]
	nx := len(x) / stride
	for _, r := range rows[:n] {
		if r < 0 || int(r) >= nx {
			panic("bench: byte kernel row out of range")
		}
	}
	byteKeys4x4VNNI(unsafe.SliceData(q), unsafe.SliceData(x), stride, tiles,
		unsafe.SliceData(c), &thr[0], shift, unsafe.SliceData(keys), unsafe.SliceData(masks), unsafe.SliceData(rows))
}

// bytePackAsm checks the bounds, then calls the assembly.
func bytePackAsm(src []float32, dim, rows int, dst []byte, stride int, sq, sum, seg []int32, segRow, segStep int) bool {
	if rows <= 0 {
		return true
	}
	if dim <= 0 || stride < (dim+15)&^15 || segRow < 0 || segStep < 0 {
		panic("bench: byte pack stride too short")
	}
	_, _, _, _ = src[rows*dim-1], dst[(rows-1)*stride+(dim+15)&^15-1], sq[rows-1], sum[rows-1]
	_ = seg[(rows-1)*segRow+(byteSegs(dim)-1)*segStep]
	return bytePackAVX512(unsafe.SliceData(src), dim, rows, unsafe.SliceData(dst), stride,
		unsafe.SliceData(sq), unsafe.SliceData(sum), unsafe.SliceData(seg), 4*segRow, 4*segStep)
}

// byteSegNormsAsm converts with the assembly what is a multiple of 16, and
// the rest in Go.
func byteSegNormsAsm(dst []float32, src []int32) {
	n := len(src) &^ 15
	dst = dst[:len(src)]
	if n > 0 {
		byteSegNormsAVX512(unsafe.SliceData(dst), unsafe.SliceData(src), n)
	}
	byteSegNormsGeneric(dst[n:], src[n:])
}

// byteBoundAsm checks the bounds, then calls the assembly.
func byteBoundAsm(xseg []float32, ldx, groups, nseg int, qseg []float32, ldq int, cx []float32, scale float32, thr *[byteTile]float32, cin, rows, cout []int32) int {
	if groups <= 0 {
		return 0
	}
	if nseg <= 0 || ldx < 16*groups || ldq < byteTile {
		panic("bench: byte bound layout")
	}
	n := 16 * groups
	_, _, _, _ = xseg[(nseg-1)*ldx+n-1], qseg[(nseg-1)*ldq+byteTile-1], cx[n-1], cin[n-1]
	_, _ = rows[n+15], cout[n+15] // the compressed stores write sixteen
	return byteBoundAVX512(unsafe.SliceData(xseg), ldx, groups, nseg, unsafe.SliceData(qseg), ldq,
		unsafe.SliceData(cx), scale, &thr[0], unsafe.SliceData(cin), unsafe.SliceData(rows), unsafe.SliceData(cout))
}

// byteVNNI reports whether the assembly may run: the distance package's
// tier (and so the purego tag and SMALLWORLD_SIMD) allows AVX-512, and the
// CPU has the VNNI extension on top of it.
var byteVNNI = distance.Tier() >= distance.AVX512 && cpu.X86.HasAVX512VNNI

// byteKeys, bytePack, byteSegNorms and byteBound are the kernels the byte
// path uses.
var (
	byteKeys = func() byteKeysFunc {
		if byteVNNI {
			return byteKeysAsm
		}
		return byteKeysGeneric
	}()
	bytePack = func() bytePackFunc {
		if byteVNNI {
			return bytePackAsm
		}
		return bytePackGeneric
	}()
	byteSegNorms = func() func(dst []float32, src []int32) {
		if byteVNNI {
			return byteSegNormsAsm
		}
		return byteSegNormsGeneric
	}()
	byteBound = func() byteBoundFunc {
		if byteVNNI {
			return byteBoundAsm
		}
		return byteBoundGeneric
	}()
)
