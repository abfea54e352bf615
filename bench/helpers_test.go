package bench

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// randMatrix returns n random vectors of dimension dim with values in
// [-1, 1), from a fixed seed.
func randMatrix(seed uint64, n, dim int) *Matrix {
	r := rand.New(rand.NewPCG(seed, 7))
	m := NewMatrix(dim, n)
	for range n * dim {
		m.Data = append(m.Data, r.Float32()*2-1)
	}
	return m
}

// intMatrix returns n random vectors of integers in [0, maxVal], so that
// distances tie often.
func intMatrix(seed uint64, n, dim, maxVal int) *Matrix {
	r := rand.New(rand.NewPCG(seed, 11))
	m := NewMatrix(dim, n)
	for range n * dim {
		m.Data = append(m.Data, float32(r.IntN(maxVal+1)))
	}
	return m
}

// sharedDatasets returns the directory of the team's shared datasets, or
// skips the test when it is absent (a user's clone does not have it).
// SMALLWORLD_DATASETS overrides the location.
func sharedDatasets(t testing.TB, sub string) string {
	t.Helper()
	dir := os.Getenv("SMALLWORLD_DATASETS")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "datasets")
	}
	p := filepath.Join(dir, sub)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("optional dataset %s not present (set SMALLWORLD_DATASETS to the shared datasets folder to run this test)", p)
	}
	return p
}
