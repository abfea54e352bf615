//go:build !amd64 || purego

package halfvec

import "github.com/smallworld-go/smallworld/distance"

// Without assembly only the generic tier exists.

func cpuHas(t distance.ISA) bool { return t == distance.Generic }

func kernelsFor(distance.ISA) *Kernels { return &genericKernels }
