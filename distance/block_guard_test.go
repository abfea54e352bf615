//go:build linux || darwin || freebsd || netbsd || openbsd

package distance

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestBlockNoReadPastSlices places the queries and the arena flush against
// PROT_NONE pages, after the end (so the last query's and the last vector's
// tails end at the guard page) and before the start, and runs every block
// kernel of every tier at every test length, dense and through ids that
// include the last vector. A read of one byte outside either slice faults.
func TestBlockNoReadPastSlices(t *testing.T) {
	rng := rand.New(rand.NewPCG(59, 60))
	const maxDim, nq, nvec = 2000, 5, 6
	gq, ga := newGuarded(t, 4*nq*maxDim), newGuarded(t, 4*nvec*(maxDim+2))
	for _, k := range allTiers(t) {
		for _, bk := range blockKernels {
			block := bk.block(k)
			for _, dim := range testLengths() {
				if dim == 0 {
					continue
				}
				stride := dim + dim%3
				qsrc := randomFloats(rng, nq*dim)
				asrc := randomFloats(rng, (nvec-1)*stride+dim)
				for _, atEnd := range []bool{true, false} {
					queries, arena := gq.floatsAtStart(qsrc), ga.floatsAtStart(asrc)
					if atEnd {
						queries, arena = gq.floatsAtEnd(qsrc), ga.floatsAtEnd(asrc)
					}
					msg := fmt.Sprintf("%s %s dim=%d at end=%v", k.ISA, bk.name, dim, atEnd)
					out := make([]float32, nq*nvec)
					block(queries, dim, arena, stride, nil, out)
					blockCheck(t, bk, qsrc, nq, dim, asrc, stride, nil, nvec, out, msg)
					ids := []uint32{nvec - 1, 0, nvec - 1, 2, nvec - 1}
					out = make([]float32, nq*len(ids))
					block(queries, dim, arena, stride, ids, out)
					blockCheck(t, bk, qsrc, nq, dim, asrc, stride, ids, len(ids), out, msg+" ids")
				}
			}
		}
	}
}
