package pgcompat

import "math"

// Platform is the kind of PostgreSQL build being modelled. It matters where
// sizes of C structures or of long enter a result: the memory an HNSW build
// uses per element, and the largest value of the kB memory settings.
type Platform int

const (
	// Linux64 is a 64-bit PostgreSQL build, the usual server (the default).
	Linux64 Platform = iota
	// PGlite is PGlite's 32-bit WebAssembly build of PostgreSQL 18, which the
	// conformance tests run against: 4-byte pointers and long, 8-byte MAXALIGN.
	PGlite
)

// String names the platform.
func (p Platform) String() string {
	if p == PGlite {
		return "pglite-wasm32"
	}
	return "linux-64"
}

// pointerSize is sizeof(void *).
func (p Platform) pointerSize() int {
	if p == PGlite {
		return 4
	}
	return 8
}

// maxAlign is MAXIMUM_ALIGNOF (8 on both).
func (p Platform) maxAlign() int { return 8 }

// MaxKilobytes is PostgreSQL's MAX_KILOBYTES, the upper bound of work_mem
// and maintenance_work_mem: INT_MAX kB where long is 64-bit, INT_MAX/1024
// where it is 32-bit.
func (p Platform) MaxKilobytes() int {
	if p == PGlite {
		return math.MaxInt32 / 1024
	}
	return math.MaxInt32
}

// maxAlignUp rounds n up to a multiple of MAXALIGN.
func (p Platform) maxAlignUp(n int) int {
	a := p.maxAlign()
	return (n + a - 1) / a * a
}
