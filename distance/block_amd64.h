// Macros shared by the block kernels of both assembly tiers (see
// block_avx512_amd64.s for the layout of the loops). Both tiers keep DI =
// first vector of the tile and SI = first query of the tile, and use CX and
// DX as scratch.

// Arguments of func(q *float32, nq, dim int, arena *float32, stride int, ids *uint32, n int, out *float32).

// BLK_ROWPTR sets reg to vector min(DI+t, n−1) of the tile: arena +
// ids[j]·stride (or j·stride when ids is nil) floats. dense is a label name
// unique to each use.
#define BLK_ROWPTR(t, reg, dense) \
	LEAQ    t(DI), CX; \
	MOVQ    n+48(FP), DX; \
	DECQ    DX; \
	CMPQ    CX, DX; \
	CMOVQGT DX, CX; \
	MOVQ    ids+40(FP), DX; \
	TESTQ   DX, DX; \
	JEQ     dense; \
	MOVL    (DX)(CX*4), CX; \
dense: \
	MOVQ    stride+32(FP), DX; \
	IMULQ   DX, CX; \
	MOVQ    arena+24(FP), reg; \
	LEAQ    (reg)(CX*4), reg

// BLK_QPTR sets reg to query min(SI+t, nq−1).
#define BLK_QPTR(t, reg) \
	LEAQ    t(SI), CX; \
	MOVQ    nq+8(FP), DX; \
	DECQ    DX; \
	CMPQ    CX, DX; \
	CMOVQGT DX, CX; \
	MOVQ    dim+16(FP), DX; \
	IMULQ   DX, CX; \
	MOVQ    q+0(FP), reg; \
	LEAQ    (reg)(CX*4), reg

