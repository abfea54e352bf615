package bench_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/smallworld-go/smallworld/bench"
)

// Exact ground truth for the built-in SIFT-small set, checked against the
// truth that ships with it.
func ExampleGroundTruth() {
	base, queries, shipped, err := bench.SIFTSmall()
	if err != nil {
		log.Fatal(err)
	}
	truth, err := bench.GroundTruth(context.Background(), base, queries, bench.L2, 10, bench.GroundTruthOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("nearest to query 0:", truth.IDs[0][:3], "squared L2:", truth.Dists[0][:3])

	// The shipped file agrees (recall 1 against our truth).
	r, err := bench.Recall(truth, shipped, 10)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("recall@10 of the shipped ids: %.2f\n", r)
	// Output:
	// nearest to query 0: [2176 3752 882] squared L2: [76608 77004 79702]
	// recall@10 of the shipped ids: 1.00
}

// Scoring an index's answers: ids per query, nearest first.
func ExampleRecall() {
	truth := &bench.Truth{
		K:     3,
		IDs:   [][]int32{{7, 1, 4}},
		Dists: [][]float32{{0.5, 0.9, 1.2}},
		Ties:  [][]int32{{9}}, // row 9 is exactly as far as row 4
	}
	results := [][]uint64{{7, 9, 3}} // found 7, and 9 which ties with 4
	r, err := bench.Recall(truth, results, 3)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("recall@3 = %.3f\n", r)
	// Output: recall@3 = 0.667
}

// Files are read by extension; every reader streams.
func ExampleLoad() {
	dir, _ := os.MkdirTemp("", "bench-example")
	defer os.RemoveAll(dir)
	m, _ := bench.FromRows([][]float32{{1, 2, 3}, {4, 5, 6}})
	path := filepath.Join(dir, "vectors.jsonl.gz")
	if err := bench.Save(path, m); err != nil {
		log.Fatal(err)
	}
	back, err := bench.Load(path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(back.Len(), "vectors of", back.Dim, "dimensions:", back.Row(1))
	// Output: 2 vectors of 3 dimensions: [4 5 6]
}

// Streaming a file one vector at a time.
func ExampleOpen() {
	dir, _ := os.MkdirTemp("", "bench-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "dump.txt") // pgvector's COPY text format
	os.WriteFile(path, []byte("[1,2]\n[3,4]\n[5,x]\n"), 0o644)
	r, err := bench.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	for {
		v, err := r.Read()
		if err != nil {
			fmt.Println("stopped:", err != nil)
			break
		}
		fmt.Println(v)
	}
	// Output:
	// [1 2]
	// [3 4]
	// stopped: true
}

func ExampleNewLatencyStats() {
	timings := []time.Duration{900 * time.Microsecond, time.Millisecond, 1100 * time.Microsecond, 5 * time.Millisecond}
	s := bench.NewLatencyStats(timings)
	fmt.Println("p50:", s.P50, "p99:", s.P99)
	fmt.Printf("qps: %.0f\n", s.QPS)
	// Output:
	// p50: 1ms p99: 5ms
	// qps: 500
}
