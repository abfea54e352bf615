// Macros shared by the assembly tiers. Kept in a header because go vet's
// asmdecl check attributes a macro's (FP) references to whichever TEXT
// precedes the #define.

// PAIR_ARGS loads the bases of two slice arguments a and b into SI and DI
// and min(len(a), len(b)) into CX.
#define PAIR_ARGS \
	MOVQ    a_base+0(FP), SI; \
	MOVQ    a_len+8(FP), CX; \
	MOVQ    b_base+24(FP), DI; \
	MOVQ    b_len+32(FP), AX; \
	CMPQ    AX, CX; \
	CMOVQLT AX, CX

// Batch kernels: one query against the vectors of an arena. The Go wrapper
// (batchAsm) has validated the geometry and passes nvec, the number of whole
// vectors in the arena, so an id is valid iff id < nvec and id·stride cannot
// overflow.
//
// Register use: R8 = query, R9 = dim, R10 = arena, R11 = stride in bytes,
// R12 = nvec, R13 = ids cursor, R14 = out cursor, R15 = ids left,
// DX = prefetch cursor, BX = prefetch end.

// BATCH_ARGS loads the arguments of
// func(q *float32, dim int, arena *float32, stride int, nvec int, ids *uint32, out *float32, n int).
#define BATCH_ARGS \
	MOVQ q+0(FP), R8; \
	MOVQ dim+8(FP), R9; \
	MOVQ arena+16(FP), R10; \
	MOVQ stride+24(FP), R11; \
	SHLQ $2, R11; \
	MOVQ nvec+32(FP), R12; \
	MOVQ ids+40(FP), R13; \
	MOVQ out+48(FP), R14; \
	MOVQ n+56(FP), R15

// BATCH_PREFETCH_NEXT prefetches (PREFETCHT0, into L1) every cache line of
// the vector of ids[1] when there is one and it is valid. It runs before the
// current vector is computed: a graph walk visits vectors in random order,
// each a cache miss, and this lets the next vector's misses overlap the
// current vector's work instead of following it. A prefetch never faults;
// an invalid id is skipped only to avoid useless traffic.
#define BATCH_PREFETCH_NEXT \
	CMPQ       R15, $1; \
	JLE        prefetched; \
	MOVL       4(R13), DX; \
	CMPQ       DX, R12; \
	JAE        prefetched; \
	IMULQ      R11, DX; \
	ADDQ       R10, DX; \
	LEAQ       (DX)(R9*4), BX; \
	CMPQ       DX, BX; \
	JAE        prefetched; \
	PREFETCHT0 -1(BX); \
prefetch: \
	PREFETCHT0 (DX); \
	ADDQ       $64, DX; \
	CMPQ       DX, BX; \
	JB         prefetch; \
prefetched:
