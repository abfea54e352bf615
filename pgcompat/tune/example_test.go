package tune_test

import (
	"context"
	"fmt"
	"log"

	"github.com/smallworld-go/smallworld/bench"
	"github.com/smallworld-go/smallworld/pgcompat/tune"
)

// Tune an index for the built-in SIFT-small dataset: sweep two builds and
// a few hnsw.ef_search values, then print the SQL to run.
func ExampleRun() {
	base, queries, _, err := bench.SIFTSmall()
	if err != nil {
		log.Fatal(err)
	}
	rep, err := tune.Run(context.Background(), tune.Spec{
		Base:         base,
		Queries:      queries,
		OpClass:      "vector_l2_ops",
		K:            10,
		Builds:       []tune.BuildParams{{M: 8, EfConstruction: 32}, {M: 16, EfConstruction: 64}},
		EfSearch:     []int{10, 40, 100},
		TargetRecall: 0.95,
	})
	if err != nil {
		log.Fatal(err)
	}
	rec := rep.Recommendation
	fmt.Println(len(rep.Results), "configurations measured")
	fmt.Println(rec.Recall.Mean >= 0.95, rec.Plan.UseIndex)
	fmt.Println(rec.Statements[0])
	// Output:
	// 6 configurations measured
	// true true
	// SET maintenance_work_mem = '64MB'
}

// The size and build memory of an index, without any data.
func ExampleEstimateIndex() {
	im, err := tune.EstimateIndex(context.Background(), tune.ModelSpec{
		Rows: 1_000_000, M: 16, ValueSize: 8 + 4*768, // vector(768)
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(im.Pages, "pages,", tune.FormatBytes(im.Bytes))
	fmt.Println("fits in 64MB:", im.Fits)
	// Output:
	// 500001 pages, 3.81 GB
	// fits in 64MB: false
}

// From what table size does PostgreSQL use the index for a top-10 query?
func ExampleMinRowsForIndex() {
	n, err := tune.MinRowsForIndex(context.Background(), tune.QuerySpec{
		ValueSize: 8 + 4*3, KeyBytes: 4, M: 16, EfSearch: 40, Limit: 10,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n > 500 && n <= 1000)
	// Output: true
}
