// Package distance holds the float32 and bit-vector distance kernels that the
// rest of smallworld is built on.
//
// Every kernel exists in up to three implementation tiers:
//
//   - Generic: portable Go with several independent accumulators.
//   - AVX2: AVX2 + FMA assembly (amd64 only).
//   - AVX512: AVX-512F/VL/BW assembly with masked tails (amd64 only);
//     the bit kernels use VPOPCNTQ where the CPU has AVX512_VPOPCNTDQ.
//
// The best tier the CPU supports is chosen once, at package initialisation,
// through golang.org/x/sys/cpu. The environment variable SMALLWORLD_SIMD
// (generic, avx2 or avx512) caps the tier, for testing and for CPUs that slow
// down under AVX-512; an unknown value is ignored. Building with the purego
// tag, or for any architecture other than amd64, removes all assembly and
// leaves only the Generic tier.
//
// The package-level functions (Dot, L2Squared, ...) call the selected tier.
// Tests and benchmarks that want a particular tier use For, which returns that
// tier's Kernels without touching package state.
//
// Length rule: the kernels work over n = min(len(a), len(b)) elements and never
// read past either slice. An empty input gives 0 (cosine: NaN, as for any zero
// vector).
package distance
