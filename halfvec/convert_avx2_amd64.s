//go:build amd64 && !purego

// F16C bulk conversions for the AVX2 tier. They handle whole blocks of eight
// elements and leave the rest (and any block with an overflow) to the Go
// caller, which finishes with the generic converter.

#include "textflag.h"

// Overflow test on |x| as an integer: finite and ≥ 65520 (0x477ff000) means
// the value would round to ±Inf. Signed compares are fine because |x| has a
// clear sign bit. Y13 = abs mask, Y14 = 0x477fefff (65520's predecessor),
// Y15 = 0x7f800000 (+Inf).
#define OVERFLOW_CONSTANTS \
	MOVL $0x7fffffff, AX; \
	VMOVD AX, X13; \
	VPBROADCASTD X13, Y13; \
	MOVL $0x477fefff, AX; \
	VMOVD AX, X14; \
	VPBROADCASTD X14, Y14; \
	MOVL $0x7f800000, AX; \
	VMOVD AX, X15; \
	VPBROADCASTD X15, Y15

// OVERFLOW_MASK sets lanes of m whose float32 in x overflows; it clobbers t.
#define OVERFLOW_MASK(x, t, m) \
	VPAND Y13, x, t; \
	VPCMPGTD Y14, t, m; \
	VPCMPGTD t, Y15, t; \
	VPAND t, m, m

// func encodeAVX2(dst *Float16, src *float32, n int) int
//
// It converts eight elements at a time, round to nearest even (immediate 0),
// and stops before the first block of eight that holds an overflowing value.
// It returns how many elements it converted: a multiple of eight.
TEXT ·encodeAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ CX, BX
	OVERFLOW_CONSTANTS

loop16:
	CMPQ CX, $16
	JB loop8
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	OVERFLOW_MASK(Y0, Y2, Y3)
	OVERFLOW_MASK(Y1, Y4, Y5)
	VPOR Y5, Y3, Y3
	VPTEST Y3, Y3
	JNZ loop8 // let the 8-wide loop find which half overflows
	VCVTPS2PH $0, Y0, (DI)
	VCVTPS2PH $0, Y1, 16(DI)
	ADDQ $64, SI
	ADDQ $32, DI
	SUBQ $16, CX
	JMP loop16

loop8:
	CMPQ CX, $8
	JB done
	VMOVUPS (SI), Y0
	OVERFLOW_MASK(Y0, Y2, Y3)
	VPTEST Y3, Y3
	JNZ done
	VCVTPS2PH $0, Y0, (DI)
	ADDQ $32, SI
	ADDQ $16, DI
	SUBQ $8, CX
	JMP loop8

done:
	VZEROUPPER
	SUBQ CX, BX
	MOVQ BX, ret+24(FP)
	RET

// func decodeAVX2(dst *float32, src *Float16, n int) int
//
// It widens eight elements at a time and returns how many it converted: n
// rounded down to a multiple of eight.
TEXT ·decodeAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ CX, BX

loop32:
	CMPQ CX, $32
	JB loop8
	VCVTPH2PS (SI), Y0
	VCVTPH2PS 16(SI), Y1
	VCVTPH2PS 32(SI), Y2
	VCVTPH2PS 48(SI), Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ $64, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JMP loop32

loop8:
	CMPQ CX, $8
	JB done
	VCVTPH2PS (SI), Y0
	VMOVUPS Y0, (DI)
	ADDQ $16, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP loop8

done:
	VZEROUPPER
	SUBQ CX, BX
	MOVQ BX, ret+24(FP)
	RET
