//go:build !purego

#include "textflag.h"
#include "block_amd64.h"

// Block kernels, AVX-512 tier: nq queries × n vectors (see BlockFunc and
// block_amd64.go, which validates the geometry first).
//
// The work is cut into tiles of 4 vectors × 4 queries. A tile keeps its 16
// pairs in 16 ZMM accumulators (Z0–Z15, pair (query q, vector r) in
// Z(4q+r)) and walks the dimension 16 floats at a time: 8 loads (4 vector
// blocks Z20–Z23, 4 query blocks Z16–Z19) feed 16 FMAs (and, for L2, 16
// subtractions, which Zen 4/5 run on the FADD pipes beside the FMAs), so the
// FMA units, not the two load ports, set the pace. The last 1–15 floats
// use the K1 tail mask: masked-off lanes are neither loaded nor able to
// fault, and add zero.
//
// A last tile of one or two queries (nq mod 4 = 1 or 2, and every call with
// nq ≤ 2) runs a two-query tile instead: 8 accumulators, 6 loads for 8
// FMAs, still FMA-bound, so a caller can score pairs of queries at full
// speed.
//
// Order: the vector tiles form the outer loop and the query tiles the inner
// one, so each vector is read from memory once per call while the queries
// stay in cache. A short edge tile (fewer than 4 vectors or queries left)
// points its missing slots at the last vector or query, computes a whole
// tile (every pair with exactly the arithmetic it would have anywhere else),
// and stores only the real pairs: results go out through the K2 mask, which
// has one bit per real vector of the tile.
//
// Reduction: the 16 accumulators are folded into one ZMM whose 128-bit lane
// q holds query q's four results, in three rounds of shuffles and adds
// (lanes 0+2 and 1+3 of 128 bits, then the two halves, then a 4×4 in-lane
// transpose). Every accumulator goes through the same additions in the same
// order, which makes a result independent of its place in the tile.
//
// Registers: DI = first vector of the tile, SI = first query of the tile,
// R12–R15 = the tile's vectors, R8–R11 = its queries, AX = byte offset in
// the dimension, BX = bytes of whole 16-float blocks, CX/DX scratch.

#define BLK_LD(base, dst) VMOVUPS (base)(AX*1), dst
#define BLK_LDM(base, dst) VMOVUPS.Z (base)(AX*1), K1, dst

#define BLK_LOAD8(LD) \
	LD(R12, Z20); LD(R13, Z21); LD(R14, Z22); LD(R15, Z23); \
	LD(R8, Z16); LD(R9, Z17); LD(R10, Z18); LD(R11, Z19)

// One query block against the four vector blocks.
#define DOTB_Q(qz, a0, a1, a2, a3) \
	VFMADD231PS Z20, qz, a0; \
	VFMADD231PS Z21, qz, a1; \
	VFMADD231PS Z22, qz, a2; \
	VFMADD231PS Z23, qz, a3

#define L2B_Q(qz, a0, a1, a2, a3) \
	VSUBPS Z20, qz, Z24; \
	VSUBPS Z21, qz, Z25; \
	VSUBPS Z22, qz, Z26; \
	VSUBPS Z23, qz, Z27; \
	VFMADD231PS Z24, Z24, a0; \
	VFMADD231PS Z25, Z25, a1; \
	VFMADD231PS Z26, Z26, a2; \
	VFMADD231PS Z27, Z27, a3

#define DOTB_CHUNK(LD) \
	BLK_LOAD8(LD); \
	DOTB_Q(Z16, Z0, Z1, Z2, Z3); \
	DOTB_Q(Z17, Z4, Z5, Z6, Z7); \
	DOTB_Q(Z18, Z8, Z9, Z10, Z11); \
	DOTB_Q(Z19, Z12, Z13, Z14, Z15)

#define L2B_CHUNK(LD) \
	BLK_LOAD8(LD); \
	L2B_Q(Z16, Z0, Z1, Z2, Z3); \
	L2B_Q(Z17, Z4, Z5, Z6, Z7); \
	L2B_Q(Z18, Z8, Z9, Z10, Z11); \
	L2B_Q(Z19, Z12, Z13, Z14, Z15)

// Two-query tiles (the last one or two queries): accumulators Z0–Z7.
#define BLK_LOAD6(LD) \
	LD(R12, Z20); LD(R13, Z21); LD(R14, Z22); LD(R15, Z23); \
	LD(R8, Z16); LD(R9, Z17)

#define DOTB_CHUNK2(LD) \
	BLK_LOAD6(LD); \
	DOTB_Q(Z16, Z0, Z1, Z2, Z3); \
	DOTB_Q(Z17, Z4, Z5, Z6, Z7)

#define L2B_CHUNK2(LD) \
	BLK_LOAD6(LD); \
	L2B_Q(Z16, Z0, Z1, Z2, Z3); \
	L2B_Q(Z17, Z4, Z5, Z6, Z7)

// BLK_FOLD_A: accumulators a (query 0 or 2) and b (query 1 or 3) of one
// vector → a = [a.l0+a.l2, a.l1+a.l3, b.l0+b.l2, b.l1+b.l3].
#define BLK_FOLD_A(a, b) \
	VSHUFF32X4 $0x44, b, a, Z16; \
	VSHUFF32X4 $0xee, b, a, Z17; \
	VADDPS     Z17, Z16, a

// BLK_FOLD_B: c (queries 0, 1) and d (queries 2, 3) of one vector → c with
// 128-bit lane q holding four partial sums of query q.
#define BLK_FOLD_B(c, d) \
	VSHUFF32X4 $0x88, d, c, Z16; \
	VSHUFF32X4 $0xdd, d, c, Z17; \
	VADDPS     Z17, Z16, c

// BLK_REDUCE leaves in Z0 lane q (128 bits) the four results of query q.
#define BLK_REDUCE \
	BLK_FOLD_A(Z0, Z4); \
	BLK_FOLD_A(Z8, Z12); \
	BLK_FOLD_A(Z1, Z5); \
	BLK_FOLD_A(Z9, Z13); \
	BLK_FOLD_A(Z2, Z6); \
	BLK_FOLD_A(Z10, Z14); \
	BLK_FOLD_A(Z3, Z7); \
	BLK_FOLD_A(Z11, Z15); \
	BLK_FOLD_B(Z0, Z8); \
	BLK_FOLD_B(Z1, Z9); \
	BLK_FOLD_B(Z2, Z10); \
	BLK_FOLD_B(Z3, Z11); \
	VUNPCKLPS Z1, Z0, Z16; \
	VUNPCKHPS Z1, Z0, Z17; \
	VADDPS    Z17, Z16, Z4; \
	VUNPCKLPS Z3, Z2, Z16; \
	VUNPCKHPS Z3, Z2, Z17; \
	VADDPS    Z17, Z16, Z5; \
	VUNPCKLPD Z5, Z4, Z16; \
	VUNPCKHPD Z5, Z4, Z17; \
	VADDPS    Z17, Z16, Z0

// BLK_REDUCE2 is BLK_REDUCE for a two-query tile. Where BLK_REDUCE pairs
// queries 0/1 with 2/3 in BLK_FOLD_B, it pairs each vector's folded
// accumulator with itself: the same additions, so the same results as in a
// four-query tile, with lanes 2 and 3 of Z0 repeating lanes 0 and 1.
#define BLK_REDUCE2 \
	BLK_FOLD_A(Z0, Z4); \
	BLK_FOLD_A(Z1, Z5); \
	BLK_FOLD_A(Z2, Z6); \
	BLK_FOLD_A(Z3, Z7); \
	BLK_FOLD_B(Z0, Z0); \
	BLK_FOLD_B(Z1, Z1); \
	BLK_FOLD_B(Z2, Z2); \
	BLK_FOLD_B(Z3, Z3); \
	VUNPCKLPS Z1, Z0, Z16; \
	VUNPCKHPS Z1, Z0, Z17; \
	VADDPS    Z17, Z16, Z4; \
	VUNPCKLPS Z3, Z2, Z16; \
	VUNPCKHPS Z3, Z2, Z17; \
	VADDPS    Z17, Z16, Z5; \
	VUNPCKLPD Z5, Z4, Z16; \
	VUNPCKHPD Z5, Z4, Z17; \
	VADDPS    Z17, Z16, Z0

#define BLK_ZERO8 \
	VXORPS X0, X0, X0; \
	VXORPS X1, X1, X1; \
	VXORPS X2, X2, X2; \
	VXORPS X3, X3, X3; \
	VXORPS X4, X4, X4; \
	VXORPS X5, X5, X5; \
	VXORPS X6, X6, X6; \
	VXORPS X7, X7, X7

#define BLK_ZERO \
	VXORPS X0, X0, X0; \
	VXORPS X1, X1, X1; \
	VXORPS X2, X2, X2; \
	VXORPS X3, X3, X3; \
	VXORPS X4, X4, X4; \
	VXORPS X5, X5, X5; \
	VXORPS X6, X6, X6; \
	VXORPS X7, X7, X7; \
	VXORPS X8, X8, X8; \
	VXORPS X9, X9, X9; \
	VXORPS X10, X10, X10; \
	VXORPS X11, X11, X11; \
	VXORPS X12, X12, X12; \
	VXORPS X13, X13, X13; \
	VXORPS X14, X14, X14; \
	VXORPS X15, X15, X15

// BLK_STORE_LANE stores lane l of Z0 for query SI+l, if it exists, at CX+DX
// (and advances CX), else jumps to done.
#define BLK_STORE_LANE(l, done) \
	LEAQ          l(SI), AX; \
	CMPQ          AX, BX; \
	JGE           done; \
	ADDQ          DX, CX; \
	VEXTRACTF32X4 $l, Z0, X1; \
	VMOVUPS       X1, K2, (CX)

// BLK_OUTPTR sets CX to out + (SI·n + DI)·4, DX to n·4 (the distance
// between two queries' results) and BX to nq.
#define BLK_OUTPTR \
	MOVQ    n+48(FP), DX; \
	MOVQ    SI, CX; \
	IMULQ   DX, CX; \
	ADDQ    DI, CX; \
	SHLQ    $2, CX; \
	ADDQ    out+56(FP), CX; \
	SHLQ    $2, DX; \
	MOVQ    nq+8(FP), BX

// BLK_DIMLOOP(CHUNK, loop, tail, reduce) runs CHUNK over the whole 16-float
// blocks of the dimension, then over the masked tail.
#define BLK_DIMLOOP(CHUNK, loop, tail, reduce) \
	MOVQ    dim+16(FP), BX; \
	ANDQ    $-16, BX; \
	SHLQ    $2, BX; \
	XORQ    AX, AX; \
	TESTQ   BX, BX; \
	JEQ     tail; \
loop: \
	CHUNK(BLK_LD); \
	ADDQ    $64, AX; \
	CMPQ    AX, BX; \
	JLT     loop; \
tail: \
	KORTESTW K1, K1; \
	JEQ     reduce; \
	CHUNK(BLK_LDM); \
reduce:

// BLOCK512(CHUNK, CHUNK2) is the whole block loop: CHUNK for tiles of four
// queries, CHUNK2 for a last tile of one or two (a lone query fills both
// slots of the tile).
#define BLOCK512(CHUNK, CHUNK2) \
	MOVQ    dim+16(FP), CX; \
	ANDQ    $15, CX; \
	MOVL    $1, AX; \
	SHLL    CX, AX; \
	DECL    AX; \
	KMOVW   AX, K1; \
	XORQ    DI, DI; \
rows: \
	BLK_ROWPTR(0, R12, dense0); \
	BLK_ROWPTR(1, R13, dense1); \
	BLK_ROWPTR(2, R14, dense2); \
	BLK_ROWPTR(3, R15, dense3); \
	MOVQ    n+48(FP), CX; \
	SUBQ    DI, CX; \
	MOVL    $4, DX; \
	CMPQ    CX, DX; \
	CMOVQGT DX, CX; \
	MOVL    $1, DX; \
	SHLL    CX, DX; \
	DECL    DX; \
	KMOVW   DX, K2; \
	XORQ    SI, SI; \
queries: \
	MOVQ    nq+8(FP), CX; \
	SUBQ    SI, CX; \
	CMPQ    CX, $2; \
	JLE     pair; \
	BLK_QPTR(0, R8); \
	BLK_QPTR(1, R9); \
	BLK_QPTR(2, R10); \
	BLK_QPTR(3, R11); \
	BLK_ZERO; \
	BLK_DIMLOOP(CHUNK, loop4, tail4, reduce4); \
	BLK_REDUCE; \
	BLK_OUTPTR; \
	VMOVUPS X0, K2, (CX); \
	BLK_STORE_LANE(1, stored); \
	BLK_STORE_LANE(2, stored); \
	BLK_STORE_LANE(3, stored); \
	JMP     stored; \
pair: \
	BLK_QPTR(0, R8); \
	BLK_QPTR(1, R9); \
	BLK_ZERO8; \
	BLK_DIMLOOP(CHUNK2, loop2, tail2, reduce2); \
	BLK_REDUCE2; \
	BLK_OUTPTR; \
	VMOVUPS X0, K2, (CX); \
	BLK_STORE_LANE(1, stored); \
stored: \
	ADDQ    $4, SI; \
	CMPQ    SI, BX; \
	JLT     queries; \
	ADDQ    $4, DI; \
	CMPQ    DI, n+48(FP); \
	JLT     rows; \
	VZEROUPPER

// func dotBlockAVX512(q *float32, nq, dim int, arena *float32, stride int, ids *uint32, n int, out *float32)
TEXT ·dotBlockAVX512(SB), NOSPLIT, $0-64
	BLOCK512(DOTB_CHUNK, DOTB_CHUNK2)
	RET

// func l2SquaredBlockAVX512(q *float32, nq, dim int, arena *float32, stride int, ids *uint32, n int, out *float32)
TEXT ·l2SquaredBlockAVX512(SB), NOSPLIT, $0-64
	BLOCK512(L2B_CHUNK, L2B_CHUNK2)
	RET
