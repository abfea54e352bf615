package distance

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseISA(t *testing.T) {
	for in, want := range map[string]ISA{
		"generic": Generic, "GENERIC": Generic, " purego ": Generic, "go": Generic,
		"avx2": AVX2, "AVX2": AVX2,
		"avx512": AVX512, "AVX-512": AVX512, "Avx512\n": AVX512,
	} {
		got, err := ParseISA(in)
		require.NoError(t, err, "%q", in)
		assert.Equal(t, want, got, "%q", in)
	}
	for _, in := range []string{"", "sse", "avx", "avx1024", "avx2 avx512", "neon"} {
		_, err := ParseISA(in)
		require.Error(t, err, "%q", in)
		assert.True(t, errors.Is(err, ErrUnknownTier), "%q: %v", in, err)
	}
}

func TestISAStringRoundTrips(t *testing.T) {
	for _, isa := range []ISA{Generic, AVX2, AVX512} {
		got, err := ParseISA(isa.String())
		require.NoError(t, err)
		assert.Equal(t, isa, got)
	}
	assert.Equal(t, "ISA(9)", ISA(9).String())
}

func TestSupported(t *testing.T) {
	s := Supported()
	require.NotEmpty(t, s)
	assert.Equal(t, Generic, s[0], "generic is always supported and listed first")
	for i := 1; i < len(s); i++ {
		assert.Less(t, s[i-1], s[i], "tiers are listed slowest first")
	}
	assert.Contains(t, s, Tier(), "the active tier is a supported one")
	t.Logf("supported tiers: %v; active: %v", s, Tier())
}

// TestChooseTier checks the SMALLWORLD_SIMD rules: empty or unknown values
// select the best tier; a valid value caps it but never raises it above what
// the CPU supports.
func TestChooseTier(t *testing.T) {
	s := Supported()
	best := s[len(s)-1]
	assert.Equal(t, best, chooseTier(""))
	assert.Equal(t, best, chooseTier("bogus"), "an unknown value is ignored")
	assert.Equal(t, best, chooseTier("avx1024"))
	assert.Equal(t, Generic, chooseTier("generic"))
	assert.Equal(t, Generic, chooseTier(" Generic "))
	assert.Equal(t, Generic, chooseTier("purego"))
	assert.Equal(t, min(AVX2, best), chooseTier("avx2"))
	assert.Equal(t, min(AVX512, best), chooseTier("avx512"))
	assert.Equal(t, min(AVX512, best), chooseTier("AVX-512"))
}

func TestForUnsupported(t *testing.T) {
	_, err := For(ISA(200))
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrUnsupportedTier), "%v", err)
	for _, isa := range []ISA{AVX2, AVX512} {
		k, err := For(isa)
		if cpuHas(isa) {
			require.NoError(t, err)
			assert.Equal(t, isa, k.ISA)
		} else {
			assert.True(t, errors.Is(err, ErrUnsupportedTier), "%v", err)
			assert.Nil(t, k)
		}
	}
}

// TestForReturnsCopies: modifying what For returns must not change the
// package's dispatch or later results of For.
func TestForReturnsCopies(t *testing.T) {
	k, err := For(Tier())
	require.NoError(t, err)
	k.Dot = nil
	k.ISA = 99
	assert.Equal(t, float32(11), Dot([]float32{1, 2}, []float32{3, 4}))
	k2, err := For(Tier())
	require.NoError(t, err)
	assert.NotNil(t, k2.Dot)
	assert.Equal(t, Tier(), k2.ISA)
}

// TestKernelsComplete: no tier leaves a kernel unset.
func TestKernelsComplete(t *testing.T) {
	for _, k := range allTiers(t) {
		assert.NotNil(t, k.Dot, "%s", k.ISA)
		assert.NotNil(t, k.L2Squared, "%s", k.ISA)
		assert.NotNil(t, k.L1, "%s", k.ISA)
		assert.NotNil(t, k.Cosine, "%s", k.ISA)
		assert.NotNil(t, k.Hamming, "%s", k.ISA)
		assert.NotNil(t, k.Jaccard, "%s", k.ISA)
		assert.NotNil(t, k.DotBatch, "%s", k.ISA)
		assert.NotNil(t, k.L2SquaredBatch, "%s", k.ISA)
		assert.NotNil(t, k.L1Batch, "%s", k.ISA)
	}
}

// TestEnvCapsTier runs this test binary again with SMALLWORLD_SIMD set and
// checks the tier it selects at start-up.
func TestEnvCapsTier(t *testing.T) {
	if os.Getenv("SMALLWORLD_TEST_PRINT_TIER") != "" {
		fmt.Printf("tier=%s\n", Tier())
		return
	}
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	best := Supported()[len(Supported())-1]
	for env, want := range map[string]ISA{
		"generic":  Generic,
		"avx2":     min(AVX2, best),
		"avx512":   min(AVX512, best),
		"nonsense": best,
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestEnvCapsTier$", "-test.count=1")
		cmd.Env = append(os.Environ(), EnvSIMD+"="+env, "SMALLWORLD_TEST_PRINT_TIER=1")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		assert.Contains(t, string(out), "tier="+want.String()+"\n", "%s=%s", EnvSIMD, env)
	}
}
