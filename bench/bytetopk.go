package bench

import (
	"math"
	"slices"
	"sync/atomic"
)

// byteTopK is one worker's top k of one query for L2 and inner product, on
// the byte path. Keys are exact integers (see bytetruth.go), so unlike topK
// it needs no rounding margin and no near misses: what it selects is the
// answer, ties included.
//
// It is not a heap but a buffer that is cut back now and then: offered
// candidates are appended, and when the buffer is full a selection (an
// average linear-time quickselect) keeps the k smallest and the rows tied
// with the k-th, and lowers the threshold to the k-th key. A heap costs a
// sift of unpredictable branches per candidate; the buffer costs an
// append, and its threshold, though it lags behind a heap's, does not let
// through many more: on Fashion-MNIST (80,000 candidates offered to 100
// queries) the top-k work fell from 5.3 to 3.2 ms of CPU time.
//
// Each worker keeps its own, so offers take no lock and move no cache
// line between cores; only the threshold is shared (byteSharedThreshold): a
// worker's k-th key bounds the query's, since its rows are some of the
// base. The workers' buffers are merged at the end (byteMerge). A shared
// buffer behind a lock cost about 2 ms of CPU time per Fashion-MNIST run
// in lock and line transfers.
type byteTopK struct {
	thr   int32 // the largest key that may still be among this worker's k (ties included)
	limit int   // the length at which buf is cut back
	buf   []byteCand
}

// byteSharedThreshold is a query's threshold shared by the workers: the lowest
// k-th key any of them has, on a cache line of its own. Every worker reads
// it before each group of queries and it changes rarely, so it stays in
// every core's cache.
type byteSharedThreshold struct {
	v atomic.Int32
	_ [cacheLine - 4]byte
}

// lower sets the threshold to key if that is lower.
func (t *byteSharedThreshold) lower(key int32) {
	for {
		old := t.v.Load()
		if key >= old || t.v.CompareAndSwap(old, key) {
			return
		}
	}
}

// byteCand is a base row and its key packed into one integer, key in the
// high half and the (non-negative) id in the low half, so that comparing
// two is comparing (key, id) in that order.
type byteCand int64

func newByteCand(key, id int32) byteCand { return byteCand(int64(key)<<32 | int64(id)) }

func (c byteCand) key() int32 { return int32(c >> 32) }
func (c byteCand) id() int32  { return int32(uint32(c)) }

// byteBufferFactor sizes the buffer: it is cut back to k (plus ties) when
// it holds this many times k candidates.
const byteBufferFactor = 2

// byteBufferLimit is the size at which the buffer is cut back.
func byteBufferLimit(k int) int { return max(byteBufferFactor*k, k+64) }

// reset empties the buffer for k neighbours.
func (t *byteTopK) reset(k int) {
	if cap(t.buf) < byteBufferLimit(k) {
		t.buf = make([]byteCand, 0, byteBufferLimit(k))
	}
	t.buf = t.buf[:0]
	t.thr = math.MaxInt32
	t.limit = byteBufferLimit(k)
}

// push adds c, whose key the caller has checked against the threshold it
// returned last (or byteThreshold), and returns the threshold for the
// next: lowered, with the shared one, when the buffer is full and is cut
// back. maxTies < 0 keeps no ties.
func (t *byteTopK) push(k, maxTies int, c byteCand, shared *byteSharedThreshold) int32 {
	t.buf = append(t.buf, c)
	if len(t.buf) < t.limit {
		return t.thr
	}
	return t.full(k, maxTies, shared)
}

// full cuts the buffer back and publishes the new threshold.
func (t *byteTopK) full(k, maxTies int, shared *byteSharedThreshold) int32 {
	t.thr = t.cut(k, maxTies)
	shared.lower(t.thr)
	// Many ties can leave the buffer nearly full: make room.
	t.limit = max(byteBufferLimit(k), 2*len(t.buf))
	return min(t.thr, shared.v.Load())
}

// cut keeps the k smallest candidates and those tied with the k-th (the
// maxTies lowest ids among them, or all if maxTies is larger), and returns
// the k-th key.
func (t *byteTopK) cut(k, maxTies int) int32 {
	b := t.buf
	selectByteCand(b, k-1)
	kth := b[k-1]
	// b[:k] are the k smallest; ties with the k-th key may be anywhere
	// after them.
	n := k
	for i := k; i < len(b); i++ {
		if b[i].key() == kth.key() {
			b[n], b[i] = b[i], b[n]
			n++
		}
	}
	if ties := n - k; ties > max(maxTies, 0) {
		// Keep the lowest ids: any dropped one has maxTies lower ones
		// before it, whatever comes later.
		slices.Sort(b[k:n])
		n = k + max(maxTies, 0)
	}
	t.buf = b[:n]
	return kth.key()
}

// byteMerge returns the k nearest of the workers' buffers for one query,
// sorted nearest first, and the rows tied with the k-th, lowest ids first,
// at most maxTies. Each worker kept its k smallest (key, id) and the
// lowest ids tied with its k-th key, which is at least the query's: so
// every one of the query's k, and of its first maxTies ties, is in the
// buffer of the worker that scored it. Each buffer is cut to that first,
// and the rest appended to the first worker's, which has room for them
// unless there are ties: a merge allocates nothing new, as a fresh page
// costs a fault (several µs here) on its first touch. A selection finds
// the k-th, and only the k and their ties are sorted. The buffers are
// spent.
func byteMerge(tops []*byteTopK, k, maxTies int) ([]byteCand, []int32) {
	for _, t := range tops {
		if len(t.buf) > k {
			t.cut(k, maxTies)
		}
	}
	b := tops[0].buf
	for _, t := range tops[1:] {
		b = append(b, t.buf...)
	}
	selectByteCand(b, k-1)
	top := b[:k]
	kth := top[k-1].key()
	rest := b[k:]
	m := 0
	for _, c := range rest {
		if c.key() == kth {
			rest[m] = c
			m++
		}
	}
	slices.Sort(top)
	tied := rest[:m]
	slices.Sort(tied)
	var ties []int32 // nil when there are none, as the float path has it
	for _, c := range tied {
		if len(ties) >= maxTies {
			break
		}
		ties = append(ties, c.id())
	}
	return top, ties
}

// selectByteCand reorders b so that b[n] is the element a full sort would
// put there, with nothing larger before it and nothing smaller after it:
// a quickselect with median-of-three pivots and a Lomuto partition
// without branches (the keys of candidates come in no order, so a
// branch on each comparison is a coin toss the predictor loses half the
// time). Candidates are distinct (the id is part of the value), so the
// pivot is the one element equal to itself.
func selectByteCand(b []byteCand, n int) {
	for len(b) > 1 {
		if len(b) < 16 {
			// insertion sort of the short range
			for i := 1; i < len(b); i++ {
				for j := i; j > 0 && b[j] < b[j-1]; j-- {
					b[j], b[j-1] = b[j-1], b[j]
				}
			}
			return
		}
		last := len(b) - 1
		mid := last / 2
		if b[mid] < b[0] {
			b[mid], b[0] = b[0], b[mid]
		}
		if b[last] < b[0] {
			b[last], b[0] = b[0], b[last]
		}
		if b[mid] < b[last] {
			b[mid], b[last] = b[last], b[mid]
		}
		// Now b[last] is the median of the three: the pivot.
		pivot := b[last]
		i := 0
		for j, x := range b[:last] {
			b[j] = b[i]
			b[i] = x
			step := 0
			if x < pivot {
				step = 1 // a conditional move, not a branch
			}
			i += step
		}
		b[i], b[last] = pivot, b[i]
		// b[:i] < pivot = b[i] < b[i+1:]
		switch {
		case n == i:
			return
		case n < i:
			b = b[:i]
		default:
			b, n = b[i+1:], n-i-1
		}
	}
}
