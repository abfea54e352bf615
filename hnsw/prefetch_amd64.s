//go:build amd64 && !purego

#include "textflag.h"

// func prefetchRows(base *uint32, ids []uint32, stride, lines uintptr)
TEXT ·prefetchRows(SB), NOSPLIT, $0-48
	MOVQ base+0(FP), SI
	MOVQ ids_base+8(FP), DI
	MOVQ ids_len+16(FP), CX
	MOVQ stride+32(FP), R8
	MOVQ lines+40(FP), R9
	TESTQ CX, CX
	JZ   done
	TESTQ R9, R9
	JZ   done

next:
	MOVL (DI), AX
	IMULQ R8, AX
	ADDQ SI, AX
	MOVQ R9, DX

line:
	PREFETCHT0 (AX)
	ADDQ $64, AX
	DECQ DX
	JNZ  line
	ADDQ $4, DI
	DECQ CX
	JNZ  next

done:
	RET
