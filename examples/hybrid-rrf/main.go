// Command hybrid-rrf shows hybrid search as it is done with pgvector: a
// vector search and a keyword search run side by side and their rankings are
// merged with Reciprocal Rank Fusion (hnsw.FuseRRF), score = Σ 1/(60 + rank).
//
// The corpus is a small built-in help centre; the embeddings come from a
// tiny hand-labelled topic model (embed.go) so that the example runs offline
// and prints the same thing everywhere. The keyword side is Okapi BM25
// (k1 = 1.2, b = 0.75) over an in-memory inverted index (bm25.go).
//
// With the default query, "fix a flat tire on an electric bike", the vector
// search finds puncture guides that never use the query's words, the keyword
// search finds articles that use them about something else (a car, a
// battery, shipping rates), and the one article about flats on an electric
// bike, fourth for keywords and sixth for meaning, comes first once fused.
// RRF rewards agreement: a document both retrievers rank, even modestly,
// outscores one that a single retriever ranks first (2/(60+6) > 1/(60+1)).
// That is also why each retriever's candidate depth (-depth, the LIMIT of
// each sub-query) matters: a document outside it gets nothing from that side.
//
// Usage:
//
//	go run ./examples/hybrid-rrf
//	go run ./examples/hybrid-rrf -query "battery range in winter" -k 5
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/smallworld-go/smallworld/hnsw"
)

// defaultQuery is the showcase query (see the package comment).
const defaultQuery = "fix a flat tire on an electric bike"

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "hybrid-rrf:", err)
		}
		os.Exit(2)
	}
}

// run parses args, runs one hybrid query and prints the three rankings.
func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("hybrid-rrf", flag.ContinueOnError)
	fs.SetOutput(stderr)
	query := fs.String("query", defaultQuery, "the search `text`")
	k := fs.Int("k", 3, "results to show from each ranking")
	depth := fs.Int("depth", 10, "candidates each retriever passes to the fusion (LIMIT of each sub-query)")
	rrfK := fs.Int("rrf-k", hnsw.DefaultRRFK, "RRF rank constant: score = Σ 1/(rrf-k + rank)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected argument %q (quote the query: -query \"...\")", fs.Arg(0))
	case strings.TrimSpace(*query) == "":
		return errors.New("-query must not be empty")
	case *k < 1:
		return fmt.Errorf("-k must be at least 1, got %d", *k)
	case *depth < 1 || *depth > 1000:
		return fmt.Errorf("-depth must be between 1 and 1000, got %d", *depth)
	case *rrfK < 0:
		return fmt.Errorf("-rrf-k must not be negative, got %d", *rrfK)
	}

	engine, err := NewEngine(corpus)
	if err != nil {
		return err
	}
	hits, err := engine.Search(*query, *depth, *rrfK)
	if err != nil {
		return err
	}
	title := func(id uint64) string {
		d, _ := engine.Doc(id)
		return d.Title
	}

	fmt.Fprintf(stdout, "query: %q (%d documents)\n\n", *query, len(corpus))
	fmt.Fprintln(stdout, "vector search (cosine distance):")
	if len(hits.Vector) == 0 {
		fmt.Fprintln(stdout, "  (no word of the query is known to the embedding model)")
	}
	for i, r := range hits.Vector[:min(*k, len(hits.Vector))] {
		fmt.Fprintf(stdout, "  %d. [%2d] %-48s %.3f\n", i+1, r.Key, title(r.Key), r.Distance)
	}
	fmt.Fprintln(stdout, "\nkeyword search (BM25):")
	if len(hits.Keyword) == 0 {
		fmt.Fprintln(stdout, "  (no document contains a word of the query)")
	}
	for i, s := range hits.Keyword[:min(*k, len(hits.Keyword))] {
		fmt.Fprintf(stdout, "  %d. [%2d] %-48s %.3f\n", i+1, s.ID, title(s.ID), s.Score)
	}

	shownVector := map[uint64]bool{}
	for _, r := range hits.Vector[:min(*k, len(hits.Vector))] {
		shownVector[r.Key] = true
	}
	shownKeyword := map[uint64]bool{}
	for _, s := range hits.Keyword[:min(*k, len(hits.Keyword))] {
		shownKeyword[s.ID] = true
	}
	fmt.Fprintf(stdout, "\nreciprocal rank fusion (k = %d), ranks as vector/keyword:\n", *rrfK)
	for i, f := range hits.Fused[:min(*k, len(hits.Fused))] {
		note := ""
		if !shownVector[f.Key] && !shownKeyword[f.Key] {
			note = fmt.Sprintf("  <- in neither top %d", *k)
		}
		fmt.Fprintf(stdout, "  %d. [%2d] %-48s %.4f  %s/%s%s\n", i+1, f.Key, title(f.Key), f.Score,
			rankString(f.Ranks[0]), rankString(f.Ranks[1]), note)
	}
	return nil
}

// rankString prints a 1-based rank, or "-" for a list that lacks the key.
func rankString(r int) string {
	if r == 0 {
		return "-"
	}
	return fmt.Sprint(r)
}
