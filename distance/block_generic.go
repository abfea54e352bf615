package distance

// The generic tier's block loops: the generic pair kernel for every pair, in
// the assembly tiers' order (vectors outer, queries inner, so each vector is
// read from memory once per call). Register tiles do not pay in portable Go:
// with eight running sums and eight loads per step the compiler spills, and
// a 2×2 tile measured slower than the pair kernel's four-accumulator loop.
// So a generic block result is exactly the generic Dot or L2Squared of the
// pair.

// blockRow returns the vector of the j-th listed id (or the j-th vector when
// ids is nil).
func blockRow(arena []float32, stride, dim int, ids []uint32, j int) []float32 {
	off := j * stride
	if ids != nil {
		off = int(ids[j]) * stride
	}
	return arena[off : off+dim : off+dim]
}

// blockLoop runs pair over every query and listed vector.
func blockLoop(queries []float32, nq, dim int, arena []float32, stride int, ids []uint32, n int, out []float32,
	pair func(a, b []float32) float32) {
	for j := range n {
		x := blockRow(arena, stride, dim, ids, j)
		for i := range nq {
			out[i*n+j] = pair(queries[i*dim:(i+1)*dim], x)
		}
	}
}

func dotBlockGeneric(queries []float32, nq, dim int, arena []float32, stride int, ids []uint32, n int, out []float32) {
	blockLoop(queries, nq, dim, arena, stride, ids, n, out, dotGeneric)
}

func l2SquaredBlockGeneric(queries []float32, nq, dim int, arena []float32, stride int, ids []uint32, n int, out []float32) {
	blockLoop(queries, nq, dim, arena, stride, ids, n, out, l2SquaredGeneric)
}
