//go:build linux || darwin || freebsd || netbsd || openbsd

package halfvec

import (
	"runtime/debug"
	"syscall"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// guarded returns a page of read-write memory between two PROT_NONE pages.
// Any access outside it faults, and the test process dies with the faulting
// address rather than reading a neighbour's bytes unnoticed.
func guarded(t *testing.T) []byte {
	t.Helper()
	pg := syscall.Getpagesize()
	mem, err := syscall.Mmap(-1, 0, 3*pg, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	require.NoError(t, err)
	t.Cleanup(func() { _ = syscall.Munmap(mem) })
	require.NoError(t, syscall.Mprotect(mem[:pg], syscall.PROT_NONE))
	require.NoError(t, syscall.Mprotect(mem[2*pg:], syscall.PROT_NONE))
	return mem[pg : 2*pg : 2*pg]
}

// halvesAt returns n halves in page, at its start or ending at its end.
func halvesAt(page []byte, n int, atEnd bool) []Float16 {
	all := unsafe.Slice((*Float16)(unsafe.Pointer(&page[0])), len(page)/2)
	for i := range all {
		all[i] = Float16(0x3c00 + i%512) // finite, non-zero
	}
	if atEnd {
		return all[len(all)-n:]
	}
	return all[:n:n]
}

func floatsAt(page []byte, n int, atEnd bool) []float32 {
	all := unsafe.Slice((*float32)(unsafe.Pointer(&page[0])), len(page)/4)
	for i := range all {
		all[i] = float32(i%97) * 0.25
	}
	if atEnd {
		return all[len(all)-n:]
	}
	return all[:n:n]
}

// TestNoReadsPastSlices runs every kernel, batch kernel and conversion of
// every tier on slices that start or end exactly at a page bordered by
// PROT_NONE pages, for every length 0–130 and a few longer ones.
func TestNoReadsPastSlices(t *testing.T) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	pa, pb := guarded(t), guarded(t)
	lengths := testLengths()[:131]
	lengths = append(lengths, 255, 256, 257, 1000)
	for _, k := range tiers(t) {
		for _, n := range lengths {
			for _, atEnd := range []bool{true, false} {
				a, b := halvesAt(pa, n, atEnd), halvesAt(pb, n, !atEnd)
				k.Dot(a, b)
				k.L2Squared(a, b)
				k.L1(a, b)
				k.Cosine(a, b)
				q := floatsAt(pa, n, atEnd)
				k.DotF32(q, b)
				k.L2SquaredF32(q, b)
				k.L1F32(q, b)
				k.CosineF32(q, b)

				// Conversions: source in one guarded page, destination in the other.
				h := halvesAt(pb, n, !atEnd)
				_, err := k.Encode(h, floatsAt(pa, n, atEnd))
				require.NoError(t, err)
				k.Decode(floatsAt(pa, n, atEnd), halvesAt(pb, n, !atEnd))

				// Batch: the arena ends at the guard, the last id is its
				// last vector; the query sits against the other guard.
				if n > 0 {
					const count = 3
					if count*n*2 <= len(pb) {
						arena := halvesAt(pb, count*n, true)
						out := make([]float32, 4)
						ids := []uint32{count - 1, 0, count, count - 1}
						k.DotBatchF32(q, arena, n, ids, out)
						k.L2SquaredBatchF32(q, arena, n, ids, out)
						k.L1BatchF32(q, arena, n, ids, out)
					}
				}
			}
		}
	}
}
