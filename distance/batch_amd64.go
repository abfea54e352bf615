//go:build !purego

package distance

import "unsafe"

// batchKernel is the signature of the assembly batch loops. The Go wrapper
// below validates the geometry, so the assembly only compares each id with
// nvec.
type batchKernel func(q *float32, dim int, arena *float32, stride int, nvec int, ids *uint32, out *float32, n int)

// batchAsm wraps an assembly batch loop in a BatchFunc.
func batchAsm(kernel batchKernel) BatchFunc {
	return func(q, arena []float32, stride int, ids []uint32, out []float32) {
		n := min(len(ids), len(out))
		if n == 0 {
			return
		}
		nvec, ok := batchGeometry(len(q), len(arena), stride)
		if !ok {
			fillNaN(out[:n])
			return
		}
		kernel(unsafe.SliceData(q), len(q), unsafe.SliceData(arena), stride, nvec,
			unsafe.SliceData(ids), unsafe.SliceData(out), n)
	}
}
