package bench

import (
	"math"
	"slices"
	"sync"
	"sync/atomic"
)

// byteTopK is the byte path's top k of one query for L2 and inner product,
// shared by the workers: the k smallest (key, id) pairs, and the rows tied
// with the largest of them. Keys are exact integers (see bytetruth.go), so
// unlike topK it needs no rounding margin and no near misses: the heap is
// the answer, and the ties are exactly the rows whose key equals the k-th.
type byteTopK struct {
	mu   sync.Mutex
	thr  atomic.Int32 // the largest key that may still enter: the heap's top once full
	heap []byteCand   // max-heap by (key, id)
	ties []int32      // rows outside the heap with key == heap[0].key
	_    [cacheLine]byte
}

// byteCand is a base row and its key packed into one integer, key in the
// high half and the (non-negative) id in the low half, so that comparing
// two is comparing (key, id) in that order: one compare in the heap's
// inner loop instead of two.
type byteCand int64

func newByteCand(key, id int32) byteCand { return byteCand(int64(key)<<32 | int64(id)) }

func (c byteCand) key() int32 { return int32(c >> 32) }
func (c byteCand) id() int32  { return int32(uint32(c)) }

// reset empties the heap for k neighbours.
func (t *byteTopK) reset(k int) {
	if cap(t.heap) < k {
		t.heap = make([]byteCand, 0, k)
	}
	t.heap, t.ties = t.heap[:0], t.ties[:0]
	t.thr.Store(math.MaxInt32)
}

// offer considers rows b0+ids[i] with keys keys[i], under the lock. A key
// above the published threshold is passed over before taking it. maxTies
// < 0 keeps no ties.
func (t *byteTopK) offer(k, maxTies, b0 int, ids []uint32, keys []int32) {
	thr := t.thr.Load()
	any := false
	for _, key := range keys {
		if key <= thr {
			any = true
			break
		}
	}
	if !any {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, r := range ids {
		c := newByteCand(keys[i], int32(b0)+int32(r))
		if len(t.heap) < k {
			t.heap = append(t.heap, c)
			t.up(len(t.heap) - 1)
			if len(t.heap) == k {
				t.thr.Store(t.heap[0].key())
			}
			continue
		}
		top := t.heap[0]
		switch {
		case c < top:
			t.heap[0] = c
			t.down(0)
			if t.heap[0].key() == top.key() {
				t.addTie(top.id(), maxTies)
			} else {
				t.ties = t.ties[:0] // every tie was with the old top
				t.thr.Store(t.heap[0].key())
			}
		case c.key() == top.key():
			t.addTie(c.id(), maxTies)
		}
	}
}

// addTie records a row tied with the top. The list only needs the
// maxTies lowest ids in the end: when it grows long, the rest are dropped
// (a dropped id has maxTies lower ones before it, whatever comes later).
func (t *byteTopK) addTie(id int32, maxTies int) {
	if maxTies < 0 {
		return
	}
	t.ties = append(t.ties, id)
	if len(t.ties) > 2*maxTies+64 {
		slices.Sort(t.ties)
		t.ties = t.ties[:maxTies]
	}
}

// result returns the heap sorted nearest first and the ties, lowest ids
// first, at most maxTies.
func (t *byteTopK) result(maxTies int) ([]byteCand, []int32) {
	h := slices.Clone(t.heap)
	slices.Sort(h)
	ties := slices.Clone(t.ties)
	slices.Sort(ties)
	if len(ties) > max(maxTies, 0) {
		ties = ties[:max(maxTies, 0)]
	}
	if len(ties) == 0 {
		ties = nil
	}
	return h, ties
}

func (t *byteTopK) up(i int) {
	h := t.heap
	for i > 0 {
		p := (i - 1) / 2
		if h[p] >= h[i] {
			return
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

func (t *byteTopK) down(i int) {
	h := t.heap
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		big := l
		if r := l + 1; r < len(h) && h[l] < h[r] {
			big = r
		}
		if h[i] >= h[big] {
			return
		}
		h[i], h[big] = h[big], h[i]
		i = big
	}
}
