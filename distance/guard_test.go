//go:build linux || darwin || freebsd || netbsd || openbsd

package distance

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime/debug"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// guarded is a read-write region with an inaccessible (PROT_NONE) page
// directly before and after it. Any load outside the region faults, so a
// kernel that reads even one byte past (or before) a slice placed at the
// region's edge crashes the test.
type guarded struct {
	mapping []byte
	data    []byte
}

func newGuarded(t *testing.T, size int) *guarded {
	t.Helper()
	page := os.Getpagesize()
	dataPages := (size + page - 1) / page
	m, err := unix.Mmap(-1, 0, (dataPages+2)*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	require.NoError(t, err)
	t.Cleanup(func() { _ = unix.Munmap(m) })
	require.NoError(t, unix.Mprotect(m[:page], unix.PROT_NONE))
	require.NoError(t, unix.Mprotect(m[(dataPages+1)*page:], unix.PROT_NONE))
	return &guarded{mapping: m, data: m[page : (dataPages+1)*page]}
}

// floatsAtEnd returns n float32s ending exactly at the trailing guard page,
// filled from src.
func (g *guarded) floatsAtEnd(src []float32) []float32 {
	n := len(src)
	if n == 0 {
		return unsafe.Slice((*float32)(unsafe.Pointer(&g.data[len(g.data)-4])), 1)[:0]
	}
	p := unsafe.Pointer(&g.data[len(g.data)-4*n])
	s := unsafe.Slice((*float32)(p), n)
	copy(s, src)
	return s
}

// floatsAtStart returns n float32s starting exactly after the leading guard
// page.
func (g *guarded) floatsAtStart(src []float32) []float32 {
	s := unsafe.Slice((*float32)(unsafe.Pointer(&g.data[0])), max(len(src), 1))[:len(src)]
	copy(s, src)
	return s
}

func (g *guarded) wordsAtEnd(src []uint64) []uint64 {
	n := len(src)
	if n == 0 {
		return unsafe.Slice((*uint64)(unsafe.Pointer(&g.data[len(g.data)-8])), 1)[:0]
	}
	s := unsafe.Slice((*uint64)(unsafe.Pointer(&g.data[len(g.data)-8*n])), n)
	copy(s, src)
	return s
}

func (g *guarded) wordsAtStart(src []uint64) []uint64 {
	s := unsafe.Slice((*uint64)(unsafe.Pointer(&g.data[0])), max(len(src), 1))[:len(src)]
	copy(s, src)
	return s
}

// TestNoReadPastSlices places operands flush against PROT_NONE pages, after
// the end (the masked and scalar tails) and before the start, and runs every
// kernel of every tier at every test length. A read of a single byte outside
// a slice is a segmentation fault. The results are also checked, so the
// kernels cannot pass by reading nothing.
func TestNoReadPastSlices(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	const maxN = 2000
	ga, gb := newGuarded(t, 8*maxN), newGuarded(t, 8*maxN)
	for _, k := range allTiers(t) {
		for _, n := range testLengths() {
			src := randomFloats(rng, 2*n)
			wsrc := randomWords(rng, 2*n)
			// The layouts and element types share the mappings, so each
			// operand is copied in just before it is used.
			for _, atEnd := range []bool{true, false} {
				a, b := ga.floatsAtStart(src[:n]), gb.floatsAtStart(src[n:])
				if atEnd {
					a, b = ga.floatsAtEnd(src[:n]), gb.floatsAtEnd(src[n:])
				}
				for _, fk := range floatKernels {
					checkFloat(t, fk.get(k)(a, b), fk.ref(src[:n], src[n:]),
						fmt.Sprintf("%s %s n=%d at end=%v", k.ISA, fk.name, n, atEnd))
				}
				w, x := ga.wordsAtStart(wsrc[:n]), gb.wordsAtStart(wsrc[n:])
				if atEnd {
					w, x = ga.wordsAtEnd(wsrc[:n]), gb.wordsAtEnd(wsrc[n:])
				}
				require.Equal(t, refHamming(wsrc[:n], wsrc[n:]), k.Hamming(w, x), "%s Hamming n=%d at end=%v", k.ISA, n, atEnd)
				require.Equal(t, refJaccard(wsrc[:n], wsrc[n:]), k.Jaccard(w, x), "%s Jaccard n=%d at end=%v", k.ISA, n, atEnd)
			}
		}
	}
}

// TestBatchNoReadPastArena places the arena's last vector and the query flush
// against guard pages and asks for ids up to and past the last one.
func TestBatchNoReadPastArena(t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 34))
	ga, gq := newGuarded(t, 4*16*800), newGuarded(t, 4*800)
	for _, k := range allTiers(t) {
		for _, bk := range batchKernels {
			batch, pair := bk.batch(k), bk.pair(k)
			for _, dim := range []int{1, 5, 16, 17, 31, 100, 128, 130, 768} {
				stride := dim + 3
				nvec := 5
				src := randomFloats(rng, (nvec-1)*stride+dim)
				arena := ga.floatsAtEnd(src)
				q := gq.floatsAtEnd(randomFloats(rng, dim))
				ids := []uint32{4, 0, 5, 4, 3, 6, 4}
				out := make([]float32, len(ids))
				batch(q, arena, stride, ids, out)
				for i, id := range ids {
					want := float32(math.NaN())
					if int(id) < nvec {
						want = pair(q, arena[int(id)*stride:int(id)*stride+dim])
					}
					require.True(t, sameFloat(want, out[i]), "%s %s dim=%d id=%d: %v vs %v", k.ISA, bk.name, dim, id, out[i], want)
				}
			}
		}
	}
}

// TestGuardPagesFault proves the guard pages are real: a one-byte read just
// past the region, or just before it, faults.
func TestGuardPagesFault(t *testing.T) {
	g := newGuarded(t, 100)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	for _, p := range []unsafe.Pointer{
		unsafe.Add(unsafe.Pointer(&g.data[len(g.data)-1]), 1),
		unsafe.Add(unsafe.Pointer(&g.data[0]), -1),
	} {
		require.Panics(t, func() { _ = *(*byte)(p) })
	}
	require.NotPanics(t, func() { _ = g.data[0] + g.data[len(g.data)-1] })
}
