package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/smallworld-go/smallworld/pgcompat"
	"github.com/smallworld-go/smallworld/pgcompat/tune"
)

const sizeExamples = `  # 1M OpenAI-size embeddings with pgvector's defaults
  smallworld size --rows 1000000 --dims 1536 --type halfvec

  # will a 10M × 768 build with m = 32 fit in 8GB?
  smallworld size --rows 10000000 --dims 768 --m 32 --maintenance-work-mem 8GB`

// sizeSummary is what "smallworld size --json" prints.
type sizeSummary struct {
	Rows               int64            `json:"rows"`
	Dims               int              `json:"dims"`
	Type               string           `json:"type"`
	M                  int              `json:"m"`
	ValueSize          int              `json:"value_size"`
	ElementTuple       int              `json:"element_tuple_bytes"`
	NeighborTuple      int              `json:"neighbor_tuple_bytes_level0"`
	Pages              int64            `json:"pages"`
	Bytes              int64            `json:"bytes"`
	PagesMin           int64            `json:"pages_min,omitempty"`
	PagesMax           int64            `json:"pages_max,omitempty"`
	Runs               int              `json:"runs"`
	BuildMemory        int64            `json:"build_memory"`
	MaintenanceWorkMem int              `json:"maintenance_work_mem_kb"`
	Fits               bool             `json:"fits"`
	FlushAfter         int64            `json:"flush_after,omitempty"`
	Notice             *pgcompat.Notice `json:"notice,omitempty"`
	HeapPages          float64          `json:"heap_pages"`
}

// runSize implements "smallworld size".
func runSize(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "size", "size --rows N --dims D [flags]\n\n"+
		"Predicts the on-disk size of a pgvector HNSW index (pg_relation_size) and the\n"+
		"maintenance_work_mem its build needs to stay in memory, without any data:\n"+
		"levels are drawn as pgvector draws them and pages laid out as it lays them out.",
		sizeExamples)
	rows := fs.Int64("rows", 0, "indexed rows (required)")
	dims := fs.Int("dims", 0, "dimensions (bits for bit) (required)")
	typ := fs.String("type", "vector", "column type: vector, halfvec, bit or sparsevec")
	nnz := fs.Int("nnz", 0, "non-zero elements per row (sparsevec)")
	m := fs.Int("m", pgcompat.DefaultM, "the index's m")
	mwm := fs.String("maintenance-work-mem", "64MB", "the server's maintenance_work_mem")
	runs := fs.Int("runs", 0, "level draws to average over (0: as many as stay fast)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	if *rows < 1 || *dims < 1 {
		return usageErrorf("--rows and --dims are required and must be positive")
	}
	if *runs < 0 {
		return usageErrorf("--runs must not be negative")
	}
	valueSize, err := valueSizeFor(*typ, *dims, *nnz, *m)
	if err != nil {
		return err
	}
	kb, err := parseMaintenanceWorkMem(*mwm)
	if err != nil {
		return err
	}
	im, err := tune.EstimateIndex(ctx, tune.ModelSpec{Rows: *rows, M: *m, ValueSize: valueSize, MaintenanceWorkMem: kb, Seed: 1})
	if err != nil {
		return err
	}
	sum := sizeSummary{
		Rows: *rows, Dims: *dims, Type: *typ, M: *m, ValueSize: valueSize,
		ElementTuple: pgcompat.ElementTupleSize(valueSize), NeighborTuple: pgcompat.NeighborTupleSize(0, *m),
		Pages: im.Pages, Bytes: im.Bytes, Runs: 1, BuildMemory: im.BuildMemory, MaintenanceWorkMem: kb,
		Fits: im.Fits, FlushAfter: im.FlushAfter, Notice: im.Notice,
		HeapPages: pgcompat.EstimateHeapPages(float64(*rows), pgcompat.VectorRowData(8, valueSize)),
	}
	// The spread over level draws, where simulating several is cheap.
	n := *runs
	if n == 0 {
		n = int(min(50, max(1, 4_000_000 / *rows)))
	}
	if n > 1 && *rows <= 4_000_000 {
		est, err := pgcompat.ExpectedIndexSize(ctx, pgcompat.EstimateSpec{N: int(*rows), M: *m, ValueSize: valueSize, InMemory: pgcompat.AllInMemory, Runs: n, Seed: 1})
		if err != nil {
			return err
		}
		sum.Pages = int64(est.MeanPages + 0.5)
		sum.Bytes = sum.Pages * pgcompat.BlockSize
		sum.PagesMin, sum.PagesMax, sum.Runs = int64(est.MinPages), int64(est.MaxPages), est.Runs
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(sum)
	}
	w := e.stdout
	fmt.Fprintf(w, "HNSW index on %d rows of %s, m = %d\n", *rows, typeDecl(*typ, *dims), *m)
	fmt.Fprintf(w, "  index size:   %s (%d pages of 8 kB)", tune.FormatBytes(sum.Bytes), sum.Pages)
	if sum.Runs > 1 {
		fmt.Fprintf(w, ", %d–%d pages over %d level draws", sum.PagesMin, sum.PagesMax, sum.Runs)
	}
	fmt.Fprintf(w, "\n  per row:      %.0f bytes (element tuple %d B, layer-0 neighbour tuple %d B, upper layers and page slack)\n",
		float64(sum.Bytes)/float64(*rows), sum.ElementTuple, sum.NeighborTuple)
	fmt.Fprintf(w, "  build memory: maintenance_work_mem ≥ %s for an in-memory build\n", tune.FormatBytes(sum.BuildMemory))
	if sum.Fits {
		fmt.Fprintf(w, "  at maintenance_work_mem = %s the build fits in memory\n", *mwm)
	} else {
		fmt.Fprintf(w, "  at maintenance_work_mem = %s the graph stops fitting after %d tuples; PostgreSQL says:\n", *mwm, sum.FlushAfter)
		fmt.Fprintf(w, "    NOTICE:  %s\n    DETAIL:  %s\n    HINT:  %s\n", sum.Notice.Message, sum.Notice.Detail, sum.Notice.Hint)
		fmt.Fprintf(w, "  and the rest is inserted on disk, much more slowly\n")
	}
	fmt.Fprintf(w, "  table heap:   about %.0f pages (%s) besides TOAST\n", sum.HeapPages, tune.FormatBytes(int64(sum.HeapPages)*pgcompat.BlockSize))
	return nil
}

// valueSizeFor returns the stored size of one value, after pgvector's
// checks of the type's HNSW limits.
func valueSizeFor(typ string, dims, nnz, m int) (int, error) {
	var oc pgcompat.OpClass
	var size int
	switch typ {
	case "vector":
		oc, _ = pgcompat.LookupOpClass("vector_l2_ops")
		size = pgcompat.VectorValueSize(dims)
	case "halfvec":
		oc, _ = pgcompat.LookupOpClass("halfvec_l2_ops")
		size = pgcompat.HalfVecValueSize(dims)
	case "bit":
		oc, _ = pgcompat.LookupOpClass("bit_hamming_ops")
		size = pgcompat.BitValueSize(dims)
	case "sparsevec":
		oc, _ = pgcompat.LookupOpClass("sparsevec_l2_ops")
		if nnz < 0 || nnz > pgcompat.HNSWMaxNNZ || nnz > dims {
			return 0, usageErrorf("--nnz must be 0..min(dims, %d) for a sparsevec HNSW index", pgcompat.HNSWMaxNNZ)
		}
		size = pgcompat.SparseVecValueSize(nnz)
	default:
		return 0, usageErrorf("unknown --type %q (vector, halfvec, bit or sparsevec)", typ)
	}
	if m < pgcompat.MinM || m > pgcompat.MaxM {
		return 0, usageErrorf("--m: value %d out of bounds for option \"m\" (valid values are between %d and %d)", m, pgcompat.MinM, pgcompat.MaxM)
	}
	col := pgcompat.Column{Name: "embedding", Type: typ, Typmod: dims}
	opts := pgcompat.HNSWOptions{M: m, EfConstruction: max(2*m, pgcompat.DefaultEfConstruction)}
	if err := pgcompat.CheckBuildColumn(oc, col, opts); err != nil {
		return 0, usageErrorf("%v", err)
	}
	return size, nil
}

// typeDecl writes a column declaration such as "vector(768)".
func typeDecl(typ string, dims int) string { return fmt.Sprintf("%s(%d)", typ, dims) }
