package distance

// BatchFunc computes, for each i, out[i] = d(q, arena[ids[i]*stride : ids[i]*stride+len(q)]).
//
// It is the hot loop of a graph walk: one query against the stored vectors of
// an expanded node's neighbours. The assembly implementations prefetch
// upcoming vectors while computing the current one. Only min(len(ids), len(out)) entries are
// written. stride is in elements and must be at least max(len(q), 1);
// otherwise every entry is NaN. An id whose vector would extend past the end
// of arena gets NaN and its memory is never read.
type BatchFunc func(q, arena []float32, stride int, ids []uint32, out []float32)

// Kernels is one tier's set of kernels. The zero value is not usable; obtain
// one from For.
type Kernels struct {
	// ISA is the tier these kernels belong to.
	ISA ISA

	// Dot returns Σ a[i]·b[i].
	Dot func(a, b []float32) float32
	// L2Squared returns Σ (a[i]−b[i])².
	L2Squared func(a, b []float32) float32
	// L1 returns Σ |a[i]−b[i]|.
	L1 func(a, b []float32) float32
	// Cosine returns the cosine distance 1 − a·b/(‖a‖‖b‖), computed in one
	// pass over a·b, ‖a‖² and ‖b‖². The similarity is clamped to [−1, 1];
	// a zero vector on either side gives NaN, as pgvector does, and so
	// does a vector whose squared norm underflows float32 to zero.
	Cosine func(a, b []float32) float32

	// Hamming returns the number of differing bits, popcount(a xor b).
	Hamming func(a, b []uint64) int
	// Jaccard returns 1 − |a∧b| / |a∨b| over bit vectors. When a∧b has no
	// bits set (two all-zero vectors included) it returns 1, as pgvector does.
	Jaccard func(a, b []uint64) float64

	// DotBatch is the batch form of Dot.
	DotBatch BatchFunc
	// L2SquaredBatch is the batch form of L2Squared.
	L2SquaredBatch BatchFunc
	// L1Batch is the batch form of L1.
	L1Batch BatchFunc

	// DotBlock is the block form of Dot: many queries × many vectors.
	DotBlock BlockFunc
	// L2SquaredBlock is the block form of L2Squared.
	L2SquaredBlock BlockFunc

	// DotPanels is the panel form of Dot: many queries × many short
	// vectors packed by PackPanels.
	DotPanels PanelFunc
	// L2SquaredPanels is the panel form of L2Squared.
	L2SquaredPanels PanelFunc
}

// Dot returns Σ a[i]·b[i] using the selected tier.
func Dot(a, b []float32) float32 { return active.Dot(a, b) }

// L2Squared returns the squared Euclidean distance Σ (a[i]−b[i])² using the
// selected tier.
func L2Squared(a, b []float32) float32 { return active.L2Squared(a, b) }

// L1 returns the Manhattan distance Σ |a[i]−b[i]| using the selected tier.
func L1(a, b []float32) float32 { return active.L1(a, b) }

// Cosine returns the cosine distance 1 − cos(a, b) using the selected tier.
// A zero vector on either side gives NaN.
func Cosine(a, b []float32) float32 { return active.Cosine(a, b) }

// Hamming returns popcount(a xor b) over n = min(len(a), len(b)) words.
func Hamming(a, b []uint64) int { return active.Hamming(a, b) }

// Jaccard returns the Jaccard distance of two bit vectors; see Kernels.Jaccard.
func Jaccard(a, b []uint64) float64 { return active.Jaccard(a, b) }

// DotBatch is the batch form of Dot; see BatchFunc.
func DotBatch(q, arena []float32, stride int, ids []uint32, out []float32) {
	active.DotBatch(q, arena, stride, ids, out)
}

// L2SquaredBatch is the batch form of L2Squared; see BatchFunc.
func L2SquaredBatch(q, arena []float32, stride int, ids []uint32, out []float32) {
	active.L2SquaredBatch(q, arena, stride, ids, out)
}

// L1Batch is the batch form of L1; see BatchFunc.
func L1Batch(q, arena []float32, stride int, ids []uint32, out []float32) {
	active.L1Batch(q, arena, stride, ids, out)
}
