//go:build !purego

#include "textflag.h"

// func pool16AVX2(x *float32, blocks int, fine *float32, coarse *float32, pf *float32) (xx, ff, cc float32)
//
// Pools blocks·16 floats of x (see poolBlocks in pool_amd64.go): fine
// receives 4 group sums of 4 floats per block, times 0.5 = 1/√4, and coarse
// one sum of 16 floats per block, times 0.25 = 1/√16 (both scalings exact).
// It returns ‖x‖², ‖fine‖² and ‖coarse‖² of what it wrote.
//
// Two blocks (32 floats, Y4–Y7) per iteration: two rounds of VHADDPS leave
// the eight group sums of 4 in Y10 in the order g0 g2 g4 g6 | g1 g3 g5 g7
// (gk = floats 4k…4k+3), each added as (x0+x1)+(x2+x3), and they are stored
// in that order: the order of the pooled components is irrelevant to the
// distances between pooled vectors as long as it is always the same. A
// third VHADDPS and a fold of the 128-bit halves give the two sums of 16 as
// (g0+g2)+(g1+g3) and (g4+g6)+(g5+g7). A last odd block is pooled the same
// way into g0 g2 g1 g3.
//
// pf, if not nil, is memory to prefetch meanwhile (the row pooled a few
// rows later): one PREFETCHT0 per 64 bytes of x read, at the same offset
// from pf, so a caller walking rows keeps several in flight.
//
// Registers: SI = x, CX = blocks left, DI = fine, DX = coarse, BX = pf (or
// a dummy line when nil); Y0 and Y1
// accumulate ‖x‖², Y2 ‖fine‖², X3 ‖coarse‖²; Y4–Y12 are temporaries;
// Y14 = 0.5, Y15 = 0.25.
TEXT ·pool16AVX2(SB), NOSPLIT, $0-52
	MOVQ         x+0(FP), SI
	MOVQ         blocks+8(FP), CX
	MOVQ         fine+16(FP), DI
	MOVQ         coarse+24(FP), DX
	MOVQ         pf+32(FP), BX
	MOVQ         $64, R8
	TESTQ        BX, BX
	JNE          havepf
	// No prefetch wanted: prefetch x itself, already being read, and
	// never advance (a prefetch never faults anyway).
	MOVQ         SI, BX
	XORQ         R8, R8

havepf:
	VXORPS       Y0, Y0, Y0
	VXORPS       Y1, Y1, Y1
	VXORPS       Y2, Y2, Y2
	VXORPS       Y3, Y3, Y3
	MOVL         $0x3f000000, AX
	VMOVD        AX, X14
	VBROADCASTSS X14, Y14
	MOVL         $0x3e800000, AX
	VMOVD        AX, X15
	VBROADCASTSS X15, Y15
	CMPQ         CX, $2
	JLT          single

pair:
	PREFETCHT0   (BX)
	PREFETCHT0   (BX)(R8*1)
	LEAQ         (BX)(R8*2), BX
	VMOVUPS      (SI), Y4
	VMOVUPS      32(SI), Y5
	VMOVUPS      64(SI), Y6
	VMOVUPS      96(SI), Y7
	VFMADD231PS  Y4, Y4, Y0
	VFMADD231PS  Y5, Y5, Y1
	VFMADD231PS  Y6, Y6, Y0
	VFMADD231PS  Y7, Y7, Y1
	VHADDPS      Y5, Y4, Y8
	VHADDPS      Y7, Y6, Y9
	VHADDPS      Y9, Y8, Y10
	VMULPS       Y14, Y10, Y11
	VMOVUPS      Y11, (DI)
	VFMADD231PS  Y11, Y11, Y2
	VHADDPS      Y10, Y10, Y12
	VEXTRACTF128 $1, Y12, X9
	VADDPS       X9, X12, X12
	VMULPS       X15, X12, X12
	VMOVQ        X12, X12
	VMOVQ        X12, (DX)
	VMULPS       X12, X12, X12
	VADDPS       X12, X3, X3
	ADDQ         $128, SI
	ADDQ         $32, DI
	ADDQ         $8, DX
	SUBQ         $2, CX
	CMPQ         CX, $2
	JGE          pair

single:
	// Fold the accumulators to 128 bits: the scalar and 128-bit
	// instructions below would clear their upper halves.
	VADDPS       Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X9
	VADDPS       X9, X0, X0
	VEXTRACTF128 $1, Y2, X9
	VADDPS       X9, X2, X2
	TESTQ        CX, CX
	JEQ          done
	VMOVUPS      (SI), Y4
	VMOVUPS      32(SI), Y5
	VMULPS       Y4, Y4, Y6
	VFMADD231PS  Y5, Y5, Y6
	VEXTRACTF128 $1, Y6, X9
	VADDPS       X9, X6, X6
	VADDPS       X6, X0, X0
	VHADDPS      Y5, Y4, Y8
	VHADDPS      Y8, Y8, Y10
	VEXTRACTF128 $1, Y10, X11
	VUNPCKLPD    X11, X10, X11
	VMULPS       X14, X11, X12
	VMOVUPS      X12, (DI)
	VFMADD231PS  X12, X12, X2
	VHADDPS      X11, X11, X12
	VHADDPS      X12, X12, X12
	VMULSS       X15, X12, X12
	VMOVSS       X12, (DX)
	VMULSS       X12, X12, X12
	VADDSS       X12, X3, X3

done:
	// Horizontal sums: ‖x‖² in X0, ‖fine‖² in X2, ‖coarse‖² (in lanes
	// 0 and 1; 2 and 3 are zero) in X3.
	VHADDPS      X0, X0, X0
	VHADDPS      X0, X0, X0
	VHADDPS      X2, X2, X2
	VHADDPS      X2, X2, X2
	VHADDPS      X3, X3, X3
	VHADDPS      X3, X3, X3
	VZEROUPPER
	MOVSS        X0, xx+40(FP)
	MOVSS        X2, ff+44(FP)
	MOVSS        X3, cc+48(FP)
	RET

// func prefetchL2(p *float32, n int)
//
// PREFETCHT1 (into L2) of one 64-byte line in four of the n floats at p
// (the hardware prefetchers fetch the rest once a stream is under way):
// warms a base block a worker will pool next while it computes on the
// current one, or rows the exact re-rank will read.
TEXT ·prefetchL2(SB), NOSPLIT, $0-16
	MOVQ       p+0(FP), DX
	MOVQ       n+8(FP), BX
	LEAQ       (DX)(BX*4), BX
	CMPQ       DX, BX
	JAE        pfdone

pfloop:
	PREFETCHT1 (DX)
	ADDQ       $256, DX
	CMPQ       DX, BX
	JB         pfloop

pfdone:
	RET

// func filter2AVX512(l0, l1 *float32, n int, t0, t1 float32, ids *uint32) int
//
// Writes to ids, in order, every r < n with l0[r] ≤ t0 or l1[r] ≤ t1 (a NaN
// never passes), and returns how many: 16 rows per step, two compares into
// mask registers and one VPCOMPRESSD of the row numbers. The last n mod 16
// rows are loaded under a mask (no read past either slice). Each step
// stores 16 ids whatever the count, so ids needs room for n + 16.
TEXT ·filter2AVX512(SB), NOSPLIT, $0-48
	MOVQ         l0+0(FP), SI
	MOVQ         l1+8(FP), DI
	MOVQ         n+16(FP), R12
	VBROADCASTSS t0+24(FP), Z0
	VBROADCASTSS t1+28(FP), Z1
	MOVQ         ids+32(FP), DX
	XORQ         AX, AX               // rows done
	XORQ         BX, BX               // ids written
	VMOVDQU32    iota16<>(SB), Z2     // the row numbers of the current step
	MOVL         $16, R8
	VPBROADCASTD R8, Z3

loop:
	MOVQ         R12, CX
	SUBQ         AX, CX
	JLE          done
	MOVL         $0xffff, R10
	CMPQ         CX, $16
	JGE          whole
	MOVL         $1, R10
	SHLL         CX, R10
	DECL         R10

whole:
	KMOVW        R10, K1
	VMOVUPS.Z    (SI)(AX*4), K1, Z6
	VMOVUPS.Z    (DI)(AX*4), K1, Z7
	VCMPPS       $2, Z0, Z6, K1, K2   // l0 ≤ t0, ordered
	VCMPPS       $2, Z1, Z7, K1, K3
	KORW         K2, K3, K2
	VPCOMPRESSD  Z2, K2, Z8
	VMOVDQU32    Z8, (DX)(BX*4)
	KMOVW        K2, R11
	POPCNTL      R11, R11
	ADDQ         R11, BX
	VPADDD       Z3, Z2, Z2
	ADDQ         $16, AX
	JMP          loop

done:
	VZEROUPPER
	MOVQ         BX, ret+40(FP)
	RET

DATA iota16<>+0(SB)/4, $0
DATA iota16<>+4(SB)/4, $1
DATA iota16<>+8(SB)/4, $2
DATA iota16<>+12(SB)/4, $3
DATA iota16<>+16(SB)/4, $4
DATA iota16<>+20(SB)/4, $5
DATA iota16<>+24(SB)/4, $6
DATA iota16<>+28(SB)/4, $7
DATA iota16<>+32(SB)/4, $8
DATA iota16<>+36(SB)/4, $9
DATA iota16<>+40(SB)/4, $10
DATA iota16<>+44(SB)/4, $11
DATA iota16<>+48(SB)/4, $12
DATA iota16<>+52(SB)/4, $13
DATA iota16<>+56(SB)/4, $14
DATA iota16<>+60(SB)/4, $15
GLOBL iota16<>(SB), RODATA|NOPTR, $64
