package distance

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// panelKernelCase names one panel kernel with its float64 reference.
type panelKernelCase struct {
	name  string
	panel func(k *Kernels) PanelFunc
	ref   func(a, b []float32) refResult
}

var panelKernels = []panelKernelCase{
	{"DotPanels", func(k *Kernels) PanelFunc { return k.DotPanels }, refDot},
	{"L2SquaredPanels", func(k *Kernels) PanelFunc { return k.L2SquaredPanels }, refL2Squared},
}

func TestPackPanels(t *testing.T) {
	const dim = 3
	vectors := make([]float32, 18*dim)
	for i := range vectors {
		vectors[i] = float32(i + 1)
	}
	dst := make([]float32, 5) // too short: reallocated
	p := PackPanels(dst, vectors, dim)
	require.Len(t, p, PanelLen(18, dim))
	require.Equal(t, 2*PanelWidth*dim, len(p))
	for j := range 32 {
		for k := range dim {
			want := float32(0)
			if j < 18 {
				want = vectors[j*dim+k]
			}
			assert.Equal(t, want, p[(j/16)*16*dim+k*16+j%16], "vector %d element %d", j, k)
		}
	}
	// A partial last vector is ignored; dim < 1 writes nothing.
	require.Len(t, PackPanels(nil, vectors[:2*dim+1], dim), PanelLen(2, dim))
	require.Nil(t, PackPanels(nil, vectors, 0))
	require.Equal(t, 0, PanelLen(0, 3))
	require.Equal(t, 0, PanelLen(3, 0))
}

// TestPanelsMatchReference checks every panel kernel of every tier against
// the float64 reference at every test length, for vector counts around the
// panel width and query counts around the tiles' height.
func TestPanelsMatchReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(81, 82))
	for _, k := range allTiers(t) {
		for _, pk := range panelKernels {
			panel := pk.panel(k)
			t.Run(k.ISA.String()+"/"+pk.name, func(t *testing.T) {
				for _, dim := range testLengths() {
					if dim == 0 {
						continue
					}
					for _, n := range []int{1, 15, 16, 17, 33, 47 + dim%20} {
						nq := 1 + rng.IntN(9)
						queries := randomFloats(rng, nq*dim)
						vectors := randomFloats(rng, n*dim)
						panels := PackPanels(nil, vectors, dim)
						out := make([]float32, nq*n+3)
						out[nq*n], out[nq*n+1], out[nq*n+2] = 7, 7, 7
						panel(queries, dim, panels, n, out[:nq*n])
						for i := range nq {
							for j := range n {
								checkFloat(t, out[i*n+j], pk.ref(queries[i*dim:(i+1)*dim], vectors[j*dim:(j+1)*dim]),
									fmt.Sprintf("dim=%d n=%d nq=%d pair (%d,%d)", dim, n, nq, i, j))
							}
						}
						require.Equal(t, []float32{7, 7, 7}, out[nq*n:], "dim=%d n=%d: wrote past out", dim, n)
					}
				}
			})
		}
	}
}

// TestPanelsIndependentOfPosition: a pair's result does not depend on the
// vector's slot in its panel or the query's place in its tile.
func TestPanelsIndependentOfPosition(t *testing.T) {
	rng := rand.New(rand.NewPCG(83, 84))
	for _, k := range allTiers(t) {
		for _, pk := range panelKernels {
			panel := pk.panel(k)
			for _, dim := range []int{1, 7, 14, 50, 130} {
				const nq, n = 7, 37
				queries := randomFloats(rng, nq*dim)
				vectors := randomFloats(rng, n*dim)
				out := make([]float32, nq*n)
				panel(queries, dim, PackPanels(nil, vectors, dim), n, out)
				for i := range nq {
					for j := range n {
						one := make([]float32, 1)
						panel(queries[i*dim:(i+1)*dim], dim, PackPanels(nil, vectors[j*dim:(j+1)*dim], dim), 1, one)
						require.True(t, sameFloat(one[0], out[i*n+j]), "%s %s dim=%d pair (%d,%d)", k.ISA, pk.name, dim, i, j)
					}
				}
			}
		}
	}
}

// TestPanelsGeometry: odd arguments write nothing, and out limits the
// queries.
func TestPanelsGeometry(t *testing.T) {
	const dim, n = 5, 20
	queries := make([]float32, 3*dim)
	panels := PackPanels(nil, make([]float32, n*dim), dim)
	for _, k := range allTiers(t) {
		for _, pk := range panelKernels {
			panel := pk.panel(k)
			msg := k.ISA.String() + " " + pk.name
			sevens := func(m int) []float32 {
				out := make([]float32, m)
				for i := range out {
					out[i] = 7
				}
				return out
			}
			for _, c := range []struct {
				dim, n int
				panels []float32
			}{
				{0, n, panels}, {-1, n, panels}, {dim, 0, panels}, {dim, -3, panels},
				{dim, n, panels[:len(panels)-1]}, {dim, math.MaxInt / 2, panels}, {math.MaxInt, n, panels},
			} {
				out := sevens(3 * n)
				panel(queries, c.dim, c.panels, c.n, out)
				for _, v := range out {
					require.Equal(t, float32(7), v, "%s dim=%d n=%d", msg, c.dim, c.n)
				}
			}
			// Room for two query rows only: the third is not written.
			out := sevens(2*n + n - 1)
			panel(queries, dim, panels, n, out)
			assert.Equal(t, float32(0), out[0], msg)
			assert.Equal(t, float32(7), out[2*n], msg)
			panel(nil, dim, panels, n, out)
			panel(queries, dim, panels, n, nil)
		}
	}
}

// TestPackagePanelFunctionsUseActiveTier: DotPanels and L2SquaredPanels give
// the active tier's results.
func TestPackagePanelFunctionsUseActiveTier(t *testing.T) {
	rng := rand.New(rand.NewPCG(85, 86))
	k, err := For(Tier())
	require.NoError(t, err)
	const dim, nq, n = 9, 5, 21
	queries := randomFloats(rng, nq*dim)
	panels := PackPanels(nil, randomFloats(rng, n*dim), dim)
	for _, c := range []struct{ pkg, tier PanelFunc }{{DotPanels, k.DotPanels}, {L2SquaredPanels, k.L2SquaredPanels}} {
		a, b := make([]float32, nq*n), make([]float32, nq*n)
		c.pkg(queries, dim, panels, n, a)
		c.tier(queries, dim, panels, n, b)
		require.Equal(t, b, a)
	}
}
