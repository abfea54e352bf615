package hnsw

import (
	"context"
	"math"
	"math/rand/v2"
	"sort"
	"testing"
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

// manifoldVectors returns n vectors of dimension d lying near a random
// 6-dimensional linear subspace: realistic data with a low intrinsic
// dimension, on which HNSW reaches high recall.
func manifoldVectors(seed uint64, n, d int) [][]float32 {
	return latentVectors(seed, n, d, 6)
}

// latentVectors returns n vectors of dimension d near a random linear
// subspace of dimension latent; the larger latent, the harder the search.
func latentVectors(seed uint64, n, d, latent int) [][]float32 {
	r := rand.New(rand.NewPCG(seed, 99))
	proj := make([][]float64, latent)
	for i := range proj {
		proj[i] = make([]float64, d)
		for j := range proj[i] {
			proj[i][j] = r.NormFloat64()
		}
	}
	out := make([][]float32, n)
	for i := range out {
		z := make([]float64, latent)
		for j := range z {
			z[j] = r.NormFloat64()
		}
		v := make([]float32, d)
		for j := range v {
			s := 0.05 * r.NormFloat64()
			for k := range z {
				s += z[k] * proj[k][j]
			}
			v[j] = float32(s)
		}
		out[i] = v
	}
	return out
}

// meanRecall searches every query and returns the mean recall@k against
// brute force over base (nil entries of base are absent).
func meanRecall(t testing.TB, ix *Index, base, queries [][]float32, k int, opts SearchOptions) float64 {
	t.Helper()
	var sum float64
	for _, q := range queries {
		res, _, err := ix.SearchWith(q, k, opts)
		if err != nil {
			t.Fatal(err)
		}
		sum += recallAt(res, bruteForce(ix.cfg.Metric, base, q, k, opts.Filter))
	}
	return sum / float64(len(queries))
}

// buildIndex adds base[i] under key i.
func buildIndex(t testing.TB, cfg Config, base [][]float32) *Index {
	t.Helper()
	ix, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range base {
		if err := ix.Add(uint64(i), v); err != nil {
			t.Fatal(err)
		}
	}
	return ix
}

func contextWithCancel(t testing.TB) (context.Context, context.CancelFunc) {
	return context.WithCancel(t.Context())
}

func errCanceled() error { return context.Canceled }

// size returns normal, or short under -short: the race-detector CI run uses
// -short and must stay within a couple of minutes on two cores.
func size(normal, short int) int {
	if testing.Short() {
		return short
	}
	return normal
}
