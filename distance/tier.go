package distance

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// ErrUnknownTier is returned (wrapped) by ParseISA for a name that is not a
// tier.
var ErrUnknownTier = errors.New("distance: unknown SIMD tier")

// ErrUnsupportedTier is returned (wrapped) by For for a tier this CPU or build
// cannot run.
var ErrUnsupportedTier = errors.New("distance: SIMD tier not supported")

// ISA names an implementation tier of the kernels.
type ISA uint8

// The implementation tiers, from slowest to fastest.
const (
	// Generic is portable Go.
	Generic ISA = iota
	// AVX2 is AVX2 + FMA assembly.
	AVX2
	// AVX512 is AVX-512F/VL/BW assembly.
	AVX512
)

// EnvSIMD is the environment variable that caps the tier chosen at start-up.
const EnvSIMD = "SMALLWORLD_SIMD"

// String returns the tier's lower-case name: "generic", "avx2" or "avx512".
func (i ISA) String() string {
	switch i {
	case Generic:
		return "generic"
	case AVX2:
		return "avx2"
	case AVX512:
		return "avx512"
	}
	return fmt.Sprintf("ISA(%d)", uint8(i))
}

// ParseISA parses a tier name as String writes it (case-insensitive).
func ParseISA(s string) (ISA, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "generic", "purego", "go":
		return Generic, nil
	case "avx2":
		return AVX2, nil
	case "avx512", "avx-512":
		return AVX512, nil
	}
	return Generic, fmt.Errorf("%w %q (want generic, avx2 or avx512)", ErrUnknownTier, s)
}

// Supported lists the tiers this CPU and build can run, slowest first. It
// ignores SMALLWORLD_SIMD, so tests can exercise every tier the machine has.
func Supported() []ISA {
	out := []ISA{Generic}
	for _, t := range []ISA{AVX2, AVX512} {
		if cpuHas(t) {
			out = append(out, t)
		}
	}
	return out
}

// Tier reports the tier the package-level functions use.
func Tier() ISA { return active.ISA }

// For returns the kernels of tier isa, or an error wrapping ErrUnsupportedTier
// if this CPU or build cannot run it. Each call returns a fresh copy, so a
// caller may modify it without affecting the package-level functions.
func For(isa ISA) (*Kernels, error) {
	if isa != Generic && !cpuHas(isa) {
		return nil, fmt.Errorf("%w: %s on this CPU or build", ErrUnsupportedTier, isa)
	}
	k := *kernelsFor(isa)
	return &k, nil
}

// chooseTier picks the best supported tier, capped by the value of
// SMALLWORLD_SIMD when it names a valid tier.
func chooseTier(env string) ISA {
	best := Generic
	for _, t := range Supported() {
		best = t
	}
	if env == "" {
		return best
	}
	limit, err := ParseISA(env)
	if err != nil {
		return best
	}
	if limit < best {
		return limit
	}
	return best
}

// active is the dispatch table chosen once at start-up: the only package
// state. It is a private copy, so nothing handed out by For can change it.
var active = func() *Kernels {
	k := *kernelsFor(chooseTier(os.Getenv(EnvSIMD)))
	return &k
}()
