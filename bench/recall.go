package bench

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// ID is any integer type an index may use for result ids. Ids are base row
// numbers, as in the truth.
type ID interface {
	~int | ~int32 | ~int64 | ~uint32 | ~uint64
}

// Recall returns the mean recall@k of results against truth: for each query,
// the fraction of the true k nearest neighbours found among the first k
// results, averaged over the queries.
//
// Ties count as hits. A result is a hit if its id is among the truth's first
// k ids, or if its distance equals the k-th true distance exactly: those are
// the ids in truth.IDs beyond position k whose distance equals Dists[k-1],
// and, when k equals truth.K, the ids in truth.Ties. So an index that
// returns a different member of a group of equally distant vectors is not
// penalised. Without distances (a truth read from an ids-only file) ties
// cannot be seen, and only ids count.
//
// Each id counts once, however often a result list repeats it; results
// shorter than k simply score lower. k must be between 1 and truth.K, and
// results must have one list per query.
func Recall[T ID](truth *Truth, results [][]T, k int) (float64, error) {
	per, err := RecallPerQuery(truth, results, k)
	if err != nil {
		return 0, err
	}
	if len(per) == 0 {
		return 0, errors.New("bench: recall: no queries")
	}
	var s float64
	for _, r := range per {
		s += r
	}
	return s / float64(len(per)), nil
}

// RecallPerQuery is [Recall] for each query separately.
func RecallPerQuery[T ID](truth *Truth, results [][]T, k int) ([]float64, error) {
	if truth == nil {
		return nil, errors.New("bench: recall: nil truth")
	}
	if k < 1 || k > truth.K {
		return nil, fmt.Errorf("bench: recall@%d: k must be between 1 and the truth's %d", k, truth.K)
	}
	if len(results) != len(truth.IDs) {
		return nil, fmt.Errorf("bench: recall: %d result lists for %d queries", len(results), len(truth.IDs))
	}
	out := make([]float64, len(results))
	hits := make(map[int64]bool, 2*k)
	for q, res := range results {
		clear(hits)
		want := truth.IDs[q]
		if len(want) < k {
			return nil, fmt.Errorf("bench: recall: truth for query %d has %d ids, want %d", q, len(want), k)
		}
		for _, id := range want[:k] {
			hits[int64(id)] = false
		}
		if truth.Dists != nil && len(truth.Dists[q]) >= k {
			d := truth.Dists[q]
			kth := d[k-1]
			for i := k; i < len(want) && i < len(d) && d[i] == kth; i++ {
				hits[int64(want[i])] = false
			}
			if q < len(truth.Ties) && len(d) >= len(want) && d[len(want)-1] == kth {
				for _, id := range truth.Ties[q] {
					hits[int64(id)] = false
				}
			}
		}
		found := 0
		for _, id := range res[:min(k, len(res))] {
			key := int64(id)
			if seen, ok := hits[key]; ok && !seen {
				hits[key] = true
				found++
			}
		}
		out[q] = float64(min(found, k)) / float64(k)
	}
	return out, nil
}

// LatencyStats summarises per-query latencies.
type LatencyStats struct {
	// N is the number of timings.
	N int
	// P50, P95 and P99 are percentiles (nearest rank), Mean the mean, Min
	// and Max the extremes.
	P50, P95, P99, Mean, Min, Max time.Duration
	// QPS is the number of queries per second of total query time, N over
	// the sum of the timings: the throughput of one thread issuing queries
	// back to back.
	QPS float64
}

// NewLatencyStats computes latency statistics from per-query durations.
// The slice is not modified. An empty slice gives the zero LatencyStats.
func NewLatencyStats(durations []time.Duration) LatencyStats {
	if len(durations) == 0 {
		return LatencyStats{}
	}
	s := slices.Clone(durations)
	slices.Sort(s)
	var total time.Duration
	for _, d := range s {
		total += d
	}
	st := LatencyStats{
		N:    len(s),
		P50:  percentile(s, 50),
		P95:  percentile(s, 95),
		P99:  percentile(s, 99),
		Mean: total / time.Duration(len(s)),
		Min:  s[0],
		Max:  s[len(s)-1],
	}
	if total > 0 {
		st.QPS = float64(len(s)) / total.Seconds()
	}
	return st
}

// percentile returns the nearest-rank p-th percentile of sorted values: the
// smallest value with at least p% of the values at or below it.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// String formats the statistics on one line.
func (s LatencyStats) String() string {
	return fmt.Sprintf("n=%d p50=%v p95=%v p99=%v mean=%v qps=%.0f", s.N, s.P50, s.P95, s.P99, s.Mean, s.QPS)
}

// EvalStats summarises distance evaluations per query, as counted by the
// index during each search.
type EvalStats struct {
	// Mean is the mean count per query; P50, P99 and Max are percentiles
	// (nearest rank) and the largest count.
	Mean          float64
	P50, P99, Max int64
	// Total is the sum over all queries.
	Total int64
}

// NewEvalStats summarises per-query distance-evaluation counts.
func NewEvalStats(counts []int64) EvalStats {
	if len(counts) == 0 {
		return EvalStats{}
	}
	s := slices.Clone(counts)
	slices.Sort(s)
	var total int64
	for _, c := range s {
		total += c
	}
	rank := func(p float64) int64 {
		r := int(math.Ceil(p / 100 * float64(len(s))))
		return s[min(max(r, 1), len(s))-1]
	}
	return EvalStats{
		Mean:  float64(total) / float64(len(s)),
		P50:   rank(50),
		P99:   rank(99),
		Max:   s[len(s)-1],
		Total: total,
	}
}

// BytesPerVector returns an index's memory or file size divided by the
// number of vectors it holds; 0 for an empty index.
func BytesPerVector(totalBytes int64, vectors int) float64 {
	if vectors <= 0 {
		return 0
	}
	return float64(totalBytes) / float64(vectors)
}
