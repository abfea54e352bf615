//go:build !linux

package distance

// threadCPUTime is unavailable here; benchmarks then report wall time only.
func threadCPUTime() int64 { return -1 }
