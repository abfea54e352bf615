//go:build amd64 && !purego

package halfvec

//go:generate go run gen_kernels.go

// Assembly in kernels_{avx2,avx512}_amd64.s (generated) and
// convert_{avx2,avx512}_amd64.s. HH kernels take two half vectors, FH kernels
// a float32 query and a half vector; all work over min(len(a), len(b)).

//go:noescape
func dotHHAVX2(a, b []Float16) float32

//go:noescape
func l2HHAVX2(a, b []Float16) float32

//go:noescape
func l1HHAVX2(a, b []Float16) float32

//go:noescape
func cosHHAVX2(a, b []Float16) (dot, na, nb float32)

//go:noescape
func dotFHAVX2(q []float32, h []Float16) float32

//go:noescape
func l2FHAVX2(q []float32, h []Float16) float32

//go:noescape
func l1FHAVX2(q []float32, h []Float16) float32

//go:noescape
func cosFHAVX2(q []float32, h []Float16) (dot, na, nb float32)

//go:noescape
func dotBatchFHAVX2(q *float32, dim int, arena *Float16, stride int, maxID int, ids *uint32, out *float32, n int)

//go:noescape
func l2BatchFHAVX2(q *float32, dim int, arena *Float16, stride int, maxID int, ids *uint32, out *float32, n int)

//go:noescape
func l1BatchFHAVX2(q *float32, dim int, arena *Float16, stride int, maxID int, ids *uint32, out *float32, n int)

//go:noescape
func encodeAVX2(dst *Float16, src *float32, n int) int

//go:noescape
func decodeAVX2(dst *float32, src *Float16, n int) int

//go:noescape
func dotHHAVX512(a, b []Float16) float32

//go:noescape
func l2HHAVX512(a, b []Float16) float32

//go:noescape
func l1HHAVX512(a, b []Float16) float32

//go:noescape
func cosHHAVX512(a, b []Float16) (dot, na, nb float32)

//go:noescape
func dotFHAVX512(q []float32, h []Float16) float32

//go:noescape
func l2FHAVX512(q []float32, h []Float16) float32

//go:noescape
func l1FHAVX512(q []float32, h []Float16) float32

//go:noescape
func cosFHAVX512(q []float32, h []Float16) (dot, na, nb float32)

//go:noescape
func dotBatchFHAVX512(q *float32, dim int, arena *Float16, stride int, maxID int, ids *uint32, out *float32, n int)

//go:noescape
func l2BatchFHAVX512(q *float32, dim int, arena *Float16, stride int, maxID int, ids *uint32, out *float32, n int)

//go:noescape
func l1BatchFHAVX512(q *float32, dim int, arena *Float16, stride int, maxID int, ids *uint32, out *float32, n int)

//go:noescape
func encodeAVX512(dst *Float16, src *float32, n int) int

//go:noescape
func decodeAVX512(dst *float32, src *Float16, n int) int
