//go:build !purego

package distance

import "unsafe"

// Assembly in panel_avx512_amd64.s and panel_avx2_amd64.s, on geometry
// validated by panelWith.

//go:noescape
func dotPanelsAVX512(q *float32, nq, dim int, panels *float32, n int, out *float32)

//go:noescape
func l2SquaredPanelsAVX512(q *float32, nq, dim int, panels *float32, n int, out *float32)

//go:noescape
func dotPanelsAVX2(q *float32, nq, dim int, panels *float32, n int, out *float32)

//go:noescape
func l2SquaredPanelsAVX2(q *float32, nq, dim int, panels *float32, n int, out *float32)

// panelAsm adapts an assembly panel loop to a PanelFunc.
func panelAsm(kernel func(q *float32, nq, dim int, panels *float32, n int, out *float32)) PanelFunc {
	return panelWith(func(queries []float32, nq, dim int, panels []float32, n int, out []float32) {
		kernel(unsafe.SliceData(queries), nq, dim, unsafe.SliceData(panels), n, unsafe.SliceData(out))
	})
}
