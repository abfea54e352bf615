//go:build !amd64 || purego

package bench

// Without assembly the byte path's kernels are plain Go.
var (
	byteVNNI  = false
	byteKeys  = byteKeysGeneric
	bytePack  = bytePackGeneric
	byteBound = byteBoundGeneric

	byteSegNorms = byteSegNormsGeneric
)
