package distance

import "math"

// BlockFunc computes the distance of every query to every listed vector of an
// arena: the inner loop of brute-force search and of exact ground truth.
//
//	out[i*n+j] = d(queries[i*dim : (i+1)*dim], arena[ids[j]*stride : ids[j]*stride+dim])
//
// for every query i < nq = len(queries)/dim and every j < n = len(ids). A nil
// ids stands for every whole vector of the arena in order (n is then their
// number), so a dense row-major matrix is an arena with stride dim.
//
// The assembly tiers work on register tiles of several queries × several
// vectors: each vector loaded from memory is used against several queries,
// and each query against several vectors, so the loop runs at the speed of
// the floating-point units rather than of the loads. For vectors in cache
// that is three to five times the pair and batch kernels' rate (AVX-512 on
// Zen 5, 32 queries × 128 vectors: 160–190 GFLOP/s at 128 and 768
// dimensions, against 35–60; see BenchmarkBlock). They also read the arena
// in row order, each tile of vectors once for all the queries, so the arena
// streams from memory once per call: keep the queries (nq·dim floats)
// within the L2 cache. For short vectors, where the final horizontal sum of
// each pair costs as much as its arithmetic, see PanelFunc.
//
// Geometry: only whole queries count, and only as many as out has room for
// (nq = min(len(queries)/dim, len(out)/n)); nothing is written when dim < 1,
// n is 0 or no query fits. stride is in elements and must be at least dim;
// otherwise every entry of the nq × n result is NaN (and with ids nil, n is
// 0). An id whose vector would extend past the end of the arena gets NaN in
// every row of its column, and its memory is never read. No function reads
// or writes outside the slices it is given.
//
// Accuracy: each result is within the bound of the corresponding pair kernel
// (see the package documentation), but the additions are grouped
// differently, so the last bits may differ from Dot or L2Squared of the same
// vectors. A given tier returns the same bits for the same vectors wherever
// they sit in the block and whatever the other queries and ids are.
type BlockFunc func(queries []float32, dim int, arena []float32, stride int, ids []uint32, out []float32)

// DotBlock is the block form of Dot; see BlockFunc.
func DotBlock(queries []float32, dim int, arena []float32, stride int, ids []uint32, out []float32) {
	active.DotBlock(queries, dim, arena, stride, ids, out)
}

// L2SquaredBlock is the block form of L2Squared; see BlockFunc. It computes
// Σ (q[i]−x[i])² directly, not as ‖q‖² + ‖x‖² − 2q·x, so its error is
// relative to the distance itself and small distances between large vectors
// keep their accuracy.
func L2SquaredBlock(queries []float32, dim int, arena []float32, stride int, ids []uint32, out []float32) {
	active.L2SquaredBlock(queries, dim, arena, stride, ids, out)
}

// blockKernel is a tier's block loop on validated geometry: nq ≥ 1 queries
// of dim ≥ 1 elements, n ≥ 1 vectors (ids[:n], or the arena's first n
// vectors when ids is nil), every one of them whole inside the arena, and
// out holding nq·n results.
type blockKernel func(queries []float32, nq, dim int, arena []float32, stride int, ids []uint32, n int, out []float32)

// blockWith wraps a tier's block loop in a BlockFunc that applies the
// geometry rules of BlockFunc.
func blockWith(kernel blockKernel) BlockFunc {
	return func(queries []float32, dim int, arena []float32, stride int, ids []uint32, out []float32) {
		if dim < 1 {
			return
		}
		nvec, ok := batchGeometry(dim, len(arena), stride)
		n := len(ids)
		if ids == nil {
			n = nvec
		}
		if n == 0 {
			return
		}
		nq := min(len(queries)/dim, len(out)/n)
		if nq == 0 {
			return
		}
		queries, out = queries[:nq*dim], out[:nq*n]
		if !ok {
			fillNaN(out)
			return
		}
		if ids != nil {
			ids = ids[:n]
			if bad := countInvalid(ids, nvec); bad > 0 {
				blockWithInvalid(kernel, queries, nq, dim, arena, stride, ids, nvec, bad, out)
				return
			}
		}
		kernel(queries, nq, dim, arena, stride, ids, n, out)
	}
}

// countInvalid returns the number of ids that are not below nvec.
func countInvalid(ids []uint32, nvec int) int {
	bad := 0
	for _, id := range ids {
		if uint64(id) >= uint64(nvec) {
			bad++
		}
	}
	return bad
}

// blockWithInvalid is the rare path of a call with invalid ids: it runs the
// kernel on the valid ids alone, then spreads the results back and fills the
// invalid columns with NaN.
func blockWithInvalid(kernel blockKernel, queries []float32, nq, dim int, arena []float32, stride int, ids []uint32, nvec, bad int, out []float32) {
	n := len(ids)
	valid := make([]uint32, 0, n-bad)
	for _, id := range ids {
		if uint64(id) < uint64(nvec) {
			valid = append(valid, id)
		}
	}
	var part []float32
	if len(valid) > 0 {
		part = make([]float32, nq*len(valid))
		kernel(queries, nq, dim, arena, stride, valid, len(valid), part)
	}
	nan := float32(math.NaN())
	for i := range nq {
		row, src := out[i*n:(i+1)*n], part[i*len(valid):(i+1)*len(valid)]
		k := 0
		for j, id := range ids {
			if uint64(id) < uint64(nvec) {
				row[j] = src[k]
				k++
			} else {
				row[j] = nan
			}
		}
	}
}
