package hnsw

import "testing"

// prefetchRows only hints: ids past the arena, no ids and no lines must all
// be harmless.
func TestPrefetchRowsIsOnlyAHint(t *testing.T) {
	arena := make([]uint32, 33*4)
	prefetchRows(&arena[0], nil, 132, 3)
	prefetchRows(&arena[0], []uint32{0, 1, 2, 3}, 132, 0)
	prefetchRows(&arena[0], []uint32{0, 3, 1 << 20, 1<<32 - 1}, 132, 3)
	for i, v := range arena {
		if v != 0 {
			t.Fatalf("arena[%d] = %d after a prefetch", i, v)
		}
	}
}
