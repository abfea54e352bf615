package bench

// The byte path's two kernels in portable Go. They define what the AVX-512
// VNNI forms in bytekernel_amd64.s compute, serve where those cannot run
// (other architectures, the purego tag, a tier capped below AVX-512, a CPU
// without VNNI), and are the reference the assembly is tested against. All
// their arithmetic is on integers, so the two forms agree bit for bit.

// byteTile is the register tile of byteKeys: four queries × four rows.
const byteTile = 4

// byteKeysGeneric computes, for each of tiles tiles of four base rows (row
// 4t+r at x[(4t+r)·stride:]) and the four queries q[j·stride:] (bytes that
// are int8 values, the query components minus 128):
//
//	D[r][j] = Σ_i x[r][i] · int8(q[j][i])   over stride bytes
//	keys[16t+4r+j] = c[4t+r] − D[r][j]<<shift
//	bit 4r+j of masks[t] set when keys[16t+4r+j] ≤ thr[j]
//
// The int32 arithmetic wraps, as the assembly's does; byteMaxDim makes the
// final keys exact. ahead is a hint, rows to prefetch meanwhile, which
// only the assembly acts on.
func byteKeysGeneric(q, x []byte, stride, tiles int, c []int32, thr *[byteTile]int32, shift int, keys []int32, masks []uint16, ahead []float32) {
	q = q[:byteTile*stride]
	for t := range tiles {
		var m uint16
		for r := range byteTile {
			row := x[(byteTile*t+r)*stride : (byteTile*t+r+1)*stride]
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
// the assembly does, and stores each row's Σx² in sq and Σx in sum. It
// reports whether every value was an integer in [0, 255] (−0 counts as 0);
// when it was not, what it wrote is meaningless.
func bytePackGeneric(src []float32, dim, rows int, dst []byte, stride int, sq, sum []int32) bool {
	ok := true
	padded := (dim + 15) &^ 15
	for r := range rows {
		in := src[r*dim : (r+1)*dim]
		out := dst[r*stride : r*stride+padded]
		var s, s2 int32
		for i, f := range in {
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
		}
		clear(out[dim:])
		sq[r], sum[r] = s2, s
	}
	return ok
}

// byteMaxDim is the largest dimension the byte path takes. Every key it
// computes is a squared distance minus ‖q‖², or a negated dot product, of
// byte vectors, so |key| ≤ 255²·dim, and 255²·32768 < 2³¹: the final keys
// are exact int32 values, whatever the wrapped intermediate sums were. So
// are Σx² and Σx of a row.
const byteMaxDim = 32768
