//go:build !purego

#include "textflag.h"
#include "block_amd64.h"

// Panel kernels, AVX-512 tier (see PanelFunc; panel_amd64.go validates the
// geometry first).
//
// A tile is 4 queries × 2 panels (32 vectors): 8 accumulators, pair (query
// q, panel h) in Z(2q+h), each lane a different vector. Per element k: the
// two panels' 16-float columns (Z20, Z21) and the four queries' element k
// broadcast to every lane (Z16–Z19) feed 8 FMAs (and 8 subtractions for
// L2, which Zen 4/5 run on the FADD pipes): FMA-bound, with no horizontal
// reduction at the end, so a pair costs dim/16 FMA slots.
//
// Edges: a missing fourth query points at the last query and is not
// stored; a missing second panel points at the last panel and is stored
// through an empty mask. Results leave through the masks K2 (panel 0) and
// K3 (panel 1), one bit per real vector, so nothing is written past n in a
// query's row of out, nor anywhere past out.
//
// Registers: DI = first panel of the tile, SI = first query of the tile,
// R12/R13 = the two panels, R8–R11 = the queries, AX = k, BX = k·64 (the
// offset of column k in a panel), CX = dim, DX/R14/R15 scratch.

// PANEL_MASK sets mask k to the low CX bits (all 16 for CX ≥ 16, none for
// CX ≤ 0). done is a label name unique to each use.
#define PANEL_MASK(k, done) \
	XORL DX, DX; \
	CMPQ CX, $0; \
	JLE  done; \
	MOVL $0xffff, DX; \
	CMPQ CX, $16; \
	JGE  done; \
	MOVL $1, DX; \
	SHLL CX, DX; \
	DECL DX; \
done: \
	KMOVW DX, k

#define PANEL_LOAD \
	VMOVUPS      (R12)(BX*1), Z20; \
	VMOVUPS      (R13)(BX*1), Z21; \
	VBROADCASTSS (R8)(AX*4), Z16; \
	VBROADCASTSS (R9)(AX*4), Z17; \
	VBROADCASTSS (R10)(AX*4), Z18; \
	VBROADCASTSS (R11)(AX*4), Z19

#define DOTP_Q(qz, a0, a1) \
	VFMADD231PS qz, Z20, a0; \
	VFMADD231PS qz, Z21, a1

#define L2P_Q(qz, a0, a1) \
	VSUBPS      qz, Z20, Z24; \
	VSUBPS      qz, Z21, Z25; \
	VFMADD231PS Z24, Z24, a0; \
	VFMADD231PS Z25, Z25, a1

#define DOTP_STEP \
	PANEL_LOAD; \
	DOTP_Q(Z16, Z0, Z1); \
	DOTP_Q(Z17, Z2, Z3); \
	DOTP_Q(Z18, Z4, Z5); \
	DOTP_Q(Z19, Z6, Z7)

#define L2P_STEP \
	PANEL_LOAD; \
	L2P_Q(Z16, Z0, Z1); \
	L2P_Q(Z17, Z2, Z3); \
	L2P_Q(Z18, Z4, Z5); \
	L2P_Q(Z19, Z6, Z7)

// PANEL_STORE stores query SI+l's two results (a0, a1) at R14 + l·R15, if
// that query exists.
#define PANEL_STORE(l, a0, a1, done) \
	LEAQ    l(SI), DX; \
	CMPQ    DX, nq+8(FP); \
	JGE     done; \
	VMOVUPS a0, K2, (R14); \
	VMOVUPS a1, K3, 64(R14); \
	ADDQ    R15, R14

#define PANELS512(STEP) \
	XORQ    DI, DI; \
rows: \
	MOVQ    dim+16(FP), DX; \
	SHLQ    $6, DX; \
	MOVQ    DI, R12; \
	IMULQ   DX, R12; \
	ADDQ    panels+24(FP), R12; \
	MOVQ    R12, R13; \
	MOVQ    n+32(FP), CX; \
	ADDQ    $15, CX; \
	SHRQ    $4, CX; \
	LEAQ    1(DI), R14; \
	CMPQ    R14, CX; \
	JGE     onepanel; \
	ADDQ    DX, R13; \
onepanel: \
	MOVQ    DI, CX; \
	SHLQ    $4, CX; \
	NEGQ    CX; \
	ADDQ    n+32(FP), CX; \
	PANEL_MASK(K2, mask2); \
	SUBQ    $16, CX; \
	PANEL_MASK(K3, mask3); \
	XORQ    SI, SI; \
queries: \
	BLK_QPTR(0, R8); \
	BLK_QPTR(1, R9); \
	BLK_QPTR(2, R10); \
	BLK_QPTR(3, R11); \
	VXORPS  X0, X0, X0; \
	VXORPS  X1, X1, X1; \
	VXORPS  X2, X2, X2; \
	VXORPS  X3, X3, X3; \
	VXORPS  X4, X4, X4; \
	VXORPS  X5, X5, X5; \
	VXORPS  X6, X6, X6; \
	VXORPS  X7, X7, X7; \
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
	PANEL_STORE(0, Z0, Z1, stored); \
	PANEL_STORE(1, Z2, Z3, stored); \
	PANEL_STORE(2, Z4, Z5, stored); \
	PANEL_STORE(3, Z6, Z7, stored); \
stored: \
	ADDQ    $4, SI; \
	CMPQ    SI, nq+8(FP); \
	JLT     queries; \
	ADDQ    $2, DI; \
	MOVQ    n+32(FP), CX; \
	ADDQ    $15, CX; \
	SHRQ    $4, CX; \
	CMPQ    DI, CX; \
	JLT     rows; \
	VZEROUPPER

// func dotPanelsAVX512(q *float32, nq, dim int, panels *float32, n int, out *float32)
TEXT ·dotPanelsAVX512(SB), NOSPLIT, $0-48
	PANELS512(DOTP_STEP)
	RET

// func l2SquaredPanelsAVX512(q *float32, nq, dim int, panels *float32, n int, out *float32)
TEXT ·l2SquaredPanelsAVX512(SB), NOSPLIT, $0-48
	PANELS512(L2P_STEP)
	RET
