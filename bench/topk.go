package bench

import "math"

// cand is a candidate neighbour: a float32 distance from the fast kernels
// and a base row id.
type cand struct {
	d  float32
	id int32
}

// less orders candidates by distance, then id; NaN sorts after everything.
func (a cand) less(b cand) bool {
	an, bn := a.d != a.d, b.d != b.d
	switch {
	case an || bn:
		if an != bn {
			return bn
		}
	case a.d != b.d:
		return a.d < b.d
	}
	return a.id < b.id
}

// topK keeps the k smallest candidates by (distance, id) in a max-heap, and
// beside it the near misses: candidates that did not make the heap but lie
// within the rounding margin of its largest entry. The exact re-ranking at
// the end needs those, because a float32 distance may misorder two
// candidates whose exact distances are within a few ulps.
type topK struct {
	k     int
	heap  []cand
	near  []cand
	bound func(top float32) float64 // keep threshold for a given heap top
	keep  float64                   // bound(heap top) while full; see refresh

	// Padding: the heaps of a chunk's queries sit side by side and two
	// workers may update neighbours at the same time (see sharedQuery).
	_ [cacheLine]byte
}

// full reports whether the heap holds k candidates.
func (t *topK) full() bool { return len(t.heap) == t.k }

// keepBound returns the largest float32 distance that may still belong to
// the exact top k: +Inf until the heap is full.
func (t *topK) keepBound() float64 {
	if !t.full() {
		return math.Inf(1)
	}
	return t.keep
}

// refresh recomputes the cached keep bound after the top of a full heap
// changed. The bound only ever tightens, and it is asked for after every
// offer, so it is worth computing once per change rather than per question.
func (t *topK) refresh() {
	if top := t.heap[0].d; top == top {
		t.keep = t.bound(top)
	} else {
		t.keep = math.Inf(1) // a NaN at the top: any number beats it
	}
}

// offer considers a candidate whose distance is known to be within bound.
func (t *topK) offer(c cand) {
	if len(t.heap) < t.k {
		t.heap = append(t.heap, c)
		t.up(len(t.heap) - 1)
		if t.full() {
			t.refresh()
		}
		return
	}
	if c.less(t.heap[0]) {
		evicted := t.heap[0]
		t.heap[0] = c
		t.down(0)
		t.refresh()
		t.addNear(evicted)
		return
	}
	t.addNear(c)
}

// addNear keeps c as a near miss if it is within the current bound, and
// prunes the list when it grows, as the bound only ever tightens.
func (t *topK) addNear(c cand) {
	b := t.keepBound()
	if !(float64(c.d) <= b) {
		return
	}
	t.near = append(t.near, c)
	if len(t.near) > 2*t.k+64 {
		kept := t.near[:0]
		for _, n := range t.near {
			if float64(n.d) <= b {
				kept = append(kept, n)
			}
		}
		t.near = kept
	}
}

func (t *topK) up(i int) {
	h := t.heap
	for i > 0 {
		p := (i - 1) / 2
		if !h[p].less(h[i]) {
			return
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

func (t *topK) down(i int) {
	h := t.heap
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		big := l
		if r := l + 1; r < len(h) && h[l].less(h[r]) {
			big = r
		}
		if !h[i].less(h[big]) {
			return
		}
		h[i], h[big] = h[big], h[i]
		i = big
	}
}
