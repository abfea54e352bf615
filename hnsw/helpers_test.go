package hnsw

import (
	"math"
	"math/rand/v2"
	"sort"
)

// randomVectors returns n vectors of dimension d with components drawn from a
// mixture of gaussian clusters, so that the data has neighbourhood structure.
func randomVectors(seed uint64, n, d int) [][]float32 {
	r := rand.New(rand.NewPCG(seed, seed+1))
	centers := make([][]float32, 16)
	for i := range centers {
		centers[i] = make([]float32, d)
		for j := range centers[i] {
			centers[i][j] = float32(r.NormFloat64() * 3)
		}
	}
	out := make([][]float32, n)
	for i := range out {
		c := centers[r.IntN(len(centers))]
		v := make([]float32, d)
		for j := range v {
			v[j] = c[j] + float32(r.NormFloat64())
		}
		out[i] = v
	}
	return out
}

// refDistance is the float64 reference of a metric's ordering distance.
func refDistance(m Metric, a, b []float32) float64 {
	switch m {
	case InnerProduct:
		var s float64
		for i := range a {
			s += float64(a[i]) * float64(b[i])
		}
		return -s
	case Cosine:
		var s, na, nb float64
		for i := range a {
			s += float64(a[i]) * float64(b[i])
			na += float64(a[i]) * float64(a[i])
			nb += float64(b[i]) * float64(b[i])
		}
		return 1 - s/math.Sqrt(na*nb)
	case L1:
		var s float64
		for i := range a {
			s += math.Abs(float64(a[i]) - float64(b[i]))
		}
		return s
	}
	var s float64
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		s += d * d
	}
	return math.Sqrt(s)
}

// bruteForce returns the keys of the k nearest vectors (keys are indexes
// into base) among those for which keep returns true (nil keeps all).
func bruteForce(m Metric, base [][]float32, q []float32, k int, keep func(uint64) bool) []uint64 {
	type kd struct {
		k uint64
		d float64
	}
	var all []kd
	for i, v := range base {
		if v == nil || (keep != nil && !keep(uint64(i))) {
			continue
		}
		all = append(all, kd{uint64(i), refDistance(m, q, v)})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].d < all[j].d })
	if len(all) > k {
		all = all[:k]
	}
	out := make([]uint64, len(all))
	for i := range all {
		out[i] = all[i].k
	}
	return out
}

// recallAt returns |got ∩ want| / |want|.
func recallAt(got []Result, want []uint64) float64 {
	if len(want) == 0 {
		return 1
	}
	set := make(map[uint64]bool, len(want))
	for _, w := range want {
		set[w] = true
	}
	hit := 0
	for _, g := range got {
		if set[g.Key] {
			hit++
		}
	}
	return float64(hit) / float64(len(want))
}
