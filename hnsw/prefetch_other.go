//go:build !amd64 || purego

package hnsw

// prefetchRows is a no-op where there is no prefetch instruction to hint
// with (or under purego); see the amd64 version.
func prefetchRows(base *uint32, ids []uint32, stride, lines uintptr) {}
