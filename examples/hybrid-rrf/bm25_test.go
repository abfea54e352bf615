package main

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTokenize(t *testing.T) {
	assert.Equal(t, []string{"flat", "rate", "shipping", "60", "km"}, tokenize("Flat-rate shipping: 60 km!"))
	assert.Equal(t, []string{"ünïcode", "wörds"}, tokenize("Ünïcode WÖRDS"))
	assert.Empty(t, tokenize("the, a; of"))
	assert.Empty(t, tokenize(""))
}

// referenceBM25 scores one document by the textbook formula, counting terms
// and document frequencies from scratch over the whole collection.
func referenceBM25(docs map[uint64]string, id uint64, query string, k1, b float64) float64 {
	var total float64
	for _, text := range docs {
		total += float64(len(tokenize(text)))
	}
	n := float64(len(docs))
	avgdl := total / n
	doc := tokenize(docs[id])
	var score float64
	seen := map[string]bool{}
	for _, term := range tokenize(query) {
		if seen[term] {
			continue
		}
		seen[term] = true
		df := 0.0
		for _, text := range docs {
			for _, w := range tokenize(text) {
				if w == term {
					df++
					break
				}
			}
		}
		tf := 0.0
		for _, w := range doc {
			if w == term {
				tf++
			}
		}
		if tf == 0 {
			continue
		}
		idf := math.Log(1 + (n-df+0.5)/(df+0.5))
		score += idf * tf * (k1 + 1) / (tf + k1*(1-b+b*float64(len(doc))/avgdl))
	}
	return score
}

func TestBM25MatchesReference(t *testing.T) {
	docs := map[uint64]string{}
	x := NewBM25(defaultK1, defaultB)
	for _, d := range corpus {
		docs[d.ID] = d.Text()
		x.Add(d.ID, d.Text())
	}
	require.Equal(t, len(corpus), x.Len())
	for _, q := range []string{defaultQuery, "tube tube tyre", "electric bike battery charger", "helmet", "nothing matches xyzzy"} {
		got := x.Search(q, len(corpus))
		scored := map[uint64]float64{}
		for i, s := range got {
			scored[s.ID] = s.Score
			if i > 0 {
				assert.True(t, got[i-1].Score > s.Score || got[i-1].Score == s.Score && got[i-1].ID < s.ID, "order at %d", i)
			}
		}
		for id := range docs {
			want := referenceBM25(docs, id, q, defaultK1, defaultB)
			if want == 0 {
				assert.NotContains(t, scored, id, "query %q doc %d", q, id)
				continue
			}
			assert.InDelta(t, want, scored[id], 1e-12, "query %q doc %d", q, id)
		}
	}
}

func TestBM25Properties(t *testing.T) {
	x := NewBM25(defaultK1, defaultB)
	x.Add(1, "tire tire tire")
	x.Add(2, "tire")
	x.Add(3, "tire pump valve lever patch rim spoke")
	x.Add(4, "rare")
	got := x.Search("tire", 10)
	require.Len(t, got, 3)
	// Repeats add score, with diminishing returns; longer documents lose.
	assert.Equal(t, []uint64{1, 2, 3}, []uint64{got[0].ID, got[1].ID, got[2].ID})
	assert.Less(t, got[0].Score, 3*got[1].Score)

	// A rare term outweighs a common one.
	rare := x.Search("rare", 1)
	assert.Greater(t, rare[0].Score, got[0].Score)

	assert.Empty(t, x.Search("tire", 0))
	assert.Len(t, x.Search("tire", 2), 2)
	assert.Empty(t, NewBM25(defaultK1, defaultB).Search("tire", 3))
}

func BenchmarkBM25Search(b *testing.B) {
	x := NewBM25(defaultK1, defaultB)
	for _, d := range corpus {
		x.Add(d.ID, d.Text())
	}
	b.ReportAllocs()
	for b.Loop() {
		x.Search(defaultQuery, 10)
	}
}
