package pgcompat

// pgvector keeps an HNSW graph in 8 kB pages, and where an element lands
// matters beyond the index's size: VACUUM visits elements in page order
// (which decides the order of repairs and the "highest point" that replaces
// a deleted entry point), and an insert after VACUUM reuses the first
// deleted slot with room for it. This file replays that placement exactly,
// tuple by tuple: CreateGraphPages for an in-memory build (elements written
// newest first), AddElementOnDisk for inserts (with HnswFreeOffset's slot
// reuse) and MarkDeleted for VACUUM.

// pageTuple is one line pointer of a page: an element tuple or a neighbour
// tuple, and the element it belongs to.
type pageTuple struct {
	size     int
	neighbor bool
	elem     *element
}

// graphPage is one page of the graph (block 1 onwards): its free-space
// pointers and its tuples in line-pointer order (offset i+1 is tuples[i]).
type graphPage struct {
	upper  int
	tuples []pageTuple
}

func newGraphPage() *graphPage { return &graphPage{upper: BlockSize - hnswSpecialSize} }

func (p *graphPage) lower() int { return pageHeaderSize + itemIDSize*len(p.tuples) }

// free is PageGetFreeSpace: room for one more tuple and its line pointer.
func (p *graphPage) free() int { return max(p.upper-p.lower()-itemIDSize, 0) }

// exactFree is PageGetExactFreeSpace.
func (p *graphPage) exactFree() int { return max(p.upper-p.lower(), 0) }

// add appends a tuple and returns its offset number.
func (p *graphPage) add(t pageTuple) uint16 {
	p.upper -= t.size
	p.tuples = append(p.tuples, t)
	return uint16(len(p.tuples))
}

// overwrite replaces the tuple at offset off (PageIndexTupleOverwrite).
func (p *graphPage) overwrite(off uint16, t pageTuple) {
	old := &p.tuples[off-1]
	p.upper += old.size - t.size
	*old = t
}

// pageModel is the sequence of graph pages, chained in block order.
type pageModel struct {
	m     int
	pages []*graphPage // pages[i] is block i+1
	// insertPage is the metapage's insertPage as an index into pages.
	insertPage int
}

// newPageModel returns the pages of an index built over an empty table:
// one empty graph page, which is also the insert page.
func newPageModel(m int) *pageModel {
	return &pageModel{m: m, pages: []*graphPage{newGraphPage()}}
}

// blocks returns the number of blocks, the metapage included.
func (pm *pageModel) blocks() int { return 1 + len(pm.pages) }

func (pm *pageModel) appendPage() int {
	pm.pages = append(pm.pages, newGraphPage())
	return len(pm.pages) - 1
}

// tupleSizes returns the sizes of an element's two tuples.
func (pm *pageModel) tupleSizes(e *element) (etup, ntup int) {
	return ElementTupleSize(e.valueSize), NeighborTupleSize(e.level, pm.m)
}

// writeBuild replaces the pages with those CreateGraphPages writes for
// the elements of an in-memory build, given in insertion order: newest
// first, each element tuple followed by its neighbour tuple on the same
// page when both fit.
func (pm *pageModel) writeBuild(elems []*element) {
	pm.pages = []*graphPage{newGraphPage()}
	cur := 0
	for i := len(elems) - 1; i >= 0; i-- {
		e := elems[i]
		etup, ntup := pm.tupleSizes(e)
		comb := etup + ntup + itemIDSize
		if p := pm.pages[cur]; p.free() < etup || comb <= hnswMaxSize && p.free() < comb {
			cur = pm.appendPage()
		}
		e.blk = uint32(cur + 1)
		e.off = pm.pages[cur].add(pageTuple{size: etup, elem: e})
		if pm.pages[cur].free() < ntup {
			cur = pm.appendPage()
		}
		e.nblk = uint32(cur + 1)
		e.noff = pm.pages[cur].add(pageTuple{size: ntup, neighbor: true, elem: e})
		e.placed = true
	}
	pm.insertPage = cur
}

// insert places a new element as AddElementOnDisk does, starting at the
// insert page, and updates the insert page.
func (pm *pageModel) insert(e *element) {
	etup, ntup := pm.tupleSizes(e)
	comb := etup + ntup + itemIDSize
	minComb := etup + NeighborTupleSize(0, pm.m) + itemIDSize
	newInsert := -1
	cur := pm.insertPage
	for {
		p := pm.pages[cur]
		if newInsert < 0 && p.free() >= minComb {
			newInsert = cur
		}
		if p.free() >= comb {
			e.blk, e.off = uint32(cur+1), p.add(pageTuple{size: etup, elem: e})
			e.nblk, e.noff = e.blk, p.add(pageTuple{size: ntup, neighbor: true, elem: e})
			break
		}
		if pm.reuseSlot(cur, e, etup, ntup, &newInsert) {
			break
		}
		last := cur == len(pm.pages)-1
		if comb > hnswMaxSize && p.free() >= etup && last {
			n := pm.appendPage()
			e.blk, e.off = uint32(cur+1), p.add(pageTuple{size: etup, elem: e})
			e.nblk, e.noff = uint32(n+1), pm.pages[n].add(pageTuple{size: ntup, neighbor: true, elem: e})
			break
		}
		if !last {
			cur++
			continue
		}
		cur = pm.appendPage()
		np := pm.pages[cur]
		nb := cur
		if np.free() < comb {
			nb = pm.appendPage()
		}
		e.blk, e.off = uint32(cur+1), np.add(pageTuple{size: etup, elem: e})
		e.nblk, e.noff = uint32(nb+1), pm.pages[nb].add(pageTuple{size: ntup, neighbor: true, elem: e})
		break
	}
	e.placed = true
	if newInsert < 0 {
		newInsert = int(e.nblk) - 1
	}
	pm.insertPage = newInsert
}

// reuseSlot is HnswFreeOffset: it looks on page cur for a deleted element
// whose tuples have room for e's, and puts e there. The first deleted
// element seen on the walk becomes the next insert page if none was found
// yet, whether or not it has room.
func (pm *pageModel) reuseSlot(cur int, e *element, etup, ntup int, newInsert *int) bool {
	p := pm.pages[cur]
	for i := range p.tuples {
		t := p.tuples[i]
		if t.neighbor || !t.elem.deleted {
			continue
		}
		old := t.elem
		if *newInsert < 0 {
			*newInsert = cur
		}
		np := pm.pages[old.nblk-1]
		nt := np.tuples[old.noff-1]
		pageFree := t.size + p.exactFree()
		npageFree := nt.size
		if np != p {
			npageFree += np.exactFree()
		} else if pageFree >= etup {
			npageFree += pageFree - etup
		}
		if pageFree < etup || npageFree < ntup {
			continue
		}
		e.blk, e.off, e.nblk, e.noff = old.blk, old.off, old.nblk, old.noff
		e.version = old.version
		p.overwrite(e.off, pageTuple{size: etup, elem: e})
		np.overwrite(e.noff, pageTuple{size: ntup, neighbor: true, elem: e})
		return true
	}
	return false
}

// markDeleted is VACUUM's last pass: the elements being deleted become
// deleted slots (their version goes up, wrapping from 15 to 1), and the
// insert page becomes the first page holding a deleted slot.
func (pm *pageModel) markDeleted(deleting map[*element]bool) {
	first := -1
	for i, p := range pm.pages {
		for _, t := range p.tuples {
			if t.neighbor {
				continue
			}
			if deleting[t.elem] {
				t.elem.deleted = true
				t.elem.version++
				if t.elem.version > 15 {
					t.elem.version = 1
				}
			}
			if t.elem.deleted && first < 0 {
				first = i
			}
		}
	}
	if first >= 0 {
		pm.insertPage = first
	}
}

// elementsInOrder returns every element tuple's element in page order,
// deleted slots included.
func (pm *pageModel) elementsInOrder() []*element {
	var out []*element
	for _, p := range pm.pages {
		for _, t := range p.tuples {
			if !t.neighbor {
				out = append(out, t.elem)
			}
		}
	}
	return out
}
