//go:build !purego

#include "textflag.h"
#include "block_amd64.h"

// Panel kernels, AVX2 tier: the AVX-512 loop (panel_avx512_amd64.s) with a
// panel split over two YMM registers and tiles of 4 queries × 1 panel, pair
// (query q, half h) in Y(2q+h). Per element: 2 loads of the panel's column
// (Y8, Y9), 4 broadcasts, 8 FMAs. AVX2 has no masked store that is
// guaranteed not to fault, so a partial last panel goes out through the
// 64-byte frame, one float at a time.
//
// Registers: DI = panel, SI = first query of the tile, R12 = the panel,
// R8–R11 = the queries, AX = k, BX = k·64, CX = dim, DX/R13–R15 scratch.

#define PANEL2_LOAD \
	VMOVUPS (R12)(BX*1), Y8; \
	VMOVUPS 32(R12)(BX*1), Y9

#define DOTP2_Q(qr, a0, a1) \
	VBROADCASTSS (qr)(AX*4), Y10; \
	VFMADD231PS  Y10, Y8, a0; \
	VFMADD231PS  Y10, Y9, a1

#define L2P2_Q(qr, a0, a1) \
	VBROADCASTSS (qr)(AX*4), Y10; \
	VSUBPS       Y10, Y8, Y11; \
	VSUBPS       Y10, Y9, Y12; \
	VFMADD231PS  Y11, Y11, a0; \
	VFMADD231PS  Y12, Y12, a1

#define DOTP2_STEP \
	PANEL2_LOAD; \
	DOTP2_Q(R8, Y0, Y1); \
	DOTP2_Q(R9, Y2, Y3); \
	DOTP2_Q(R10, Y4, Y5); \
	DOTP2_Q(R11, Y6, Y7)

#define L2P2_STEP \
	PANEL2_LOAD; \
	L2P2_Q(R8, Y0, Y1); \
	L2P2_Q(R9, Y2, Y3); \
	L2P2_Q(R10, Y4, Y5); \
	L2P2_Q(R11, Y6, Y7)

// PANEL2_STORE stores query SI+l's 16 results (a0, a1) at R14, all of them
// or, when fewer than 16 vectors are left (CX), the first CX through the
// frame; then it advances R14 by a row of out (R15).
#define PANEL2_STORE(l, a0, a1, part, copy, next, done) \
	LEAQ    l(SI), DX; \
	CMPQ    DX, nq+8(FP); \
	JGE     done; \
	CMPQ    CX, $16; \
	JLT     part; \
	VMOVUPS a0, (R14); \
	VMOVUPS a1, 32(R14); \
	JMP     next; \
part: \
	LEAQ    buf-64(SP), R13; \
	VMOVUPS a0, (R13); \
	VMOVUPS a1, 32(R13); \
	XORQ    DX, DX; \
copy: \
	MOVL    (R13)(DX*4), BX; \
	MOVL    BX, (R14)(DX*4); \
	INCQ    DX; \
	CMPQ    DX, CX; \
	JLT     copy; \
next: \
	ADDQ    R15, R14

#define PANELS256(STEP) \
	XORQ    DI, DI; \
rows: \
	MOVQ    dim+16(FP), DX; \
	SHLQ    $6, DX; \
	MOVQ    DI, R12; \
	IMULQ   DX, R12; \
	ADDQ    panels+24(FP), R12; \
	XORQ    SI, SI; \
queries: \
	BLK_QPTR(0, R8); \
	BLK_QPTR(1, R9); \
	BLK_QPTR(2, R10); \
	BLK_QPTR(3, R11); \
	VXORPS  Y0, Y0, Y0; \
	VXORPS  Y1, Y1, Y1; \
	VXORPS  Y2, Y2, Y2; \
	VXORPS  Y3, Y3, Y3; \
	VXORPS  Y4, Y4, Y4; \
	VXORPS  Y5, Y5, Y5; \
	VXORPS  Y6, Y6, Y6; \
	VXORPS  Y7, Y7, Y7; \
	MOVQ    dim+16(FP), CX; \
	XORQ    AX, AX; \
	XORQ    BX, BX; \
loop: \
	STEP; \
	INCQ    AX; \
	ADDQ    $64, BX; \
	CMPQ    AX, CX; \
	JLT     loop; \
	MOVQ    n+32(FP), R15; \
	SHLQ    $2, R15; \
	MOVQ    SI, R14; \
	IMULQ   R15, R14; \
	ADDQ    out+40(FP), R14; \
	MOVQ    DI, DX; \
	SHLQ    $6, DX; \
	ADDQ    DX, R14; \
	MOVQ    DI, CX; \
	SHLQ    $4, CX; \
	NEGQ    CX; \
	ADDQ    n+32(FP), CX; \
	PANEL2_STORE(0, Y0, Y1, part0, copy0, next0, stored); \
	PANEL2_STORE(1, Y2, Y3, part1, copy1, next1, stored); \
	PANEL2_STORE(2, Y4, Y5, part2, copy2, next2, stored); \
	PANEL2_STORE(3, Y6, Y7, part3, copy3, next3, stored); \
stored: \
	ADDQ    $4, SI; \
	CMPQ    SI, nq+8(FP); \
	JLT     queries; \
	INCQ    DI; \
	MOVQ    n+32(FP), CX; \
	ADDQ    $15, CX; \
	SHRQ    $4, CX; \
	CMPQ    DI, CX; \
	JLT     rows; \
	VZEROUPPER

// func dotPanelsAVX2(q *float32, nq, dim int, panels *float32, n int, out *float32)
TEXT ·dotPanelsAVX2(SB), NOSPLIT, $64-48
	PANELS256(DOTP2_STEP)
	RET

// func l2SquaredPanelsAVX2(q *float32, nq, dim int, panels *float32, n int, out *float32)
TEXT ·l2SquaredPanelsAVX2(SB), NOSPLIT, $64-48
	PANELS256(L2P2_STEP)
	RET
