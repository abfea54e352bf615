//go:build !purego

#include "textflag.h"
#include "asm_amd64.h"

// The AVX-512 tier (AVX-512F, plus VPOPCNTQ from AVX512_VPOPCNTDQ for the
// bit kernels). Every float kernel has the same shape:
//
//   - one K-masked block that brings b to a 64-byte boundary (HEADMASK64);
//   - a main loop over 128 floats (8 ZMM registers of a, 8 of b) feeding 8
//     independent accumulators, so neither the 4-cycle FMA latency nor a
//     single dependency chain limits it: the loop runs at the load ports'
//     speed, two 64-byte loads per cycle;
//   - at most seven whole 16-float blocks after it, unrolled straight-line
//     into different accumulators (no chain, and a fixed dimension always
//     takes the same branches);
//   - one K-masked block for the last 0–15 floats. A masked-off element is
//     neither loaded nor able to fault, so nothing past either slice is read
//     and there is no scalar tail;
//   - a tree reduction of the accumulators and VZEROUPPER before RET.
//
// All loads are unaligned (VMOVUPS, or the memory operand of an arithmetic
// instruction, which EVEX allows at any alignment).
//
// Register use inside the kernel bodies: SI = a, DI = b, CX = n (elements);
// AX, BX and DX are scratch; Z0–Z7 accumulate; Z16–Z19 are temporaries; Z31 holds the
// sign-clearing mask of the L1 kernels; K1 is the tail mask.

// Per-block operations: off is the byte offset of the block, acc the
// accumulator. Temporaries are reused from block to block; register renaming
// removes the false dependencies.
#define DOT_STEP(off, acc) VMOVUPS off(SI), Z16; VFMADD231PS off(DI), Z16, acc
#define DOT_MASKED(acc) VMOVUPS.Z (SI), K1, Z16; VMOVUPS.Z (DI), K1, Z17; VFMADD231PS Z17, Z16, acc

#define L2_STEP(off, acc) VMOVUPS off(SI), Z16; VSUBPS off(DI), Z16, Z16; VFMADD231PS Z16, Z16, acc
#define L2_MASKED(acc) VMOVUPS.Z (SI), K1, Z16; VMOVUPS.Z (DI), K1, Z17; VSUBPS Z17, Z16, Z16; VFMADD231PS Z16, Z16, acc

#define L1_STEP(off, acc) VMOVUPS off(SI), Z16; VSUBPS off(DI), Z16, Z16; VPANDD Z31, Z16, Z16; VADDPS Z16, acc, acc
#define L1_MASKED(acc) VMOVUPS.Z (SI), K1, Z16; VMOVUPS.Z (DI), K1, Z17; VSUBPS Z17, Z16, Z16; VPANDD Z31, Z16, Z16; VADDPS Z16, acc, acc

// L1_MASK512 loads 0x7fffffff into every lane of Z31.
#define L1_MASK512 MOVL $0x7fffffff, AX; VPBROADCASTD AX, Z31

// TAILMASK16 sets K1 to the low CX bits (CX < 16).
#define TAILMASK16 MOVL $1, AX; SHLL CX, AX; DECL AX; KMOVW AX, K1

// HEADMASK64 computes the number of floats h (0–15, at most CX) before DI
// reaches a 64-byte boundary and leaves it in AX. When h is 0 it jumps to
// label aligned at once; otherwise it sets K1 to the low h bits and subtracts
// h from CX. Clobbers BX, DX.
//
// Why: a 64-byte load that straddles two cache lines costs about one extra
// load slot on current cores, so with both operands misaligned a 768-d dot
// product ran at half speed (17.6 ns aligned, 34.8 ns misaligned on Zen 5).
// One masked block first makes every later load of b aligned, and of a too
// when both share their misalignment (the usual case in a fixed-stride
// arena): 19.5 ns then, 29 ns when they differ. The price: which lane an
// element is added in depends on b's address mod 64, so the same values at
// different addresses can differ in the last bits (within the stated error
// bound).
#define HEADMASK64 \
	MOVQ    DI, AX; \
	NEGQ    AX; \
	ANDQ    $63, AX; \
	SHRQ    $2, AX; \
	JEQ     aligned; \
	CMPQ    AX, CX; \
	CMOVQGT CX, AX; \
	MOVQ    CX, DX; \
	MOVQ    AX, CX; \
	MOVL    $1, BX; \
	SHLL    CX, BX; \
	DECL    BX; \
	KMOVW   BX, K1; \
	MOVQ    DX, CX; \
	SUBQ    AX, CX

// HSUM_Z0 adds the 16 lanes of Z0 into lane 0 of X0. Clobbers Z1.
#define HSUM_Z0 \
	VEXTRACTF64X4 $1, Z0, Y1; \
	VADDPS        Y1, Y0, Y0; \
	VEXTRACTF128  $1, Y0, X1; \
	VADDPS        X1, X0, X0; \
	VPERMILPS     $0xee, X0, X1; \
	VADDPS        X1, X0, X0; \
	VPERMILPS     $0x55, X0, X1; \
	VADDSS        X1, X0, X0

// FLOAT512 runs a float kernel over CX elements at SI and DI and leaves the
// float32 result in X0. STEP and MASKED are the per-block operations above.
#define FLOAT512(STEP, MASKED) \
	VXORPS X0, X0, X0; \
	VXORPS X1, X1, X1; \
	VXORPS X2, X2, X2; \
	VXORPS X3, X3, X3; \
	VXORPS X4, X4, X4; \
	VXORPS X5, X5, X5; \
	VXORPS X6, X6, X6; \
	VXORPS X7, X7, X7; \
	HEADMASK64; \
	MASKED(Z7); \
	LEAQ   (SI)(AX*4), SI; \
	LEAQ   (DI)(AX*4), DI; \
aligned: \
	CMPQ   CX, $128; \
	JLT    rem; \
loop128: \
	STEP(0, Z0); \
	STEP(64, Z1); \
	STEP(128, Z2); \
	STEP(192, Z3); \
	STEP(256, Z4); \
	STEP(320, Z5); \
	STEP(384, Z6); \
	STEP(448, Z7); \
	ADDQ   $512, SI; \
	ADDQ   $512, DI; \
	SUBQ   $128, CX; \
	CMPQ   CX, $128; \
	JGE    loop128; \
rem: \
	CMPQ   CX, $16; \
	JLT    tail; \
	STEP(0, Z0); \
	CMPQ   CX, $32; \
	JLT    tail; \
	STEP(64, Z1); \
	CMPQ   CX, $48; \
	JLT    tail; \
	STEP(128, Z2); \
	CMPQ   CX, $64; \
	JLT    tail; \
	STEP(192, Z3); \
	CMPQ   CX, $80; \
	JLT    tail; \
	STEP(256, Z4); \
	CMPQ   CX, $96; \
	JLT    tail; \
	STEP(320, Z5); \
	CMPQ   CX, $112; \
	JLT    tail; \
	STEP(384, Z6); \
tail: \
	MOVQ   CX, AX; \
	ANDQ   $-16, AX; \
	ANDQ   $15, CX; \
	JEQ    reduce; \
	LEAQ   (SI)(AX*4), SI; \
	LEAQ   (DI)(AX*4), DI; \
	TAILMASK16; \
	MASKED(Z7); \
reduce: \
	VADDPS Z4, Z0, Z0; \
	VADDPS Z5, Z1, Z1; \
	VADDPS Z6, Z2, Z2; \
	VADDPS Z7, Z3, Z3; \
	VADDPS Z2, Z0, Z0; \
	VADDPS Z3, Z1, Z1; \
	VADDPS Z1, Z0, Z0; \
	HSUM_Z0


// func dotAVX512(a, b []float32) float32
TEXT ·dotAVX512(SB), NOSPLIT, $0-52
	PAIR_ARGS
	FLOAT512(DOT_STEP, DOT_MASKED)
	VZEROUPPER
	MOVSS X0, ret+48(FP)
	RET

// func l2SquaredAVX512(a, b []float32) float32
TEXT ·l2SquaredAVX512(SB), NOSPLIT, $0-52
	PAIR_ARGS
	FLOAT512(L2_STEP, L2_MASKED)
	VZEROUPPER
	MOVSS X0, ret+48(FP)
	RET

// func l1AVX512(a, b []float32) float32
TEXT ·l1AVX512(SB), NOSPLIT, $0-52
	PAIR_ARGS
	L1_MASK512
	FLOAT512(L1_STEP, L1_MASKED)
	VZEROUPPER
	MOVSS X0, ret+48(FP)
	RET

// Cosine: three sums (a·b, a·a, b·b) in one pass. Four blocks of 16 floats
// per iteration feed twelve accumulators: Z0–Z3 (a·b), Z4–Z7 (a·a) and
// Z8–Z11 (b·b). Three FMAs per two loads make the FMA ports the limit here.
#define COS_STEP(off, d, x, y) \
	VMOVUPS     off(SI), Z16; \
	VMOVUPS     off(DI), Z17; \
	VFMADD231PS Z17, Z16, d; \
	VFMADD231PS Z16, Z16, x; \
	VFMADD231PS Z17, Z17, y

#define COS_MASKED(d, x, y) \
	VMOVUPS.Z   (SI), K1, Z16; \
	VMOVUPS.Z   (DI), K1, Z17; \
	VFMADD231PS Z17, Z16, d; \
	VFMADD231PS Z16, Z16, x; \
	VFMADD231PS Z17, Z17, y

// HSUM_ZX adds the 16 lanes of z into lane 0 of x (y is z's lower half).
// Clobbers Z1.
#define HSUM_ZX(z, y, x) \
	VEXTRACTF64X4 $1, z, Y1; \
	VADDPS        Y1, y, y; \
	VEXTRACTF128  $1, y, X1; \
	VADDPS        X1, x, x; \
	VPERMILPS     $0xee, x, X1; \
	VADDPS        X1, x, x; \
	VPERMILPS     $0x55, x, X1; \
	VADDSS        X1, x, x

// func cosineSumsAVX512(a, b []float32) (dot, aa, bb float32)
TEXT ·cosineSumsAVX512(SB), NOSPLIT, $0-60
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
	HEADMASK64
	COS_MASKED(Z3, Z7, Z11)
	LEAQ   (SI)(AX*4), SI
	LEAQ   (DI)(AX*4), DI

aligned:
	CMPQ CX, $64
	JLT  rem

loop64:
	COS_STEP(0, Z0, Z4, Z8)
	COS_STEP(64, Z1, Z5, Z9)
	COS_STEP(128, Z2, Z6, Z10)
	COS_STEP(192, Z3, Z7, Z11)
	ADDQ $256, SI
	ADDQ $256, DI
	SUBQ $64, CX
	CMPQ CX, $64
	JGE  loop64

rem:
	CMPQ CX, $16
	JLT  tail
	COS_STEP(0, Z0, Z4, Z8)
	CMPQ CX, $32
	JLT  tail
	COS_STEP(64, Z1, Z5, Z9)
	CMPQ CX, $48
	JLT  tail
	COS_STEP(128, Z2, Z6, Z10)

tail:
	MOVQ CX, AX
	ANDQ $-16, AX
	ANDQ $15, CX
	JEQ  reduce
	LEAQ (SI)(AX*4), SI
	LEAQ (DI)(AX*4), DI
	TAILMASK16
	COS_MASKED(Z3, Z7, Z11)

reduce:
	VADDPS Z2, Z0, Z0
	VADDPS Z3, Z1, Z1
	VADDPS Z1, Z0, Z0
	VADDPS Z6, Z4, Z4
	VADDPS Z7, Z5, Z5
	VADDPS Z5, Z4, Z4
	VADDPS Z10, Z8, Z8
	VADDPS Z11, Z9, Z9
	VADDPS Z9, Z8, Z8
	// The three horizontal sums together: halve each to 256 bits, then
	// three VHADDPS leave [a·b, a·a, b·b, b·b] in each 128-bit lane.
	VEXTRACTF64X4 $1, Z0, Y1
	VADDPS        Y1, Y0, Y0
	VEXTRACTF64X4 $1, Z4, Y5
	VADDPS        Y5, Y4, Y4
	VEXTRACTF64X4 $1, Z8, Y9
	VADDPS        Y9, Y8, Y8
	VHADDPS       Y4, Y0, Y0
	VHADDPS       Y8, Y8, Y8
	VHADDPS       Y8, Y0, Y0
	VEXTRACTF128  $1, Y0, X1
	VADDPS        X1, X0, X0
	VZEROUPPER
	MOVSS         X0, dot+48(FP)
	VEXTRACTPS    $1, X0, aa+52(FP)
	VEXTRACTPS    $2, X0, bb+56(FP)
	RET

// Bit kernels over uint64 words: VPOPCNTQ counts the bits of each of the
// eight words of a ZMM register. Main loop of 32 words into four
// accumulators, up to three whole 8-word blocks, then one K-masked block.

// TAILMASK8 sets K1 to the low CX bits (CX < 8).
#define TAILMASK8 MOVL $1, AX; SHLL CX, AX; DECL AX; KMOVW AX, K1

// HSUMQ_ZX adds the eight quadwords of z into the low quadword of x (y is
// z's lower half). Clobbers Z1.
#define HSUMQ_ZX(z, y, x) \
	VEXTRACTI64X4 $1, z, Y1; \
	VPADDQ        Y1, y, y; \
	VEXTRACTI128  $1, y, X1; \
	VPADDQ        X1, x, x; \
	VPSHUFD       $0x4e, x, X1; \
	VPADDQ        X1, x, x

#define HAM_STEP(off, acc) \
	VMOVDQU64 off(SI), Z16; \
	VPXORQ    off(DI), Z16, Z16; \
	VPOPCNTQ  Z16, Z16; \
	VPADDQ    Z16, acc, acc

// func hammingAVX512(a, b []uint64) int
TEXT ·hammingAVX512(SB), NOSPLIT, $0-56
	PAIR_ARGS
	VPXORQ Z0, Z0, Z0
	VPXORQ Z2, Z2, Z2
	VPXORQ Z3, Z3, Z3
	VPXORQ Z4, Z4, Z4
	CMPQ   CX, $32
	JLT    rem

loop32:
	HAM_STEP(0, Z0)
	HAM_STEP(64, Z2)
	HAM_STEP(128, Z3)
	HAM_STEP(192, Z4)
	ADDQ $256, SI
	ADDQ $256, DI
	SUBQ $32, CX
	CMPQ CX, $32
	JGE  loop32

rem:
	CMPQ CX, $8
	JLT  tail
	HAM_STEP(0, Z0)
	CMPQ CX, $16
	JLT  tail
	HAM_STEP(64, Z2)
	CMPQ CX, $24
	JLT  tail
	HAM_STEP(128, Z3)

tail:
	MOVQ CX, AX
	ANDQ $-8, AX
	ANDQ $7, CX
	JEQ  reduce
	LEAQ (SI)(AX*8), SI
	LEAQ (DI)(AX*8), DI
	TAILMASK8
	VMOVDQU64.Z (SI), K1, Z16
	VMOVDQU64.Z (DI), K1, Z17
	VPXORQ      Z17, Z16, Z16
	VPOPCNTQ    Z16, Z16
	VPADDQ      Z16, Z4, Z4

reduce:
	VPADDQ Z3, Z0, Z0
	VPADDQ Z4, Z2, Z2
	VPADDQ Z2, Z0, Z0
	HSUMQ_ZX(Z0, Y0, X0)
	VMOVQ  X0, AX
	VZEROUPPER
	MOVQ   AX, ret+48(FP)
	RET

// Jaccard needs |a∧b| and |a∨b|: two popcounts per block, two accumulators
// per block column (Z0/Z2 and Z3/Z4 for a∧b, Z5/Z6 and Z7/Z8 for a∨b).
#define JAC_STEP(off, and, or) \
	VMOVDQU64 off(SI), Z16; \
	VMOVDQU64 off(DI), Z17; \
	VPANDQ    Z17, Z16, Z18; \
	VPORQ     Z17, Z16, Z19; \
	VPOPCNTQ  Z18, Z18; \
	VPOPCNTQ  Z19, Z19; \
	VPADDQ    Z18, and, and; \
	VPADDQ    Z19, or, or

// func jaccardCountsAVX512(a, b []uint64) (and, or int)
TEXT ·jaccardCountsAVX512(SB), NOSPLIT, $0-64
	PAIR_ARGS
	VPXORQ Z0, Z0, Z0
	VPXORQ Z2, Z2, Z2
	VPXORQ Z3, Z3, Z3
	VPXORQ Z4, Z4, Z4
	VPXORQ Z5, Z5, Z5
	VPXORQ Z6, Z6, Z6
	VPXORQ Z7, Z7, Z7
	VPXORQ Z8, Z8, Z8
	CMPQ   CX, $32
	JLT    rem

loop32:
	JAC_STEP(0, Z0, Z5)
	JAC_STEP(64, Z2, Z6)
	JAC_STEP(128, Z3, Z7)
	JAC_STEP(192, Z4, Z8)
	ADDQ $256, SI
	ADDQ $256, DI
	SUBQ $32, CX
	CMPQ CX, $32
	JGE  loop32

rem:
	CMPQ CX, $8
	JLT  tail
	JAC_STEP(0, Z0, Z5)
	CMPQ CX, $16
	JLT  tail
	JAC_STEP(64, Z2, Z6)
	CMPQ CX, $24
	JLT  tail
	JAC_STEP(128, Z3, Z7)

tail:
	MOVQ CX, AX
	ANDQ $-8, AX
	ANDQ $7, CX
	JEQ  reduce
	LEAQ (SI)(AX*8), SI
	LEAQ (DI)(AX*8), DI
	TAILMASK8
	VMOVDQU64.Z (SI), K1, Z16
	VMOVDQU64.Z (DI), K1, Z17
	VPANDQ      Z17, Z16, Z18
	VPORQ       Z17, Z16, Z19
	VPOPCNTQ    Z18, Z18
	VPOPCNTQ    Z19, Z19
	VPADDQ      Z18, Z4, Z4
	VPADDQ      Z19, Z8, Z8

reduce:
	VPADDQ Z3, Z0, Z0
	VPADDQ Z4, Z2, Z2
	VPADDQ Z2, Z0, Z0
	VPADDQ Z7, Z5, Z5
	VPADDQ Z8, Z6, Z6
	VPADDQ Z6, Z5, Z5
	HSUMQ_ZX(Z0, Y0, X0)
	HSUMQ_ZX(Z5, Y5, X5)
	VMOVQ  X0, AX
	VMOVQ  X5, BX
	VZEROUPPER
	MOVQ   AX, and+48(FP)
	MOVQ   BX, or+56(FP)
	RET

// Batch kernels; asm_amd64.h has the contract, register use and prefetch.

// BATCH512(STEP, MASKED) is the whole batch loop around FLOAT512.
#define BATCH512(STEP, MASKED) \
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
	FLOAT512(STEP, MASKED); \
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

// func dotBatchAVX512(q *float32, dim int, arena *float32, stride int, nvec int, ids *uint32, out *float32, n int)
TEXT ·dotBatchAVX512(SB), NOSPLIT, $0-64
	BATCH_ARGS
	BATCH512(DOT_STEP, DOT_MASKED)
	VZEROUPPER
	RET

// func l2SquaredBatchAVX512(q *float32, dim int, arena *float32, stride int, nvec int, ids *uint32, out *float32, n int)
TEXT ·l2SquaredBatchAVX512(SB), NOSPLIT, $0-64
	BATCH_ARGS
	BATCH512(L2_STEP, L2_MASKED)
	VZEROUPPER
	RET

// func l1BatchAVX512(q *float32, dim int, arena *float32, stride int, nvec int, ids *uint32, out *float32, n int)
TEXT ·l1BatchAVX512(SB), NOSPLIT, $0-64
	BATCH_ARGS
	L1_MASK512
	BATCH512(L1_STEP, L1_MASKED)
	VZEROUPPER
	RET
