package hnsw

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSmokeRecall(t *testing.T) {
	base := randomVectors(1, 5000, 32)
	queries := randomVectors(2, 100, 32)
	for _, m := range []Metric{L2, InnerProduct, Cosine, L1} {
		ix, err := New(Config{Dim: 32, Metric: m})
		require.NoError(t, err)
		for i, v := range base {
			require.NoError(t, ix.Add(uint64(i), v))
		}
		var rec float64
		for _, q := range queries {
			res, err := ix.Search(q, 10)
			require.NoError(t, err)
			rec += recallAt(res, bruteForce(m, base, q, 10, nil))
		}
		t.Logf("%v recall %.3f", m, rec/float64(len(queries)))
	}
}
