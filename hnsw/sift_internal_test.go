package hnsw

import (
	"encoding/binary"
	"math"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func readFvecs(t testing.TB, path string) [][]float32 {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("dataset not available: %v", err)
	}
	var out [][]float32
	for len(b) > 0 {
		d := int(binary.LittleEndian.Uint32(b))
		v := make([]float32, d)
		for i := range v {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4+4*i:]))
		}
		out = append(out, v)
		b = b[4+4*d:]
	}
	return out
}

func TestSiftSmallDev(t *testing.T) {
	base := readFvecs(t, "/work/shared/datasets/siftsmall/siftsmall_base.fvecs")
	queries := readFvecs(t, "/work/shared/datasets/siftsmall/siftsmall_query.fvecs")
	for _, h := range []Heuristic{HeuristicKeepPruned, HeuristicHNSWLib} {
		ix, err := New(Config{Dim: 128, Heuristic: h})
		require.NoError(t, err)
		t0 := time.Now()
		for i, v := range base {
			require.NoError(t, ix.Add(uint64(i), v))
		}
		el := time.Since(t0)
		truth := make([][]uint64, len(queries))
		for i, q := range queries {
			truth[i] = bruteForce(L2, base, q, 10, nil)
		}
		for _, ef := range []int{10, 20, 40, 80} {
			var rec float64
			var dists int
			t1 := time.Now()
			for i, q := range queries {
				res, st, err := ix.SearchWith(q, 10, SearchOptions{Ef: ef})
				require.NoError(t, err)
				rec += recallAt(res, truth[i])
				dists += st.DistanceEvaluations
			}
			qt := time.Since(t1)
			t.Logf("%v build %.2fs (%.0f/s) ef=%d recall %.3f dists %.0f qps %.0f", h, el.Seconds(), float64(len(base))/el.Seconds(), ef, rec/float64(len(queries)), float64(dists)/float64(len(queries)), float64(len(queries))/qt.Seconds())
		}
	}
}
