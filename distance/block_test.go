package distance

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// blockKernelCase names one block kernel with its float64 reference.
type blockKernelCase struct {
	name  string
	block func(k *Kernels) BlockFunc
	ref   func(a, b []float32) refResult
}

var blockKernels = []blockKernelCase{
	{"DotBlock", func(k *Kernels) BlockFunc { return k.DotBlock }, refDot},
	{"L2SquaredBlock", func(k *Kernels) BlockFunc { return k.L2SquaredBlock }, refL2Squared},
}

// blockCheck compares a whole block result with the reference, pair by pair.
func blockCheck(t *testing.T, bk blockKernelCase, queries []float32, nq, dim int, arena []float32, stride int, ids []uint32, n int, out []float32, msg string) {
	t.Helper()
	for i := range nq {
		q := queries[i*dim : (i+1)*dim]
		for j := range n {
			id := j
			if ids != nil {
				id = int(ids[j])
			}
			x := arena[id*stride : id*stride+dim]
			checkFloat(t, out[i*n+j], bk.ref(q, x), fmt.Sprintf("%s query %d vector %d (id %d)", msg, i, j, id))
		}
	}
}

// TestBlockMatchesReference checks every block kernel of every tier against
// the float64 reference at every test length, with query and vector counts
// that leave every kind of edge tile (1–3 queries or vectors over a multiple
// of 4), dense and with ids, with padded strides and unaligned starts.
func TestBlockMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(51, 52))
	for _, k := range allTiers(t) {
		for _, bk := range blockKernels {
			block := bk.block(k)
			t.Run(k.ISA.String()+"/"+bk.name, func(t *testing.T) {
				for _, dim := range testLengths() {
					if dim == 0 {
						continue
					}
					nq, nvec := 1+rng.IntN(9), 1+rng.IntN(11)
					if dim%7 == 0 {
						nq, nvec = 8, 12 // whole tiles only
					}
					stride := dim + rng.IntN(3)
					qoff, aoff := rng.IntN(4), rng.IntN(4)
					queries := randomFloats(rng, qoff+nq*dim)[qoff:]
					arena := randomFloats(rng, aoff+(nvec-1)*stride+dim)[aoff:]
					msg := fmt.Sprintf("dim=%d nq=%d", dim, nq)

					out := make([]float32, nq*nvec)
					block(queries, dim, arena, stride, nil, out)
					blockCheck(t, bk, queries, nq, dim, arena, stride, nil, nvec, out, msg+" dense")

					ids := make([]uint32, 1+rng.IntN(13))
					for j := range ids {
						ids[j] = uint32(rng.IntN(nvec))
					}
					out = make([]float32, nq*len(ids))
					block(queries, dim, arena, stride, ids, out)
					blockCheck(t, bk, queries, nq, dim, arena, stride, ids, len(ids), out, msg+" ids")
				}
			})
		}
	}
}

// TestBlockResultIndependentOfPosition: a pair gets the same bits whether it
// is computed alone or inside a block, at any place in a tile, in an edge
// tile or through ids.
func TestBlockResultIndependentOfPosition(t *testing.T) {
	rng := rand.New(rand.NewPCG(53, 54))
	for _, k := range allTiers(t) {
		for _, bk := range blockKernels {
			block := bk.block(k)
			for _, dim := range []int{1, 3, 7, 8, 13, 16, 17, 33, 100, 197, 784} {
				// 7 queries end in a clamped four-query tile, 6 in a
				// two-query tile, and a lone query is a two-query tile too.
				nq := 6 + dim%2
				const nvec = 10
				queries := randomFloats(rng, nq*dim)
				arena := randomFloats(rng, nvec*dim)
				out := make([]float32, nq*nvec)
				block(queries, dim, arena, dim, nil, out)
				ids := []uint32{9, 3, 3, 0, 5}
				outIDs := make([]float32, nq*len(ids))
				block(queries, dim, arena, dim, ids, outIDs)
				for i := range nq {
					for j := range nvec {
						one := make([]float32, 1)
						block(queries[i*dim:(i+1)*dim], dim, arena[j*dim:(j+1)*dim], dim, nil, one)
						require.True(t, sameFloat(one[0], out[i*nvec+j]), "%s %s dim=%d pair (%d,%d): alone %v, in block %v", k.ISA, bk.name, dim, i, j, one[0], out[i*nvec+j])
					}
					for j, id := range ids {
						require.True(t, sameFloat(out[i*nvec+int(id)], outIDs[i*len(ids)+j]), "%s %s dim=%d ids", k.ISA, bk.name, dim)
					}
				}
			}
		}
	}
}

// TestBlockTiersAgree: on the same data every tier is within the bound of
// the reference, so the tiers are within twice the bound of each other;
// this runs a block the size ground truth uses.
func TestBlockTiersAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(55, 56))
	const dim, stride, nq, nvec = 200, 208, 13, 70
	queries := randomFloats(rng, nq*dim)
	arena := randomFloats(rng, nvec*stride)
	for _, k := range allTiers(t) {
		for _, bk := range blockKernels {
			out := make([]float32, nq*nvec)
			bk.block(k)(queries, dim, arena, stride, nil, out)
			blockCheck(t, bk, queries, nq, dim, arena, stride, nil, nvec, out, k.ISA.String()+" "+bk.name)
		}
	}
}

// TestBlockSpecialValues: NaN and infinite inputs give the same class of
// result on every tier, as for the pair kernels.
func TestBlockSpecialValues(t *testing.T) {
	inf := float32(math.Inf(1))
	nan := float32(math.NaN())
	const dim = 19
	queries := make([]float32, 3*dim)
	arena := make([]float32, 5*dim)
	for i := range queries {
		queries[i] = 1
	}
	for i := range arena {
		arena[i] = 2
	}
	queries[0*dim+18] = nan // query 0: NaN in the tail
	queries[1*dim+3] = inf  // query 1: +Inf
	arena[2*dim+17] = -inf  // vector 2: −Inf
	arena[4*dim+16] = nan   // vector 4: NaN
	for _, bk := range blockKernels {
		var want []class
		for _, k := range allTiers(t) {
			out := make([]float32, 3*5)
			bk.block(k)(queries, dim, arena, dim, nil, out)
			got := make([]class, len(out))
			for i, v := range out {
				got[i] = classOf(float64(v))
			}
			if want == nil {
				want = got
				// Spot checks against the maths: NaN anywhere gives NaN;
				// +Inf·2 + (−Inf)·1 has no value; (1−2)² sums stay finite.
				assert.Equal(t, classNaN, got[0*5+0], bk.name)
				assert.Equal(t, classNaN, got[2*5+4], bk.name)
				assert.Equal(t, classFinite, got[2*5+0], bk.name)
				assert.Equal(t, classPosInf, got[1*5+0], bk.name)
				continue
			}
			assert.Equal(t, want, got, "%s %s", k.ISA, bk.name)
		}
	}
}

// TestBlockGeometry covers the rules of BlockFunc for odd arguments: nothing
// is written without a whole query, a vector or room in out; a bad stride
// gives NaN; an invalid id gives a NaN column; out limits the queries.
func TestBlockGeometry(t *testing.T) {
	queries := []float32{1, 2, 3, 4, 5, 6, 7}
	arena := make([]float32, 20)
	for i := range arena {
		arena[i] = float32(i)
	}
	for _, k := range allTiers(t) {
		for _, bk := range blockKernels {
			block := bk.block(k)
			msg := k.ISA.String() + " " + bk.name
			untouched := func(out []float32) bool {
				for _, v := range out {
					if v != 7 {
						return false
					}
				}
				return true
			}
			sevens := func(n int) []float32 {
				out := make([]float32, n)
				for i := range out {
					out[i] = 7
				}
				return out
			}

			for _, dim := range []int{0, -1, math.MinInt} {
				out := sevens(8)
				block(queries, dim, arena, 3, nil, out)
				assert.True(t, untouched(out), "%s dim=%d", msg, dim)
			}
			// Two whole queries of 3 (the seventh float is ignored), arena
			// vectors at stride 4: (20−3)/4+1 = 5 of them.
			out := sevens(11)
			block(queries, 3, arena, 4, nil, out)
			for i := range 10 {
				assert.False(t, math.IsNaN(float64(out[i])), "%s out[%d]", msg, i)
			}
			assert.Equal(t, float32(7), out[10], "%s: out past nq·n untouched", msg)

			// out with room for one query row only.
			out = sevens(9)
			block(queries, 3, arena, 4, nil, out)
			assert.Equal(t, float32(7), out[5], "%s: a partial query row is not written", msg)

			// Bad strides: every entry NaN with ids, nothing without.
			for _, stride := range []int{2, 0, -3, math.MinInt} {
				out = sevens(5)
				block(queries, 3, arena, stride, []uint32{0, 1}, out)
				for i := range 4 {
					assert.True(t, math.IsNaN(float64(out[i])), "%s stride=%d out[%d]=%v", msg, stride, i, out[i])
				}
				assert.Equal(t, float32(7), out[4], "%s stride=%d", msg, stride)
				out = sevens(4)
				block(queries, 3, arena, stride, nil, out)
				assert.True(t, untouched(out), "%s stride=%d dense", msg, stride)
			}

			// Invalid ids: NaN columns, valid ones computed.
			ids := []uint32{4, 5, 0, math.MaxUint32, 1 << 31, 2}
			out = make([]float32, 2*len(ids))
			block(queries, 3, arena, 4, ids, out)
			for i := range 2 {
				for j, id := range ids {
					v := out[i*len(ids)+j]
					if id >= 5 {
						assert.True(t, math.IsNaN(float64(v)), "%s id %d", msg, id)
						continue
					}
					one := make([]float32, 1)
					block(queries[i*3:i*3+3], 3, arena[id*4:id*4+3], 3, nil, one)
					assert.True(t, sameFloat(one[0], v), "%s id %d: %v vs %v", msg, id, v, one[0])
				}
			}
			// Only invalid ids, and an arena too short for any vector.
			out = sevens(2)
			block(queries, 3, arena[:2], 4, []uint32{0, 1}, out)
			assert.True(t, math.IsNaN(float64(out[0])) && math.IsNaN(float64(out[1])), msg)
			out = sevens(2)
			block(queries, 3, arena[:2], 4, nil, out)
			assert.True(t, untouched(out), msg)

			// Empty everything: no panic, nothing written.
			block(nil, 3, arena, 4, nil, out)
			block(queries, 3, nil, 4, nil, out)
			block(queries, 3, arena, 4, []uint32{}, out)
			block(queries, 3, arena, 4, nil, nil)
			assert.True(t, untouched(out), msg)

			// A stride so large that id·stride would overflow int.
			out = make([]float32, 3)
			block(queries[:3], 3, arena[:4], math.MaxInt/2+1, []uint32{0, 1, 2}, out)
			assert.False(t, math.IsNaN(float64(out[0])), msg)
			assert.True(t, math.IsNaN(float64(out[1])) && math.IsNaN(float64(out[2])), msg)
		}
	}
}

// TestPackageBlockFunctionsUseActiveTier: DotBlock and L2SquaredBlock give
// the active tier's results.
func TestPackageBlockFunctionsUseActiveTier(t *testing.T) {
	rng := rand.New(rand.NewPCG(57, 58))
	k, err := For(Tier())
	require.NoError(t, err)
	const dim, nq, nvec = 37, 5, 6
	queries, arena := randomFloats(rng, nq*dim), randomFloats(rng, nvec*dim)
	for _, c := range []struct {
		pkg, tier BlockFunc
	}{{DotBlock, k.DotBlock}, {L2SquaredBlock, k.L2SquaredBlock}} {
		a, b := make([]float32, nq*nvec), make([]float32, nq*nvec)
		c.pkg(queries, dim, arena, dim, nil, a)
		c.tier(queries, dim, arena, dim, nil, b)
		require.Equal(t, b, a)
	}
}
