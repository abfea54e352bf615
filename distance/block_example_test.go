package distance_test

import (
	"fmt"

	"github.com/smallworld-go/smallworld/distance"
)

// Two queries against three vectors stored back to back: one call fills the
// 2 × 3 matrix of squared distances, row by row.
func ExampleL2SquaredBlock() {
	queries := []float32{
		0, 0,
		1, 1,
	}
	vectors := []float32{
		1, 0,
		3, 4,
		1, 1,
	}
	out := make([]float32, 2*3)
	distance.L2SquaredBlock(queries, 2, vectors, 2, nil, out)
	fmt.Println(out[:3])
	fmt.Println(out[3:])
	// Output:
	// [1 25 2]
	// [1 13 0]
}

// With ids, only the listed vectors are scored, in the order given.
func ExampleDotBlock() {
	queries := []float32{1, 2}
	arena := []float32{
		1, 0, // id 0
		0, 1, // id 1
		3, 3, // id 2
	}
	out := make([]float32, 2)
	distance.DotBlock(queries, 2, arena, 2, []uint32{2, 0}, out)
	fmt.Println(out)
	// Output: [9 1]
}

// Short vectors are packed into panels once; the panel kernels then score
// many queries against them without a horizontal sum per pair.
func ExampleL2SquaredPanels() {
	vectors := []float32{
		0, 0,
		3, 4,
		1, 1,
	}
	panels := distance.PackPanels(nil, vectors, 2)
	queries := []float32{0, 0, 1, 2}
	out := make([]float32, 2*3)
	distance.L2SquaredPanels(queries, 2, panels, 3, out)
	fmt.Println(out[:3])
	fmt.Println(out[3:])
	// Output:
	// [0 25 2]
	// [5 8 1]
}
