package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/smallworld-go/smallworld/distance"
)

// GroundTruthHamming returns the exact k nearest neighbours in base of every
// query under Hamming distance, for bit vectors stored as uint64 words (all
// of the same length). Distances are whole numbers of differing bits, so
// ties are common: they are broken by the lower id, and Truth.Ties lists up
// to opts.MaxTies further ids at the k-th distance. opts.CacheDir is ignored.
func GroundTruthHamming(ctx context.Context, base, queries [][]uint64, k int, opts GroundTruthOptions) (*Truth, error) {
	switch {
	case k < 1:
		return nil, fmt.Errorf("bench: ground truth: k must be at least 1, got %d", k)
	case len(base) == 0:
		return nil, errors.New("bench: ground truth: empty base set")
	case len(base) > math.MaxInt32:
		return nil, fmt.Errorf("bench: ground truth: base of %d rows exceeds int32 ids", len(base))
	}
	words := len(base[0])
	for i, b := range base {
		if len(b) != words {
			return nil, fmt.Errorf("bench: ground truth: %w: base row %d has %d words, row 0 has %d", ErrDimension, i, len(b), words)
		}
	}
	for i, q := range queries {
		if len(q) != words {
			return nil, fmt.Errorf("bench: ground truth: %w: query %d has %d words, base has %d", ErrDimension, i, len(q), words)
		}
	}
	k = min(k, len(base))
	maxTies := opts.MaxTies
	if maxTies == 0 {
		maxTies = defaultMaxTies
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	nq := len(queries)
	t := &Truth{K: k, Metric: Hamming, IDs: make([][]int32, nq), Dists: make([][]float32, nq), Ties: make([][]int32, nq)}
	j := &truthJob{workers: workers, progress: opts.Progress}
	stop := j.startProgress(int64(nq) * int64(len(base)))
	defer stop()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, max(nq, 1)) {
		wg.Go(func() {
			hk := hammingTop{k: k, maxTies: maxTies}
			for ctx.Err() == nil {
				qi := int(next.Add(1)) - 1
				if qi >= nq {
					return
				}
				hk.reset()
				q := queries[qi]
				for id, b := range base {
					hk.offer(distance.Hamming(q, b), int32(id))
				}
				t.IDs[qi], t.Dists[qi], t.Ties[qi] = hk.result()
				j.done.Add(int64(len(base)))
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return t, nil
}

// hammingTop keeps the k smallest (distance, id) pairs and the ids tied
// with the largest of them. Ids arrive in increasing order, so a tie never
// displaces an entry: it can only join the tie list.
type hammingTop struct {
	k, maxTies int
	heap       []cand // max-heap by (distance, id)
	ties       []int32
	tieDist    int
}

func (h *hammingTop) reset() {
	h.heap = h.heap[:0]
	h.ties = h.ties[:0]
	h.tieDist = -1
}

func (h *hammingTop) offer(d int, id int32) {
	t := topK{k: h.k, heap: h.heap}
	c := cand{d: float32(d), id: id}
	switch {
	case len(h.heap) < h.k:
		t.heap = append(t.heap, c)
		t.up(len(t.heap) - 1)
	case d < int(h.heap[0].d):
		evicted := t.heap[0]
		t.heap[0] = c
		t.down(0)
		// The tie list holds ids at the old k-th distance; it survives only
		// if the new k-th distance is the same.
		if top := int(t.heap[0].d); top != h.tieDist {
			h.ties = h.ties[:0]
			h.tieDist = top
		}
		if int(evicted.d) == h.tieDist {
			h.ties = insertSorted(h.ties, evicted.id, h.maxTies)
		}
	case d == int(h.heap[0].d):
		if h.tieDist != d {
			h.ties = h.ties[:0]
			h.tieDist = d
		}
		h.ties = insertSorted(h.ties, id, h.maxTies)
	}
	h.heap = t.heap
}

// insertSorted inserts id into the sorted list, keeping at most max ids.
func insertSorted(list []int32, id int32, max int) []int32 {
	i, _ := slices.BinarySearch(list, id)
	if i >= max {
		return list
	}
	list = slices.Insert(list, i, id)
	if len(list) > max {
		list = list[:max]
	}
	return list
}

func (h *hammingTop) result() ([]int32, []float32, []int32) {
	s := slices.Clone(h.heap)
	slices.SortFunc(s, func(a, b cand) int {
		if a.less(b) {
			return -1
		}
		return 1
	})
	ids := make([]int32, len(s))
	dists := make([]float32, len(s))
	for i, c := range s {
		ids[i], dists[i] = c.id, c.d
	}
	var ties []int32
	if len(s) > 0 && h.tieDist == int(s[len(s)-1].d) && len(h.ties) > 0 && h.maxTies > 0 {
		ties = slices.Clone(h.ties)
	}
	return ids, dists, ties
}
