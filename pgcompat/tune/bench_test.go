package tune

import (
	"context"
	"testing"

	"github.com/smallworld-go/smallworld/pgcompat"
)

// BenchmarkRun is one small sweep end to end: ground truth, two builds,
// three ef_search values over 50 queries.
func BenchmarkRun(b *testing.B) {
	spec := Spec{Base: clustered(1, 2000, 32, 8), Queries: clustered(2, 50, 32, 8),
		Builds: []BuildParams{{8, 32}, {16, 64}}, EfSearch: []int{10, 40, 100}}
	for b.Loop() {
		if _, err := Run(context.Background(), spec); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEstimateIndex models a million-row index (a 2M-element
// simulation scaled up would be the same cost).
func BenchmarkEstimateIndex(b *testing.B) {
	for b.Loop() {
		if _, err := EstimateIndex(context.Background(), ModelSpec{Rows: 1_000_000, M: 16, ValueSize: pgcompat.VectorValueSize(768)}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMinRowsForIndex is the planner search every recommendation runs.
func BenchmarkMinRowsForIndex(b *testing.B) {
	for b.Loop() {
		if _, err := MinRowsForIndex(context.Background(), QuerySpec{ValueSize: pgcompat.VectorValueSize(128), KeyBytes: 8, M: 16, EfSearch: 40, Limit: 10}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDrift compares 10,000 pairs of 128-d embeddings, neighbourhoods
// included.
func BenchmarkDrift(b *testing.B) {
	old, new := clustered(1, 10000, 128, 16), clustered(2, 10000, 128, 16)
	for b.Loop() {
		if _, err := Drift(context.Background(), old, new, DriftOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
