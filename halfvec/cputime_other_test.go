//go:build !linux

package halfvec

// threadCPUTime is unavailable here; benchmarks then report wall time only.
func threadCPUTime() int64 { return -1 }
