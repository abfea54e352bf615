//go:build amd64 && !purego

package distance

import "golang.org/x/sys/cpu"

// cpuHas reports whether this CPU can run tier t's assembly.
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

// kernelsFor returns tier t's table. The assembly tiers are filled in by the
// tier files; until a kernel has an assembly version it falls back to generic.
func kernelsFor(t ISA) *Kernels {
	switch t {
	case AVX2:
		k := genericKernels
		k.ISA = AVX2
		return &k
	case AVX512:
		k := genericKernels
		k.ISA = AVX512
		return &k
	}
	return &genericKernels
}
