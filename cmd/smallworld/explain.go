package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/smallworld-go/smallworld/pgcompat"
	"github.com/smallworld-go/smallworld/pgcompat/tune"
)

const explainExamples = `  # does PostgreSQL use the index for a top-10 query on 5,000 rows of 128 dims?
  smallworld explain --rows 5000 --dims 128

  # a top-100 query with hnsw.ef_search = 200 on 1M rows of halfvec(1536)
  smallworld explain --rows 1000000 --dims 1536 --type halfvec --ef-search 200 --limit 100`

// explainSummary is what "smallworld explain --json" prints.
type explainSummary struct {
	Rows            int64            `json:"rows"`
	Dims            int              `json:"dims"`
	Type            string           `json:"type"`
	M               int              `json:"m"`
	EfSearch        int              `json:"ef_search"`
	Limit           int              `json:"limit"`
	IndexPages      int64            `json:"index_pages"`
	Plan            string           `json:"plan"`
	Explain         pgcompat.Explain `json:"explain"`
	MinRowsForIndex int64            `json:"min_rows_for_index"`
}

// runExplain implements "smallworld explain".
func runExplain(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "explain", "explain --rows N --dims D [flags]\n\n"+
		"Predicts PostgreSQL's plan for SELECT ... ORDER BY embedding <-> $1 LIMIT k on a\n"+
		"table with a pgvector HNSW index: the costs of the Index Scan and of a Seq Scan\n"+
		"with a Sort, which one the planner picks, and from what table size it uses the\n"+
		"index (pgvector's hnswcostestimate and PostgreSQL 18's cost model).",
		explainExamples)
	rows := fs.Int64("rows", 0, "table rows (required)")
	dims := fs.Int("dims", 0, "dimensions (required)")
	typ := fs.String("type", "vector", "column type: vector, halfvec, bit or sparsevec")
	nnz := fs.Int("nnz", 0, "non-zero elements per row (sparsevec)")
	m := fs.Int("m", pgcompat.DefaultM, "the index's m")
	ef := fs.Int("ef-search", pgcompat.DefaultEfSearch, "hnsw.ef_search")
	limit := fs.Int("limit", 10, "the query's LIMIT (0: none)")
	pages := fs.Int64("index-pages", 0, "the index's size in pages (0: predict it)")
	keyBytes := fs.Int("key-bytes", 8, "size of the table's key column: 4 (integer), 8 (bigint) or 0")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	switch {
	case *rows < 0 || *dims < 1:
		return usageErrorf("--rows and --dims are required; --dims must be positive")
	case *limit < 0 || *pages < 0:
		return usageErrorf("--limit and --index-pages must not be negative")
	case *keyBytes != 0 && *keyBytes != 4 && *keyBytes != 8:
		return usageErrorf("--key-bytes must be 0, 4 or 8")
	case *ef < pgcompat.MinEfSearch || *ef > pgcompat.MaxEfSearch:
		return usageErrorf("%d is outside the valid range for parameter \"hnsw.ef_search\" (%d .. %d)", *ef, pgcompat.MinEfSearch, pgcompat.MaxEfSearch)
	}
	valueSize, err := valueSizeFor(*typ, *dims, *nnz, *m)
	if err != nil {
		return err
	}
	q := tune.QuerySpec{Rows: *rows, ValueSize: valueSize, KeyBytes: *keyBytes, M: *m, EfSearch: *ef, Limit: *limit, IndexPages: *pages}
	if *keyBytes == 0 {
		q.KeyBytes = -1
	}
	ex, usedPages, err := tune.ExplainQuery(ctx, q)
	if err != nil {
		return err
	}
	minRows, err := tune.MinRowsForIndex(ctx, q)
	if err != nil {
		return err
	}
	plan := "Seq Scan + Sort"
	if ex.UseIndex {
		plan = "Index Scan"
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(explainSummary{Rows: *rows, Dims: *dims, Type: *typ, M: *m, EfSearch: *ef, Limit: *limit,
			IndexPages: usedPages, Plan: plan, Explain: ex, MinRowsForIndex: minRows})
	}
	w := e.stdout
	op := "<->"
	fmt.Fprintf(w, "SELECT id FROM items ORDER BY embedding %s $1", op)
	if *limit > 0 {
		fmt.Fprintf(w, " LIMIT %d", *limit)
	}
	fmt.Fprintf(w, "\n-- %d rows of %s, HNSW index (m = %d, %d pages), hnsw.ef_search = %d\n\n", *rows, typeDecl(*typ, *dims), *m, usedPages, *ef)
	chosen, other := ex.IndexLimit, ex.SortLimit
	if !ex.UseIndex {
		chosen, other = other, chosen
	}
	if *limit > 0 {
		fmt.Fprintf(w, "Limit  (cost=%.2f..%.2f rows=%d)\n  ->  ", chosen.Startup, chosen.Total, *limit)
	}
	if ex.UseIndex {
		fmt.Fprintf(w, "Index Scan using items_embedding_idx on items  (cost=%.2f..%.2f)\n", ex.IndexScan.Startup, ex.IndexScan.Total)
		fmt.Fprintf(w, "        Order By: (embedding %s $1)\n", op)
	} else {
		fmt.Fprintf(w, "Sort  (cost=%.2f..%.2f)\n        Sort Key: ((embedding %s $1))\n", ex.SeqScanSort.Startup, ex.SeqScanSort.Total, op)
		fmt.Fprintf(w, "        ->  Seq Scan on items\n")
	}
	fmt.Fprintf(w, "\nchosen: %s (cost %.2f; the alternative costs %.2f)\n", plan, chosen.Total, other.Total)
	switch {
	case minRows < 0:
		fmt.Fprintf(w, "the planner does not use the index for this query at any table size up to 10^9 rows\n")
	case minRows == 0:
		fmt.Fprintf(w, "the planner uses the index for this query at any table size\n")
	default:
		fmt.Fprintf(w, "the planner uses the index for this query from about %d rows\n", minRows)
	}
	if *limit > *ef {
		fmt.Fprintf(w, "note: LIMIT %d is above hnsw.ef_search = %d: an index scan returns at most %d rows\n", *limit, *ef, *ef)
	}
	return nil
}
