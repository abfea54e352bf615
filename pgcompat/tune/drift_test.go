package tune

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smallworld-go/smallworld/bench"
)

// rotateBy returns each row of m turned by the angle θ towards a random
// direction orthogonal to it, so that every pair's cosine is exactly cos θ.
func rotateBy(m *bench.Matrix, theta float64, seed uint64) *bench.Matrix {
	rng := rand.New(rand.NewPCG(seed, 1))
	out := bench.NewMatrix(m.Dim, m.Len())
	for i := range m.Len() {
		v := m.Row(i)
		var nv float64
		for _, x := range v {
			nv += float64(x) * float64(x)
		}
		nv = math.Sqrt(nv)
		u := make([]float64, m.Dim)
		var dot, nu float64
		for j := range u {
			u[j] = rng.NormFloat64()
			dot += u[j] * float64(v[j]) / nv
		}
		for j := range u {
			u[j] -= dot * float64(v[j]) / nv
			nu += u[j] * u[j]
		}
		nu = math.Sqrt(nu)
		w := make([]float32, m.Dim)
		for j := range w {
			w[j] = float32(math.Cos(theta)*float64(v[j])/nv + math.Sin(theta)*u[j]/nu)
		}
		_ = out.Append(w)
	}
	return out
}

func TestDrift(t *testing.T) {
	ctx := context.Background()
	old := clustered(1, 2000, 32, 8)

	same, err := Drift(ctx, old, old.Clone(), DriftOptions{})
	require.NoError(t, err)
	assert.InDelta(t, 1, same.Similarity.Mean, 1e-12)
	assert.InDelta(t, 1, same.NeighborOverlap, 1e-12)
	assert.False(t, same.Rebuild)
	assert.Equal(t, 2000, same.Pairs)
	assert.Equal(t, 0.92, same.Threshold)

	// Every pair at cosine 0.95: no rebuild; at 0.85: rebuild.
	for _, c := range []struct {
		cos     float64
		rebuild bool
	}{{0.95, false}, {0.85, true}} {
		rep, err := Drift(ctx, old, rotateBy(old, math.Acos(c.cos), 2), DriftOptions{Sample: 100})
		require.NoError(t, err)
		s := rep.Similarity
		assert.InDelta(t, c.cos, s.Mean, 1e-5)
		assert.InDelta(t, c.cos, s.P1, 1e-5)
		assert.InDelta(t, c.cos, s.P99, 1e-5)
		assert.InDelta(t, 0, s.StdDev, 1e-5)
		assert.Equal(t, c.rebuild, rep.Rebuild, rep.Advice)
		total := 0
		for _, b := range s.Histogram {
			total += b.Count
		}
		assert.Equal(t, 2000, total)
		assert.Less(t, rep.NeighborOverlap, 1.0)
		assert.Equal(t, 100, rep.NeighborSample)
	}

	// Half the rows moved far: the mean falls, the count below shows it.
	mixed := old.Clone()
	far := rotateBy(old, math.Acos(0.5), 3)
	for i := 0; i < 1000; i++ {
		copy(mixed.Row(i), far.Row(i))
	}
	rep, err := Drift(ctx, old, mixed, DriftOptions{Neighbors: -1})
	require.NoError(t, err)
	assert.InDelta(t, 0.75, rep.Similarity.Mean, 1e-5)
	assert.Equal(t, 1000, rep.Similarity.Below)
	assert.True(t, rep.Rebuild)
	assert.Zero(t, rep.NeighborK)

	// A new dimension: only neighbourhoods compare, and it is a rebuild.
	other := clustered(4, 2000, 48, 8)
	rep, err = Drift(ctx, old, other, DriftOptions{})
	require.NoError(t, err)
	assert.Nil(t, rep.Similarity)
	assert.True(t, rep.Rebuild)
	assert.Contains(t, rep.Advice, "32 → 48")

	// Zero vectors are left out and counted.
	z := old.Clone()
	clear(z.Row(5))
	rep, err = Drift(ctx, old, z, DriftOptions{Neighbors: -1})
	require.NoError(t, err)
	assert.Equal(t, 1, rep.ZeroPairs)

	_, err = Drift(ctx, old, old.Slice(0, 10), DriftOptions{})
	assert.ErrorIs(t, err, ErrDimension)
	_, err = Drift(ctx, old, &bench.Matrix{}, DriftOptions{})
	assert.ErrorIs(t, err, ErrEmpty)
	bad := old.Clone()
	bad.Data[3] = float32(math.NaN())
	_, err = Drift(ctx, old, bad, DriftOptions{})
	assert.ErrorIs(t, err, ErrNonFinite)
}
