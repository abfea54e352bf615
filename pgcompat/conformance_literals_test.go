package pgcompat_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/smallworld-go/smallworld/pgcompat"
)

// Hand-written literals covering the grammar's corners (spec §1.2, §1.6).
var vectorLiterals = []string{
	"[1,2,3]", "[1, 2, 3]", " [1,2,3] ", "\t[\n1\r,\v2\f,3]\t", "[+1,-2,.5]", "[1.,2.e1,1E3,1e-3]",
	"[0x10]", "[0x1p-2]", "[0X1.8P1]", "[-0x.8p1]", "[0x]", "[0x.p1]", "[0x1p]", "[0x1p+]", "[0xg]",
	"[inf]", "[-inf]", "[Infinity]", "[INFINITY]", "[infin]", "[in]", "[nan]", "[NaN]", "[-nan]", "[nan()]", "[nan(abc_1)]", "[nan(x]",
	"[1e39]", "[-1e39]", "[3.4028235e38]", "[3.4028236e38]", "[3.40282356e38]", "[1e-50]", "[-1e-46]", "[1e-45]", "[1e-40]", "[7e-46]", "[8e-46]",
	"[1e]", "[1e+]", "[1e-]", "[- 1]", "[1_0]", "[1,,2]", "[,1]", "[1,]", "[1 2]", "[1;2]", "[", "[1", "[1,", "1,2]", "", " ", "x",
	"[]", "[ ]", "[\t]", "[1]x", "[1] x", "[1]]", "[[1]]", "{1}", "(1)", "[1,2,3", "[1,2,3 ", "[one]", "[1.2.3]", "[1e5e5]",
	"[16777217]", "[0.1]", "[100000]", "[999999.9]", "[1000000]", "[1234567]", "[123456789]", "[0.0001]", "[0.000099999]", "[1e-05]",
	"[-0]", "[0]", "[-0.0]", "[00001]", "[1e0001]", "[1" + strings.Repeat("0", 60) + "]", "[0." + strings.Repeat("0", 60) + "1]",
	"[1" + strings.Repeat("0", 38) + "]", "[1" + strings.Repeat("0", 39) + "]", "[99999999999999999999999999999999999999999]",
	"[4.9406564584124654e-324]", "[1.17549435e-38]", "[1.1754942e-38]", "[2.5e-45]", "[2.8e-45]", "[0e-50]", "[0x1p-149]", "[0x1p-150]", "[0x1p-151]",
	"[0x1.fffffep127]", "[0x1.ffffffp127]", "[0x1p128]", "[1e-39, nan]", "[nan, 1e39]", "[1e39, nan]", "[0.5, inf]", "[é]", "[1,é]", "[1]é",
	"[" + strings.TrimSuffix(strings.Repeat("1,", 16000), ",") + "]",
	"[" + strings.TrimSuffix(strings.Repeat("1,", 16001), ",") + "]",
	"[" + strings.Repeat("1,", 16000) + "x]",
}

// randomFloatText writes a random float in one of the many spellings
// strtof accepts (or almost accepts).
func randomFloatText(r *rand.Rand, scale float64) string {
	sign := ""
	switch r.IntN(6) {
	case 0:
		sign = "-"
	case 1:
		sign = "+"
	}
	switch r.IntN(14) {
	case 0:
		return sign + strconv.Itoa(r.IntN(100000))
	case 1:
		return sign + strconv.FormatFloat(r.NormFloat64()*scale, 'f', r.IntN(12), 64)
	case 2:
		return sign + strconv.FormatFloat(r.Float64()*scale, 'e', r.IntN(10), 64)
	case 3:
		return sign + fmt.Sprintf("%de%d", r.IntN(10), r.IntN(100)-50)
	case 4:
		return sign + fmt.Sprintf("0x%xp%d", r.IntN(4096), r.IntN(300)-150)
	case 5:
		return sign + fmt.Sprintf("0x%x.%x", r.IntN(256), r.IntN(256))
	case 6:
		return sign + []string{"inf", "Infinity", "NAN", "nan(7)", "infinit", "na", "in"}[r.IntN(7)]
	case 7:
		return sign + "." + strconv.Itoa(r.IntN(1000))
	case 8:
		return sign + strconv.Itoa(r.IntN(1000)) + "."
	case 9:
		// Near the float32 range boundaries.
		return sign + []string{"3.4028235e38", "3.4028236e38", "3.402823567e38", "1e38", "1.4e-45", "7e-46", "1e-46", "1.17549435e-38"}[r.IntN(8)]
	case 10:
		return sign + strconv.FormatFloat(float64(math.Float32frombits(r.Uint32()&0x7f7fffff)), 'g', -1, 32)
	case 11:
		return sign + []string{"1e", "1e+", "--1", "1..2", "1_000", "0x", "e5", "."}[r.IntN(8)]
	case 12:
		return sign + strconv.FormatFloat(r.NormFloat64()*scale, 'g', 3+r.IntN(15), 64)
	}
	return sign + strconv.FormatFloat(float64(float32(r.NormFloat64()*scale)), 'g', -1, 32)
}

func randomSpace(r *rand.Rand) string {
	if r.IntN(3) != 0 {
		return ""
	}
	return []string{" ", "  ", "\t", "\n", "\r\n", "\v", "\f", " \t "}[r.IntN(8)]
}

// randomDenseLiteral builds a vector or halfvec literal, sometimes broken.
func randomDenseLiteral(r *rand.Rand, scale float64) string {
	var b strings.Builder
	b.WriteString(randomSpace(r))
	if r.IntN(40) != 0 {
		b.WriteByte('[')
	}
	n := 1 + r.IntN(12)
	if r.IntN(30) == 0 {
		n = 0
	}
	for i := 0; i < n; i++ {
		b.WriteString(randomSpace(r))
		b.WriteString(randomFloatText(r, scale))
		b.WriteString(randomSpace(r))
		if i < n-1 {
			switch r.IntN(60) {
			case 0:
				b.WriteString(" ")
			case 1:
				b.WriteString(",,")
			default:
				b.WriteByte(',')
			}
		}
	}
	if r.IntN(40) == 0 {
		b.WriteByte(',')
	}
	if r.IntN(40) != 0 {
		b.WriteByte(']')
	}
	b.WriteString(randomSpace(r))
	if r.IntN(40) == 0 {
		b.WriteString([]string{"x", "]", ",", "1"}[r.IntN(4)])
	}
	return b.String()
}

func TestConformanceVectorLiterals(t *testing.T) {
	conn := oracleConn(t)
	r := rand.New(rand.NewPCG(1, 101))
	lits := append([]string(nil), vectorLiterals...)
	for len(lits) < 400 {
		lits = append(lits, randomDenseLiteral(r, 1000))
	}
	got := litOutcomes(t, conn, "vector", lits)
	ty := &tally{name: "vector literals"}
	for i, lit := range lits {
		v, err := pgcompat.ParseVector(lit)
		mine := outcomeOf(v.String(), err)
		ty.check(mine == got[i], "%q: pgvector %v, pgcompat %v", clip(lit), got[i], mine)
	}
	ty.report(t)
}

func TestConformanceHalfVecLiterals(t *testing.T) {
	conn := oracleConn(t)
	r := rand.New(rand.NewPCG(2, 202))
	lits := append([]string(nil), vectorLiterals...)
	lits = append(lits, "[65504]", "[65519]", "[65520]", "[-65520]", "[1e5]", "[0.1]", "[1.00048828125]", "[1.00146484375]",
		"[2049]", "[2051]", "[3e-08]", "[2.98e-08]", "[1e-07]", "[6.1e-5]", "[-1e-40]", "[5.96e-8]", "[2.9802322e-08]", "[2.9802323e-08]",
		"[65519.99]", "[0x1.ffcp15]", "[0x1.ffep15]", "[0x1p-24]", "[0x1p-25]", "[0x1.8p-25]", "[1e39]", "[1e-50]")
	for len(lits) < 400 {
		scale := []float64{1, 100, 40000, 1e-5}[r.IntN(4)]
		lits = append(lits, randomDenseLiteral(r, scale))
	}
	got := litOutcomes(t, conn, "halfvec", lits)
	ty := &tally{name: "halfvec literals"}
	for i, lit := range lits {
		v, err := pgcompat.ParseHalfVec(lit)
		mine := outcomeOf(v.String(), err)
		ty.check(mine == got[i], "%q: pgvector %v, pgcompat %v", clip(lit), got[i], mine)
	}
	ty.report(t)
}

var sparseLiterals = []string{
	"{1:1,3:2}/5", "{}/5", "{ }/5", " { 1 : 1 , 2 : 2 } / 3 ", "{3:1,1:2}/3", "{1:0,2:1}/3", "{1:0}/1", "{0:0}/3", "{5:0}/3",
	"{1:1,1:2}/3", "{1:1,1:0}/3", "{0:1}/3", "{4:1}/3", "{-1:1}/3", "{+2:1}/3", "{1:1}/0", "{}/0", "{}/-1", "{1:1}/1000000000",
	"{1:1}/1000000001", "{1:1}/99999999999", "{99999999999:1}/3", "{-99999999999:1}/3", "{1:1}/3x", "{1:1}/3 x", "{1:1}", "{1:1}/",
	"{1:1} /", "{1:1}/ ", "{1:1}/x", "{1:1}/0x10", "{1:1}/1e3", "[1:1]/3", "1:1}/3", "{1:1/3", "{1:1,}/3", "{,1:1}/3", "{1}/3",
	"{1:}/3", "{:1}/3", "{a:1}/3", "{1:a}/3", "{1:1e-50}/3", "{1:-1e-50}/3", "{1:0e-50}/3", "{1:1e-40}/3", "{1:1e-46}/3", "{1:8e-46}/3",
	"{1:1e39}/3", "{1:inf}/3", "{1:-Infinity}/3", "{1:nan}/3", "{1:0x10}/3", "{1:0x1p-160}/3", "{1: 1}/3", "{1 :1}/3", "{ 1:1 }/3",
	"{2147483647:1}/3", "{2147483648:1}/3", "{-2147483648:1}/3", "{1:1}/2147483647", "{1:1}/2147483648", "{1:1}/-2147483649",
	"{1:1,2:1,3:1}/2", "{3:1,2:2,1:3}/3", "{2:1,2:1}/3", "{1:1.5,2:-2.5}/2", "", "{", "}", "{}", "{}/", "{}/ 7 ",
	"{1:1}/\v3", "\f{1:1}/3\f", "{1:1e}/3", "{1:1 2}/3", "{1:1;2:2}/3", "{1.5:1}/3", "{1e1:1}/20", "{0x2:1}/3",
	"{" + strings.Repeat("1:1,", 16000) + "1:1}/20000",
	"{" + strings.TrimSuffix(strings.Repeat(",", 15999), ",") + "}/5",
	"{" + strings.Repeat(",", 16000) + "}/5",
}

func randomSparseLiteral(r *rand.Rand) string {
	var b strings.Builder
	b.WriteString(randomSpace(r))
	if r.IntN(40) != 0 {
		b.WriteByte('{')
	}
	dim := 1 + r.IntN(20)
	if r.IntN(20) == 0 {
		dim = []int{0, -3, 1000000000, 1000000001, 16000}[r.IntN(5)]
	}
	n := r.IntN(6)
	for i := 0; i < n; i++ {
		b.WriteString(randomSpace(r))
		idx := 1 + r.IntN(max(dim, 1))
		if r.IntN(15) == 0 {
			idx = []int{0, -1, dim + 1, 2147483648}[r.IntN(4)]
		}
		b.WriteString(strconv.Itoa(idx))
		b.WriteString(randomSpace(r))
		if r.IntN(50) != 0 {
			b.WriteByte(':')
		}
		b.WriteString(randomSpace(r))
		if r.IntN(8) == 0 {
			b.WriteString([]string{"0", "0.0", "-0", "1e-50", "1e-40"}[r.IntN(5)])
		} else {
			b.WriteString(randomFloatText(r, 100))
		}
		b.WriteString(randomSpace(r))
		if i < n-1 {
			b.WriteByte(',')
		}
	}
	if r.IntN(40) != 0 {
		b.WriteByte('}')
	}
	b.WriteString(randomSpace(r))
	if r.IntN(30) != 0 {
		b.WriteByte('/')
	}
	b.WriteString(randomSpace(r))
	b.WriteString(strconv.Itoa(dim))
	b.WriteString(randomSpace(r))
	if r.IntN(40) == 0 {
		b.WriteString("x")
	}
	return b.String()
}

func TestConformanceSparseVecLiterals(t *testing.T) {
	conn := oracleConn(t)
	r := rand.New(rand.NewPCG(3, 303))
	lits := append([]string(nil), sparseLiterals...)
	for len(lits) < 400 {
		lits = append(lits, randomSparseLiteral(r))
	}
	got := litOutcomes(t, conn, "sparsevec", lits)
	ty := &tally{name: "sparsevec literals"}
	for i, lit := range lits {
		v, err := pgcompat.ParseSparseVec(lit)
		mine := outcomeOf(v.String(), err)
		ty.check(mine == got[i], "%q: pgvector %v, pgcompat %v", clip(lit), got[i], mine)
	}
	ty.report(t)
}

var bitLiterals = []string{
	"0101", "B0101", "b0101", "X5f", "x5F", "XdeadBEEF", "X", "B", "", "0", "1", "0102", "012", "B012", "Xg", "X5g",
	"01 01", " 0101", "0101 ", "é", "0é", "Xé", "11111111", "111111111", "0000000000000000", "B" + strings.Repeat("10", 40),
}

func randomBitLiteral(r *rand.Rand) string {
	var b strings.Builder
	switch r.IntN(6) {
	case 0:
		b.WriteByte('B')
	case 1:
		b.WriteByte('X')
		for i, n := 0, r.IntN(10); i < n; i++ {
			b.WriteByte("0123456789abcdefABCDEFgx"[r.IntN(24)])
		}
		return b.String()
	}
	for i, n := 0, r.IntN(40); i < n; i++ {
		if r.IntN(60) == 0 {
			b.WriteByte("2a xX"[r.IntN(5)])
		} else {
			b.WriteByte("01"[r.IntN(2)])
		}
	}
	return b.String()
}

func TestConformanceBitLiterals(t *testing.T) {
	conn := oracleConn(t)
	r := rand.New(rand.NewPCG(4, 404))
	lits := append([]string(nil), bitLiterals...)
	for len(lits) < 240 {
		lits = append(lits, randomBitLiteral(r))
	}
	// Each literal is cast three ways: to varbit (bit_in without a length),
	// to bit(n) and to varbit(n) (bit_in, then the explicit length coercion).
	type cast struct {
		typ  string
		eval func(string) (pgcompat.Bit, error)
	}
	casts := []cast{{"varbit", pgcompat.ParseBit}}
	for _, n := range []int{1, 4, 8, 13} {
		casts = append(casts,
			cast{fmt.Sprintf("bit(%d)", n), func(s string) (pgcompat.Bit, error) {
				b, err := pgcompat.ParseBit(s)
				if err != nil {
					return b, err
				}
				return b.CastBit(n, true)
			}},
			cast{fmt.Sprintf("varbit(%d)", n), func(s string) (pgcompat.Bit, error) {
				b, err := pgcompat.ParseBit(s)
				if err != nil {
					return b, err
				}
				return b.CastVarBit(n, true)
			}})
	}
	ty := &tally{name: "bit literals"}
	for _, c := range casts {
		got := litOutcomes(t, conn, c.typ, lits)
		for i, lit := range lits {
			b, err := c.eval(lit)
			mine := outcomeOf(b.String(), err)
			ty.check(mine == got[i], "%q::%s: PostgreSQL %v, pgcompat %v", lit, c.typ, got[i], mine)
		}
	}
	ty.report(t)
}

// clip shortens long literals in messages.
func clip(s string) string {
	if len(s) > 80 {
		return s[:60] + fmt.Sprintf("…(%d bytes)", len(s))
	}
	return s
}
