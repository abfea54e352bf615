package bench

import "sync/atomic"

// blockRanges hands out blocks 0…n−1 to workers: each owns a contiguous
// share and takes its blocks in order from the front, and a worker whose
// share is done takes the others' from the back. In order, each worker
// reads the base as one stream, which the pack kernel's prefetches and the
// hardware's follow, and the stealing keeps the workers busy to the end
// when one of them is slowed down by other load.
type blockRanges struct {
	r []atomic.Uint64 // per worker: lo<<32 | hi, its blocks not yet taken
}

func newBlockRanges(n, workers int) *blockRanges {
	b := &blockRanges{r: make([]atomic.Uint64, workers)}
	for w := range workers {
		lo, hi := n*w/workers, n*(w+1)/workers
		b.r[w].Store(uint64(lo)<<32 | uint64(hi))
	}
	return b
}

// take returns the next block for worker w, or −1 when every block has
// been taken.
func (b *blockRanges) take(w int) int {
	own := &b.r[w]
	for {
		v := own.Load()
		lo, hi := v>>32, v&0xffffffff
		if lo >= hi {
			break
		}
		if own.CompareAndSwap(v, (lo+1)<<32|hi) {
			return int(lo)
		}
	}
	for i := 1; i < len(b.r); i++ {
		other := &b.r[(w+i)%len(b.r)]
		for {
			v := other.Load()
			lo, hi := v>>32, v&0xffffffff
			if lo >= hi {
				break
			}
			if other.CompareAndSwap(v, lo<<32|(hi-1)) {
				return int(hi - 1)
			}
		}
	}
	return -1
}
