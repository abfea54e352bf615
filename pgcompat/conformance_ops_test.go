package pgcompat_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"
	"github.com/stretchr/testify/require"

	"github.com/smallworld-go/smallworld/pgcompat"
)

// randomFloats returns n float32 values from one of several distributions
// chosen to exercise rounding, overflow, underflow and zero handling.
func randomFloats(r *rand.Rand, n int, kind int) []float32 {
	x := make([]float32, n)
	scale := []float64{1, 1e-3, 100, 1e10, 1e19, 1e-20, 1e-30, 3e38}[kind%8]
	for i := range x {
		switch {
		case kind == 8:
			x[i] = 0
		case kind == 9:
			x[i] = float32(r.IntN(7) - 3)
		case kind == 10 && r.IntN(3) == 0:
			x[i] = 0
		default:
			x[i] = float32(r.NormFloat64() * scale)
		}
	}
	return x
}

// vectorPair draws two vectors, usually of the same dimensions, sometimes
// equal, parallel or zero.
func vectorPair(r *rand.Rand, maxDims int) ([]float32, []float32) {
	dims := []int{1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 100, 128, 300}
	d := dims[r.IntN(len(dims))]
	d = min(d, maxDims)
	kind := r.IntN(11)
	if r.IntN(2) == 0 {
		kind = 0
	}
	a := randomFloats(r, d, kind)
	var b []float32
	switch r.IntN(12) {
	case 0:
		b = append([]float32(nil), a...)
	case 1:
		b = make([]float32, d)
		for i := range a {
			b[i] = 2 * a[i]
		}
	case 2:
		b = randomFloats(r, 1+r.IntN(maxDims), r.IntN(11)) // usually a dimension mismatch
	default:
		k2 := kind
		if r.IntN(3) == 0 {
			k2 = r.IntN(11)
		}
		b = randomFloats(r, d, k2)
	}
	for _, v := range [][]float32{a, b} {
		for i := range v {
			if math.IsInf(float64(v[i]), 0) || v[i] != v[i] {
				v[i] = 1
			}
		}
	}
	return a, b
}

// opCase is one expression evaluated on both sides.
type opCase struct {
	sql  string // EXECUTEd with $1, $2 bound to the two values
	want func() (string, error)
	// float results are compared bit for bit after parsing.
	float bool
}

// evalCases runs the cases' SQL over the pairs in one query per batch and
// compares with pgcompat.
func evalCases[T any](t *testing.T, conn *pgx.Conn, arrType string, as, bs []T, cases []opCase, ty *tally) {
	t.Helper()
	const batch = 800
	for lo := 0; lo < len(cases); lo += batch {
		hi := min(lo+batch, len(cases))
		qs := make([]string, 0, hi-lo)
		for _, c := range cases[lo:hi] {
			qs = append(qs, c.sql)
		}
		rows, err := conn.Query(ctx(t), fmt.Sprintf(`SELECT pgc_eval(q, a, b) FROM unnest($1::text[], $2::%[1]s, $3::%[1]s) WITH ORDINALITY AS u(q, a, b, n) ORDER BY n`, arrType), qs, as[lo:hi], bs[lo:hi])
		require.NoError(t, err)
		i := lo
		for rows.Next() {
			var arr []*string
			require.NoError(t, rows.Scan(&arr))
			got := outcomeFromArray(arr)
			c := cases[i]
			v, werr := c.want()
			mine := outcomeOf(v, werr)
			equal := mine == got
			if c.float && got.OK && mine.OK {
				g, err1 := strconv.ParseFloat(got.Value, 64)
				m, err2 := strconv.ParseFloat(mine.Value, 64)
				equal = err1 == nil && err2 == nil && (math.Float64bits(g) == math.Float64bits(m) || g != g && m != m)
			}
			ty.check(equal, "%s: pgvector %v, pgcompat %v", c.sql, got, mine)
			i++
		}
		require.NoError(t, rows.Err())
		require.Equal(t, hi, i)
	}
}

func ftext(f float64, err error) (string, error) {
	return strconv.FormatFloat(f, 'g', -1, 64), err
}

func stext(v any, err error) (string, error) {
	if err != nil {
		return "", err
	}
	return v.(fmt.Stringer).String(), nil
}

func btext(b bool) (string, error) { return strconv.FormatBool(b), nil }

// denseCases lists the expressions compared for a pair of dense values.
func denseCases[T pgcompat.DenseVector](a, b T, r *rand.Rand, typ string) []opCase {
	cs := []opCase{
		{"SELECT ($1 <-> $2)::text", func() (string, error) { return ftext(pgcompat.L2Distance(a, b)) }, true},
		{"SELECT ($1 <#> $2)::text", func() (string, error) { return ftext(pgcompat.NegativeInnerProduct(a, b)) }, true},
		{"SELECT ($1 <=> $2)::text", func() (string, error) { return ftext(pgcompat.CosineDistance(a, b)) }, true},
		{"SELECT ($1 <+> $2)::text", func() (string, error) { return ftext(pgcompat.L1Distance(a, b)) }, true},
		{"SELECT inner_product($1, $2)::text", func() (string, error) { return ftext(pgcompat.InnerProduct(a, b)) }, true},
		{"SELECT " + typ + "_l2_squared_distance($1, $2)::text", func() (string, error) { return ftext(pgcompat.L2SquaredDistance(a, b)) }, true},
		{"SELECT ($1 + $2)::text", func() (string, error) { return stext(pgcompat.Add(a, b)) }, false},
		{"SELECT ($1 - $2)::text", func() (string, error) { return stext(pgcompat.Sub(a, b)) }, false},
		{"SELECT ($1 * $2)::text", func() (string, error) { return stext(pgcompat.Mul(a, b)) }, false},
		{"SELECT ($1 || $2)::text", func() (string, error) { return stext(pgcompat.Concat(a, b)) }, false},
		{"SELECT l2_normalize($1)::text", func() (string, error) { return stext(pgcompat.L2Normalize(a)) }, false},
		{"SELECT binary_quantize($1)::text", func() (string, error) { return pgcompat.BinaryQuantize(a).String(), nil }, false},
		{"SELECT vector_dims($1)::text", func() (string, error) { return strconv.Itoa(pgcompat.Dims(a)), nil }, false},
		{"SELECT ($1 < $2)::text", func() (string, error) { return btext(pgcompat.Compare(a, b) < 0) }, false},
		{"SELECT ($1 = $2)::text", func() (string, error) { return btext(pgcompat.Compare(a, b) == 0) }, false},
	}
	norm := "l2_norm"
	if typ == "vector" {
		norm = "vector_norm"
	}
	cs = append(cs, opCase{"SELECT " + norm + "($1)::text", func() (string, error) { return ftext(pgcompat.L2Norm(a), nil) }, true})
	start, count := int32(r.IntN(pgcompat.Dims(a)+4)-2), int32(r.IntN(pgcompat.Dims(a)+3)-1)
	cs = append(cs, opCase{fmt.Sprintf("SELECT subvector($1, %d, %d)::text", start, count), func() (string, error) { return stext(pgcompat.Subvector(a, start, count)) }, false})
	return cs
}

func TestConformanceVectorOperators(t *testing.T) {
	conn := oracleConn(t)
	r := rand.New(rand.NewPCG(5, 505))
	var as, bs []pgvector.Vector
	var cases []opCase
	for len(cases) < 3000 {
		x, y := vectorPair(r, 300)
		a, err := pgcompat.NewVector(x)
		require.NoError(t, err)
		b, err := pgcompat.NewVector(y)
		require.NoError(t, err)
		for _, c := range denseCases(a, b, r, "vector") {
			cases = append(cases, c)
			as = append(as, a.ToPgvector())
			bs = append(bs, b.ToPgvector())
		}
	}
	ty := &tally{name: "vector operators and functions"}
	evalCases(t, conn, "vector[]", as, bs, cases, ty)
	ty.report(t)
}

func TestConformanceHalfVecOperators(t *testing.T) {
	conn := oracleConn(t)
	r := rand.New(rand.NewPCG(6, 606))
	var as, bs []pgvector.HalfVector
	var cases []opCase
	for len(cases) < 2000 {
		x, y := vectorPair(r, 300)
		// Keep values within half range: scale down big ones.
		for _, v := range [][]float32{x, y} {
			for i := range v {
				if math.Abs(float64(v[i])) > 60000 {
					v[i] = float32(math.Mod(float64(v[i]), 60000))
				}
			}
		}
		a, err := pgcompat.NewHalfVec(x)
		require.NoError(t, err)
		b, err := pgcompat.NewHalfVec(y)
		require.NoError(t, err)
		for _, c := range denseCases(a, b, r, "halfvec") {
			cases = append(cases, c)
			as = append(as, a.ToPgvector())
			bs = append(bs, b.ToPgvector())
		}
	}
	ty := &tally{name: "halfvec operators and functions"}
	evalCases(t, conn, "halfvec[]", as, bs, cases, ty)
	ty.report(t)
}

func randomSparse(r *rand.Rand, dim int) pgcompat.SparseVec {
	nnz := r.IntN(min(dim, 40) + 1)
	kind := r.IntN(8)
	idx := r.Perm(dim)[:nnz]
	// Sorted, strictly ascending.
	for i := 1; i < len(idx); i++ {
		for j := i; j > 0 && idx[j] < idx[j-1]; j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
	ii := make([]int32, nnz)
	vv := make([]float32, nnz)
	vals := randomFloats(r, nnz, kind)
	for k := range idx {
		ii[k] = int32(idx[k])
		vv[k] = vals[k]
		if vv[k] == 0 || math.IsInf(float64(vv[k]), 0) {
			vv[k] = 1.5
		}
	}
	s, err := pgcompat.NewSparseVec(dim, ii, vv)
	if err != nil {
		panic(err)
	}
	return s
}

func TestConformanceSparseVecOperators(t *testing.T) {
	conn := oracleConn(t)
	r := rand.New(rand.NewPCG(7, 707))
	var as, bs []pgvector.SparseVector
	var cases []opCase
	for len(cases) < 1500 {
		dim := []int{1, 3, 10, 50, 1000, 100000}[r.IntN(6)]
		a := randomSparse(r, dim)
		b := randomSparse(r, dim)
		if r.IntN(15) == 0 {
			b = randomSparse(r, dim+1)
		}
		if r.IntN(10) == 0 {
			b = a
		}
		cs := []opCase{
			{"SELECT ($1 <-> $2)::text", func() (string, error) { return ftext(pgcompat.L2Distance(a, b)) }, true},
			{"SELECT ($1 <#> $2)::text", func() (string, error) { return ftext(pgcompat.NegativeInnerProduct(a, b)) }, true},
			{"SELECT ($1 <=> $2)::text", func() (string, error) { return ftext(pgcompat.CosineDistance(a, b)) }, true},
			{"SELECT ($1 <+> $2)::text", func() (string, error) { return ftext(pgcompat.L1Distance(a, b)) }, true},
			{"SELECT inner_product($1, $2)::text", func() (string, error) { return ftext(pgcompat.InnerProduct(a, b)) }, true},
			{"SELECT sparsevec_l2_squared_distance($1, $2)::text", func() (string, error) { return ftext(pgcompat.L2SquaredDistance(a, b)) }, true},
			{"SELECT l2_norm($1)::text", func() (string, error) { return ftext(pgcompat.L2Norm(a), nil) }, true},
			{"SELECT l2_normalize($1)::text", func() (string, error) { return stext(pgcompat.L2Normalize(a)) }, false},
			{"SELECT ($1 < $2)::text", func() (string, error) { return btext(pgcompat.Compare(a, b) < 0) }, false},
			{"SELECT ($1 = $2)::text", func() (string, error) { return btext(pgcompat.Compare(a, b) == 0) }, false},
			{"SELECT ($1 > $2)::text", func() (string, error) { return btext(pgcompat.Compare(a, b) > 0) }, false},
			{"SELECT $1::vector::text", func() (string, error) { return stext(a.ToVector()) }, false},
		}
		for _, c := range cs {
			cases = append(cases, c)
			as = append(as, a.ToPgvector())
			bs = append(bs, b.ToPgvector())
		}
	}
	ty := &tally{name: "sparsevec operators and functions"}
	evalCases(t, conn, "sparsevec[]", as, bs, cases, ty)
	ty.report(t)
}

func TestConformanceBitOperators(t *testing.T) {
	conn := oracleConn(t)
	r := rand.New(rand.NewPCG(8, 808))
	var as, bs []string
	var cases []opCase
	for len(cases) < 600 {
		n := []int{1, 7, 8, 9, 63, 64, 65, 200}[r.IntN(8)]
		mk := func(n int, density float64) pgcompat.Bit {
			bits := make([]bool, n)
			for i := range bits {
				bits[i] = r.Float64() < density
			}
			return pgcompat.NewBit(bits)
		}
		a := mk(n, r.Float64())
		b := mk(n, r.Float64())
		if r.IntN(12) == 0 {
			b = mk(n+1, 0.5)
		}
		if r.IntN(10) == 0 {
			a, b = mk(n, 0), mk(n, 0)
		}
		for _, c := range []opCase{
			{"SELECT ($1::varbit <~> $2::varbit)::text", func() (string, error) { return ftext(pgcompat.HammingDistance(a, b)) }, true},
			{"SELECT ($1::varbit <%> $2::varbit)::text", func() (string, error) { return ftext(pgcompat.JaccardDistance(a, b)) }, true},
		} {
			cases = append(cases, c)
			as = append(as, a.String())
			bs = append(bs, b.String())
		}
	}
	ty := &tally{name: "bit operators"}
	evalCases(t, conn, "text[]", as, bs, cases, ty)
	ty.report(t)
}

func TestConformanceAggregates(t *testing.T) {
	conn := oracleConn(t)
	r := rand.New(rand.NewPCG(9, 909))
	var as [][]pgcompat.Vector
	var has [][]pgcompat.HalfVec
	var cases, hcases []opCase
	for i := 0; i < 150; i++ {
		d := 1 + r.IntN(20)
		n := r.IntN(12)
		kind := []int{0, 2, 3, 4, 9, 11}[r.IntN(6)]
		var vs []pgcompat.Vector
		var hs []pgcompat.HalfVec
		for j := 0; j < n; j++ {
			dd := d
			if r.IntN(40) == 0 {
				dd = d + 1
			}
			x := randomFloats(r, dd, kind)
			if kind == 11 {
				// Near float32's limit, so that sum overflows.
				for k := range x {
					x[k] = float32(math.Copysign(2e38, float64(x[k])))
				}
			}
			v, err := pgcompat.NewVector(x)
			require.NoError(t, err)
			vs = append(vs, v)
			for k := range x {
				x[k] = float32(math.Mod(float64(x[k]), 70000))
			}
			h, err := pgcompat.NewHalfVec(clampHalf(x))
			require.NoError(t, err)
			hs = append(hs, h)
		}
		agg := func(f func() (pgcompat.Vector, bool, error)) func() (string, error) {
			return func() (string, error) {
				v, ok, err := f()
				if err != nil || !ok {
					return "", err
				}
				return v.String(), nil
			}
		}
		hagg := func(f func() (pgcompat.HalfVec, bool, error)) func() (string, error) {
			return func() (string, error) {
				v, ok, err := f()
				if err != nil || !ok {
					return "", err
				}
				return v.String(), nil
			}
		}
		for _, c := range []opCase{
			{"SELECT avg(x ORDER BY n)::text FROM unnest($1) WITH ORDINALITY u(x, n)", agg(func() (pgcompat.Vector, bool, error) { return pgcompat.Avg(vs) }), false},
			{"SELECT sum(x ORDER BY n)::text FROM unnest($1) WITH ORDINALITY u(x, n)", agg(func() (pgcompat.Vector, bool, error) { return pgcompat.Sum(vs) }), false},
		} {
			cases = append(cases, c)
			as = append(as, vs)
		}
		for _, c := range []opCase{
			{"SELECT avg(x ORDER BY n)::text FROM unnest($1) WITH ORDINALITY u(x, n)", hagg(func() (pgcompat.HalfVec, bool, error) { return pgcompat.Avg(hs) }), false},
			{"SELECT sum(x ORDER BY n)::text FROM unnest($1) WITH ORDINALITY u(x, n)", hagg(func() (pgcompat.HalfVec, bool, error) { return pgcompat.Sum(hs) }), false},
		} {
			hcases = append(hcases, c)
			has = append(has, hs)
		}
	}
	// The groups travel as array literals in text, cast on the server.
	ty := &tally{name: "aggregates"}
	var texts []string
	for _, g := range as {
		texts = append(texts, arrayLiteral(g))
	}
	for i := range cases {
		cases[i].sql = strings.Replace(cases[i].sql, "unnest($1)", "unnest($1::vector[])", 1)
	}
	evalCases(t, conn, "text[]", texts, texts, cases, ty)
	texts = texts[:0]
	for _, g := range has {
		texts = append(texts, arrayLiteral(g))
	}
	for i := range hcases {
		hcases[i].sql = strings.Replace(hcases[i].sql, "unnest($1)", "unnest($1::halfvec[])", 1)
	}
	evalCases(t, conn, "text[]", texts, texts, hcases, ty)
	ty.report(t)
}

// arrayLiteral writes values as a PostgreSQL array literal of quoted
// elements, e.g. {"[1,2]","[3,4]"}.
func arrayLiteral[S fmt.Stringer](vals []S) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, v := range vals {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + v.String() + `"`)
	}
	b.WriteByte('}')
	return b.String()
}

func clampHalf(x []float32) []float32 {
	for i := range x {
		if x[i] > 60000 {
			x[i] = 60000
		} else if x[i] < -60000 {
			x[i] = -60000
		}
	}
	return x
}
