//go:build linux || darwin || freebsd || netbsd || openbsd

package distance

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestPanelsNoAccessPastSlices places the queries, the panels and out flush
// against PROT_NONE pages and runs every panel kernel of every tier at every
// test length, with vector counts that end in partial panels: any read past
// the queries or the panels, or any write past out, faults.
func TestPanelsNoAccessPastSlices(t *testing.T) {
	rng := rand.New(rand.NewPCG(87, 88))
	const maxDim, nq = 2000, 5
	gq, gp, gout := newGuarded(t, 4*nq*maxDim), newGuarded(t, 4*PanelLen(40, maxDim)), newGuarded(t, 4*nq*40)
	for _, k := range allTiers(t) {
		for _, pk := range panelKernels {
			panel := pk.panel(k)
			for _, dim := range testLengths() {
				if dim == 0 {
					continue
				}
				for _, n := range []int{1, 17, 40} {
					qsrc := randomFloats(rng, nq*dim)
					vectors := randomFloats(rng, n*dim)
					queries := gq.floatsAtEnd(qsrc)
					panels := gp.floatsAtEnd(PackPanels(nil, vectors, dim))
					out := gout.floatsAtEnd(make([]float32, nq*n))
					panel(queries, dim, panels, n, out)
					for i := range nq {
						for j := range n {
							checkFloat(t, out[i*n+j], pk.ref(qsrc[i*dim:(i+1)*dim], vectors[j*dim:(j+1)*dim]),
								fmt.Sprintf("%s %s dim=%d n=%d", k.ISA, pk.name, dim, n))
						}
					}
					// And flush against the start of the regions.
					queries = gq.floatsAtStart(qsrc)
					panels = gp.floatsAtStart(PackPanels(nil, vectors, dim))
					panel(queries, dim, panels, n, out)
				}
			}
		}
	}
}
