package main

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"unicode"
)

// The usual BM25 constants (Robertson and Zaragoza; Lucene's and
// Elasticsearch's defaults): k1 controls how quickly repeated terms stop
// adding score, b how strongly long documents are penalised.
const (
	defaultK1 = 1.2
	defaultB  = 0.75
)

// stopwords are left out of the keyword index: they occur everywhere, so
// their IDF is near zero anyway, and dropping them keeps postings short.
var stopwords = map[string]bool{
	"a": true, "an": true, "and": true, "are": true, "as": true, "at": true,
	"be": true, "by": true, "can": true, "do": true, "for": true, "from": true,
	"how": true, "i": true, "in": true, "is": true, "it": true, "its": true,
	"my": true, "of": true, "on": true, "or": true, "our": true, "the": true,
	"then": true, "this": true, "to": true, "we": true, "what": true,
	"with": true, "you": true, "your": true,
}

// tokenize lower-cases text and splits it into runs of letters and digits,
// dropping stopwords. There is no stemming: "tire" and "tires" are different
// terms, as in PostgreSQL's "simple" text search configuration.
func tokenize(text string) []string {
	fields := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	out := fields[:0]
	for _, f := range fields {
		if !stopwords[f] {
			out = append(out, f)
		}
	}
	return out
}

// posting records how often a term occurs in one document.
type posting struct {
	doc uint64
	tf  int
}

// BM25 is an in-memory inverted index scored with Okapi BM25. It is not safe
// for concurrent use while documents are being added.
type BM25 struct {
	k1, b    float64
	postings map[string][]posting
	lengths  map[uint64]int // document length in tokens
	total    int            // sum of lengths, for the average
}

// NewBM25 returns an empty index with the given constants (k1 ≥ 0,
// 0 ≤ b ≤ 1); use defaultK1 and defaultB unless tuning.
func NewBM25(k1, b float64) *BM25 {
	return &BM25{k1: k1, b: b, postings: map[string][]posting{}, lengths: map[uint64]int{}}
}

// Add indexes text under id. Adding an id twice replaces nothing: the caller
// gives every document one id.
func (x *BM25) Add(id uint64, text string) {
	terms := tokenize(text)
	counts := map[string]int{}
	for _, t := range terms {
		counts[t]++
	}
	for t, n := range counts {
		x.postings[t] = append(x.postings[t], posting{doc: id, tf: n})
	}
	x.lengths[id] = len(terms)
	x.total += len(terms)
}

// Len returns the number of documents.
func (x *BM25) Len() int { return len(x.lengths) }

// idf is Lucene's BM25 inverse document frequency,
// ln(1 + (N − n + 0.5)/(n + 0.5)): always positive, unlike Robertson's
// original, which goes negative for terms in more than half the documents.
func (x *BM25) idf(n int) float64 {
	N := float64(len(x.lengths))
	return math.Log(1 + (N-float64(n)+0.5)/(float64(n)+0.5))
}

// Scored is a document and its keyword score.
type Scored struct {
	ID    uint64
	Score float64
}

// Search returns up to k documents with a positive score for query, best
// first; equal scores are ordered by the lower id. Each distinct query term
// counts once.
func (x *BM25) Search(query string, k int) []Scored {
	if k <= 0 || len(x.lengths) == 0 {
		return nil
	}
	avgdl := float64(x.total) / float64(len(x.lengths))
	scores := map[uint64]float64{}
	seen := map[string]bool{}
	for _, t := range tokenize(query) {
		if seen[t] {
			continue
		}
		seen[t] = true
		plist := x.postings[t]
		if len(plist) == 0 {
			continue
		}
		idf := x.idf(len(plist))
		for _, p := range plist {
			tf := float64(p.tf)
			dl := float64(x.lengths[p.doc])
			scores[p.doc] += idf * tf * (x.k1 + 1) / (tf + x.k1*(1-x.b+x.b*dl/avgdl))
		}
	}
	out := make([]Scored, 0, len(scores))
	for id, s := range scores {
		out = append(out, Scored{ID: id, Score: s})
	}
	slices.SortFunc(out, func(a, b Scored) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	if len(out) > k {
		out = out[:k]
	}
	return out
}
