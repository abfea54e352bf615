//go:build !purego

#include "textflag.h"
#include "asm_amd64.h"

// The AVX2 tier (AVX2 + FMA; POPCNT for the bit kernels). The float kernels
// share one shape:
//
//   - the first floats, until b reaches a 32-byte boundary (HEAD32);
//   - a main loop over 64 floats (8 YMM blocks) into 8 independent
//     accumulators;
//   - at most seven whole 8-float blocks, unrolled straight-line into
//     different accumulators;
//   - the accumulators folded into X0, then one 4-float XMM block and at most
//     three scalar elements. AVX2 has no fault-suppressing mask registers
//     (VMASKMOVPS leaves fault behaviour on masked-off elements to the
//     implementation), so the tail reads element by element and never
//     touches a byte past either slice;
//   - VZEROUPPER before RET.
//
// Register use inside the kernel bodies: SI = a, DI = b, CX = n (elements);
// AX is scratch; Y0–Y7 accumulate; Y8/Y9 are temporaries; Y15 holds the
// sign-clearing mask of the L1 kernels.

#define DOT_STEP(off, acc) VMOVUPS off(SI), Y8; VFMADD231PS off(DI), Y8, acc
#define DOT_STEP4(acc) VMOVUPS (SI), X8; VFMADD231PS (DI), X8, acc
#define DOT_STEP1(acc) VMOVSS (SI), X8; VFMADD231SS (DI), X8, acc

#define L2_STEP(off, acc) VMOVUPS off(SI), Y8; VSUBPS off(DI), Y8, Y8; VFMADD231PS Y8, Y8, acc
#define L2_STEP4(acc) VMOVUPS (SI), X8; VSUBPS (DI), X8, X8; VFMADD231PS X8, X8, acc
#define L2_STEP1(acc) VMOVSS (SI), X8; VSUBSS (DI), X8, X8; VFMADD231SS X8, X8, acc

#define L1_STEP(off, acc) VMOVUPS off(SI), Y8; VSUBPS off(DI), Y8, Y8; VANDPS Y15, Y8, Y8; VADDPS Y8, acc, acc
#define L1_STEP4(acc) VMOVUPS (SI), X8; VSUBPS (DI), X8, X8; VANDPS X15, X8, X8; VADDPS X8, acc, acc
#define L1_STEP1(acc) VMOVSS (SI), X8; VSUBSS (DI), X8, X8; VANDPS X15, X8, X8; VADDSS X8, acc, acc

// L1_MASK256 loads 0x7fffffff into every lane of Y15.
#define L1_MASK256 MOVL $0x7fffffff, AX; VMOVD AX, X15; VPBROADCASTD X15, Y15

// HEAD32(STEP4, STEP1) runs the first h floats (0–7, at most CX) before DI
// reaches a 32-byte boundary, into X0 (and, for cosine, X4 and X8): a 4-float
// block if h ≥ 4, then single floats. Writing the X registers clears the
// upper halves of the Y accumulators, which are still zero here. Why: see
// HEADMASK64 in the AVX-512 file; a straddling 32-byte load costs an extra
// load slot too (AVX2 768-d dot: 30 ns aligned, 44 ns misaligned).
#define HEAD32(STEP4, STEP1) \
	MOVQ    DI, AX; \
	NEGQ    AX; \
	ANDQ    $31, AX; \
	SHRQ    $2, AX; \
	JEQ     aligned; \
	CMPQ    AX, CX; \
	CMOVQGT CX, AX; \
	SUBQ    AX, CX; \
	CMPQ    AX, $4; \
	JLT     head1; \
	STEP4; \
	ADDQ    $16, SI; \
	ADDQ    $16, DI; \
	SUBQ    $4, AX; \
head1: \
	TESTQ   AX, AX; \
	JEQ     aligned; \
	STEP1; \
	ADDQ    $4, SI; \
	ADDQ    $4, DI; \
	DECQ    AX; \
	JMP     head1; \
aligned:

// HSUM_X adds the four lanes of x into its lane 0. Clobbers X1.
#define HSUM_X(x) \
	VPERMILPS $0xee, x, X1; \
	VADDPS    X1, x, x; \
	VPERMILPS $0x55, x, X1; \
	VADDSS    X1, x, x

// FLOAT256 runs a float kernel over CX elements at SI and DI and leaves the
// float32 result in X0.
#define FLOAT256(STEP, STEP4, STEP1) \
	VXORPS X0, X0, X0; \
	VXORPS X1, X1, X1; \
	VXORPS X2, X2, X2; \
	VXORPS X3, X3, X3; \
	VXORPS X4, X4, X4; \
	VXORPS X5, X5, X5; \
	VXORPS X6, X6, X6; \
	VXORPS X7, X7, X7; \
	HEAD32(STEP4(X0), STEP1(X0)); \
	CMPQ   CX, $64; \
	JLT    rem; \
loop64: \
	STEP(0, Y0); \
	STEP(32, Y1); \
	STEP(64, Y2); \
	STEP(96, Y3); \
	STEP(128, Y4); \
	STEP(160, Y5); \
	STEP(192, Y6); \
	STEP(224, Y7); \
	ADDQ   $256, SI; \
	ADDQ   $256, DI; \
	SUBQ   $64, CX; \
	CMPQ   CX, $64; \
	JGE    loop64; \
rem: \
	CMPQ   CX, $8; \
	JLT    tail; \
	STEP(0, Y0); \
	CMPQ   CX, $16; \
	JLT    tail; \
	STEP(32, Y1); \
	CMPQ   CX, $24; \
	JLT    tail; \
	STEP(64, Y2); \
	CMPQ   CX, $32; \
	JLT    tail; \
	STEP(96, Y3); \
	CMPQ   CX, $40; \
	JLT    tail; \
	STEP(128, Y4); \
	CMPQ   CX, $48; \
	JLT    tail; \
	STEP(160, Y5); \
	CMPQ   CX, $56; \
	JLT    tail; \
	STEP(192, Y6); \
tail: \
	MOVQ   CX, AX; \
	ANDQ   $-8, AX; \
	LEAQ   (SI)(AX*4), SI; \
	LEAQ   (DI)(AX*4), DI; \
	ANDQ   $7, CX; \
	VADDPS Y4, Y0, Y0; \
	VADDPS Y5, Y1, Y1; \
	VADDPS Y6, Y2, Y2; \
	VADDPS Y7, Y3, Y3; \
	VADDPS Y2, Y0, Y0; \
	VADDPS Y3, Y1, Y1; \
	VADDPS Y1, Y0, Y0; \
	VEXTRACTF128 $1, Y0, X1; \
	VADDPS X1, X0, X0; \
	CMPQ   CX, $4; \
	JLT    scalar; \
	STEP4(X0); \
	ADDQ   $16, SI; \
	ADDQ   $16, DI; \
	SUBQ   $4, CX; \
scalar: \
	TESTQ  CX, CX; \
	JEQ    reduce; \
	STEP1(X0); \
	ADDQ   $4, SI; \
	ADDQ   $4, DI; \
	DECQ   CX; \
	JMP    scalar; \
reduce: \
	HSUM_X(X0)


// func dotAVX2(a, b []float32) float32
TEXT ·dotAVX2(SB), NOSPLIT, $0-52
	PAIR_ARGS
	FLOAT256(DOT_STEP, DOT_STEP4, DOT_STEP1)
	VZEROUPPER
	MOVSS X0, ret+48(FP)
	RET

// func l2SquaredAVX2(a, b []float32) float32
TEXT ·l2SquaredAVX2(SB), NOSPLIT, $0-52
	PAIR_ARGS
	FLOAT256(L2_STEP, L2_STEP4, L2_STEP1)
	VZEROUPPER
	MOVSS X0, ret+48(FP)
	RET

// func l1AVX2(a, b []float32) float32
TEXT ·l1AVX2(SB), NOSPLIT, $0-52
	PAIR_ARGS
	L1_MASK256
	FLOAT256(L1_STEP, L1_STEP4, L1_STEP1)
	VZEROUPPER
	MOVSS X0, ret+48(FP)
	RET

// Cosine: a·b, a·a and b·b in one pass. Four 8-float blocks per iteration
// feed twelve accumulators: Y0–Y3 (a·b), Y4–Y7 (a·a), Y8–Y11 (b·b); Y12 and
// Y13 are temporaries.
#define COS_STEP(off, d, x, y) \
	VMOVUPS     off(SI), Y12; \
	VMOVUPS     off(DI), Y13; \
	VFMADD231PS Y13, Y12, d; \
	VFMADD231PS Y12, Y12, x; \
	VFMADD231PS Y13, Y13, y

#define COS_STEP4 \
	VMOVUPS     (SI), X12; \
	VMOVUPS     (DI), X13; \
	VFMADD231PS X13, X12, X0; \
	VFMADD231PS X12, X12, X4; \
	VFMADD231PS X13, X13, X8

#define COS_STEP1 \
	VMOVSS      (SI), X12; \
	VMOVSS      (DI), X13; \
	VFMADD231SS X13, X12, X0; \
	VFMADD231SS X12, X12, X4; \
	VFMADD231SS X13, X13, X8

// func cosineSumsAVX2(a, b []float32) (dot, aa, bb float32)
TEXT ·cosineSumsAVX2(SB), NOSPLIT, $0-60
	PAIR_ARGS
	VXORPS X0, X0, X0
	VXORPS X1, X1, X1
	VXORPS X2, X2, X2
	VXORPS X3, X3, X3
	VXORPS X4, X4, X4
	VXORPS X5, X5, X5
	VXORPS X6, X6, X6
	VXORPS X7, X7, X7
	VXORPS X8, X8, X8
	VXORPS X9, X9, X9
	VXORPS X10, X10, X10
	VXORPS X11, X11, X11
	HEAD32(COS_STEP4, COS_STEP1)
	CMPQ   CX, $32
	JLT    rem

loop32:
	COS_STEP(0, Y0, Y4, Y8)
	COS_STEP(32, Y1, Y5, Y9)
	COS_STEP(64, Y2, Y6, Y10)
	COS_STEP(96, Y3, Y7, Y11)
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $32, CX
	CMPQ CX, $32
	JGE  loop32

rem:
	CMPQ CX, $8
	JLT  tail
	COS_STEP(0, Y0, Y4, Y8)
	CMPQ CX, $16
	JLT  tail
	COS_STEP(32, Y1, Y5, Y9)
	CMPQ CX, $24
	JLT  tail
	COS_STEP(64, Y2, Y6, Y10)

tail:
	MOVQ         CX, AX
	ANDQ         $-8, AX
	LEAQ         (SI)(AX*4), SI
	LEAQ         (DI)(AX*4), DI
	ANDQ         $7, CX
	VADDPS       Y2, Y0, Y0
	VADDPS       Y3, Y1, Y1
	VADDPS       Y1, Y0, Y0
	VADDPS       Y6, Y4, Y4
	VADDPS       Y7, Y5, Y5
	VADDPS       Y5, Y4, Y4
	VADDPS       Y10, Y8, Y8
	VADDPS       Y11, Y9, Y9
	VADDPS       Y9, Y8, Y8
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VEXTRACTF128 $1, Y4, X1
	VADDPS       X1, X4, X4
	VEXTRACTF128 $1, Y8, X1
	VADDPS       X1, X8, X8
	CMPQ         CX, $4
	JLT          scalar
	COS_STEP4
	ADDQ         $16, SI
	ADDQ         $16, DI
	SUBQ         $4, CX

scalar:
	TESTQ CX, CX
	JEQ   reduce
	COS_STEP1
	ADDQ  $4, SI
	ADDQ  $4, DI
	DECQ  CX
	JMP   scalar

reduce:
	HSUM_X(X0)
	HSUM_X(X4)
	HSUM_X(X8)
	VZEROUPPER
	MOVSS X0, dot+48(FP)
	MOVSS X4, aa+52(FP)
	MOVSS X8, bb+56(FP)
	RET

// Bit kernels with the scalar POPCNT instruction, four words per iteration
// into four independent counters. POPCNTQ writes its source register, which
// avoids the false output dependency some CPUs have on POPCNT.

// func hammingPOPCNT(a, b []uint64) int
TEXT ·hammingPOPCNT(SB), NOSPLIT, $0-56
	PAIR_ARGS
	XORQ R8, R8
	XORQ R9, R9
	XORQ R10, R10
	XORQ R11, R11
	CMPQ CX, $4
	JLT  tail

loop4:
	MOVQ    (SI), AX
	XORQ    (DI), AX
	POPCNTQ AX, AX
	ADDQ    AX, R8
	MOVQ    8(SI), BX
	XORQ    8(DI), BX
	POPCNTQ BX, BX
	ADDQ    BX, R9
	MOVQ    16(SI), DX
	XORQ    16(DI), DX
	POPCNTQ DX, DX
	ADDQ    DX, R10
	MOVQ    24(SI), AX
	XORQ    24(DI), AX
	POPCNTQ AX, AX
	ADDQ    AX, R11
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $4, CX
	CMPQ    CX, $4
	JGE     loop4

tail:
	TESTQ   CX, CX
	JEQ     done
	MOVQ    (SI), AX
	XORQ    (DI), AX
	POPCNTQ AX, AX
	ADDQ    AX, R8
	ADDQ    $8, SI
	ADDQ    $8, DI
	DECQ    CX
	JMP     tail

done:
	ADDQ R9, R8
	ADDQ R11, R10
	ADDQ R10, R8
	MOVQ R8, ret+48(FP)
	RET

// func jaccardCountsPOPCNT(a, b []uint64) (and, or int)
TEXT ·jaccardCountsPOPCNT(SB), NOSPLIT, $0-64
	PAIR_ARGS
	XORQ R8, R8
	XORQ R9, R9
	XORQ R10, R10
	XORQ R11, R11
	CMPQ CX, $2
	JLT  tail

loop2:
	MOVQ    (SI), AX
	MOVQ    (DI), BX
	MOVQ    AX, DX
	ANDQ    BX, AX
	ORQ     BX, DX
	POPCNTQ AX, AX
	POPCNTQ DX, DX
	ADDQ    AX, R8
	ADDQ    DX, R10
	MOVQ    8(SI), AX
	MOVQ    8(DI), BX
	MOVQ    AX, DX
	ANDQ    BX, AX
	ORQ     BX, DX
	POPCNTQ AX, AX
	POPCNTQ DX, DX
	ADDQ    AX, R9
	ADDQ    DX, R11
	ADDQ    $16, SI
	ADDQ    $16, DI
	SUBQ    $2, CX
	CMPQ    CX, $2
	JGE     loop2

tail:
	TESTQ   CX, CX
	JEQ     done
	MOVQ    (SI), AX
	MOVQ    (DI), BX
	MOVQ    AX, DX
	ANDQ    BX, AX
	ORQ     BX, DX
	POPCNTQ AX, AX
	POPCNTQ DX, DX
	ADDQ    AX, R8
	ADDQ    DX, R10

done:
	ADDQ R9, R8
	ADDQ R11, R10
	MOVQ R8, and+48(FP)
	MOVQ R10, or+56(FP)
	RET

// Batch kernels; asm_amd64.h has the contract, register use and prefetch.

#define BATCH256(STEP, STEP4, STEP1) \
	TESTQ R15, R15; \
	JLE   done; \
	BATCH_PREFETCH(1, pf1loop, pf1done); \
next: \
	MOVL  (R13), AX; \
	CMPQ  AX, R12; \
	JAE   invalid; \
	IMULQ R11, AX; \
	LEAQ  (R10)(AX*1), DI; \
	BATCH_PREFETCH(2, pf2loop, pf2done); \
	MOVQ  R8, SI; \
	MOVQ  R9, CX; \
	FLOAT256(STEP, STEP4, STEP1); \
	VMOVSS X0, (R14); \
	JMP   advance; \
invalid: \
	MOVL  $0x7fc00000, (R14); \
advance: \
	ADDQ  $4, R13; \
	ADDQ  $4, R14; \
	DECQ  R15; \
	JNZ   next; \
done:

// func dotBatchAVX2(q *float32, dim int, arena *float32, stride int, nvec int, ids *uint32, out *float32, n int)
TEXT ·dotBatchAVX2(SB), NOSPLIT, $0-64
	BATCH_ARGS
	BATCH256(DOT_STEP, DOT_STEP4, DOT_STEP1)
	VZEROUPPER
	RET

// func l2SquaredBatchAVX2(q *float32, dim int, arena *float32, stride int, nvec int, ids *uint32, out *float32, n int)
TEXT ·l2SquaredBatchAVX2(SB), NOSPLIT, $0-64
	BATCH_ARGS
	BATCH256(L2_STEP, L2_STEP4, L2_STEP1)
	VZEROUPPER
	RET

// func l1BatchAVX2(q *float32, dim int, arena *float32, stride int, nvec int, ids *uint32, out *float32, n int)
TEXT ·l1BatchAVX2(SB), NOSPLIT, $0-64
	BATCH_ARGS
	L1_MASK256
	BATCH256(L1_STEP, L1_STEP4, L1_STEP1)
	VZEROUPPER
	RET
