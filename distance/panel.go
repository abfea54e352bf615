package distance

// Panel kernels: many queries against many short vectors stored in panels.
//
// The block kernels (BlockFunc) vectorise along the dimension: each SIMD
// lane holds part of one pair's sum, and every pair ends with a horizontal
// reduction of its lanes. For short vectors (a few dozen elements, such as
// pooled summaries of longer ones) that reduction costs as much as the
// arithmetic. A panel stores PanelWidth vectors interleaved, element by
// element (element k of vectors 0–15, then element k+1 of them, …), so a
// SIMD register holds the same element of 16 vectors and each lane
// accumulates a different pair: no reduction, and the cost per pair is the
// dimension divided by the lane count, whatever the dimension.

// PanelWidth is the number of vectors interleaved in one panel.
const PanelWidth = 16

// PanelFunc computes the distance of every query to every vector of a set
// packed by PackPanels:
//
//	out[i*n+j] = d(queries[i*dim : (i+1)*dim], vector j)
//
// for every query i < nq = len(queries)/dim and every vector j < n. panels
// must hold the ⌈n/PanelWidth⌉ panels PackPanels wrote for n vectors of dim
// elements; only whole queries count, and only as many as out has room for
// (nq = min(len(queries)/dim, len(out)/n)). Nothing is written when dim < 1,
// n < 1, no query fits or panels is too short. No function reads or writes
// outside the slices it is given.
//
// Each result is within the bound of the corresponding pair kernel (see the
// package documentation); its additions run element by element, so a given
// tier returns the same bits for the same two vectors wherever the vector
// sits in its panel.
type PanelFunc func(queries []float32, dim int, panels []float32, n int, out []float32)

// PanelLen returns the number of floats PackPanels writes for n vectors of
// dim elements: ⌈n/PanelWidth⌉ panels of PanelWidth·dim floats.
func PanelLen(n, dim int) int {
	if n < 1 || dim < 1 {
		return 0
	}
	return (n + PanelWidth - 1) / PanelWidth * PanelWidth * dim
}

// PackPanels packs the n = len(vectors)/dim whole vectors of a row-major
// matrix into panels, for the panel kernels: element k of vector j goes to
// dst[(j/16)·16·dim + k·16 + j%16]. The slots of a last, partial panel are
// set to zero. It returns dst, reallocated if it is shorter than
// PanelLen(n, dim), and writes nothing when dim < 1.
func PackPanels(dst, vectors []float32, dim int) []float32 {
	if dim < 1 {
		return dst
	}
	n := len(vectors) / dim
	size := PanelLen(n, dim)
	if len(dst) < size {
		dst = make([]float32, size)
	}
	dst = dst[:size]
	for p := 0; p*PanelWidth < n; p++ {
		panel := dst[p*PanelWidth*dim : (p+1)*PanelWidth*dim]
		for l := range PanelWidth {
			j := p*PanelWidth + l
			if j >= n {
				for k := range dim {
					panel[k*PanelWidth+l] = 0
				}
				continue
			}
			v := vectors[j*dim : (j+1)*dim]
			for k, x := range v {
				panel[k*PanelWidth+l] = x
			}
		}
	}
	return dst
}

// DotPanels is the panel form of Dot; see PanelFunc.
func DotPanels(queries []float32, dim int, panels []float32, n int, out []float32) {
	active.DotPanels(queries, dim, panels, n, out)
}

// L2SquaredPanels is the panel form of L2Squared; see PanelFunc.
func L2SquaredPanels(queries []float32, dim int, panels []float32, n int, out []float32) {
	active.L2SquaredPanels(queries, dim, panels, n, out)
}

// panelKernel is a tier's panel loop on validated geometry: nq ≥ 1 queries
// of dim ≥ 1 elements, n ≥ 1 vectors in PanelLen(n, dim) floats of panels,
// room for nq·n results.
type panelKernel func(queries []float32, nq, dim int, panels []float32, n int, out []float32)

// panelWith wraps a tier's panel loop in a PanelFunc that applies the
// geometry rules of PanelFunc.
func panelWith(kernel panelKernel) PanelFunc {
	return func(queries []float32, dim int, panels []float32, n int, out []float32) {
		// n·dim ≤ len(panels) first, so that PanelLen cannot overflow.
		if dim < 1 || n < 1 || dim > len(panels)/n {
			return
		}
		size := PanelLen(n, dim)
		if len(panels) < size {
			return
		}
		nq := min(len(queries)/dim, len(out)/n)
		if nq == 0 {
			return
		}
		kernel(queries[:nq*dim], nq, dim, panels[:size], n, out[:nq*n])
	}
}

// The generic tier: each query against one panel at a time, 16 running sums
// (one per vector), added element by element as in the SIMD tiers.

func dotPanelsGeneric(queries []float32, nq, dim int, panels []float32, n int, out []float32) {
	for p := 0; p*PanelWidth < n; p++ {
		panel := panels[p*PanelWidth*dim : (p+1)*PanelWidth*dim]
		m := min(PanelWidth, n-p*PanelWidth)
		for i := range nq {
			q := queries[i*dim : (i+1)*dim]
			var acc [PanelWidth]float32
			for k, x := range q {
				col := panel[k*PanelWidth : (k+1)*PanelWidth]
				for l := range acc {
					acc[l] += x * col[l]
				}
			}
			copy(out[i*n+p*PanelWidth:], acc[:m])
		}
	}
}

func l2SquaredPanelsGeneric(queries []float32, nq, dim int, panels []float32, n int, out []float32) {
	for p := 0; p*PanelWidth < n; p++ {
		panel := panels[p*PanelWidth*dim : (p+1)*PanelWidth*dim]
		m := min(PanelWidth, n-p*PanelWidth)
		for i := range nq {
			q := queries[i*dim : (i+1)*dim]
			var acc [PanelWidth]float32
			for k, x := range q {
				col := panel[k*PanelWidth : (k+1)*PanelWidth]
				for l := range acc {
					d := col[l] - x
					acc[l] += d * d
				}
			}
			copy(out[i*n+p*PanelWidth:], acc[:m])
		}
	}
}
