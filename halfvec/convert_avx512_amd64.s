//go:build amd64 && !purego

// AVX-512 bulk conversions. Whole vectors of sixteen, then a masked tail: a
// masked-off lane is neither read nor written, so nothing past either slice is
// touched.

#include "textflag.h"

// Overflow test on |x| as an unsigned integer: 65520 (0x477ff000) ≤ |x| <
// +Inf (0x7f800000) means a finite value that would round to ±Inf.
// Z29 = abs mask, Z30 = 0x477ff000, Z31 = 0x7f800000.
#define OVERFLOW_CONSTANTS \
	MOVL $0x7fffffff, AX; \
	VPBROADCASTD AX, Z29; \
	MOVL $0x477ff000, AX; \
	VPBROADCASTD AX, Z30; \
	MOVL $0x7f800000, AX; \
	VPBROADCASTD AX, Z31

// OVERFLOW_MASK sets the bits of mask register k for the lanes of x that
// overflow; it clobbers t.
#define OVERFLOW_MASK(x, t, k) \
	VPANDD Z29, x, t; \
	VPCMPUD $5, Z30, t, k; \
	VPCMPUD $1, Z31, t, k, k

// func encodeAVX512(dst *Float16, src *float32, n int) int
//
// It converts with round to nearest even (immediate 0) and stops before the
// first block (of 32, 16 or the tail) that holds an overflowing value. It
// returns how many elements it converted.
TEXT ·encodeAVX512(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ CX, BX
	OVERFLOW_CONSTANTS

loop32:
	CMPQ CX, $32
	JB loop16
	VMOVUPS (SI), Z0
	VMOVUPS 64(SI), Z1
	OVERFLOW_MASK(Z0, Z2, K1)
	OVERFLOW_MASK(Z1, Z3, K2)
	KORTESTW K1, K2
	JNZ loop16 // let the 16-wide loop find which half overflows
	VCVTPS2PH $0, Z0, (DI)
	VCVTPS2PH $0, Z1, 32(DI)
	ADDQ $128, SI
	ADDQ $64, DI
	SUBQ $32, CX
	JMP loop32

loop16:
	CMPQ CX, $16
	JB tail
	VMOVUPS (SI), Z0
	OVERFLOW_MASK(Z0, Z2, K1)
	KORTESTW K1, K1
	JNZ done
	VCVTPS2PH $0, Z0, (DI)
	ADDQ $64, SI
	ADDQ $32, DI
	SUBQ $16, CX
	JMP loop16

tail:
	TESTQ CX, CX
	JZ done
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K3
	VMOVUPS.Z (SI), K3, Z0
	OVERFLOW_MASK(Z0, Z2, K1)
	KORTESTW K1, K1
	JNZ done
	VCVTPS2PH $0, Z0, K3, (DI)
	XORQ CX, CX

done:
	VZEROUPPER
	SUBQ CX, BX
	MOVQ BX, ret+24(FP)
	RET

// func decodeAVX512(dst *float32, src *Float16, n int) int
//
// It widens all n elements and returns n.
TEXT ·decodeAVX512(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ CX, BX

loop64:
	CMPQ CX, $64
	JB loop16
	VCVTPH2PS (SI), Z0
	VCVTPH2PS 32(SI), Z1
	VCVTPH2PS 64(SI), Z2
	VCVTPH2PS 96(SI), Z3
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	VMOVUPS Z2, 128(DI)
	VMOVUPS Z3, 192(DI)
	ADDQ $128, SI
	ADDQ $256, DI
	SUBQ $64, CX
	JMP loop64

loop16:
	CMPQ CX, $16
	JB tail
	VCVTPH2PS (SI), Z0
	VMOVUPS Z0, (DI)
	ADDQ $32, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP loop16

tail:
	TESTQ CX, CX
	JZ done
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K1
	VMOVDQU16.Z (SI), K1, Y0
	VCVTPH2PS Y0, Z0
	VMOVUPS Z0, K1, (DI)
	XORQ CX, CX

done:
	VZEROUPPER
	SUBQ CX, BX
	MOVQ BX, ret+24(FP)
	RET
