//go:build !purego

package distance

import "golang.org/x/sys/cpu"

// cpuHas reports whether this CPU can run tier t's assembly. x/sys/cpu only
// reports AVX and AVX-512 features when the OS saves the wider registers.
func cpuHas(t ISA) bool {
	switch t {
	case Generic:
		return true
	case AVX2:
		return cpu.X86.HasAVX2 && cpu.X86.HasFMA
	case AVX512:
		return cpu.X86.HasAVX2 && cpu.X86.HasFMA &&
			cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL && cpu.X86.HasAVX512BW
	}
	return false
}

// kernelsFor returns tier t's table. Callers must not modify it; For and the
// package's dispatch take copies.
func kernelsFor(t ISA) *Kernels {
	switch t {
	case AVX2:
		return &avx2Table
	case AVX512:
		return &avx512Table
	}
	return &genericKernels
}
