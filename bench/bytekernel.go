package bench

import "math"

// The byte path's kernels in portable Go. They define what the AVX-512
// VNNI forms in bytekernel_amd64.s compute, serve where those cannot run
// (other architectures, the purego tag, a tier capped below AVX-512, a CPU
// without VNNI), and are the reference the assembly is tested against. All
// their arithmetic is on integers, so the two forms agree bit for bit.

// byteTile is the register tile of byteKeys: four queries × four rows.
const byteTile = 4

// byteSegDims is the width of the segments whose norms bound distances from
// below (see byteBoundGeneric): one 64-component step of the pack kernel.
const byteSegDims = 64

// byteSegs is the number of segments the pack kernel writes per row of dim
// components: one per whole 64 and one for the rest, empty (norm 0) when
// dim is a multiple of 64.
func byteSegs(dim int) int { return dim/byteSegDims + 1 }

// The kernels' signatures, shared by the Go and assembly forms.
type (
	byteKeysFunc  func(q, x []byte, stride, tiles int, c []int32, thr *[byteTile]int32, shift int, keys []int32, masks []uint16, rows []int32)
	bytePackFunc  func(src []float32, dim, rows int, dst []byte, stride int, sq, sum, seg []int32, segRow, segStep int) bool
	byteBoundFunc func(xseg []float32, ldx, groups, nseg int, qseg []float32, ldq int, cx []float32, scale float32, thr *[byteTile]float32, cin, rows, cout []int32) int
)

// byteKeysGeneric computes, for each of tiles tiles of four base rows (row
// 4t+r at x[rows[4t+r]·stride:]) and the four queries q[j·stride:] (bytes
// that are int8 values, the query components minus 128):
//
//	D[r][j] = Σ_i x[r][i] · int8(q[j][i])   over stride bytes
//	keys[16t+4r+j] = c[4t+r] − D[r][j]<<shift
//	bit 4r+j of masks[t] set when keys[16t+4r+j] ≤ thr[j]
//
// The int32 arithmetic wraps, as the assembly's does; byteMaxDim makes the
// final keys exact.
func byteKeysGeneric(q, x []byte, stride, tiles int, c []int32, thr *[byteTile]int32, shift int, keys []int32, masks []uint16, rows []int32) {
	q = q[:byteTile*stride]
	for t := range tiles {
		var m uint16
		for r := range byteTile {
			at := int(rows[byteTile*t+r]) * stride
			row := x[at : at+stride]
			for j := range byteTile {
				qj := q[j*stride : (j+1)*stride]
				var d int32
				for i, xi := range row {
					d += int32(xi) * int32(int8(qj[i]))
				}
				key := c[byteTile*t+r] - d<<shift
				keys[16*t+4*r+j] = key
				if key <= thr[j] {
					m |= 1 << (4*r + j)
				}
			}
		}
		masks[t] = m
	}
}

// bytePackGeneric converts rows × dim float32 from src to bytes, row r at
// dst[r·stride:], writing dim rounded up to 16 bytes (zeros past dim) as
// the assembly does, and stores each row's Σx² in sq and Σx in sum, and the
// Σx² of its byteSegs(dim) segments (components 64s…64s+63, the last one
// the dim%64 left over) at seg[r·segRow + s·segStep]. It reports whether
// every value was an integer in [0, 255] (−0 counts as 0); when it was
// not, what it wrote is meaningless.
func bytePackGeneric(src []float32, dim, rows int, dst []byte, stride int, sq, sum, seg []int32, segRow, segStep int) bool {
	ok := true
	padded := (dim + 15) &^ 15
	for r := range rows {
		in := src[r*dim : (r+1)*dim]
		out := dst[r*stride : r*stride+padded]
		var s, s2, part int32
		for i, f := range in {
			if i%byteSegDims == 0 && i > 0 {
				seg[r*segRow+(i/byteSegDims-1)*segStep] = part
				part = 0
			}
			// The comparison is false for NaN; int32(f) is then defined.
			if !(f >= 0 && f <= 255) {
				ok = false
				continue
			}
			v := int32(f)
			if float32(v) != f {
				ok = false
			}
			out[i] = byte(v)
			s += v
			s2 += v * v
			part += v * v
		}
		// The segment in progress is the last whole one when dim is a
		// multiple of 64, and then the rest is empty.
		last := dim / byteSegDims
		if dim%byteSegDims == 0 {
			seg[r*segRow+(last-1)*segStep] = part
			part = 0
		}
		seg[r*segRow+last*segStep] = part
		clear(out[dim:])
		sq[r], sum[r] = s2, s
	}
	return ok
}

// byteSegNormsGeneric sets dst[i] = √src[i] in float32. The sums are
// exact in float32 (below 2²⁴) and a float64 square root rounded to
// float32 is the correctly rounded float32 one, which is what the assembly
// computes.
func byteSegNormsGeneric(dst []float32, src []int32) {
	for i, v := range src {
		dst[i] = float32(math.Sqrt(float64(v)))
	}
}

// byteBoundGeneric is the byte path's lower bound. A row's distance to a
// query is at least the distance between their vectors of segment norms:
// by the triangle inequality in each segment, ‖x−q‖² = Σ_s ‖x_s−q_s‖² ≥
// Σ_s (‖x_s‖−‖q_s‖)² = ‖x‖² + ‖q‖² − 2·Σ_s ‖x_s‖‖q_s‖; and by
// Cauchy–Schwarz in each segment, x·q ≤ Σ_s ‖x_s‖‖q_s‖. So with
// D = Σ_s ‖x_s‖‖q_s‖ the L2 key ‖x‖² − 2x·q is at least ‖x‖² − 2D and the
// inner-product key −x·q at least −D: cx − scale·D, with cx = ‖x‖² and
// scale 2, or cx = 0 and scale 1.
//
// For each group g of sixteen rows r = 16g…16g+15 (norms at xseg[s·ldx +
// r], s < nseg) and the four queries j (norms at qseg[s·ldq + j]) it
// computes v = cx[r] − scale·D in float32 with fused multiply-adds, as the
// assembly does, and keeps the rows with v ≤ thr[j] for some j, writing r
// to rows and cin[r] to cout in order. It returns how many it kept. The
// caller widens thr by the rounding error (byteBoundMargin); a NaN in cx
// drops the row.
func byteBoundGeneric(xseg []float32, ldx, groups, nseg int, qseg []float32, ldq int, cx []float32, scale float32, thr *[byteTile]float32, cin, rows, cout []int32) int {
	fma := func(a, b, c float32) float32 { return float32(math.FMA(float64(a), float64(b), float64(c))) }
	kept := 0
	for r := range 16 * groups {
		keep := false
		for j := range byteTile {
			var d float32
			for s := range nseg {
				d = fma(xseg[s*ldx+r], qseg[s*ldq+j], d)
			}
			if fma(-scale, d, cx[r]) <= thr[j] {
				keep = true
			}
		}
		if keep {
			rows[kept], cout[kept] = int32(r), cin[r]
			kept++
		}
	}
	return kept
}

// byteBoundMargin is how far the float32 bound byteBoundGeneric (or its
// assembly) may be above the exact one, for nseg segments, a row with
// ‖x‖² ≤ xx, a query with ‖q‖² = qq, and scale ≤ 2: each norm and product
// carries a relative error of a few units of float32 roundoff, the sum of
// nseg of them nseg more, and D ≤ ‖x‖‖q‖ ≤ (‖x‖² + ‖q‖²)/2; then ‖x‖²
// rounds once to float32, and v once more. Doubled, for safety.
func byteBoundMargin(nseg int, xx, qq float64) float64 {
	return 2*float64(nseg+8)*u*(xx+qq) + 1
}

// byteMaxDim is the largest dimension the byte path takes. Every key it
// computes is a squared distance minus ‖q‖², or a negated dot product, of
// byte vectors, so |key| ≤ 255²·dim, and 255²·32768 < 2³¹: the final keys
// are exact int32 values, whatever the wrapped intermediate sums were. So
// are Σx² and Σx of a row.
const byteMaxDim = 32768
