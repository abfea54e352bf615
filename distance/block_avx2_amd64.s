//go:build !purego

#include "textflag.h"
#include "block_amd64.h"

// Block kernels, AVX2 tier. The same loops as the AVX-512 tier (see
// block_avx512_amd64.s), cut to fit 16 YMM registers: tiles of 4 vectors ×
// 2 queries, pair (query q, vector r) in accumulator Y(4q+r), vector blocks
// in Y8–Y11, the query block in Y12, differences in Y13/Y14. Per 8 floats, 6
// loads feed 8 FMAs.
//
// The end of the dimension: the accumulators are folded to 128 bits, then
// one 4-float XMM block and at most three scalar elements complete them.
// AVX2 has no fault-suppressing masked load (VMASKMOVPS leaves faults on
// masked-off elements to the implementation), so nothing past a vector is
// ever touched. A 4×4 transpose-and-add then leaves query q's four results
// in Xq·4 (X0 or X4), the same additions for every pair.
//
// Registers: DI, SI, R12–R15 and CX/DX as in block_amd64.h; R8/R9 = the
// tile's queries, AX = byte offset in the dimension, BX = bytes of whole
// 8-float blocks.

#define B2_LD(base, dst) VMOVUPS (base)(AX*1), dst

#define B2_LOADROWS(LD, r0, r1, r2, r3) \
	LD(R12, r0); LD(R13, r1); LD(R14, r2); LD(R15, r3)

#define DOT2_Q(q, x0, x1, x2, x3, a0, a1, a2, a3) \
	VFMADD231PS x0, q, a0; \
	VFMADD231PS x1, q, a1; \
	VFMADD231PS x2, q, a2; \
	VFMADD231PS x3, q, a3

#define L22_Q(q, x0, x1, x2, x3, a0, a1, a2, a3) \
	VSUBPS      x0, q, Y13; \
	VSUBPS      x1, q, Y14; \
	VFMADD231PS Y13, Y13, a0; \
	VFMADD231PS Y14, Y14, a1; \
	VSUBPS      x2, q, Y13; \
	VSUBPS      x3, q, Y14; \
	VFMADD231PS Y13, Y13, a2; \
	VFMADD231PS Y14, Y14, a3

#define L22_QX(q, x0, x1, x2, x3, a0, a1, a2, a3) \
	VSUBPS      x0, q, X13; \
	VSUBPS      x1, q, X14; \
	VFMADD231PS X13, X13, a0; \
	VFMADD231PS X14, X14, a1; \
	VSUBPS      x2, q, X13; \
	VSUBPS      x3, q, X14; \
	VFMADD231PS X13, X13, a2; \
	VFMADD231PS X14, X14, a3

#define L22_Q1(q, x0, x1, x2, x3, a0, a1, a2, a3) \
	VSUBSS      x0, q, X13; \
	VSUBSS      x1, q, X14; \
	VFMADD231SS X13, X13, a0; \
	VFMADD231SS X14, X14, a1; \
	VSUBSS      x2, q, X13; \
	VSUBSS      x3, q, X14; \
	VFMADD231SS X13, X13, a2; \
	VFMADD231SS X14, X14, a3

#define DOT2_Q1(q, x0, x1, x2, x3, a0, a1, a2, a3) \
	VFMADD231SS x0, q, a0; \
	VFMADD231SS x1, q, a1; \
	VFMADD231SS x2, q, a2; \
	VFMADD231SS x3, q, a3

// Whole 8-float blocks.
#define DOT2_CHUNK \
	B2_LOADROWS(B2_LD, Y8, Y9, Y10, Y11); \
	VMOVUPS (R8)(AX*1), Y12; \
	DOT2_Q(Y12, Y8, Y9, Y10, Y11, Y0, Y1, Y2, Y3); \
	VMOVUPS (R9)(AX*1), Y12; \
	DOT2_Q(Y12, Y8, Y9, Y10, Y11, Y4, Y5, Y6, Y7)

#define L22_CHUNK \
	B2_LOADROWS(B2_LD, Y8, Y9, Y10, Y11); \
	VMOVUPS (R8)(AX*1), Y12; \
	L22_Q(Y12, Y8, Y9, Y10, Y11, Y0, Y1, Y2, Y3); \
	VMOVUPS (R9)(AX*1), Y12; \
	L22_Q(Y12, Y8, Y9, Y10, Y11, Y4, Y5, Y6, Y7)

// One 4-float block, on the folded accumulators.
#define DOT2_CHUNK4 \
	B2_LOADROWS(B2_LD, X8, X9, X10, X11); \
	VMOVUPS (R8)(AX*1), X12; \
	DOT2_Q(X12, X8, X9, X10, X11, X0, X1, X2, X3); \
	VMOVUPS (R9)(AX*1), X12; \
	DOT2_Q(X12, X8, X9, X10, X11, X4, X5, X6, X7)

#define L22_CHUNK4 \
	B2_LOADROWS(B2_LD, X8, X9, X10, X11); \
	VMOVUPS (R8)(AX*1), X12; \
	L22_QX(X12, X8, X9, X10, X11, X0, X1, X2, X3); \
	VMOVUPS (R9)(AX*1), X12; \
	L22_QX(X12, X8, X9, X10, X11, X4, X5, X6, X7)

// One element, into lane 0 (the other lanes are kept).
#define B2_LDS(base, dst) VMOVSS (base)(AX*1), dst

#define DOT2_CHUNK1 \
	B2_LOADROWS(B2_LDS, X8, X9, X10, X11); \
	VMOVSS (R8)(AX*1), X12; \
	DOT2_Q1(X12, X8, X9, X10, X11, X0, X1, X2, X3); \
	VMOVSS (R9)(AX*1), X12; \
	DOT2_Q1(X12, X8, X9, X10, X11, X4, X5, X6, X7)

#define L22_CHUNK1 \
	B2_LOADROWS(B2_LDS, X8, X9, X10, X11); \
	VMOVSS (R8)(AX*1), X12; \
	L22_Q1(X12, X8, X9, X10, X11, X0, X1, X2, X3); \
	VMOVSS (R9)(AX*1), X12; \
	L22_Q1(X12, X8, X9, X10, X11, X4, X5, X6, X7)

// B2_FOLD adds the upper 128 bits of an accumulator to its lower 128.
#define B2_FOLD(y, x) \
	VEXTRACTF128 $1, y, X13; \
	VADDPS       X13, x, x

// B2_SUM4 leaves in a0 the four sums [Σa0, Σa1, Σa2, Σa3].
#define B2_SUM4(a0, a1, a2, a3) \
	VUNPCKLPS a1, a0, X13; \
	VUNPCKHPS a1, a0, X14; \
	VADDPS    X14, X13, X8; \
	VUNPCKLPS a3, a2, X13; \
	VUNPCKHPS a3, a2, X14; \
	VADDPS    X14, X13, X9; \
	VUNPCKLPD X9, X8, X13; \
	VUNPCKHPD X9, X8, X14; \
	VADDPS    X14, X13, a0

// B2_STORE stores the results x of one query at CX: all four, or the first
// AX (1–3) of them.
#define B2_STORE(x, part, done) \
	CMPQ       AX, $4; \
	JLT        part; \
	VMOVUPS    x, (CX); \
	JMP        done; \
part: \
	VMOVSS     x, (CX); \
	CMPQ       AX, $2; \
	JLT        done; \
	VEXTRACTPS $1, x, 4(CX); \
	CMPQ       AX, $3; \
	JLT        done; \
	VEXTRACTPS $2, x, 8(CX); \
done:

#define BLOCK256(CHUNK, CHUNK4, CHUNK1) \
	XORQ    DI, DI; \
rows: \
	BLK_ROWPTR(0, R12, dense0); \
	BLK_ROWPTR(1, R13, dense1); \
	BLK_ROWPTR(2, R14, dense2); \
	BLK_ROWPTR(3, R15, dense3); \
	XORQ    SI, SI; \
queries: \
	BLK_QPTR(0, R8); \
	BLK_QPTR(1, R9); \
	VXORPS  Y0, Y0, Y0; \
	VXORPS  Y1, Y1, Y1; \
	VXORPS  Y2, Y2, Y2; \
	VXORPS  Y3, Y3, Y3; \
	VXORPS  Y4, Y4, Y4; \
	VXORPS  Y5, Y5, Y5; \
	VXORPS  Y6, Y6, Y6; \
	VXORPS  Y7, Y7, Y7; \
	MOVQ    dim+16(FP), BX; \
	ANDQ    $-8, BX; \
	SHLQ    $2, BX; \
	XORQ    AX, AX; \
	TESTQ   BX, BX; \
	JEQ     fold; \
loop: \
	CHUNK; \
	ADDQ    $32, AX; \
	CMPQ    AX, BX; \
	JLT     loop; \
fold: \
	B2_FOLD(Y0, X0); \
	B2_FOLD(Y1, X1); \
	B2_FOLD(Y2, X2); \
	B2_FOLD(Y3, X3); \
	B2_FOLD(Y4, X4); \
	B2_FOLD(Y5, X5); \
	B2_FOLD(Y6, X6); \
	B2_FOLD(Y7, X7); \
	MOVQ    dim+16(FP), BX; \
	TESTQ   $4, BX; \
	JEQ     ones; \
	CHUNK4; \
	ADDQ    $16, AX; \
ones: \
	SHLQ    $2, BX; \
one: \
	CMPQ    AX, BX; \
	JGE     reduce; \
	CHUNK1; \
	ADDQ    $4, AX; \
	JMP     one; \
reduce: \
	B2_SUM4(X0, X1, X2, X3); \
	B2_SUM4(X4, X5, X6, X7); \
	MOVQ    n+48(FP), DX; \
	MOVQ    SI, CX; \
	IMULQ   DX, CX; \
	ADDQ    DI, CX; \
	SHLQ    $2, CX; \
	ADDQ    out+56(FP), CX; \
	SHLQ    $2, DX; \
	MOVQ    n+48(FP), AX; \
	SUBQ    DI, AX; \
	B2_STORE(X0, part0, stored0); \
	LEAQ    1(SI), BX; \
	CMPQ    BX, nq+8(FP); \
	JGE     stored; \
	ADDQ    DX, CX; \
	B2_STORE(X4, part1, stored); \
	ADDQ    $2, SI; \
	CMPQ    SI, nq+8(FP); \
	JLT     queries; \
	ADDQ    $4, DI; \
	CMPQ    DI, n+48(FP); \
	JLT     rows; \
	VZEROUPPER

// func dotBlockAVX2(q *float32, nq, dim int, arena *float32, stride int, ids *uint32, n int, out *float32)
TEXT ·dotBlockAVX2(SB), NOSPLIT, $0-64
	BLOCK256(DOT2_CHUNK, DOT2_CHUNK4, DOT2_CHUNK1)
	RET

// func l2SquaredBlockAVX2(q *float32, nq, dim int, arena *float32, stride int, ids *uint32, n int, out *float32)
TEXT ·l2SquaredBlockAVX2(SB), NOSPLIT, $0-64
	BLOCK256(L22_CHUNK, L22_CHUNK4, L22_CHUNK1)
	RET
