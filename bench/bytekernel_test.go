package bench

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// byteKernelForms returns the forms of the byte kernels this machine can
// run: always the Go one, and the assembly where the CPU and build allow.
func byteKernelForms() map[string]struct {
	keys  byteKeysFunc
	pack  bytePackFunc
	bound byteBoundFunc
} {
	type forms = struct {
		keys  byteKeysFunc
		pack  bytePackFunc
		bound byteBoundFunc
	}
	m := map[string]forms{"generic": {byteKeysGeneric, bytePackGeneric, byteBoundGeneric}}
	if byteVNNI {
		m["active"] = forms{byteKeys, bytePack, byteBound}
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
			x := make([]byte, (n+3)*stride)
			// The rows come through a list: shuffled, with a repeat.
			rows := make([]int32, n)
			for i, v := range r.Perm(n + 3)[:n] {
				rows[i] = int32(v)
			}
			rows[n-1] = rows[0]
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
					f.keys(q, x, stride, tiles, c, &thr, shift, keys, masks, rows)
					for tt := range tiles {
						for rr := range byteTile {
							for j := range byteTile {
								var d int64
								for i := range stride {
									d += int64(x[int(rows[4*tt+rr])*stride+i]) * int64(int8(q[j*stride+i]))
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
			// Segment norms, written segment-major with a gap.
			nseg := byteSegs(dim)
			ld := rows + 3
			seg := make([]int32, nseg*ld)
			for i := range seg {
				seg[i] = -1
			}
			require.True(t, f.pack(src, dim, rows, dst, stride, sq, sum, seg, 1, ld), "%s dim %d", name, dim)
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
				for sg := range nseg {
					var part int32
					for i := sg * byteSegDims; i < min(dim, (sg+1)*byteSegDims); i++ {
						part += int32(src[row*dim+i]) * int32(src[row*dim+i])
					}
					require.Equal(t, part, seg[sg*ld+row], "%s dim %d row %d segment %d", name, dim, row, sg)
				}
			}
			for _, v := range bad {
				for _, at := range []int{0, len(src) / 2, len(src) - 1} {
					old := src[at]
					src[at] = v
					require.False(t, f.pack(src, dim, rows, dst, stride, sq, sum, seg, 1, ld), "%s dim %d value %v at %d", name, dim, v, at)
					src[at] = old
				}
			}
		}
	}
}

// TestByteBoundSound checks both forms of the bound on random segment
// norms: every row whose exact bound (computed in float64 from the exact
// sums of squares) is within a query's threshold is kept, with the
// margin the byte path adds, and the rows come out in order with their c.
// The two forms also agree wherever the exact bound is not within the
// margin of a threshold.
func TestByteBoundSound(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	forms := byteKernelForms()
	for _, nseg := range []int{1, 4, 13, 25} {
		for _, scale := range []float32{1, 2} {
			const groups, ldq = 5, 8
			n := 16 * groups
			ldx := n + 16
			xsq, qsq := make([]int32, nseg*ldx), make([]int32, nseg*ldq)
			for i := range xsq {
				xsq[i] = int32(r.IntN(64*255*255 + 1))
			}
			for i := range qsq {
				qsq[i] = int32(r.IntN(64*255*255 + 1))
			}
			xseg, qseg := make([]float32, len(xsq)), make([]float32, len(qsq))
			byteSegNormsGeneric(xseg, xsq)
			byteSegNormsGeneric(qseg, qsq)
			cx, cin := make([]float32, n), make([]int32, n)
			xx := make([]float64, n)
			for rr := range n {
				for s := range nseg {
					xx[rr] += float64(xsq[s*ldx+rr])
				}
				if scale == 2 {
					cx[rr] = float32(xx[rr])
				}
				cin[rr] = int32(r.Uint32())
			}
			cx[n-3] = float32(math.NaN())
			// exact bounds, and thresholds at chosen quantiles of them
			exact := make([][]float64, byteTile)
			var thr [byteTile]float32
			var margin [byteTile]float64
			for j := range byteTile {
				exact[j] = make([]float64, n)
				var qq float64
				for s := range nseg {
					qq += float64(qsq[s*ldq+j])
				}
				for rr := range n {
					var d float64
					for s := range nseg {
						d += math.Sqrt(float64(xsq[s*ldx+rr])) * math.Sqrt(float64(qsq[s*ldq+j]))
					}
					if scale == 2 {
						exact[j][rr] = xx[rr] - 2*d
					} else {
						exact[j][rr] = -d
					}
				}
				sorted := slices.Sorted(slices.Values(exact[j]))
				at := sorted[(j+1)*n/10]
				margin[j] = byteBoundMargin(nseg, 64*255*255*float64(nseg), qq)
				thr[j] = float32(at + margin[j])
			}
			kept := map[string][]int32{}
			for name, f := range forms {
				rows, cout := make([]int32, n+16), make([]int32, n+16)
				got := f.bound(xseg, ldx, groups, nseg, qseg, ldq, cx, scale, &thr, cin, rows, cout)
				require.LessOrEqual(t, got, n)
				require.True(t, slices.IsSorted(rows[:got]), name)
				in := map[int32]bool{}
				for i, rr := range rows[:got] {
					require.Equal(t, cin[rr], cout[i], name)
					in[rr] = true
				}
				for rr := range n {
					for j := range byteTile {
						if rr != n-3 && exact[j][rr] <= float64(thr[j])-margin[j] {
							require.True(t, in[int32(rr)], "%s nseg %d scale %v: row %d query %d dropped", name, nseg, scale, rr, j)
						}
					}
				}
				require.False(t, in[int32(n-3)], "%s: a NaN cx must drop the row", name)
				require.Less(t, got, n, "%s: the bound should rule rows out", name)
				kept[name] = rows[:got]
			}
			if a, ok := kept["active"]; ok {
				g := kept["generic"]
				clear := func(rr int32) bool {
					for j := range byteTile {
						if math.Abs(exact[j][rr]-float64(thr[j])) <= 2*margin[j] {
							return false
						}
					}
					return true
				}
				for _, rr := range a {
					if clear(rr) {
						require.True(t, slices.Contains(g, rr), "row %d kept by the assembly only", rr)
					}
				}
				for _, rr := range g {
					if clear(rr) {
						require.True(t, slices.Contains(a, rr), "row %d kept by the Go form only", rr)
					}
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
			ident := make([]int32, rows)
			for i := range ident {
				ident[i] = int32(i)
			}
			thr := [byteTile]int32{math.MinInt32, math.MinInt32, math.MinInt32, math.MinInt32}
			for b.Loop() {
				for g := 0; g+byteTile <= 100; g += byteTile {
					f.keys(q[g*stride:], x, stride, rows/byteTile, c, &thr, 1, keys, masks, ident)
				}
			}
			macs := float64(100*rows*stride) * float64(b.N)
			b.ReportMetric(macs/b.Elapsed().Seconds()/1e9, "GMAC/s")
		})
	}
}
