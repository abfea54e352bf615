package main

import (
	"errors"
	"fmt"

	"github.com/smallworld-go/smallworld/hnsw"
)

// Engine answers hybrid queries over a fixed set of documents: a vector
// search over their embeddings (an hnsw index, cosine distance) and a keyword
// search (BM25), fused by rank.
type Engine struct {
	docs    map[uint64]Document
	vectors *hnsw.Index
	keyword *BM25
}

// NewEngine indexes docs both ways. A document whose text has no word the
// embedding model knows cannot be placed in vector space (the zero vector has
// no cosine direction); it is still found by keywords.
func NewEngine(docs []Document) (*Engine, error) {
	vectors, err := hnsw.New(hnsw.Config{Dim: topicCount, Metric: hnsw.Cosine, Seed: 1})
	if err != nil {
		return nil, err
	}
	e := &Engine{docs: map[uint64]Document{}, vectors: vectors, keyword: NewBM25(defaultK1, defaultB)}
	for _, d := range docs {
		if _, dup := e.docs[d.ID]; dup {
			return nil, fmt.Errorf("document id %d used twice", d.ID)
		}
		e.docs[d.ID] = d
		e.keyword.Add(d.ID, d.Text())
		if err := vectors.Add(d.ID, embed(d.Text())); err != nil && !errors.Is(err, hnsw.ErrZeroVector) {
			return nil, fmt.Errorf("document %d: %w", d.ID, err)
		}
	}
	return e, nil
}

// Doc returns the document with the given id.
func (e *Engine) Doc(id uint64) (Document, bool) {
	d, ok := e.docs[id]
	return d, ok
}

// Hits is the answer to one hybrid query: each retriever's ranking and their
// fusion.
type Hits struct {
	// Vector and Keyword are the retrievers' candidates, best first.
	Vector  []hnsw.Result
	Keyword []Scored
	// Fused is every candidate of either list, ordered by RRF score.
	Fused []hnsw.Fused
}

// Search runs both retrievers for query, each returning up to depth
// candidates, and fuses the two rankings with RRF constant rrfK. A query
// with no word the embedding model knows gets no vector candidates, as a
// query that embeds to the zero vector has no cosine neighbours; the keyword
// ranking alone is then fused.
func (e *Engine) Search(query string, depth, rrfK int) (Hits, error) {
	if depth < 1 {
		return Hits{}, fmt.Errorf("depth must be at least 1, got %d", depth)
	}
	var h Hits
	var err error
	h.Vector, err = e.vectors.Search(embed(query), depth)
	if err != nil && !errors.Is(err, hnsw.ErrZeroVector) {
		return Hits{}, err
	}
	h.Keyword = e.keyword.Search(query, depth)
	keywordIDs := make([]uint64, len(h.Keyword))
	for i, s := range h.Keyword {
		keywordIDs[i] = s.ID
	}
	h.Fused, err = hnsw.FuseRRF(rrfK, hnsw.ResultKeys(h.Vector), keywordIDs)
	if err != nil {
		return Hits{}, err
	}
	return h, nil
}
