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
//
// While vector i is computed, vector i+2 is prefetched; see BATCH_PREFETCH.

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

// BATCH_PREFETCH(ahead, loop, done) prefetches the vector of ids[ahead], if
// there is one and it is valid, into L1 (PREFETCHT0). loop and done are label
// names, distinct for each use in one function.
//
// Two choices here were measured (distance.BenchmarkGather and a CPU-time
// harness; 100,000 × 768 arena, random ids, Zen 5):
//
//   - One prefetch per 512 bytes (every eighth cache line) plus the last
//     line, not one per line. The hardware stream prefetchers fill in the
//     lines between, and the few software prefetches neither take load-port
//     slots from the kernel nor hold the fill buffers its own loads need:
//     at 768 dims a gather was 20% faster than with every line prefetched,
//     and an in-cache batch 15% faster (no slower than with no prefetch).
//   - Two vectors ahead (ids[i+2] while computing ids[i]; ids[1] before the
//     loop) rather than one: another 10-15% on the gather, because a cold
//     768-d vector takes longer to arrive than one kernel takes to run.
//
// A prefetch never faults; an invalid id is skipped only to avoid useless
// memory traffic.
#define BATCH_PREFETCH(ahead, loop, done) \
	CMPQ       R15, $ahead; \
	JLE        done; \
	MOVL       (ahead*4)(R13), DX; \
	CMPQ       DX, R12; \
	JAE        done; \
	IMULQ      R11, DX; \
	ADDQ       R10, DX; \
	LEAQ       (DX)(R9*4), BX; \
	CMPQ       DX, BX; \
	JAE        done; \
	PREFETCHT0 -1(BX); \
loop: \
	PREFETCHT0 (DX); \
	ADDQ       $512, DX; \
	CMPQ       DX, BX; \
	JB         loop; \
done:
