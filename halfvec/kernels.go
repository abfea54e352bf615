package halfvec

import (
	"fmt"

	"github.com/smallworld-go/smallworld/distance"
)

// BatchFunc computes, for each i, out[i] = d(q, arena[ids[i]*stride : ids[i]*stride+len(q)])
// for a float32 query q against a half-precision vector arena.
//
// It has the contract of distance.BatchFunc: it is the hot loop of a graph
// walk, and the assembly implementations prefetch the next vectors (up to
// three ids ahead) while computing the current one. stride (in elements) must be at least len(q); if it is not,
// every output is NaN. An id whose vector would extend past the end of arena
// gets NaN and is never read. Only min(len(ids), len(out)) entries are
// computed.
type BatchFunc func(q []float32, arena []Float16, stride int, ids []uint32, out []float32)

// Kernels is one tier's set of half-precision kernels and conversions. The
// zero value is not usable; obtain one from For.
//
// Every kernel works over n = min(len(a), len(b)) elements, accumulates in
// float32 and never reads past either slice.
type Kernels struct {
	// ISA is the tier these kernels belong to.
	ISA distance.ISA

	// Dot returns Σ a[i]·b[i].
	Dot func(a, b []Float16) float32
	// L2Squared returns Σ (a[i]−b[i])².
	L2Squared func(a, b []Float16) float32
	// L1 returns Σ |a[i]−b[i]|.
	L1 func(a, b []Float16) float32
	// Cosine returns the cosine distance 1 − a·b/(‖a‖‖b‖), computed in one
	// pass over a·b, ‖a‖² and ‖b‖² with pgvector's finish: the similarity is
	// formed in float64 and clamped to [−1, 1]; a zero vector on either side
	// gives NaN.
	Cosine func(a, b []Float16) float32

	// DotF32 returns Σ q[i]·h[i] for a float32 q and a half h.
	DotF32 func(q []float32, h []Float16) float32
	// L2SquaredF32 returns Σ (q[i]−h[i])².
	L2SquaredF32 func(q []float32, h []Float16) float32
	// L1F32 returns Σ |q[i]−h[i]|.
	L1F32 func(q []float32, h []Float16) float32
	// CosineF32 returns the cosine distance between q and h; see Cosine.
	CosineF32 func(q []float32, h []Float16) float32

	// DotBatchF32 is the batch form of DotF32.
	DotBatchF32 BatchFunc
	// L2SquaredBatchF32 is the batch form of L2SquaredF32.
	L2SquaredBatchF32 BatchFunc
	// L1BatchF32 is the batch form of L1F32.
	L1BatchF32 BatchFunc

	// Encode is this tier's bulk conversion; see the package-level Encode.
	Encode func(dst []Float16, src []float32) (int, error)
	// Decode is this tier's bulk widening; see the package-level Decode.
	Decode func(dst []float32, src []Float16) int
}

// Supported lists the tiers this CPU and build can run for half precision,
// slowest first. It ignores SMALLWORLD_SIMD, so tests can exercise every tier
// the machine has.
func Supported() []distance.ISA {
	var out []distance.ISA
	for _, t := range []distance.ISA{distance.Generic, distance.AVX2, distance.AVX512} {
		if cpuHas(t) {
			out = append(out, t)
		}
	}
	return out
}

// Tier reports the tier the package-level functions use: distance.Tier(),
// lowered if this CPU lacks an extension halfvec needs at that tier.
func Tier() distance.ISA { return active.ISA }

// For returns a copy of the kernels of tier isa, or an error if this CPU or
// build cannot run it.
func For(isa distance.ISA) (*Kernels, error) {
	if !cpuHas(isa) {
		return nil, fmt.Errorf("halfvec: tier %s is not supported on this CPU or build", isa)
	}
	k := *kernelsFor(isa)
	return &k, nil
}

// chooseTier returns the best tier at or below limit that halfvec can run.
func chooseTier(limit distance.ISA) distance.ISA {
	for t := limit; t > distance.Generic; t-- {
		if cpuHas(t) {
			return t
		}
	}
	return distance.Generic
}

// active is the dispatch table chosen once at start-up, following the tier of
// package distance: the only package state.
var active = kernelsFor(chooseTier(distance.Tier()))

// Dot returns Σ a[i]·b[i] over two half vectors using the selected tier.
func Dot(a, b []Float16) float32 { return active.Dot(a, b) }

// L2Squared returns the squared Euclidean distance Σ (a[i]−b[i])² using the
// selected tier.
func L2Squared(a, b []Float16) float32 { return active.L2Squared(a, b) }

// L1 returns the Manhattan distance Σ |a[i]−b[i]| using the selected tier.
func L1(a, b []Float16) float32 { return active.L1(a, b) }

// Cosine returns the cosine distance 1 − cos(a, b) using the selected tier.
// A zero vector on either side gives NaN.
func Cosine(a, b []Float16) float32 { return active.Cosine(a, b) }

// DotF32 returns Σ q[i]·h[i] for a float32 query and a half vector.
func DotF32(q []float32, h []Float16) float32 { return active.DotF32(q, h) }

// L2SquaredF32 returns Σ (q[i]−h[i])² for a float32 query and a half vector.
func L2SquaredF32(q []float32, h []Float16) float32 { return active.L2SquaredF32(q, h) }

// L1F32 returns Σ |q[i]−h[i]| for a float32 query and a half vector.
func L1F32(q []float32, h []Float16) float32 { return active.L1F32(q, h) }

// CosineF32 returns the cosine distance between a float32 query and a half
// vector. A zero vector on either side gives NaN.
func CosineF32(q []float32, h []Float16) float32 { return active.CosineF32(q, h) }

// DotBatchF32 is the batch form of DotF32; see BatchFunc.
func DotBatchF32(q []float32, arena []Float16, stride int, ids []uint32, out []float32) {
	active.DotBatchF32(q, arena, stride, ids, out)
}

// L2SquaredBatchF32 is the batch form of L2SquaredF32; see BatchFunc.
func L2SquaredBatchF32(q []float32, arena []Float16, stride int, ids []uint32, out []float32) {
	active.L2SquaredBatchF32(q, arena, stride, ids, out)
}

// L1BatchF32 is the batch form of L1F32; see BatchFunc.
func L1BatchF32(q []float32, arena []Float16, stride int, ids []uint32, out []float32) {
	active.L1BatchF32(q, arena, stride, ids, out)
}
