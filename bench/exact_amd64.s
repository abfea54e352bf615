//go:build !purego

#include "textflag.h"

// func exactL2AVX2(a, b *float32, n int) float64
//
// exactL2's arithmetic, four elements at a time: lane k of Y0 is exactL2's
// running sum s_k of elements k, k+4, k+8, …; each difference and square
// is rounded to float64 separately (VSUBPD, VMULPD, VADDPD: no fused
// multiply-add), elements past the last multiple of four go to s0 one by
// one, and the result is (s0+s1)+(s2+s3). The bits are therefore exactly
// those of the Go loop, on every machine.
TEXT ·exactL2AVX2(SB), NOSPLIT, $0-32
	MOVQ         a+0(FP), SI
	MOVQ         b+8(FP), DI
	MOVQ         n+16(FP), CX

	// b is usually a base row long out of cache (a candidate of the exact
	// re-rank), a the query, in cache: ask for all of b's lines at once
	// rather than let the misses ramp up one after another.
	LEAQ         (DI)(CX*4), DX
	MOVQ         DI, AX

prefetch:
	CMPQ         AX, DX
	JAE          start
	PREFETCHT0   (AX)
	ADDQ         $64, AX
	JMP          prefetch

start:
	VXORPD       Y0, Y0, Y0
	MOVQ         CX, DX
	ANDQ         $-4, DX
	SHLQ         $2, DX
	XORQ         AX, AX
	TESTQ        DX, DX
	JEQ          fold

loop:
	VCVTPS2PD    (SI)(AX*1), Y1
	VCVTPS2PD    (DI)(AX*1), Y2
	VSUBPD       Y2, Y1, Y1
	VMULPD       Y1, Y1, Y1
	VADDPD       Y1, Y0, Y0
	ADDQ         $16, AX
	CMPQ         AX, DX
	JLT          loop

fold:
	// X0 = (s0, s1), X3 = (s2, s3). The scalar steps below keep the
	// upper lane of X0.
	VEXTRACTF128 $1, Y0, X3
	SHLQ         $2, CX

tail:
	CMPQ         AX, CX
	JGE          done
	VCVTSS2SD    (SI)(AX*1), X1, X1
	VCVTSS2SD    (DI)(AX*1), X2, X2
	VSUBSD       X2, X1, X1
	VMULSD       X1, X1, X1
	VADDSD       X1, X0, X0
	ADDQ         $4, AX
	JMP          tail

done:
	VUNPCKHPD    X0, X0, X1
	VADDSD       X1, X0, X0
	VUNPCKHPD    X3, X3, X1
	VADDSD       X1, X3, X3
	VADDSD       X3, X0, X0
	VZEROUPPER
	MOVSD        X0, ret+24(FP)
	RET
