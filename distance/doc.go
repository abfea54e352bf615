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
// vector; Jaccard: 1, as for two zero bit vectors).
//
// # Accuracy
//
// The tiers add in different orders (the generic tier keeps four partial sums,
// the SIMD tiers one per vector lane, with fused multiply-adds), so their
// float32 results may differ in the last bits; each is within the classical
// summation bound of the exact result. The SIMD tiers also start with a short
// block that brings b to a 32- or 64-byte boundary (a vector load that
// straddles cache lines costs almost twice as much), so there the grouping,
// and the last bits, depend on b's address modulo 64 as well. A given tier
// is deterministic for the same values at the same alignment. With u = 2⁻²⁴, γ(k) = k·u/(1 − k·u)
// and the terms tᵢ = aᵢbᵢ (Dot), (aᵢ − bᵢ)² (L2Squared) or |aᵢ − bᵢ| (L1):
//
//	|result − exact| ≤ γ(n+3)·Σ|tᵢ| + n·2⁻¹⁴⁹
//
// Cosine is within 2·γ(n+3) + 2⁻²³ of the exact distance (absolute) unless
// a squared norm underflows float32. Hamming and Jaccard are exact. The tests
// check every tier against a float64 reference with these bounds.
//
// Special values: a NaN input gives NaN, and an infinite input gives the
// same class of result (NaN, +Inf or −Inf) on every tier. Finite inputs so
// large that a partial sum overflows float32 are the exception: whether the
// overflow happens can depend on the summation order.
//
// # Batch kernels
//
// DotBatch, L2SquaredBatch and L1Batch score one query against many vectors
// of an arena (vectors stored back to back at a fixed stride), the inner loop
// of a graph walk. The assembly tiers run the whole loop in assembly and
// prefetch the vector two ids ahead while computing the current one;
// they return exactly the pair kernel's result for every valid id and NaN
// for an id whose vector is not wholly inside the arena.
//
// # Block and panel kernels
//
// DotBlock and L2SquaredBlock (see BlockFunc) score many queries against
// many vectors of an arena in one call, in register tiles of several queries
// × several vectors, so each value loaded feeds several multiply-adds: for
// vectors in cache they run three to five times faster than the pair and
// batch kernels, and they read the arena once per call for all the queries.
// They are the brute-force kernels (exact ground truth in package bench,
// exhaustive search). DotPanels and L2SquaredPanels (see PanelFunc) do the
// same for short vectors packed by PackPanels, 16 to a panel with one vector
// per SIMD lane, where a block kernel's final horizontal sums would cost as
// much as the arithmetic. Both keep the pair kernels' accuracy bound but
// group the additions differently, so their last bits may differ from Dot or
// L2Squared of the same vectors. BenchmarkBlock and BenchmarkPanels compare
// them with the pair and batch kernels on every tier.
package distance
