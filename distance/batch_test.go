package distance

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sameFloat reports whether two results are the same value, treating all NaNs
// as equal.
func sameFloat(a, b float32) bool {
	if math.IsNaN(float64(a)) || math.IsNaN(float64(b)) {
		return math.IsNaN(float64(a)) && math.IsNaN(float64(b))
	}
	return math.Float32bits(a) == math.Float32bits(b)
}

// TestBatchMatchesPair checks each batch kernel against the same tier's pair
// kernel, bit for bit: the batch loops run the same arithmetic in the same
// order, only with the loop over ids around it. The arenas' lengths are not
// multiples of the stride, so the last vector is whole but its stride's
// padding is missing; ids past it, at the first id whose vector would cross
// the end, and near 2³² must give NaN.
func TestBatchMatchesPair(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, k := range allTiers(t) {
		for _, bk := range batchKernels {
			batch, pair := bk.batch(k), bk.pair(k)
			t.Run(k.ISA.String()+"/"+bk.name, func(t *testing.T) {
				for _, dim := range []int{0, 1, 3, 8, 15, 16, 17, 64, 100, 128, 130, 384, 768} {
					for _, pad := range []int{0, 1, 5} {
						stride := max(dim+pad, 1)
						const nvec = 23
						arena := randomFloats(rng, (nvec-1)*stride+dim)
						q := randomFloats(rng, dim)
						ids := []uint32{0, 22, 5, 23, 7, 24, 1 << 31, math.MaxUint32, 22, 3, 3}
						for range 20 {
							ids = append(ids, uint32(rng.IntN(nvec+3)))
						}
						out := make([]float32, len(ids))
						batch(q, arena, stride, ids, out)
						for i, id := range ids {
							var want float32
							if id >= nvec {
								want = float32(math.NaN())
							} else {
								off := int(id) * stride
								want = pair(q, arena[off:off+dim])
							}
							if !sameFloat(want, out[i]) {
								t.Errorf("dim=%d stride=%d id=%d: batch %v, pair %v", dim, stride, id, out[i], want)
							}
						}
					}
				}
			})
		}
	}
}

// TestBatchAgreesAcrossTiers: every tier's batch results are within the pair
// kernels' error bound of the float64 reference.
func TestBatchAgreesAcrossTiers(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	const dim, stride, nvec = 200, 208, 50
	arena := randomFloats(rng, nvec*stride)
	q := randomFloats(rng, dim)
	ids := make([]uint32, 64)
	for i := range ids {
		ids[i] = uint32(rng.IntN(nvec))
	}
	refs := []func(a, b []float32) refResult{refDot, refL2Squared, refL1}
	for _, k := range allTiers(t) {
		for j, bk := range batchKernels {
			out := make([]float32, len(ids))
			bk.batch(k)(q, arena, stride, ids, out)
			for i, id := range ids {
				v := arena[int(id)*stride : int(id)*stride+dim]
				checkFloat(t, out[i], refs[j](q, v), k.ISA.String()+" "+bk.name)
			}
		}
	}
}

// TestBatchBadGeometry: a stride below the dimension, or below 1, makes every
// output NaN; out shorter than ids limits the work and nothing past it is
// written; out longer than ids keeps its extra elements.
func TestBatchBadGeometry(t *testing.T) {
	q := []float32{1, 2, 3, 4}
	arena := make([]float32, 64)
	for i := range arena {
		arena[i] = float32(i)
	}
	ids := []uint32{0, 1, 2}
	for _, k := range allTiers(t) {
		for _, bk := range batchKernels {
			batch := bk.batch(k)
			for _, stride := range []int{3, 0, -1, -4, math.MinInt} {
				out := []float32{7, 7, 7, 7}
				batch(q, arena, stride, ids, out)
				for i := range 3 {
					assert.True(t, math.IsNaN(float64(out[i])), "%s %s stride=%d out[%d]=%v", k.ISA, bk.name, stride, i, out[i])
				}
				assert.Equal(t, float32(7), out[3], "%s %s: out past len(ids) untouched", k.ISA, bk.name)
			}

			// dim 0 with stride 0 is still an invalid stride.
			out := []float32{7}
			batch(nil, arena, 0, []uint32{0}, out)
			assert.True(t, math.IsNaN(float64(out[0])), "%s %s dim=0 stride=0", k.ISA, bk.name)

			// dim 0, stride 1: the 65 empty vectors at offsets 0–64 have
			// distance 0.
			out = []float32{7, 7}
			batch(nil, arena, 1, []uint32{64, 65}, out)
			assert.Equal(t, float32(0), out[0], "%s %s dim=0", k.ISA, bk.name)
			assert.True(t, math.IsNaN(float64(out[1])), "%s %s dim=0 id past the arena", k.ISA, bk.name)

			// A short out: only len(out) results.
			short := make([]float32, 2, 4)
			full := short[:4]
			full[2], full[3] = 9, 9
			batch(q, arena, 4, []uint32{1, 2, 3, 4}, short)
			assert.Equal(t, []float32{9, 9}, full[2:], "%s %s wrote past len(out)", k.ISA, bk.name)
			assert.False(t, math.IsNaN(float64(short[0])))

			// Empty ids or out: nothing happens.
			batch(q, arena, 4, nil, short)
			batch(q, arena, 4, ids, nil)

			// An arena shorter than one vector: every id is out of range.
			out = []float32{7}
			batch(q, arena[:3], 4, []uint32{0}, out)
			assert.True(t, math.IsNaN(float64(out[0])), "%s %s arena shorter than dim", k.ISA, bk.name)
		}
	}
}

// TestBatchHugeStride: a stride so large that id·stride would overflow int
// must not wrap around into the arena.
func TestBatchHugeStride(t *testing.T) {
	q := []float32{1, 2}
	arena := []float32{1, 2, 3, 4}
	for _, k := range allTiers(t) {
		for _, bk := range batchKernels {
			out := make([]float32, 3)
			bk.batch(k)(q, arena, math.MaxInt/2+1, []uint32{0, 1, 2}, out)
			require.False(t, math.IsNaN(float64(out[0])), "%s %s id 0 is valid", k.ISA, bk.name)
			assert.True(t, math.IsNaN(float64(out[1])), "%s %s", k.ISA, bk.name)
			assert.True(t, math.IsNaN(float64(out[2])), "%s %s", k.ISA, bk.name)
		}
	}
}
