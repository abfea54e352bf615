package distance

import (
	"math"
	"testing"
)

// fuzzBlockKernel checks one block kernel of every tier against the float64
// reference on arbitrary bit patterns: the first half of the values (whole
// vectors of dim = 1 + shape%40 floats) are the queries, the rest the arena,
// and the ids, if any, come from the raw bytes. Each pair must have the
// reference's class (finite, NaN, ±Inf) and, when finite, be within bound.
func fuzzBlockKernel(f *testing.F, bk blockKernelCase) {
	addFloatSeeds(f)
	tiers := allTiers(f)
	f.Fuzz(func(t *testing.T, raw []byte, shape, useIDs uint8) {
		v := fuzzFloats(raw)
		dim := 1 + int(shape%40)
		half := len(v) / 2
		queries, arena := v[:half], v[half:]
		nq := len(queries) / dim
		nvec, _ := batchGeometry(dim, len(arena), dim)
		var ids []uint32
		n := nvec
		if useIDs%2 == 1 {
			// Some ids past the arena on purpose: they must give NaN.
			for i, b := range raw {
				if i >= 24 {
					break
				}
				ids = append(ids, uint32(b)%uint32(nvec+2))
			}
			n = len(ids)
		}
		if nq == 0 || n == 0 {
			return
		}
		for _, k := range tiers {
			out := make([]float32, nq*n)
			bk.block(k)(queries, dim, arena, dim, ids, out)
			for i := range nq {
				q := queries[i*dim : (i+1)*dim]
				for j := range n {
					id := j
					if ids != nil {
						id = int(ids[j])
					}
					got := float64(out[i*n+j])
					if id >= nvec {
						if !math.IsNaN(got) {
							t.Fatalf("%s %s: id %d past the arena gave %v", k.ISA, bk.name, id, got)
						}
						continue
					}
					ref := bk.ref(q, arena[id*dim:(id+1)*dim])
					if classOf(got) != classOf(ref.val) {
						t.Fatalf("%s %s dim=%d pair (%d,%d): got %v, reference %v", k.ISA, bk.name, dim, i, id, got, ref.val)
					}
					if classOf(got) == classFinite && math.Abs(got-ref.val) > ref.bound {
						t.Fatalf("%s %s dim=%d pair (%d,%d): got %v, reference %v, |diff| %g > bound %g", k.ISA, bk.name, dim, i, id, got, ref.val, math.Abs(got-ref.val), ref.bound)
					}
				}
			}
		}
	})
}

func FuzzDotBlock(f *testing.F)       { fuzzBlockKernel(f, blockKernels[0]) }
func FuzzL2SquaredBlock(f *testing.F) { fuzzBlockKernel(f, blockKernels[1]) }

// fuzzPanelKernel checks one panel kernel of every tier against the float64
// reference on arbitrary bit patterns, split as in fuzzBlockKernel; the
// vectors are packed with PackPanels.
func fuzzPanelKernel(f *testing.F, pk panelKernelCase) {
	addFloatSeeds(f)
	tiers := allTiers(f)
	f.Fuzz(func(t *testing.T, raw []byte, shape, _ uint8) {
		v := fuzzFloats(raw)
		dim := 1 + int(shape%40)
		half := len(v) / 2
		queries, vectors := v[:half], v[half:]
		nq, n := len(queries)/dim, len(vectors)/dim
		if nq == 0 || n == 0 {
			return
		}
		panels := PackPanels(nil, vectors, dim)
		for _, k := range tiers {
			out := make([]float32, nq*n)
			pk.panel(k)(queries, dim, panels, n, out)
			for i := range nq {
				for j := range n {
					got := float64(out[i*n+j])
					ref := pk.ref(queries[i*dim:(i+1)*dim], vectors[j*dim:(j+1)*dim])
					if classOf(got) != classOf(ref.val) {
						t.Fatalf("%s %s dim=%d pair (%d,%d): got %v, reference %v", k.ISA, pk.name, dim, i, j, got, ref.val)
					}
					if classOf(got) == classFinite && math.Abs(got-ref.val) > ref.bound {
						t.Fatalf("%s %s dim=%d pair (%d,%d): got %v, reference %v, |diff| %g > bound %g", k.ISA, pk.name, dim, i, j, got, ref.val, math.Abs(got-ref.val), ref.bound)
					}
				}
			}
		}
	})
}

func FuzzDotPanels(f *testing.F)       { fuzzPanelKernel(f, panelKernels[0]) }
func FuzzL2SquaredPanels(f *testing.F) { fuzzPanelKernel(f, panelKernels[1]) }
