package distance

// The generic tier's block loops. Tiles of two queries × two vectors hold
// eight running sums (two per pair, over the even and the odd elements), so
// each element loaded serves two pairs and the additions of one pair do not
// wait on each other. Edge pairs go through blockPair, which does exactly
// the same arithmetic as one pair of a tile, so a result does not depend on
// where its pair sits in the block.

// blockRow returns the vector of the j-th listed id (or the j-th vector when
// ids is nil).
func blockRow(arena []float32, stride, dim int, ids []uint32, j int) []float32 {
	off := j * stride
	if ids != nil {
		off = int(ids[j]) * stride
	}
	return arena[off : off+dim : off+dim]
}

// blockLoop runs tile over 2×2 tiles and pair over the odd query and odd
// vector at the edges.
func blockLoop(queries []float32, nq, dim int, arena []float32, stride int, ids []uint32, n int, out []float32,
	tile func(q0, q1, x0, x1 []float32) (d00, d01, d10, d11 float32),
	pair func(q, x []float32) float32) {
	for j := 0; j < n; j += 2 {
		x0 := blockRow(arena, stride, dim, ids, j)
		if j+1 == n {
			for i := range nq {
				out[i*n+j] = pair(queries[i*dim:(i+1)*dim], x0)
			}
			break
		}
		x1 := blockRow(arena, stride, dim, ids, j+1)
		i := 0
		for ; i+2 <= nq; i += 2 {
			q0, q1 := queries[i*dim:(i+1)*dim], queries[(i+1)*dim:(i+2)*dim]
			d00, d01, d10, d11 := tile(q0, q1, x0, x1)
			out[i*n+j], out[i*n+j+1] = d00, d01
			out[(i+1)*n+j], out[(i+1)*n+j+1] = d10, d11
		}
		if i < nq {
			q := queries[i*dim : (i+1)*dim]
			out[i*n+j], out[i*n+j+1] = pair(q, x0), pair(q, x1)
		}
	}
}

func dotBlockGeneric(queries []float32, nq, dim int, arena []float32, stride int, ids []uint32, n int, out []float32) {
	blockLoop(queries, nq, dim, arena, stride, ids, n, out, dotTile, dotPair)
}

func l2SquaredBlockGeneric(queries []float32, nq, dim int, arena []float32, stride int, ids []uint32, n int, out []float32) {
	blockLoop(queries, nq, dim, arena, stride, ids, n, out, l2Tile, l2Pair)
}

func dotPair(q, x []float32) float32 {
	x = x[:len(q)]
	var s0, s1 float32
	k := 0
	for ; k+2 <= len(q); k += 2 {
		s0 += q[k] * x[k]
		s1 += q[k+1] * x[k+1]
	}
	if k < len(q) {
		s0 += q[k] * x[k]
	}
	return s0 + s1
}

func dotTile(q0, q1, x0, x1 []float32) (d00, d01, d10, d11 float32) {
	n := len(q0)
	q1, x0, x1 = q1[:n], x0[:n], x1[:n]
	var a0, a1, b0, b1, c0, c1, e0, e1 float32
	k := 0
	for ; k+2 <= n; k += 2 {
		a0 += q0[k] * x0[k]
		a1 += q0[k+1] * x0[k+1]
		b0 += q0[k] * x1[k]
		b1 += q0[k+1] * x1[k+1]
		c0 += q1[k] * x0[k]
		c1 += q1[k+1] * x0[k+1]
		e0 += q1[k] * x1[k]
		e1 += q1[k+1] * x1[k+1]
	}
	if k < n {
		a0 += q0[k] * x0[k]
		b0 += q0[k] * x1[k]
		c0 += q1[k] * x0[k]
		e0 += q1[k] * x1[k]
	}
	return a0 + a1, b0 + b1, c0 + c1, e0 + e1
}

func l2Pair(q, x []float32) float32 {
	x = x[:len(q)]
	var s0, s1 float32
	k := 0
	for ; k+2 <= len(q); k += 2 {
		d0 := q[k] - x[k]
		d1 := q[k+1] - x[k+1]
		s0 += d0 * d0
		s1 += d1 * d1
	}
	if k < len(q) {
		d := q[k] - x[k]
		s0 += d * d
	}
	return s0 + s1
}

func l2Tile(q0, q1, x0, x1 []float32) (d00, d01, d10, d11 float32) {
	n := len(q0)
	q1, x0, x1 = q1[:n], x0[:n], x1[:n]
	var a0, a1, b0, b1, c0, c1, e0, e1 float32
	k := 0
	for ; k+2 <= n; k += 2 {
		p0, p1 := q0[k], q0[k+1]
		r0, r1 := q1[k], q1[k+1]
		y0, y1 := x0[k], x0[k+1]
		z0, z1 := x1[k], x1[k+1]
		t0, t1 := p0-y0, p1-y1
		a0 += t0 * t0
		a1 += t1 * t1
		t0, t1 = p0-z0, p1-z1
		b0 += t0 * t0
		b1 += t1 * t1
		t0, t1 = r0-y0, r1-y1
		c0 += t0 * t0
		c1 += t1 * t1
		t0, t1 = r0-z0, r1-z1
		e0 += t0 * t0
		e1 += t1 * t1
	}
	if k < n {
		t := q0[k] - x0[k]
		a0 += t * t
		t = q0[k] - x1[k]
		b0 += t * t
		t = q1[k] - x0[k]
		c0 += t * t
		t = q1[k] - x1[k]
		e0 += t * t
	}
	return a0 + a1, b0 + b1, c0 + c1, e0 + e1
}
