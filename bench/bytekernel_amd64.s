//go:build !purego

#include "textflag.h"

// The byte path's kernels (see bytekernel.go for what they compute and
// bytetruth.go for why). AVX-512 F/BW plus VNNI.

// Index for VPERMD in byteKeys4x4VNNI: dword 4r+q ← c[r].
DATA byteRowIdx<>+0(SB)/4, $0
DATA byteRowIdx<>+4(SB)/4, $0
DATA byteRowIdx<>+8(SB)/4, $0
DATA byteRowIdx<>+12(SB)/4, $0
DATA byteRowIdx<>+16(SB)/4, $1
DATA byteRowIdx<>+20(SB)/4, $1
DATA byteRowIdx<>+24(SB)/4, $1
DATA byteRowIdx<>+28(SB)/4, $1
DATA byteRowIdx<>+32(SB)/4, $2
DATA byteRowIdx<>+36(SB)/4, $2
DATA byteRowIdx<>+40(SB)/4, $2
DATA byteRowIdx<>+44(SB)/4, $2
DATA byteRowIdx<>+48(SB)/4, $3
DATA byteRowIdx<>+52(SB)/4, $3
DATA byteRowIdx<>+56(SB)/4, $3
DATA byteRowIdx<>+60(SB)/4, $3
GLOBL byteRowIdx<>(SB), RODATA|NOPTR, $64

// 0…15, the row indices of a group in byteBoundAVX512.
DATA byteIota<>+0(SB)/4, $0
DATA byteIota<>+4(SB)/4, $1
DATA byteIota<>+8(SB)/4, $2
DATA byteIota<>+12(SB)/4, $3
DATA byteIota<>+16(SB)/4, $4
DATA byteIota<>+20(SB)/4, $5
DATA byteIota<>+24(SB)/4, $6
DATA byteIota<>+28(SB)/4, $7
DATA byteIota<>+32(SB)/4, $8
DATA byteIota<>+36(SB)/4, $9
DATA byteIota<>+40(SB)/4, $10
DATA byteIota<>+44(SB)/4, $11
DATA byteIota<>+48(SB)/4, $12
DATA byteIota<>+52(SB)/4, $13
DATA byteIota<>+56(SB)/4, $14
DATA byteIota<>+60(SB)/4, $15
GLOBL byteIota<>(SB), RODATA|NOPTR, $64

// Index for VPERMD in bytePackAVX512: after VPACKUSDW and VPACKUSWB of
// four vectors d0–d3, dword 4j+m holds lane j of dm; this puts it at 4m+j.
DATA bytePackIdx<>+0(SB)/4, $0
DATA bytePackIdx<>+4(SB)/4, $4
DATA bytePackIdx<>+8(SB)/4, $8
DATA bytePackIdx<>+12(SB)/4, $12
DATA bytePackIdx<>+16(SB)/4, $1
DATA bytePackIdx<>+20(SB)/4, $5
DATA bytePackIdx<>+24(SB)/4, $9
DATA bytePackIdx<>+28(SB)/4, $13
DATA bytePackIdx<>+32(SB)/4, $2
DATA bytePackIdx<>+36(SB)/4, $6
DATA bytePackIdx<>+40(SB)/4, $10
DATA bytePackIdx<>+44(SB)/4, $14
DATA bytePackIdx<>+48(SB)/4, $3
DATA bytePackIdx<>+52(SB)/4, $7
DATA bytePackIdx<>+56(SB)/4, $11
DATA bytePackIdx<>+60(SB)/4, $15
GLOBL bytePackIdx<>(SB), RODATA|NOPTR, $64

// func byteKeys4x4VNNI(q *byte, x *byte, stride int, tiles int, c *int32, thr *int32, shift int, keys *int32, masks *uint16, rows *int32)
//
// For each tile t of four base rows, x + rows[4t+r]·stride (r = 0…3), and
// the four queries q + j·stride (j = 0…3), stride a multiple of 64:
//
//	D[r][j] = Σ_i x[r][i] · int8(q[j][i])           (VPDPBUSD, u8 × s8)
//	keys[16t + 4r + j] = c[4t+r] − (D[r][j] << shift)
//	bit 4r+j of masks[t] = keys[16t+4r+j] ≤ thr[j]   (signed)
//
// The rows come through a list so that the caller can score only the rows
// its bound did not rule out (see byteBound); c is in the list's order.
//
// Register tile: Z0–Z15 accumulate D for (j, r) in Z(4j+r); Z16–Z19 hold
// 64 bytes of each query, Z20–Z23 of each row. Each step of 64 bytes is 8
// loads and 16 VPDPBUSD, so the loop is bound by the multiply-add rate.
//
// The sixteen 16-lane accumulators are then summed horizontally in four
// rounds that each halve the number of registers, keeping the partial sums
// of different accumulators in different lanes: 512 → 256-bit halves
// (VINSERTI64X4/VSHUFI64X2), 128-bit lanes (VSHUFI64X2), quadwords
// (VPUNPCK[LH]QDQ), dwords (VSHUFPS). The result has D[r][j] in dword
// 4r+j, which is the order of keys and of the mask bits.
//
// All arithmetic is on int32 and wraps; the caller bounds the dimension so
// that every key is exactly representable (see byteMaxDim), and then the
// wrapped intermediate values do not matter.
//
// Registers: DI = q, R13 = x, R8 = stride, R9 = 3·stride, R14 = steps per
// row, R12 = the row list; per tile DX, SI, R10, R11 point into the four
// rows, BX into the queries, CX counts the steps.
// The tile count and the c, keys and masks cursors live in the argument
// slots.
TEXT ·byteKeys4x4VNNI(SB), NOSPLIT, $0-80
	MOVQ q+0(FP), DI
	MOVQ x+8(FP), R13
	MOVQ stride+16(FP), R8
	MOVQ thr+40(FP), AX
	MOVQ rows+72(FP), R12
	LEAQ (R8)(R8*2), R9          // 3·stride
	MOVQ R8, R14
	SHRQ $6, R14                 // 64-byte steps per row
	VBROADCASTI32X4 (AX), Z28    // thresholds, thr[j] in dword 4r+j
	VPBROADCASTD shift+48(FP), Z29
	VMOVDQU32 byteRowIdx<>(SB), Z30
	CMPQ tiles+24(FP), $0
	JLE done

tile:
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	MOVLQSX 0(R12), DX
	IMULQ R8, DX
	ADDQ R13, DX
	MOVLQSX 4(R12), SI
	IMULQ R8, SI
	ADDQ R13, SI
	MOVLQSX 8(R12), R10
	IMULQ R8, R10
	ADDQ R13, R10
	MOVLQSX 12(R12), R11
	IMULQ R8, R11
	ADDQ R13, R11
	MOVQ DI, BX                  // query cursor
	MOVQ R14, CX

step:
	VMOVDQU8 (BX), Z16
	VMOVDQU8 (BX)(R8*1), Z17
	VMOVDQU8 (BX)(R8*2), Z18
	VMOVDQU8 (BX)(R9*1), Z19
	VMOVDQU8 (DX), Z20
	VMOVDQU8 (SI), Z21
	VMOVDQU8 (R10), Z22
	VMOVDQU8 (R11), Z23
	VPDPBUSD Z16, Z20, Z0
	VPDPBUSD Z16, Z21, Z1
	VPDPBUSD Z16, Z22, Z2
	VPDPBUSD Z16, Z23, Z3
	VPDPBUSD Z17, Z20, Z4
	VPDPBUSD Z17, Z21, Z5
	VPDPBUSD Z17, Z22, Z6
	VPDPBUSD Z17, Z23, Z7
	VPDPBUSD Z18, Z20, Z8
	VPDPBUSD Z18, Z21, Z9
	VPDPBUSD Z18, Z22, Z10
	VPDPBUSD Z18, Z23, Z11
	VPDPBUSD Z19, Z20, Z12
	VPDPBUSD Z19, Z21, Z13
	VPDPBUSD Z19, Z22, Z14
	VPDPBUSD Z19, Z23, Z15
	ADDQ $64, BX
	ADDQ $64, DX
	ADDQ $64, SI
	ADDQ $64, R10
	ADDQ $64, R11
	DECQ CX
	JNZ step

	// Round 1: Z(2m), Z(2m+1) → Zm, 256-bit halves: lanes 0–7 partial
	// sums of Z(2m), lanes 8–15 of Z(2m+1).
	VINSERTI64X4 $1, Y1, Z0, Z24
	VSHUFI64X2 $0xEE, Z1, Z0, Z25
	VINSERTI64X4 $1, Y3, Z2, Z26
	VSHUFI64X2 $0xEE, Z3, Z2, Z27
	VPADDD Z24, Z25, Z0
	VPADDD Z26, Z27, Z1
	VINSERTI64X4 $1, Y5, Z4, Z24
	VSHUFI64X2 $0xEE, Z5, Z4, Z25
	VINSERTI64X4 $1, Y7, Z6, Z26
	VSHUFI64X2 $0xEE, Z7, Z6, Z27
	VPADDD Z24, Z25, Z2
	VPADDD Z26, Z27, Z3
	VINSERTI64X4 $1, Y9, Z8, Z24
	VSHUFI64X2 $0xEE, Z9, Z8, Z25
	VINSERTI64X4 $1, Y11, Z10, Z26
	VSHUFI64X2 $0xEE, Z11, Z10, Z27
	VPADDD Z24, Z25, Z4
	VPADDD Z26, Z27, Z5
	VINSERTI64X4 $1, Y13, Z12, Z24
	VSHUFI64X2 $0xEE, Z13, Z12, Z25
	VINSERTI64X4 $1, Y15, Z14, Z26
	VSHUFI64X2 $0xEE, Z15, Z14, Z27
	VPADDD Z24, Z25, Z6
	VPADDD Z26, Z27, Z7

	// Round 2: Z(2p), Z(2p+1) → Zp, 128-bit lane k a partial sum of
	// accumulator 4p+k.
	VSHUFI64X2 $0x88, Z1, Z0, Z24
	VSHUFI64X2 $0xDD, Z1, Z0, Z25
	VSHUFI64X2 $0x88, Z3, Z2, Z26
	VSHUFI64X2 $0xDD, Z3, Z2, Z27
	VPADDD Z24, Z25, Z0
	VPADDD Z26, Z27, Z1
	VSHUFI64X2 $0x88, Z5, Z4, Z24
	VSHUFI64X2 $0xDD, Z5, Z4, Z25
	VSHUFI64X2 $0x88, Z7, Z6, Z26
	VSHUFI64X2 $0xDD, Z7, Z6, Z27
	VPADDD Z24, Z25, Z2
	VPADDD Z26, Z27, Z3

	// Round 3: quadwords. Lane k of Zs: dwords 0–1 of accumulator 8s+k,
	// dwords 2–3 of 8s+4+k.
	VPUNPCKLQDQ Z1, Z0, Z24
	VPUNPCKHQDQ Z1, Z0, Z25
	VPUNPCKLQDQ Z3, Z2, Z26
	VPUNPCKHQDQ Z3, Z2, Z27
	VPADDD Z24, Z25, Z0
	VPADDD Z26, Z27, Z1

	// Round 4: dwords. Dword 4k+t = accumulator 4t+k = D[k][t].
	VSHUFPS $0x88, Z1, Z0, Z24
	VSHUFPS $0xDD, Z1, Z0, Z25
	VPADDD Z24, Z25, Z0

	// keys = c[r] − D << shift, compared with thr[j].
	MOVQ c+32(FP), DX
	VMOVDQU32 (DX), X26
	VPERMD Z26, Z30, Z26
	VPSLLVD Z29, Z0, Z0
	VPSUBD Z0, Z26, Z0
	VPCMPD $2, Z28, Z0, K1
	MOVQ keys+56(FP), DX
	VMOVDQU32 Z0, (DX)
	MOVQ masks+64(FP), DX
	KMOVW K1, BX
	MOVW BX, (DX)

	ADDQ $16, R12
	ADDQ $16, c+32(FP)
	ADDQ $64, keys+56(FP)
	ADDQ $2, masks+64(FP)
	DECQ tiles+24(FP)
	JNZ tile

done:
	VZEROUPPER
	RET

// func byteSegNormsAVX512(dst *float32, src *int32, n int)
//
// dst[i] = √src[i] for n a multiple of 16: one rounding in the conversion
// (exact below 2²⁴) and one in the square root, the correctly rounded
// float32 norm.
TEXT ·byteSegNormsAVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $4, CX
	JEQ normsdone

norms:
	VCVTDQ2PS (SI), Z0
	VSQRTPS Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ norms

normsdone:
	VZEROUPPER
	RET

// func byteBoundAVX512(xseg *float32, ldx int, groups int, nseg int, qseg *float32, ldq int, cx *float32, scale float32, thr *float32, cin *int32, rows *int32, cout *int32) int
//
// The byte path's lower bound (see byteBound in bytekernel.go): for each
// group g of sixteen base rows r = 16g…16g+15 and the four queries j,
//
//	D[r][j] = Σ_s xseg[s·ldx + r] · qseg[s·ldq + j]   over s < nseg
//	v[r][j] = cx[r] − scale·D[r][j]
//
// and row r is kept when v[r][j] ≤ thr[j] for some j: its index goes to
// rows and cin[r] to cout, in order (VPCOMPRESSD). It returns how many
// rows it kept; rows and cout need sixteen elements of room beyond that.
// A NaN in cx drops the row whatever the thresholds.
//
// The segment norms are stored segment by segment, sixteen rows to a
// vector, so each segment is one load and four FMAs with the query's norm
// broadcast from memory; there is no horizontal sum.
//
// Registers: SI = this group's norms, R8 = ldx·4, R9 = nseg, DI = qseg,
// R11 = ldq·4, R12 = cx, BX = cin, R13 = rows, R14 = cout, DX = rows
// kept; AX, CX, R10 walk the segments. Z24–Z27 = thr[j], Z28 = scale, Z29 = the
// rows' indices, Z30 = 16.
TEXT ·byteBoundAVX512(SB), NOSPLIT, $0-104
	MOVQ xseg+0(FP), SI
	MOVQ ldx+8(FP), R8
	SHLQ $2, R8
	MOVQ nseg+24(FP), R9
	MOVQ qseg+32(FP), DI
	MOVQ ldq+40(FP), R11
	SHLQ $2, R11
	MOVQ cx+48(FP), R12
	VBROADCASTSS scale+56(FP), Z28
	MOVQ thr+64(FP), AX
	VBROADCASTSS 0(AX), Z24
	VBROADCASTSS 4(AX), Z25
	VBROADCASTSS 8(AX), Z26
	VBROADCASTSS 12(AX), Z27
	MOVQ cin+72(FP), BX
	MOVQ rows+80(FP), R13
	MOVQ cout+88(FP), R14
	VMOVDQU32 byteIota<>(SB), Z29
	MOVL $16, AX
	VPBROADCASTD AX, Z30
	XORQ DX, DX
	CMPQ groups+16(FP), $0
	JLE bounddone

boundgroup:
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	MOVQ SI, AX
	MOVQ DI, CX
	MOVQ R9, R10
	TESTQ R10, R10
	JEQ boundsum

boundseg:
	VMOVUPS (AX), Z4
	VFMADD231PS.BCST 0(CX), Z4, Z0
	VFMADD231PS.BCST 4(CX), Z4, Z1
	VFMADD231PS.BCST 8(CX), Z4, Z2
	VFMADD231PS.BCST 12(CX), Z4, Z3
	ADDQ R8, AX
	ADDQ R11, CX
	DECQ R10
	JNZ boundseg

boundsum:
	VMOVUPS (R12), Z5
	VMOVAPS Z5, Z6
	VFNMADD231PS Z28, Z0, Z6     // cx − scale·D
	VCMPPS $2, Z24, Z6, K1       // ≤ thr[0]
	VMOVAPS Z5, Z6
	VFNMADD231PS Z28, Z1, Z6
	VCMPPS $2, Z25, Z6, K2
	VMOVAPS Z5, Z6
	VFNMADD231PS Z28, Z2, Z6
	VCMPPS $2, Z26, Z6, K3
	VMOVAPS Z5, Z6
	VFNMADD231PS Z28, Z3, Z6
	VCMPPS $2, Z27, Z6, K4
	KORW K1, K2, K1
	KORW K3, K4, K3
	KORW K1, K3, K1
	VPCOMPRESSD Z29, K1, Z7
	VMOVDQU32 Z7, (R13)
	VMOVDQU32 (BX), Z8
	VPCOMPRESSD Z8, K1, Z9
	VMOVDQU32 Z9, (R14)
	KMOVW K1, AX
	POPCNTL AX, AX
	ADDQ AX, DX
	LEAQ (R13)(AX*4), R13
	LEAQ (R14)(AX*4), R14
	VPADDD Z30, Z29, Z29
	ADDQ $64, SI
	ADDQ $64, R12
	ADDQ $64, BX
	DECQ groups+16(FP)
	JNZ boundgroup

bounddone:
	MOVQ DX, ret+96(FP)
	VZEROUPPER
	RET

// SEGSUM stores at (AX) the sum of the sixteen dwords of Z24, a segment's
// Σx² in bytePackAVX512; it changes Z24 and Z25.
#define SEGSUM \
	VEXTRACTI64X4 $1, Z24, Y25; \
	VPADDD Y25, Y24, Y24; \
	VEXTRACTI32X4 $1, Y24, X25; \
	VPADDD X25, X24, X24; \
	VPSHUFD $0x4E, X24, X25; \
	VPADDD X25, X24, X24; \
	VPSHUFD $0xB1, X24, X25; \
	VPADDD X25, X24, X24; \
	VMOVD X24, (AX)

// func bytePackAVX512(src *float32, dim int, rows int, dst *byte, stride int, sq *int32, sum *int32, seg *float32, segRow int, segStep int) bool
//
// Converts rows × dim float32 (row-major, dim apart) to bytes, row r at
// dst + r·stride, writing dim rounded up to 16 bytes per row (zeros past
// dim), and stores Σx² in sq[r] and Σx in sum[r]. Segment s of row r, the
// norm √(Σx²) of its components 64s…64s+63 (the last segment, s = dim/64,
// holds the dim%64 left over, or none), goes to seg + r·segRow + s·segStep
// (bytes) as float32: exact sums, one rounding in the conversion (the sums
// are below 2²⁴) and one in the square root. It reports whether every
// value was an integer in [0, 255], checked without a compare per vector:
//
//   - VCVTTPS2DQ and back must give the same float: Z23 collects the OR of
//     the XOR of the two, and must end up 0 outside the sign bits (−0
//     converts to +0, the one value whose sign may change; a NaN converts
//     to 0x80000000, which converts back to −2³¹);
//   - the integer must be at most 255 unsigned (negative values and
//     VCVTTPS2DQ's out-of-range 0x80000000 are not): Z22 collects the OR of
//     all of them, which is at most 255 only if each one is.
//
// When the check fails the bytes written are meaningless.
//
// The main loop takes 64 floats at a time: four conversions, narrowed
// with two saturating packs (exact for valid values) and one VPERMD to
// restore the order, and stored as one 64-byte vector; Σx² comes from
// VPMADDWD of the 16-bit packs with themselves and Σx from VPSADBW of the
// bytes. (A VPMOVDB store, a VPMULLD and two compares into mask registers
// per 16 floats ran at 57 GB/s from L2; this runs at 92.) Each such step
// is a segment: its Σx² is summed horizontally there, which the loop,
// bound by memory, absorbs (a square root there as well cost 20%). The
// rest of a row goes 16 floats at a time, then one masked step, its
// squares summed apart (Z19) for the last segment. Each step prefetches
// the four lines 4 KB ahead: the hardware prefetcher alone kept a pass
// over Fashion-MNIST at 21 GB/s, this at 36–40.
//
// Registers: SI = src row, DI = dst row, CX = steps, R13 = 64-float steps
// per row, R14 = 16-float steps after them, AX = the row's next segment
// norm (the row's first in the frame slot segrow), K2 = the mask of the
// last partial step, Z31 = 255, Z28 = bytePackIdx, Z27 = 0; Z29
// accumulates Σx in dwords and Z26 in qwords, Z30 Σx² in dwords.
TEXT ·bytePackAVX512(SB), NOSPLIT, $8-81
	MOVQ src+0(FP), SI
	MOVQ dim+8(FP), R8
	MOVQ rows+16(FP), R10
	MOVQ dst+24(FP), DI
	MOVQ stride+32(FP), R9
	MOVQ sq+40(FP), R11
	MOVQ sum+48(FP), R12
	MOVL $255, AX
	VPBROADCASTD AX, Z31
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23
	// K2: the low dim%16 lanes.
	MOVQ R8, CX
	ANDQ $15, CX
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K2
	MOVQ R8, R13
	SHRQ $6, R13                 // 64-float steps per row
	MOVQ R8, R14
	SHRQ $4, R14
	ANDQ $3, R14                 // 16-float steps after them
	VMOVDQU32 bytePackIdx<>(SB), Z28
	VPXORD Z27, Z27, Z27
	MOVQ seg+56(FP), AX
	MOVQ AX, segrow-8(SP)
	TESTQ R10, R10
	JEQ packdone

packrow:
	VPXORD Z29, Z29, Z29
	VPXORD Z30, Z30, Z30
	VPXORQ Z26, Z26, Z26
	VPXORD Z19, Z19, Z19
	MOVQ segrow-8(SP), AX
	MOVQ SI, BX
	MOVQ DI, DX
	MOVQ R13, CX
	TESTQ CX, CX
	JEQ pack16

pack64:
	PREFETCHT0 4096(BX)
	PREFETCHT0 4160(BX)
	PREFETCHT0 4224(BX)
	PREFETCHT0 4288(BX)
	VMOVUPS (BX), Z0
	VMOVUPS 64(BX), Z1
	VMOVUPS 128(BX), Z2
	VMOVUPS 192(BX), Z3
	VCVTTPS2DQ Z0, Z4
	VCVTTPS2DQ Z1, Z5
	VCVTTPS2DQ Z2, Z6
	VCVTTPS2DQ Z3, Z7
	VCVTDQ2PS Z4, Z8
	VCVTDQ2PS Z5, Z9
	VCVTDQ2PS Z6, Z10
	VCVTDQ2PS Z7, Z11
	VPTERNLOGD $0xF6, Z8, Z0, Z23  // Z23 |= Z0 ^ Z8
	VPTERNLOGD $0xF6, Z9, Z1, Z23
	VPTERNLOGD $0xF6, Z10, Z2, Z23
	VPTERNLOGD $0xF6, Z11, Z3, Z23
	VPTERNLOGD $0xFE, Z5, Z4, Z22  // Z22 |= Z4 | Z5
	VPTERNLOGD $0xFE, Z7, Z6, Z22
	VPACKUSDW Z5, Z4, Z12
	VPACKUSDW Z7, Z6, Z13
	VPMADDWD Z12, Z12, Z20
	VPMADDWD Z13, Z13, Z21
	VPADDD Z20, Z21, Z24
	VPADDD Z24, Z30, Z30
	VPACKUSWB Z13, Z12, Z14
	VPERMD Z14, Z28, Z14
	VPSADBW Z27, Z14, Z15
	VPADDQ Z15, Z26, Z26
	VMOVDQU8 Z14, (DX)
	// This step's Σx², summed across, is a segment's.
	SEGSUM
	ADDQ segStep+72(FP), AX
	ADDQ $256, BX
	ADDQ $64, DX
	DECQ CX
	JNZ pack64

pack16:
	MOVQ R14, CX
	TESTQ CX, CX
	JEQ packtail

packstep:
	VMOVUPS (BX), Z0
	VCVTTPS2DQ Z0, Z1
	VCVTDQ2PS Z1, Z2
	VPTERNLOGD $0xF6, Z2, Z0, Z23
	VPORD Z1, Z22, Z22
	VPMOVDB Z1, (DX)
	VPADDD Z1, Z29, Z29
	VPMULLD Z1, Z1, Z3
	VPADDD Z3, Z19, Z19
	ADDQ $64, BX
	ADDQ $16, DX
	DECQ CX
	JNZ packstep

packtail:
	KORTESTW K2, K2
	JEQ packsums
	// Masked-off lanes load as 0.0, which passes the check and packs to 0.
	VMOVUPS.Z (BX), K2, Z0
	VCVTTPS2DQ Z0, Z1
	VCVTDQ2PS Z1, Z2
	VPTERNLOGD $0xF6, Z2, Z0, Z23
	VPORD Z1, Z22, Z22
	VPMOVDB Z1, (DX)
	VPADDD Z1, Z29, Z29
	VPMULLD Z1, Z1, Z3
	VPADDD Z3, Z19, Z19

packsums:
	// The last segment: what the 16-float steps and the tail squared.
	VPADDD Z19, Z30, Z30
	VMOVDQA64 Z19, Z24
	SEGSUM
	MOVQ segrow-8(SP), AX
	ADDQ segRow+64(FP), AX
	MOVQ AX, segrow-8(SP)

	VPMOVQD Z26, Y25             // each qword sum is far below 2³¹
	VEXTRACTI64X4 $1, Z29, Y0
	VPADDD Y0, Y29, Y0
	VPADDD Y25, Y0, Y0
	VEXTRACTI64X4 $1, Z30, Y1
	VPADDD Y1, Y30, Y1
	VEXTRACTI128 $1, Y0, X2
	VPADDD X2, X0, X0
	VEXTRACTI128 $1, Y1, X3
	VPADDD X3, X1, X1
	VPSHUFD $0x4E, X0, X2
	VPADDD X2, X0, X0
	VPSHUFD $0x4E, X1, X3
	VPADDD X3, X1, X1
	VPSHUFD $0xB1, X0, X2
	VPADDD X2, X0, X0
	VPSHUFD $0xB1, X1, X3
	VPADDD X3, X1, X1
	VMOVD X0, CX
	MOVL CX, (R12)
	VMOVD X1, CX
	MOVL CX, (R11)
	LEAQ (SI)(R8*4), SI
	ADDQ R9, DI
	ADDQ $4, R11
	ADDQ $4, R12
	DECQ R10
	JNZ packrow

packdone:
	// ok = no lane of Z22 above 255 and no lane of Z23 with a bit set
	// outside the sign bit.
	VPCMPUD $6, Z31, Z22, K1     // Z22 > 255
	MOVL $0x7fffffff, AX
	VPBROADCASTD AX, Z24
	VPTESTMD Z24, Z23, K3        // Z23 & 0x7fffffff ≠ 0
	KORW K1, K3, K1
	KORTESTW K1, K1
	SETEQ ret+80(FP)
	VZEROUPPER
	RET
