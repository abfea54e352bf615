package bench

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRecall(t *testing.T) {
	tr := &Truth{
		K:      4,
		Metric: L2,
		IDs:    [][]int32{{10, 11, 12, 13}, {20, 21, 22, 23}},
		// Query 0: ranks 2 and 3 tie, and id 14 (in Ties) ties with them.
		Dists: [][]float32{{1, 2, 3, 3}, {1, 2, 3, 4}},
		Ties:  [][]int32{{14}, nil},
	}
	r, err := Recall(tr, [][]int64{{10, 11, 12, 13}, {20, 21, 22, 23}}, 4)
	require.NoError(t, err)
	assert.Equal(t, 1.0, r)

	// A tied id from beyond the list counts; an untied stranger does not.
	per, err := RecallPerQuery(tr, [][]int32{{10, 11, 14, 12}, {20, 21, 22, 99}}, 4)
	require.NoError(t, err)
	assert.Equal(t, []float64{1, 0.75}, per)

	// recall@3: rank 3 ties rank 2, so id 13 (and 14) count as hits.
	per, err = RecallPerQuery(tr, [][]uint64{{10, 11, 13}, {20, 21, 23}}, 3)
	require.NoError(t, err)
	assert.Equal(t, []float64{1, 2.0 / 3}, per)

	// Duplicates count once; short lists score lower; extra results beyond
	// k are ignored.
	per, err = RecallPerQuery(tr, [][]int{{10, 10, 10, 10}, {20, 21, 22, 23, 99, 98}}, 4)
	require.NoError(t, err)
	assert.Equal(t, []float64{0.25, 1}, per)
	per, err = RecallPerQuery(tr, [][]int{{}, {20}}, 4)
	require.NoError(t, err)
	assert.Equal(t, []float64{0, 0.25}, per)

	// Without distances only ids count.
	idsOnly := &Truth{K: 4, IDs: tr.IDs}
	per, err = RecallPerQuery(idsOnly, [][]int{{10, 11, 14, 12}, {20, 21, 22, 23}}, 4)
	require.NoError(t, err)
	assert.Equal(t, []float64{0.75, 1}, per)

	// Misuse.
	_, err = Recall(tr, [][]int{{1}}, 4)
	assert.Error(t, err, "wrong number of result lists")
	_, err = Recall(tr, [][]int{{1}, {2}}, 5)
	assert.Error(t, err, "k beyond the truth")
	_, err = Recall(tr, [][]int{{1}, {2}}, 0)
	assert.Error(t, err)
	_, err = Recall[int](nil, nil, 1)
	assert.Error(t, err)
}

func TestRecallAgainstSIFTSmall(t *testing.T) {
	tr, err := SIFTSmallTruth()
	require.NoError(t, err)
	r, err := Recall(tr, tr.IDs, 100)
	require.NoError(t, err)
	assert.Equal(t, 1.0, r)
	half := make([][]int32, len(tr.IDs))
	for i, ids := range tr.IDs {
		half[i] = ids[:5]
	}
	r, err = Recall(tr, half, 10)
	require.NoError(t, err)
	assert.Equal(t, 0.5, r)
}

func TestLatencyStats(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	d[0], d[99] = d[99], d[0] // order does not matter
	s := NewLatencyStats(d)
	assert.Equal(t, 100, s.N)
	assert.Equal(t, 50*time.Millisecond, s.P50)
	assert.Equal(t, 95*time.Millisecond, s.P95)
	assert.Equal(t, 99*time.Millisecond, s.P99)
	assert.Equal(t, 50500*time.Microsecond, s.Mean)
	assert.Equal(t, time.Millisecond, s.Min)
	assert.Equal(t, 100*time.Millisecond, s.Max)
	assert.InDelta(t, 100/5.05, s.QPS, 1e-9)
	assert.Equal(t, 100*time.Millisecond, d[0], "input not modified")
	assert.Contains(t, s.String(), "p99=99ms")

	one := NewLatencyStats([]time.Duration{time.Second})
	assert.Equal(t, time.Second, one.P99)
	assert.Equal(t, LatencyStats{}, NewLatencyStats(nil))
}

func TestEvalStatsAndBytes(t *testing.T) {
	e := NewEvalStats([]int64{10, 30, 20, 40})
	assert.Equal(t, 25.0, e.Mean)
	assert.Equal(t, int64(20), e.P50)
	assert.Equal(t, int64(40), e.P99)
	assert.Equal(t, int64(40), e.Max)
	assert.Equal(t, int64(100), e.Total)
	assert.Equal(t, EvalStats{}, NewEvalStats(nil))
	assert.Equal(t, 660.5, BytesPerVector(6605, 10))
	assert.Equal(t, 0.0, BytesPerVector(100, 0))
}
