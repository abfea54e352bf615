//go:build amd64 && !purego

package hnsw

// prefetchRows asks the CPU to start loading, for every id in ids, the
// cache lines at base + id·stride + 64·j for j < lines. It only hints the
// memory system: it never faults, so ids need not be checked against the
// arena's length (the caller still passes only ids of that arena).
//
//go:noescape
func prefetchRows(base *uint32, ids []uint32, stride, lines uintptr)
