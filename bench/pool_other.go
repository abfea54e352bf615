//go:build !amd64 || purego

package bench

// Without assembly the pooling and exact loops are plain Go.
var (
	poolBlocks = poolBlocksGeneric
	exactL2    = exactL2Generic
	filter2    = filter2Generic
)

// prefetch is a no-op without assembly.
func prefetch([]float32) {}
