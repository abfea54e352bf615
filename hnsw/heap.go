package hnsw

// item is one candidate of a search: a node and its distance to the query.
// Heaps of items are specialised by hand (no container/heap, no interfaces)
// because they sit in the innermost loop of every search. Indices are
// unsigned and bounded by len(a) so that the compiler drops the bounds checks.
type item struct {
	d  float32
	id uint32
}

// minHeap pops the nearest item first.
type minHeap struct{ a []item }

func (h *minHeap) len() int      { return len(h.a) }
func (h *minHeap) reset()        { h.a = h.a[:0] }
func (h *minHeap) top() item     { return h.a[0] }
func (h *minHeap) items() []item { return h.a }

func (h *minHeap) push(x item) {
	a := append(h.a, x)
	i := uint(len(a) - 1)
	for i > 0 && i < uint(len(a)) {
		p := (i - 1) / 2
		if !(x.d < a[p].d) {
			break
		}
		a[i] = a[p]
		i = p
	}
	a[i] = x
	h.a = a
}

func (h *minHeap) pop() item {
	a := h.a
	top := a[0]
	n := uint(len(a) - 1)
	x := a[n]
	a = a[:n]
	i := uint(0)
	for {
		c := 2*i + 1
		if c >= uint(len(a)) || c < i {
			break
		}
		if r := c + 1; r < uint(len(a)) && a[r].d < a[c].d {
			c = r
		}
		if !(a[c].d < x.d) {
			break
		}
		a[i] = a[c]
		i = c
	}
	if i < uint(len(a)) {
		a[i] = x
	}
	h.a = a
	return top
}

// maxHeap pops the furthest item first.
type maxHeap struct{ a []item }

func (h *maxHeap) len() int      { return len(h.a) }
func (h *maxHeap) reset()        { h.a = h.a[:0] }
func (h *maxHeap) top() item     { return h.a[0] }
func (h *maxHeap) items() []item { return h.a }

func (h *maxHeap) push(x item) {
	a := append(h.a, x)
	i := uint(len(a) - 1)
	for i > 0 && i < uint(len(a)) {
		p := (i - 1) / 2
		if !(x.d > a[p].d) {
			break
		}
		a[i] = a[p]
		i = p
	}
	a[i] = x
	h.a = a
}

func (h *maxHeap) pop() item {
	a := h.a
	top := a[0]
	n := uint(len(a) - 1)
	x := a[n]
	a = a[:n]
	i := uint(0)
	for {
		c := 2*i + 1
		if c >= uint(len(a)) || c < i {
			break
		}
		if r := c + 1; r < uint(len(a)) && a[r].d > a[c].d {
			c = r
		}
		if !(a[c].d > x.d) {
			break
		}
		a[i] = a[c]
		i = c
	}
	if i < uint(len(a)) {
		a[i] = x
	}
	h.a = a
	return top
}

// drainFurthestFirst empties h into dst, furthest first, as pgvector's
// SearchLayer returns W.
func (h *maxHeap) drainFurthestFirst(dst []item) []item {
	for h.len() > 0 {
		dst = append(dst, h.pop())
	}
	return dst
}
