package bench

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// byteKernelForms returns the forms of the byte kernels this machine can
// run: always the Go one, and the assembly where the CPU and build allow.
func byteKernelForms() map[string]struct {
	keys func(q, x []byte, stride, tiles int, c []int32, thr *[byteTile]int32, shift int, keys []int32, masks []uint16, ahead []float32)
	pack func(src []float32, dim, rows int, dst []byte, stride int, sq, sum []int32) bool
} {
	type forms = struct {
		keys func(q, x []byte, stride, tiles int, c []int32, thr *[byteTile]int32, shift int, keys []int32, masks []uint16, ahead []float32)
		pack func(src []float32, dim, rows int, dst []byte, stride int, sq, sum []int32) bool
	}
	m := map[string]forms{"generic": {byteKeysGeneric, bytePackGeneric}}
	if byteVNNI {
		m["active"] = forms{byteKeys, bytePack}
	}
	return m
}

// TestByteKeysAgainstInt64 checks both forms of the key kernel against the
// definition computed in int64, with extreme values (255 × −128) included.
func TestByteKeysAgainstInt64(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for name, f := range byteKernelForms() {
		for _, stride := range []int{64, 128, 832, 1536, byteMaxDim} {
			tiles := 3
			if stride == byteMaxDim {
				tiles = 1
			}
			n := byteTile * tiles
			q := make([]byte, byteTile*stride)
			x := make([]byte, n*stride)
			for mode := range 3 {
				for i := range q {
					switch mode {
					case 0:
						q[i] = byte(r.IntN(256))
					case 1:
						q[i] = 0x80 // −128: the most negative products
					case 2:
						q[i] = 0x7f
					}
				}
				for i := range x {
					if mode == 0 {
						x[i] = byte(r.IntN(256))
					} else {
						x[i] = 255
					}
				}
				c := make([]int32, n)
				for i := range c {
					c[i] = int32(r.Uint32())
				}
				for _, shift := range []int{0, 1} {
					var thr [byteTile]int32
					for j := range thr {
						thr[j] = int32(r.Uint32())
					}
					keys := make([]int32, 16*tiles)
					masks := make([]uint16, tiles)
					f.keys(q, x, stride, tiles, c, &thr, shift, keys, masks, make([]float32, 64))
					for tt := range tiles {
						for rr := range byteTile {
							for j := range byteTile {
								var d int64
								for i := range stride {
									d += int64(x[(4*tt+rr)*stride+i]) * int64(int8(q[j*stride+i]))
								}
								want := int32(int64(c[4*tt+rr]) - d<<shift) // wraps like the kernel
								msg := fmt.Sprintf("%s stride %d mode %d shift %d tile %d row %d query %d", name, stride, mode, shift, tt, rr, j)
								require.Equal(t, want, keys[16*tt+4*rr+j], msg)
								require.Equal(t, want <= thr[j], masks[tt]&(1<<(4*rr+j)) != 0, msg)
							}
						}
					}
				}
			}
		}
	}
}

// TestBytePack checks the conversion and its integrality test on every
// kind of value, for dimensions around the 16-lane steps.
func TestBytePack(t *testing.T) {
	bad := []float32{0.5, -1, 256, 255.5, -0.25, float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 1e10, -1e10, 1e-30}
	for name, f := range byteKernelForms() {
		for _, dim := range []int{1, 7, 15, 16, 17, 31, 33, 64, 100, 784} {
			stride := (dim + 63) &^ 63
			rows := 5
			src := make([]float32, rows*dim)
			r := rand.New(rand.NewPCG(uint64(dim), 3))
			for i := range src {
				src[i] = float32(r.IntN(256))
			}
			src[0] = float32(math.Copysign(0, -1))
			if dim > 1 {
				src[1] = 255
			}
			dst := make([]byte, rows*stride)
			for i := range dst {
				dst[i] = 0xAA // the padding must come back zero
			}
			sq, sum := make([]int32, rows), make([]int32, rows)
			require.True(t, f.pack(src, dim, rows, dst, stride, sq, sum), "%s dim %d", name, dim)
			for row := range rows {
				var s, s2 int32
				for i := range dim {
					v := src[row*dim+i]
					require.Equal(t, byte(v), dst[row*stride+i])
					s += int32(v)
					s2 += int32(v) * int32(v)
				}
				for i := dim; i < (dim+15)&^15; i++ {
					require.Zero(t, dst[row*stride+i], "%s dim %d padding", name, dim)
				}
				require.Equal(t, s, sum[row])
				require.Equal(t, s2, sq[row])
			}
			for _, v := range bad {
				for _, at := range []int{0, len(src) / 2, len(src) - 1} {
					old := src[at]
					src[at] = v
					require.False(t, f.pack(src, dim, rows, dst, stride, sq, sum), "%s dim %d value %v at %d", name, dim, v, at)
					src[at] = old
				}
			}
		}
	}
}

// BenchmarkByteKeys measures the key kernel on a block that stays in
// cache, in multiply-adds per second (one per byte of each query × row).
func BenchmarkByteKeys(b *testing.B) {
	const rows, stride = 256, 832
	for name, f := range byteKernelForms() {
		b.Run(name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(5, 6))
			q := make([]byte, 100*stride)
			x := make([]byte, rows*stride)
			for i := range q {
				q[i] = byte(r.IntN(256))
			}
			for i := range x {
				x[i] = byte(r.IntN(256))
			}
			c := make([]int32, rows)
			keys := make([]int32, 4*rows)
			masks := make([]uint16, rows/4)
			thr := [byteTile]int32{math.MinInt32, math.MinInt32, math.MinInt32, math.MinInt32}
			for b.Loop() {
				for g := 0; g+byteTile <= 100; g += byteTile {
					f.keys(q[g*stride:], x, stride, rows/byteTile, c, &thr, 1, keys, masks, nil)
				}
			}
			macs := float64(100*rows*stride) * float64(b.N)
			b.ReportMetric(macs/b.Elapsed().Seconds()/1e9, "GMAC/s")
		})
	}
}
