package distance_test

import (
	"fmt"
	"math"

	"github.com/smallworld-go/smallworld/distance"
)

func ExampleDot() {
	a := []float32{1, 2, 3}
	b := []float32{4, 5, 6}
	fmt.Println(distance.Dot(a, b))
	// Output: 32
}

func ExampleL2Squared() {
	a := []float32{1, 2, 3}
	b := []float32{4, 6, 3}
	fmt.Println(distance.L2Squared(a, b))
	// Output: 25
}

func ExampleL1() {
	a := []float32{1, 2, 3}
	b := []float32{4, 6, 3}
	fmt.Println(distance.L1(a, b))
	// Output: 7
}

func ExampleCosine() {
	x := []float32{1, 0}
	fmt.Println(distance.Cosine(x, []float32{2, 0}))  // same direction
	fmt.Println(distance.Cosine(x, []float32{0, 3}))  // orthogonal
	fmt.Println(distance.Cosine(x, []float32{-1, 0})) // opposite
	// A zero vector has no direction: the distance is NaN, as in pgvector.
	fmt.Println(math.IsNaN(float64(distance.Cosine(x, []float32{0, 0}))))
	// Output:
	// 0
	// 1
	// 2
	// true
}

func ExampleHamming() {
	a := []uint64{0b1011}
	b := []uint64{0b0110}
	fmt.Println(distance.Hamming(a, b))
	// Output: 3
}

func ExampleJaccard() {
	a := []uint64{0b1110}
	b := []uint64{0b0111}
	// |a∧b| = 2, |a∨b| = 4.
	fmt.Println(distance.Jaccard(a, b))
	// Two empty sets are at distance 1, as in pgvector.
	fmt.Println(distance.Jaccard([]uint64{0}, []uint64{0}))
	// Output:
	// 0.5
	// 1
}

// The batch kernels compute one query against many vectors of an arena, the
// way a graph walk scores a node's neighbours.
func ExampleL2SquaredBatch() {
	const dim, stride = 2, 2
	arena := []float32{
		0, 0, // id 0
		3, 4, // id 1
		1, 1, // id 2
	}
	q := []float32{0, 0}
	ids := []uint32{1, 2, 7} // id 7 is past the end of the arena
	out := make([]float32, len(ids))
	distance.L2SquaredBatch(q, arena, stride, ids, out)
	fmt.Println(out)
	// Output: [25 2 NaN]
}

// For returns one tier's kernels, for example to compare tiers or to pin
// one in a benchmark.
func ExampleFor() {
	for _, isa := range distance.Supported() {
		k, err := distance.For(isa)
		if err != nil {
			fmt.Println(err)
			return
		}
		if k.Dot([]float32{1, 2}, []float32{3, 4}) != 11 {
			fmt.Println(isa, "is wrong")
		}
	}
	fmt.Println("every supported tier agrees")
	// Output: every supported tier agrees
}

func ExampleParseISA() {
	isa, err := distance.ParseISA("AVX2")
	fmt.Println(isa, err)
	_, err = distance.ParseISA("neon")
	fmt.Println(err)
	// Output:
	// avx2 <nil>
	// distance: unknown SIMD tier "neon" (want generic, avx2 or avx512)
}
