package tune

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/smallworld-go/smallworld/bench"
)

// clustered returns n vectors of dim dimensions drawn around a few random
// centres, the shape real embeddings have.
func clustered(seed uint64, n, dim, centres int) *bench.Matrix {
	rng := rand.New(rand.NewPCG(seed, 7))
	cs := make([][]float32, centres)
	for i := range cs {
		cs[i] = make([]float32, dim)
		for j := range cs[i] {
			cs[i][j] = float32(rng.NormFloat64() * 4)
		}
	}
	m := bench.NewMatrix(dim, n)
	v := make([]float32, dim)
	for range n {
		c := cs[rng.IntN(centres)]
		for j := range v {
			v[j] = c[j] + float32(rng.NormFloat64())
		}
		_ = m.Append(v)
	}
	return m
}

// exactNeighbors is an independent brute-force reference: the k nearest
// rows of base to q by squared L2 in float64, ties by lower row.
func exactNeighbors(base *bench.Matrix, q []float32, k int) ([]int32, float64) {
	type cand struct {
		row int32
		d   float64
	}
	cands := make([]cand, base.Len())
	for i := range base.Len() {
		var d float64
		for j, x := range base.Row(i) {
			t := float64(x) - float64(q[j])
			d += t * t
		}
		cands[i] = cand{int32(i), d}
	}
	slices.SortFunc(cands, func(a, b cand) int {
		if a.d != b.d {
			if a.d < b.d {
				return -1
			}
			return 1
		}
		return int(a.row - b.row)
	})
	out := make([]int32, k)
	for i := range out {
		out[i] = cands[i].row
	}
	return out, cands[k-1].d
}

// l2sq is squared L2 in float64.
func l2sq(a, b []float32) float64 {
	var d float64
	for i := range a {
		t := float64(a[i]) - float64(b[i])
		d += t * t
	}
	return d
}

func approxEqual(a, b, tol float64) bool { return math.Abs(a-b) <= tol }
