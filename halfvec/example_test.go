package halfvec_test

import (
	"errors"
	"fmt"

	"github.com/smallworld-go/smallworld/halfvec"
)

func ExampleFromFloat32() {
	h, err := halfvec.FromFloat32(0.1)
	fmt.Println(h, err)

	// 65519 rounds down to the largest half; 65520 would round to
	// infinity, which pgvector rejects.
	h, _ = halfvec.FromFloat32(65519)
	fmt.Println(h)
	_, err = halfvec.FromFloat32(65520)
	fmt.Println(err)
	// Output:
	// 0.099975586 <nil>
	// 65504
	// value out of range: overflow
}

func ExampleEncode() {
	src := []float32{1, 0.5, -2.25, 70000, 3}
	dst := make([]halfvec.Float16, len(src))
	n, err := halfvec.Encode(dst, src)
	fmt.Println(n, dst[:n])

	var oe *halfvec.OverflowError
	if errors.As(err, &oe) {
		fmt.Println("element", oe.Index, "does not fit:", errors.Is(err, halfvec.ErrOverflow))
	}
	// Output:
	// 3 [1 0.5 -2.25]
	// element 3 does not fit: true
}

func ExampleDot() {
	a, _ := halfvec.FromSlice([]float32{1, 2, 3})
	b, _ := halfvec.FromSlice([]float32{4, -5, 6})
	fmt.Println(halfvec.Dot(a, b))

	// A float32 query against stored halves.
	fmt.Println(halfvec.DotF32([]float32{0.5, 0.5, 0.5}, b))
	// Output:
	// 12
	// 2.5
}

func ExampleDotBatchF32() {
	// Three stored 2-d vectors, one after another.
	arena, _ := halfvec.FromSlice([]float32{1, 0, 0, 1, 1, 1})
	q := []float32{2, 3}
	out := make([]float32, 3)
	halfvec.DotBatchF32(q, arena, 2, []uint32{2, 0, 7}, out)
	fmt.Println(out) // id 7 is past the arena
	// Output:
	// [5 2 NaN]
}
