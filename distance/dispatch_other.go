//go:build !amd64 || purego

package distance

// Without assembly only the generic tier exists.

func cpuHas(ISA) bool { return false }

func kernelsFor(ISA) *Kernels { return &genericKernels }
