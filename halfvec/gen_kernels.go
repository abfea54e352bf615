//go:build ignore

// gen_kernels writes the assembly of halfvec's distance kernels for the AVX2
// (F16C + FMA) and AVX-512 tiers: kernels_avx2_amd64.s and
// kernels_avx512_amd64.s. Run it with `go generate` in package halfvec.
//
// The kernels share one shape: a main loop over several vectors per sum (so
// the FMA chains overlap), a one-vector loop, a tail that never reads past the
// slices (AVX-512: masked loads, which suppress faults; AVX2: a 4-lane step
// and then single elements), and a horizontal reduction. Generating them keeps
// the twenty-odd functions consistent; the output is checked in, so building
// the package needs nothing but the Go toolchain.
package main

import (
	"bytes"
	"fmt"
	"log"
	"os"
	"strings"
)

// tier describes one instruction-set tier.
type tier struct {
	name   string // function-name suffix
	v      string // vector register prefix: Y or Z
	lanes  int    // float32 lanes per vector register
	unroll int    // vectors per sum per main-loop iteration
	mask   int    // register holding the 0x7fffffff abs mask (L1 only)
}

var tiers = []tier{
	{name: "AVX2", v: "Y", lanes: 8, unroll: 4, mask: 15},
	{name: "AVX512", v: "Z", lanes: 16, unroll: 4, mask: 31},
}

// op is a distance: how many float32 sums it keeps, and its Go name.
type op struct {
	name string // dot, l2, l1, cos
	sums int
}

// prefetchAhead is how many ids ahead of the one being computed the batch
// loops prefetch. A half vector is half the bytes of a float32 one, so more
// of them fit in the core's outstanding misses: on the 64 MiB random-gather
// benchmark (Zen 5) 3 ahead took 768-d from about 95 to 65 ns per vector
// against 1 ahead, and 4 was no better. PREFETCH_AHEAD overrides it for such
// experiments.
var prefetchAhead = 3

var ops = []op{{"dot", 1}, {"l2", 1}, {"l1", 1}, {"cos", 3}}

// kind says what the operands are: two half vectors (HH), or a float32 query
// and a half vector (FH). The first operand is addressed by SI, the second
// by DI.
type kind struct {
	name         string
	aHalf        bool
	aArg, bArg   string
	goA, goB     string
	batchCapable bool
}

var kinds = []kind{
	{name: "HH", aHalf: true, aArg: "a", bArg: "b", goA: "a", goB: "b"},
	{name: "FH", aHalf: false, aArg: "q", bArg: "h", goA: "q", goB: "h", batchCapable: true},
}

type gen struct {
	buf bytes.Buffer
	t   tier
	op  op
	k   kind
}

func (g *gen) ins(format string, args ...any) { fmt.Fprintf(&g.buf, "\t"+format+"\n", args...) }
func (g *gen) label(l string)                 { fmt.Fprintf(&g.buf, "%s:\n", l) }

func (g *gen) reg(prefix string, i int) string { return fmt.Sprintf("%s%d", prefix, i) }

// Register plan: accumulator u of sum s is register s·unroll+u; the loaded
// operands follow them.
func (g *gen) unroll() int {
	u := g.t.unroll
	if g.t.name == "AVX2" && g.op.sums > 1 {
		u = 2 // 16 YMM registers: 3 sums × 2 accumulators + 4 operands
	}
	return u
}
func (g *gen) acc(s, u int) int { return s*g.unroll() + u }
func (g *gen) opA(u int) int    { return g.op.sums*g.unroll() + 2*u }
func (g *gen) opB(u int) int    { return g.op.sums*g.unroll() + 2*u + 1 }

func esize(half bool) int {
	if half {
		return 2
	}
	return 4
}

// loadVec loads lanes elements at byte offset off of the operand into vector register r.
func (g *gen) loadVec(half bool, base string, off int, r int) {
	dst := g.reg(g.t.v, r)
	if half {
		g.ins("VCVTPH2PS %d(%s), %s", off, base, dst)
	} else {
		g.ins("VMOVUPS %d(%s), %s", off, base, dst)
	}
}

// step accumulates one vector (or scalar, for sfx SS) of the distance.
// x and y hold the operands and are clobbered.
func (g *gen) step(prefix, sfx string, x, y int, s0 int) {
	X, Y := g.reg(prefix, x), g.reg(prefix, y)
	acc := func(s int) string { return g.reg(prefix, g.acc(s, 0)+s0) }
	switch g.op.name {
	case "dot":
		g.ins("VFMADD231%s %s, %s, %s", sfx, Y, X, acc(0))
	case "l2":
		g.ins("VSUB%s %s, %s, %s", sfx, Y, X, X)
		g.ins("VFMADD231%s %s, %s, %s", sfx, X, X, acc(0))
	case "l1":
		g.ins("VSUB%s %s, %s, %s", sfx, Y, X, X)
		if prefix == "Z" {
			g.ins("VPANDD %s, %s, %s", g.reg("Z", g.t.mask), X, X)
		} else {
			g.ins("VANDPS %s, %s, %s", g.reg(prefix, g.t.mask), X, X)
		}
		g.ins("VADD%s %s, %s, %s", sfx, X, acc(0), acc(0))
	case "cos":
		g.ins("VFMADD231%s %s, %s, %s", sfx, Y, X, acc(0))
		g.ins("VFMADD231%s %s, %s, %s", sfx, X, X, acc(1))
		g.ins("VFMADD231%s %s, %s, %s", sfx, Y, Y, acc(2))
	}
}

// setup prepares loop-invariant registers.
func (g *gen) setup() {
	if g.op.name != "l1" {
		return
	}
	g.ins("MOVL $0x7fffffff, AX")
	if g.t.v == "Z" {
		g.ins("VPBROADCASTD AX, Z%d", g.t.mask)
	} else {
		g.ins("VMOVD AX, X%d", g.t.mask)
		g.ins("VPBROADCASTD X%d, Y%d", g.t.mask, g.t.mask)
	}
}

// hsum4 adds the four lanes of X register r into its lane 0, using scratch t.
func (g *gen) hsum4(r, t int) {
	g.ins("VMOVHLPS X%d, X%d, X%d", r, r, t)
	g.ins("VADDPS X%d, X%d, X%d", t, r, r)
	g.ins("VMOVSHDUP X%d, X%d", r, t)
	g.ins("VADDSS X%d, X%d, X%d", t, r, r)
}

// body computes the distance sums of the CX elements at SI and DI, leaving
// sum s in lane 0 of X(acc(s, 0)). It clobbers AX, CX, SI, DI, K1 and the
// vector registers it allocates, and reads nothing past the operands.
func (g *gen) body() {
	v, L, U := g.t.v, g.t.lanes, g.unroll()
	ea, eb := esize(g.k.aHalf), esize(true)
	for s := 0; s < g.op.sums; s++ {
		for u := 0; u < U; u++ {
			r := g.acc(s, u)
			if v == "Z" {
				g.ins("VPXORD Z%d, Z%d, Z%d", r, r, r)
			} else {
				g.ins("VXORPS Y%d, Y%d, Y%d", r, r, r)
			}
		}
	}

	// Main loop: U vectors per sum, into U independent accumulators.
	g.label("loopUnrolled")
	g.ins("CMPQ CX, $%d", U*L)
	g.ins("JB loopSingle")
	for u := 0; u < U; u++ {
		g.loadVec(g.k.aHalf, "SI", u*L*ea, g.opA(u))
		g.loadVec(true, "DI", u*L*eb, g.opB(u))
	}
	for u := 0; u < U; u++ {
		g.step(v, "PS", g.opA(u), g.opB(u), u)
	}
	g.ins("ADDQ $%d, SI", U*L*ea)
	g.ins("ADDQ $%d, DI", U*L*eb)
	g.ins("SUBQ $%d, CX", U*L)
	g.ins("JMP loopUnrolled")

	// One vector at a time.
	g.label("loopSingle")
	g.ins("CMPQ CX, $%d", L)
	g.ins("JB tail")
	g.loadVec(g.k.aHalf, "SI", 0, g.opA(0))
	g.loadVec(true, "DI", 0, g.opB(0))
	g.step(v, "PS", g.opA(0), g.opB(0), 0)
	g.ins("ADDQ $%d, SI", L*ea)
	g.ins("ADDQ $%d, DI", L*eb)
	g.ins("SUBQ $%d, CX", L)
	g.ins("JMP loopSingle")

	g.label("tail")
	if v == "Z" {
		g.tail512()
	} else {
		g.tail256()
	}
}

// tail512 handles the last 0–15 elements with masked loads (masked-off lanes
// are zero and never touched in memory), then reduces each sum to a scalar.
func (g *gen) tail512() {
	U := g.unroll()
	g.ins("TESTQ CX, CX")
	g.ins("JZ reduce")
	g.ins("MOVL $1, AX")
	g.ins("SHLL CX, AX")
	g.ins("DECL AX")
	g.ins("KMOVW AX, K1")
	a, b := g.opA(0), g.opB(0)
	if g.k.aHalf {
		g.ins("VMOVDQU16.Z (SI), K1, Y%d", a)
		g.ins("VCVTPH2PS Y%d, Z%d", a, a)
	} else {
		g.ins("VMOVUPS.Z (SI), K1, Z%d", a)
	}
	g.ins("VMOVDQU16.Z (DI), K1, Y%d", b)
	g.ins("VCVTPH2PS Y%d, Z%d", b, b)
	g.step("Z", "PS", a, b, 0)

	g.label("reduce")
	for s := 0; s < g.op.sums; s++ {
		g.treeAdd("Z", s, U)
		r, t := g.acc(s, 0), g.acc(s, 1)
		g.ins("VEXTRACTF64X4 $1, Z%d, Y%d", r, t)
		g.ins("VADDPS Y%d, Y%d, Y%d", t, r, r)
		g.ins("VEXTRACTF128 $1, Y%d, X%d", r, t)
		g.ins("VADDPS X%d, X%d, X%d", t, r, r)
		g.hsum4(r, t)
	}
}

// tail256 reduces each sum to four lanes, adds a 4-element step if at least
// four elements remain, reduces to a scalar and adds the last 0–3 elements one
// at a time. AVX2 has no masked 16-bit load, and the 128-bit VEX operations
// used here clear the upper lanes, which is why the reduction comes first.
func (g *gen) tail256() {
	U := g.unroll()
	for s := 0; s < g.op.sums; s++ {
		g.treeAdd("Y", s, U)
		r, t := g.acc(s, 0), g.acc(s, 1)
		g.ins("VEXTRACTF128 $1, Y%d, X%d", r, t)
		g.ins("VADDPS X%d, X%d, X%d", t, r, r)
	}
	a, b := g.opA(0), g.opB(0)
	ea, eb := esize(g.k.aHalf), esize(true)
	g.ins("CMPQ CX, $4")
	g.ins("JB hsum")
	if g.k.aHalf {
		g.ins("VMOVQ (SI), X%d", a)
		g.ins("VCVTPH2PS X%d, X%d", a, a)
	} else {
		g.ins("VMOVUPS (SI), X%d", a)
	}
	g.ins("VMOVQ (DI), X%d", b)
	g.ins("VCVTPH2PS X%d, X%d", b, b)
	g.step("X", "PS", a, b, 0)
	g.ins("ADDQ $%d, SI", 4*ea)
	g.ins("ADDQ $%d, DI", 4*eb)
	g.ins("SUBQ $4, CX")

	g.label("hsum")
	for s := 0; s < g.op.sums; s++ {
		g.hsum4(g.acc(s, 0), g.acc(s, 1))
	}

	g.label("scalar")
	g.ins("TESTQ CX, CX")
	g.ins("JZ reduce")
	if g.k.aHalf {
		g.ins("MOVWLZX (SI), AX")
		g.ins("VMOVD AX, X%d", a)
		g.ins("VCVTPH2PS X%d, X%d", a, a)
	} else {
		g.ins("VMOVSS (SI), X%d", a)
	}
	g.ins("MOVWLZX (DI), AX")
	g.ins("VMOVD AX, X%d", b)
	g.ins("VCVTPH2PS X%d, X%d", b, b)
	g.step("X", "SS", a, b, 0)
	g.ins("ADDQ $%d, SI", ea)
	g.ins("ADDQ $%d, DI", eb)
	g.ins("DECQ CX")
	g.ins("JMP scalar")
	g.label("reduce")
}

// treeAdd folds the U accumulators of sum s into the first, pairwise.
func (g *gen) treeAdd(v string, s, U int) {
	for step := 1; step < U; step *= 2 {
		for u := 0; u+step < U; u += 2 * step {
			a, b := g.acc(s, u), g.acc(s, u+step)
			g.ins("VADDPS %s%d, %s%d, %s%d", v, b, v, a, v, a)
		}
	}
}

func (g *gen) funcName(prefix string) string {
	return fmt.Sprintf("%s%s%s", prefix, g.k.name, g.t.name)
}

// pair emits func <op><kind><tier>(a, b []…) float32 (cos: three sums).
func (g *gen) pair() {
	name := g.funcName(g.op.name)
	ret := "float32"
	frame := 52
	if g.op.sums == 3 {
		ret = "(dot, na, nb float32)"
		frame = 60
	}
	elemA := "[]Float16"
	if !g.k.aHalf {
		elemA = "[]float32"
	}
	fmt.Fprintf(&g.buf, "// func %s(%s %s, %s []Float16) %s\n", name, g.k.goA, elemA, g.k.goB, ret)
	fmt.Fprintf(&g.buf, "TEXT ·%s(SB), NOSPLIT, $0-%d\n", name, frame)
	g.ins("MOVQ %s_base+0(FP), SI", g.k.goA)
	g.ins("MOVQ %s_len+8(FP), CX", g.k.goA)
	g.ins("MOVQ %s_base+24(FP), DI", g.k.goB)
	g.ins("MOVQ %s_len+32(FP), DX", g.k.goB)
	g.ins("CMPQ DX, CX")
	g.ins("CMOVQLT DX, CX")
	g.setup()
	g.body()
	g.ins("VZEROUPPER")
	if g.op.sums == 3 {
		g.ins("MOVSS X%d, dot+48(FP)", g.acc(0, 0))
		g.ins("MOVSS X%d, na+52(FP)", g.acc(1, 0))
		g.ins("MOVSS X%d, nb+56(FP)", g.acc(2, 0))
	} else {
		g.ins("MOVSS X0, ret+48(FP)")
	}
	g.ins("RET")
	g.buf.WriteString("\n")
}

// prefetch emits a prefetch of every cache line of the vector with id AX,
// if AX ≤ maxID (R12); it clobbers AX, SI and DI.
func (g *gen) prefetch(lbl string) {
	g.ins("CMPQ AX, R12")
	g.ins("JGT %sDone", lbl)
	g.ins("IMULQ R11, AX")
	g.ins("LEAQ (R10)(AX*1), SI")
	g.ins("LEAQ (SI)(R9*2), DI")
	g.label(lbl)
	g.ins("PREFETCHT0 (SI)")
	g.ins("ADDQ $64, SI")
	g.ins("CMPQ SI, DI")
	g.ins("JB %s", lbl)
	g.ins("PREFETCHT0 -1(DI)")
	g.label(lbl + "Done")
}

// batch emits the one-query, many-ids loop over a half arena.
func (g *gen) batch() {
	name := g.funcName(g.op.name + "Batch")
	fmt.Fprintf(&g.buf, "// func %s(q *float32, dim int, arena *Float16, stride int, maxID int, ids *uint32, out *float32, n int)\n", name)
	fmt.Fprintf(&g.buf, "TEXT ·%s(SB), NOSPLIT, $0-64\n", name)
	g.ins("MOVQ q+0(FP), R8")
	g.ins("MOVQ dim+8(FP), R9")
	g.ins("MOVQ arena+16(FP), R10")
	g.ins("MOVQ stride+24(FP), R11")
	g.ins("SHLQ $1, R11 // stride in bytes")
	g.ins("MOVQ maxID+32(FP), R12")
	g.ins("MOVQ ids+40(FP), R13")
	g.ins("MOVQ out+48(FP), R14")
	g.ins("MOVQ n+56(FP), DX")
	g.ins("XORQ BX, BX")
	g.ins("TESTQ DX, DX")
	g.ins("JZ done")
	g.setup()
	// Prefetch the first vectors, then keep prefetchAhead vectors in flight.
	g.ins("XORQ CX, CX")
	g.label("prefetchFirstLoop")
	g.ins("MOVL (R13)(CX*4), AX")
	g.prefetch("prefetchFirst")
	g.ins("INCQ CX")
	g.ins("CMPQ CX, DX")
	g.ins("JAE next")
	g.ins("CMPQ CX, $%d", prefetchAhead)
	g.ins("JB prefetchFirstLoop")

	g.label("next")
	g.ins("LEAQ %d(BX), AX", prefetchAhead)
	g.ins("CMPQ AX, DX")
	g.ins("JAE compute")
	g.ins("MOVL (R13)(AX*4), AX")
	g.prefetch("prefetchNext")

	g.label("compute")
	g.ins("MOVL (R13)(BX*4), AX")
	g.ins("CMPQ AX, R12")
	g.ins("JGT invalid")
	g.ins("IMULQ R11, AX")
	g.ins("LEAQ (R10)(AX*1), DI")
	g.ins("MOVQ R8, SI")
	g.ins("MOVQ R9, CX")
	g.body()
	g.ins("VMOVSS X0, (R14)(BX*4)")
	g.ins("INCQ BX")
	g.ins("CMPQ BX, DX")
	g.ins("JB next")
	g.ins("JMP done")

	g.label("invalid")
	g.ins("MOVL $0x7fc00000, (R14)(BX*4) // NaN")
	g.ins("INCQ BX")
	g.ins("CMPQ BX, DX")
	g.ins("JB next")

	g.label("done")
	g.ins("VZEROUPPER")
	g.ins("RET")
	g.buf.WriteString("\n")
}

func main() {
	if v := os.Getenv("PREFETCH_AHEAD"); v != "" {
		fmt.Sscan(v, &prefetchAhead)
	}
	for _, t := range tiers {
		var out bytes.Buffer
		out.WriteString("// Code generated by gen_kernels.go; DO NOT EDIT.\n\n")
		fmt.Fprintf(&out, "//go:build amd64 && !purego\n\n")
		fmt.Fprintf(&out, "// %s-tier half-precision distance kernels. Halves are widened with\n", t.name)
		out.WriteString("// VCVTPH2PS and every product and sum is float32 (FMA).\n\n")
		out.WriteString("#include \"textflag.h\"\n\n")
		for _, k := range kinds {
			for _, o := range ops {
				g := &gen{t: t, op: o, k: k}
				g.pair()
				out.Write(g.buf.Bytes())
			}
		}
		for _, o := range ops {
			if o.sums != 1 {
				continue
			}
			g := &gen{t: t, op: o, k: kinds[1]}
			g.batch()
			out.Write(g.buf.Bytes())
		}
		file := "kernels_" + strings.ToLower(t.name) + "_amd64.s"
		if err := os.WriteFile(file, out.Bytes(), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
