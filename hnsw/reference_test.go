package hnsw

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// refIndex is an independent, deliberately plain implementation of
// pgvector's HNSW build as the specification describes it (§5.2–5.7): maps
// and slices, linear scans instead of heaps, no caching. The index must
// produce exactly its neighbour lists, in stored order.
type refIndex struct {
	m, efc  int
	dist    func(a, b []float32) float32
	vecs    [][]float32
	levels  []int
	nbrs    [][][]int // node → layer → list in stored order
	ep      int
	epLevel int
}

type refCand struct {
	d  float32
	id int
}

func (r *refIndex) lm(lc int) int {
	if lc == 0 {
		return 2 * r.m
	}
	return r.m
}

// searchLayer returns W furthest first.
func (r *refIndex) searchLayer(q []float32, ep []refCand, ef, lc int) []refCand {
	visited := map[int]bool{}
	var c, w []refCand
	for _, e := range ep {
		visited[e.id] = true
		c = append(c, e)
		w = append(w, e)
	}
	wlen := len(ep)
	popNearest := func(s *[]refCand) refCand {
		bi := 0
		for i, x := range *s {
			if x.d < (*s)[bi].d {
				bi = i
			}
		}
		x := (*s)[bi]
		*s = slices.Delete(*s, bi, bi+1)
		return x
	}
	furthest := func() int {
		bi := 0
		for i, x := range w {
			if x.d > w[bi].d {
				bi = i
			}
		}
		return bi
	}
	for len(c) > 0 {
		cur := popNearest(&c)
		if cur.d > w[furthest()].d {
			break
		}
		var unvisited []int
		for _, e := range r.nbrs[cur.id][lc] {
			if !visited[e] {
				visited[e] = true
				unvisited = append(unvisited, e)
			}
		}
		for _, e := range unvisited {
			d := r.dist(q, r.vecs[e])
			f := w[furthest()]
			if !(d < f.d || wlen < ef) {
				continue
			}
			c = append(c, refCand{d, e})
			w = append(w, refCand{d, e})
			wlen++
			if wlen > ef {
				fi := furthest()
				w = slices.Delete(w, fi, fi+1)
			}
		}
	}
	slices.SortStableFunc(w, func(a, b refCand) int {
		switch {
		case a.d > b.d:
			return -1
		case a.d < b.d:
			return 1
		}
		return 0
	})
	return w
}

// selectNeighbors follows §5.4 literally; w is furthest first.
func (r *refIndex) selectNeighbors(w []refCand, lm int) (sel []refCand, pruned refCand) {
	if len(w) <= lm {
		return slices.Clone(w), refCand{id: -1}
	}
	w = slices.Clone(w)
	var rr, dd []refCand
	for len(w) > 0 && len(rr) < lm {
		e := w[len(w)-1]
		w = w[:len(w)-1]
		closer := true
		for _, x := range rr {
			if r.dist(r.vecs[e.id], r.vecs[x.id]) <= e.d {
				closer = false
				break
			}
		}
		if closer {
			rr = append(rr, e)
		} else {
			dd = append(dd, e)
		}
	}
	j := 0
	for ; j < len(dd) && len(rr) < lm; j++ {
		rr = append(rr, dd[j])
	}
	if j < len(dd) {
		return rr, dd[j]
	}
	return rr, w[0]
}

func (r *refIndex) insert(id int) {
	q := r.vecs[id]
	level := r.levels[id]
	r.nbrs = append(r.nbrs, make([][]int, level+1))
	if r.ep < 0 {
		r.ep, r.epLevel = id, level
		return
	}
	w := []refCand{{r.dist(q, r.vecs[r.ep]), r.ep}}
	for lc := r.epLevel; lc > level; lc-- {
		w = r.searchLayer(q, w, 1, lc)
	}
	top := min(level, r.epLevel)
	chosen := make([][]refCand, top+1)
	for lc := top; lc >= 0; lc-- {
		w = r.searchLayer(q, w, r.efc, lc)
		chosen[lc], _ = r.selectNeighbors(w, r.lm(lc))
		for _, c := range chosen[lc] {
			r.nbrs[id][lc] = append(r.nbrs[id][lc], c.id)
		}
	}
	for lc := top; lc >= 0; lc-- {
		for _, c := range chosen[lc] {
			r.backLink(c.id, lc, id, c.d)
		}
	}
	if level > r.epLevel {
		r.ep, r.epLevel = id, level
	}
}

func (r *refIndex) backLink(n, lc, q int, d float32) {
	list := r.nbrs[n][lc]
	if len(list) < r.lm(lc) {
		r.nbrs[n][lc] = append(list, q)
		return
	}
	var cands []refCand
	for _, x := range list {
		cands = append(cands, refCand{r.dist(r.vecs[n], r.vecs[x]), x})
	}
	cands = append(cands, refCand{d, q})
	// Furthest first, ties by descending insertion order.
	slices.SortFunc(cands, func(a, b refCand) int {
		switch {
		case a.d > b.d:
			return -1
		case a.d < b.d:
			return 1
		case a.id > b.id:
			return -1
		case a.id < b.id:
			return 1
		}
		return 0
	})
	_, pruned := r.selectNeighbors(cands, r.lm(lc))
	if pruned.id == q || pruned.id < 0 {
		return
	}
	i := slices.Index(list, pruned.id)
	list[i] = q
}

// seqL2 is squared L2 summed sequentially in float32, as PGlite's pgvector
// computes it.
func seqL2(a, b []float32) float32 {
	var s float32
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	return s
}

// seqNegDot is −a·b summed sequentially in float32.
func seqNegDot(a, b []float32) float32 {
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return -s
}

func TestMatchesReferenceImplementation(t *testing.T) {
	cases := []struct {
		name   string
		n, dim int
		m, efc int
		metric Metric
		dist   DistanceFunc
	}{
		{"l2-m4-efc16", 600, 8, 4, 16, L2, seqL2},
		{"l2-m8-efc32", 800, 16, 8, 32, L2, seqL2},
		{"cosine-m5-efc20", 600, 12, 5, 20, Cosine, seqNegDot},
		{"ip-m3-efc8", 400, 6, 3, 8, InnerProduct, seqNegDot},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(11, uint64(tc.n)))
			vecs := make([][]float32, tc.n)
			for i := range vecs {
				v := make([]float32, tc.dim)
				for j := range v {
					v[j] = float32(rng.NormFloat64())
				}
				vecs[i] = v
			}
			levels := make([]int, tc.n)
			ml := levelMultiplier(tc.m)
			for i := range levels {
				levels[i] = levelFor(rng.Float64(), ml, MaxLevel(tc.m))
			}
			ix, err := New(Config{Dim: tc.dim, M: tc.m, EfConstruction: tc.efc, Metric: tc.metric, Distance: tc.dist,
				LevelSource: LevelFunc(func(key uint64) int { return levels[key] })})
			require.NoError(t, err)
			ref := &refIndex{m: tc.m, efc: tc.efc, dist: tc.dist, ep: -1}
			for i, v := range vecs {
				require.NoError(t, ix.Add(uint64(i), v))
				stored, err := ix.Vector(uint64(i), nil)
				require.NoError(t, err)
				ref.vecs = append(ref.vecs, stored)
				ref.levels = append(ref.levels, levels[i])
				ref.insert(i)
			}
			ep, epLevel, ok := ix.EntryPoint()
			require.True(t, ok)
			require.Equal(t, ref.ep, int(ep))
			require.Equal(t, ref.epLevel, epLevel)
			for i := range vecs {
				node, err := ix.Node(NodeID(i))
				require.NoError(t, err)
				require.Equal(t, levels[i], node.Level)
				for lc := 0; lc <= node.Level; lc++ {
					want := ref.nbrs[i][lc]
					got := make([]int, len(node.Neighbors[lc]))
					for j, x := range node.Neighbors[lc] {
						got[j] = int(x)
					}
					if len(want) == 0 {
						want = []int{}
					}
					require.Equal(t, want, got, "node %d layer %d", i, lc)
				}
			}
		})
	}
}
