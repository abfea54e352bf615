// Package halfvec stores vectors as IEEE 754 binary16 ("half precision")
// values and computes distances over them, the way pgvector's halfvec type
// does: half the memory of float32, with every sum accumulated in float32.
//
// # Conversion
//
// FromFloat32 and the bulk Encode round a float32 to the nearest half, ties
// to even, with full subnormal support. A finite value that would round to
// ±Inf (|x| ≥ 65520) is an error wrapping ErrOverflow, never a silent
// infinity: that is pgvector's rule for halfvec input and casts. ±Inf itself
// converts to ±Inf; a NaN converts to a quiet NaN of the same sign that keeps
// the top payload bits (sign | 0x7E00 | mantissa>>13), which is what the x86
// F16C instruction VCVTPS2PH and therefore pgvector produce. Values below
// half the smallest subnormal (2⁻²⁵) become ±0 silently.
//
// Float32 and Decode widen exactly: every half is representable in float32.
// A NaN half widens to a quiet float32 NaN with the same sign and payload
// (the quiet bit is set, as VCVTPH2PS does).
//
// # Kernels
//
// The distance kernels take two half vectors (Dot, L2Squared, L1, Cosine) or
// a float32 query and a half vector (DotF32, L2SquaredF32, L1F32, CosineF32).
// Products and sums are computed in float32, never in float16. The batch
// kernels (DotBatchF32, ...) compute one query against many vectors of a
// half-precision arena with a fixed stride: the hot loop of an HNSW graph walk.
//
// Every kernel works over n = min(len(a), len(b)) elements and never reads past
// either slice; an empty input gives 0 (cosine: NaN, as for any zero vector).
//
// Accuracy: a dot, squared-L2 or L1 sum differs from the exact sum of the
// same (widened) inputs by at most (n+4)·2⁻²⁴·Σ|termᵢ|, and a cosine distance
// by at most 3(n+4)·2⁻²⁴ + 2⁻²², on every tier; the tests check these bounds
// at every length 0–130 and at 384, 768, 1536 and 2000. NaN and ±Inf inputs
// give the same class of result (NaN, +Inf, −Inf) on every tier.
//
// # Implementation tiers
//
// The kernels and the bulk conversions exist in the same tiers as package
// distance: Generic (portable Go), AVX2 (AVX2 + FMA + F16C assembly) and
// AVX512 (AVX-512F/VL/BW assembly with masked tails). The package-level
// functions use the tier distance.Tier() reports — so the environment variable
// SMALLWORLD_SIMD caps both packages at once — lowered further if this CPU
// lacks something halfvec needs (F16C for AVX2). The purego build tag, or any
// architecture other than amd64, leaves only the Generic tier. For returns any
// supported tier's Kernels without touching package state. All tiers convert
// bit for bit identically; kernel results differ between tiers only by the
// order of float32 additions.
package halfvec
