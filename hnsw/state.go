package hnsw

import "github.com/smallworld-go/smallworld/halfvec"

// searchState is the scratch memory of one search or insert. It comes from a
// sync.Pool so that a search allocates nothing once the pool is warm.
type searchState struct {
	// visited[id] == epoch marks id as seen by the current layer search.
	// Bumping epoch clears the set in O(1).
	visited []uint16
	epoch   uint16

	cand minHeap // C: candidates to expand, nearest first
	res  maxHeap // W: the ef best, furthest on top
	disc minHeap // discarded candidates (iterative scans)

	ep   []item    // entry points of the next layer search
	w    []item    // a layer's result, furthest first
	nbr  []uint32  // unvisited neighbours of the node being expanded
	pf   []uint32  // the new candidates of an expansion, to prefetch
	loc  []uint32  // segment-local ids for a kernel call
	dist []float32 // kernel output

	q   []float32         // the prepared query or vector to insert
	h16 []halfvec.Float16 // its float16 form
	tmp []float32         // custom-kernel decode buffer
	eq  []float32         // heuristic: a candidate's vector
	nq  []float32         // back-links: the neighbour's vector

	selR, selD []item // neighbour selection: kept and rejected
	back       []backCand
	back2      []backCand
	backR      []backCand
	backAdded  []backCand
	backD      []int32
	sortKeys   []uint64
	newID      uint32   // the newcomer of the back-link being applied
	cands      []item   // candidates without tombstones
	cands2     []item   // repair: candidates plus surviving links
	layers     [][]item // an insert's selected neighbours per layer
	ids        []uint32
	keys       []uint64
	results    []Result

	scan  scanner   // the scan of the current search
	qcopy []float32 // SearchIter: the query, kept across batches

	dists  uint64 // distance evaluations since the state was taken
	tuples int    // layer-0 nodes visited (iterative scan budget)
}

// getState takes a state from the pool, sized for the current capacity.
func (ix *Index) getState(l *layout) *searchState {
	st := ix.pool.Get().(*searchState)
	if len(st.visited) < int(l.capacity) {
		st.visited = make([]uint16, l.capacity)
		st.epoch = 0
	}
	st.dists = 0
	st.tuples = 0
	return st
}

// putState returns a state to the pool.
func (ix *Index) putState(st *searchState) {
	ix.distEvals.Add(st.dists)
	ix.pool.Put(st)
}

// newEpoch starts an empty visited set.
func (st *searchState) newEpoch() {
	st.epoch++
	if st.epoch == 0 {
		clear(st.visited)
		st.epoch = 1
	}
}

// visit marks id visited and reports whether it already was.
func (st *searchState) visit(id uint32) bool {
	if int(id) >= len(st.visited) {
		st.growVisited(id)
	}
	if st.visited[id] == st.epoch {
		return true
	}
	st.visited[id] = st.epoch
	return false
}

// growVisited makes room for id (the index grew during this search).
func (st *searchState) growVisited(id uint32) {
	n := max(int(id)+1, 2*len(st.visited))
	v := make([]uint16, n)
	copy(v, st.visited)
	st.visited = v
}
