//go:build !purego

#include "textflag.h"

// func prefetchFloats(p *float32, n int)
//
// PREFETCHT0 of the n floats at p with the batch kernels' policy (one line in
// every 512 bytes, plus the last; see BATCH_PREFETCH in asm_amd64.h): the
// building block of the "Go loop around a pair kernel" batch strategy, which
// the gather benchmark compares with the all-assembly batch loops.
TEXT ·prefetchFloats(SB), NOSPLIT, $0-16
	MOVQ p+0(FP), DX
	MOVQ n+8(FP), BX
	LEAQ (DX)(BX*4), BX
	CMPQ DX, BX
	JAE  done
	PREFETCHT0 -1(BX)

loop:
	PREFETCHT0 (DX)
	ADDQ       $512, DX
	CMPQ       DX, BX
	JB         loop

done:
	RET
