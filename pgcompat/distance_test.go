package pgcompat_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smallworld-go/smallworld/pgcompat"
)

func vec(t testing.TB, s string) pgcompat.Vector {
	t.Helper()
	v, err := pgcompat.ParseVector(s)
	require.NoError(t, err)
	return v
}

func half(t testing.TB, s string) pgcompat.HalfVec {
	t.Helper()
	v, err := pgcompat.ParseHalfVec(s)
	require.NoError(t, err)
	return v
}

func sparse(t testing.TB, s string) pgcompat.SparseVec {
	t.Helper()
	v, err := pgcompat.ParseSparseVec(s)
	require.NoError(t, err)
	return v
}

// seqRef computes the pgvector formulas with an explicit sequential float32
// loop written independently of the package.
func seqRef(a, b []float32) (l2sq, dot, l1 float32, cos float64) {
	var na, nb float32
	for i := range a {
		d := a[i] - b[i]
		l2sq = l2sq + float32(d*d)
		dot = dot + float32(a[i]*b[i])
		if d < 0 {
			d = -d
		}
		l1 = l1 + d
		na = na + float32(a[i]*a[i])
		nb = nb + float32(b[i]*b[i])
	}
	cos = float64(dot) / math.Sqrt(float64(na)*float64(nb))
	return
}

func TestDistancesMatchSequentialFloat32(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for n := 0; n < 500; n++ {
		d := 1 + r.IntN(200)
		x := make([]float32, d)
		y := make([]float32, d)
		for i := range x {
			x[i] = float32(r.NormFloat64())
			y[i] = float32(r.NormFloat64())
		}
		a, _ := pgcompat.NewVector(x)
		b, _ := pgcompat.NewVector(y)
		l2sq, dot, l1, cos := seqRef(x, y)
		got, err := pgcompat.L2Distance(a, b)
		require.NoError(t, err)
		assert.Equal(t, math.Sqrt(float64(l2sq)), got)
		got, _ = pgcompat.L2SquaredDistance(a, b)
		assert.Equal(t, float64(l2sq), got)
		got, _ = pgcompat.InnerProduct(a, b)
		assert.Equal(t, float64(dot), got)
		got, _ = pgcompat.NegativeInnerProduct(a, b)
		assert.Equal(t, -float64(dot), got)
		got, _ = pgcompat.L1Distance(a, b)
		assert.Equal(t, float64(l1), got)
		got, _ = pgcompat.CosineDistance(a, b)
		assert.Equal(t, 1-math.Max(-1, math.Min(1, cos)), got)

		// And close to the exact float64 values.
		var e2, ed float64
		for i := range x {
			e2 += (float64(x[i]) - float64(y[i])) * (float64(x[i]) - float64(y[i]))
			ed += float64(x[i]) * float64(y[i])
		}
		l2, _ := pgcompat.L2Distance(a, b)
		assert.InDelta(t, math.Sqrt(e2), l2, 1e-4*math.Sqrt(e2)+1e-6)
		ip, _ := pgcompat.InnerProduct(a, b)
		assert.InDelta(t, ed, ip, 1e-3*(math.Abs(ed)+1))

		// The same values as halfvec and sparsevec agree with the vector
		// results computed on their exact values.
		ha, err := a.ToHalfVec()
		require.NoError(t, err)
		hb, _ := b.ToHalfVec()
		hl2, _ := pgcompat.L2Distance(ha, hb)
		vl2, _ := pgcompat.L2Distance(ha.ToVector(), hb.ToVector())
		assert.Equal(t, vl2, hl2)
		sa, _ := a.ToSparseVec()
		sb, _ := b.ToSparseVec()
		sip, _ := pgcompat.InnerProduct(sa, sb)
		assert.Equal(t, ip, sip, "dense vectors without zeros sum in the same order")
	}
}

func TestDistanceSpecialCases(t *testing.T) {
	// Spec §2: zero vectors give NaN under cosine, overflow gives ±Inf and
	// never an error, identical vectors give exactly 0.
	c, err := pgcompat.CosineDistance(vec(t, "[0,0]"), vec(t, "[1,2]"))
	require.NoError(t, err)
	assert.True(t, math.IsNaN(c))
	c, _ = pgcompat.CosineDistance(vec(t, "[1e20,1e20]"), vec(t, "[1e20,1e20]"))
	assert.True(t, math.IsNaN(c), "float32 overflow of the norms")
	c, _ = pgcompat.CosineDistance(vec(t, "[1e-30,1e-30]"), vec(t, "[1e-30,1e-30]"))
	assert.True(t, math.IsNaN(c), "float32 underflow of the norms")
	c, _ = pgcompat.CosineDistance(vec(t, "[1,2,3]"), vec(t, "[1,2,3]"))
	assert.Equal(t, 0.0, c)
	c, _ = pgcompat.CosineDistance(vec(t, "[1,2]"), vec(t, "[-1,-2]"))
	assert.Equal(t, 2.0, c)
	l2, _ := pgcompat.L2Distance(vec(t, "[1e20,1e20]"), vec(t, "[-1e20,-1e20]"))
	assert.True(t, math.IsInf(l2, 1))
	ip, _ := pgcompat.NegativeInnerProduct(vec(t, "[1e20,1e20]"), vec(t, "[1e20,1e20]"))
	assert.True(t, math.IsInf(ip, -1))

	_, err = pgcompat.L2Distance(vec(t, "[1,2]"), vec(t, "[1,2,3]"))
	requirePGError(t, err, wantErr{pgcompat.DataException, "different vector dimensions 2 and 3", ""})
	_, err = pgcompat.CosineDistance(half(t, "[1,2,3]"), half(t, "[1]"))
	requirePGError(t, err, wantErr{pgcompat.DataException, "different halfvec dimensions 3 and 1", ""})
	_, err = pgcompat.L1Distance(sparse(t, "{}/3"), sparse(t, "{}/4"))
	requirePGError(t, err, wantErr{pgcompat.DataException, "different sparsevec dimensions 3 and 4", ""})

	// Sparse distances cover indices present on one side only.
	a, b := sparse(t, "{1:3,3:1}/4"), sparse(t, "{2:4,3:1}/4")
	d, _ := pgcompat.L2Distance(a, b)
	assert.Equal(t, 5.0, d)
	d, _ = pgcompat.L1Distance(a, b)
	assert.Equal(t, 7.0, d)
	d, _ = pgcompat.InnerProduct(a, b)
	assert.Equal(t, 1.0, d)

	for _, op := range []pgcompat.Operator{pgcompat.OpL2, pgcompat.OpNegInner, pgcompat.OpCosine, pgcompat.OpL1} {
		x, err := op.Distance(vec(t, "[1,2]"), vec(t, "[3,4]"))
		require.NoError(t, err)
		assert.False(t, math.IsNaN(x))
	}
	_, err = pgcompat.OpL2.Distance(vec(t, "[1]"), half(t, "[1]"))
	requirePGError(t, err, wantErr{"42883", "operator does not exist: vector <-> halfvec", ""})
	_, err = pgcompat.OpHamming.Distance(vec(t, "[1]"), vec(t, "[1]"))
	require.Error(t, err)
}

func TestFunctions(t *testing.T) {
	v := vec(t, "[1,2,3,4,5]")
	for _, c := range []struct {
		start, count int32
		out          string
	}{
		{1, 3, "[1,2,3]"}, {-1, 3, "[1]"}, {4, 10, "[4,5]"}, {5, 1, "[5]"}, {2, 2147483647, "[2,3,4,5]"},
	} {
		s, err := pgcompat.Subvector(v, c.start, c.count)
		require.NoError(t, err)
		assert.Equal(t, c.out, s.String(), "%d %d", c.start, c.count)
	}
	for _, c := range [][2]int32{{1, 0}, {6, 1}, {-5, 3}} {
		_, err := pgcompat.Subvector(v, c[0], c[1])
		requirePGError(t, err, wantErr{pgcompat.DataException, "vector must have at least 1 dimension", ""})
	}
	_, err := pgcompat.Subvector(half(t, "[1]"), 2, 1)
	requirePGError(t, err, wantErr{pgcompat.DataException, "halfvec must have at least 1 dimension", ""})

	assert.Equal(t, "10110", pgcompat.BinaryQuantize(vec(t, "[1,-0,2,3,0]")).String())
	assert.Equal(t, "01", pgcompat.BinaryQuantize(half(t, "[-1,0.5]")).String())
	assert.Equal(t, 5, pgcompat.Dims(v))
	assert.Equal(t, 9, pgcompat.Dims(sparse(t, "{}/9")))
	assert.Equal(t, 5.0, pgcompat.VectorNorm(vec(t, "[3,4]")))
	assert.Equal(t, 5.0, pgcompat.L2Norm(half(t, "[3,4]")))
	assert.Equal(t, 5.0, pgcompat.L2Norm(sparse(t, "{1:3,5:4}/5")))

	n, err := pgcompat.L2Normalize(vec(t, "[3,4]"))
	require.NoError(t, err)
	assert.Equal(t, "[0.6,0.8]", n.String())
	n, _ = pgcompat.L2Normalize(vec(t, "[0,0]"))
	assert.Equal(t, "[0,0]", n.String(), "zero vector returned as is")
	n, _ = pgcompat.L2Normalize(vec(t, "[1e-30,0]"))
	assert.Equal(t, "[1,0]", n.String())
	hn, _ := pgcompat.L2Normalize(half(t, "[3,4]"))
	assert.Equal(t, "[0.60009766,0.7998047]", hn.String())
	sn, _ := pgcompat.L2Normalize(sparse(t, "{1:3,2:4}/2"))
	assert.Equal(t, "{1:0.6,2:0.8}/2", sn.String())
	sn, _ = pgcompat.L2Normalize(sparse(t, "{1:1e30,2:1e-30}/2"))
	assert.Equal(t, "{1:1}/2", sn.String(), "elements that underflow are dropped")

	sum, err := pgcompat.Add(vec(t, "[1,2]"), vec(t, "[3,4]"))
	require.NoError(t, err)
	assert.Equal(t, "[4,6]", sum.String())
	diff, _ := pgcompat.Sub(vec(t, "[1,2]"), vec(t, "[3,4]"))
	assert.Equal(t, "[-2,-2]", diff.String())
	prod, _ := pgcompat.Mul(vec(t, "[1,2]"), vec(t, "[3,4]"))
	assert.Equal(t, "[3,8]", prod.String())
	_, err = pgcompat.Add(vec(t, "[3e38]"), vec(t, "[3e38]"))
	requirePGError(t, err, wantErr{pgcompat.NumericValueOutOfRange, "value out of range: overflow", ""})
	_, err = pgcompat.Mul(vec(t, "[1e-30]"), vec(t, "[1e-30]"))
	requirePGError(t, err, wantErr{pgcompat.NumericValueOutOfRange, "value out of range: underflow", ""})
	_, err = pgcompat.Mul(half(t, "[0.0001]"), half(t, "[0.0001]"))
	requirePGError(t, err, wantErr{pgcompat.NumericValueOutOfRange, "value out of range: underflow", ""})
	_, err = pgcompat.Add(half(t, "[60000]"), half(t, "[60000]"))
	requirePGError(t, err, wantErr{pgcompat.NumericValueOutOfRange, "value out of range: overflow", ""})
	_, err = pgcompat.Sub(vec(t, "[1]"), vec(t, "[1,2]"))
	requirePGError(t, err, wantErr{pgcompat.DataException, "different vector dimensions 1 and 2", ""})
	cat, _ := pgcompat.Concat(vec(t, "[1]"), vec(t, "[2,3]"))
	assert.Equal(t, "[1,2,3]", cat.String())
	hcat, _ := pgcompat.Concat(half(t, "[1]"), half(t, "[2]"))
	assert.Equal(t, "[1,2]", hcat.String())

	assert.Equal(t, -1, pgcompat.Compare(vec(t, "[1]"), vec(t, "[1,2]")))
	assert.Equal(t, -1, pgcompat.Compare(vec(t, "[0,5]"), vec(t, "[1]")))
	assert.Equal(t, 0, pgcompat.Compare(vec(t, "[-0]"), vec(t, "[0]")))
	assert.Equal(t, 1, pgcompat.Compare(half(t, "[2]"), half(t, "[1,5]")))
	assert.Equal(t, 1, pgcompat.Compare(sparse(t, "{1:1}/3"), sparse(t, "{2:1}/3")))
	assert.Equal(t, -1, pgcompat.Compare(sparse(t, "{}/3"), sparse(t, "{}/4")))
	assert.True(t, sparse(t, "{1:1}/3").Equal(sparse(t, "{1:1}/3")))
}

func TestAggregates(t *testing.T) {
	vs := []pgcompat.Vector{vec(t, "[1,2]"), vec(t, "[3,4]"), vec(t, "[5,9]")}
	avg, ok, err := pgcompat.Avg(vs)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "[3,5]", avg.String())
	sum, ok, err := pgcompat.Sum(vs)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "[9,15]", sum.String())
	_, ok, err = pgcompat.Avg([]pgcompat.Vector{})
	require.NoError(t, err)
	assert.False(t, ok, "avg of no rows is NULL")
	_, ok, _ = pgcompat.Sum([]pgcompat.HalfVec{})
	assert.False(t, ok)
	_, _, err = pgcompat.Avg([]pgcompat.Vector{vec(t, "[1,2]"), vec(t, "[1]")})
	requirePGError(t, err, wantErr{pgcompat.DataException, "expected 2 dimensions, not 1", ""})
	_, _, err = pgcompat.Sum([]pgcompat.Vector{vec(t, "[1,2]"), vec(t, "[1]")})
	requirePGError(t, err, wantErr{pgcompat.DataException, "different vector dimensions 2 and 1", ""})
	_, _, err = pgcompat.Sum([]pgcompat.HalfVec{half(t, "[60000]"), half(t, "[60000]")})
	requirePGError(t, err, wantErr{pgcompat.NumericValueOutOfRange, "value out of range: overflow", ""})
	havg, ok, err := pgcompat.Avg([]pgcompat.HalfVec{half(t, "[60000]"), half(t, "[60000]")})
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "[60000]", havg.String(), "avg accumulates in float64")

	var acc pgcompat.AvgAccumulator[pgcompat.Vector]
	require.NoError(t, acc.Add(vec(t, "[1]")))
	require.NoError(t, acc.Add(vec(t, "[2]")))
	r, ok, err := acc.Result()
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "[1.5]", r.String())
}
