package main

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFusionFindsWhatEitherMisses is the point of the example: for the
// showcase query the best article is in neither retriever's top 3, and first
// once the two rankings are fused.
func TestFusionFindsWhatEitherMisses(t *testing.T) {
	const target = 7 // "Punctures on an electric bike with a hub motor"
	const top = 3
	e, err := NewEngine(corpus)
	require.NoError(t, err)
	h, err := e.Search(defaultQuery, 10, 60)
	require.NoError(t, err)

	vectorTop := make([]uint64, 0, top)
	for _, r := range h.Vector[:top] {
		vectorTop = append(vectorTop, r.Key)
	}
	keywordTop := make([]uint64, 0, top)
	for _, s := range h.Keyword[:top] {
		keywordTop = append(keywordTop, s.ID)
	}
	assert.NotContains(t, vectorTop, uint64(target), "vector search alone should miss it")
	assert.NotContains(t, keywordTop, uint64(target), "keyword search alone should miss it")
	require.NotEmpty(t, h.Fused)
	assert.Equal(t, uint64(target), h.Fused[0].Key, "fusion should rank it first")

	// The vector top 3 share no word with the query (so keywords cannot
	// find them) and the keyword top 3 are about something else.
	for _, id := range vectorTop {
		d, _ := e.Doc(id)
		for _, term := range tokenize(defaultQuery) {
			assert.NotContains(t, tokenize(d.Text()), term, "doc %d", id)
		}
	}
}

// TestVectorSearchIsExactCosine checks the vector ranking against cosine
// similarity computed in float64 over every document.
func TestVectorSearchIsExactCosine(t *testing.T) {
	e, err := NewEngine(corpus)
	require.NoError(t, err)
	h, err := e.Search(defaultQuery, len(corpus), 60)
	require.NoError(t, err)

	q := embed(defaultQuery)
	type scored struct {
		id   uint64
		dist float64
	}
	var want []scored
	for _, d := range corpus {
		v := embed(d.Text())
		var dot, nq, nv float64
		for i := range v {
			dot += float64(q[i]) * float64(v[i])
			nq += float64(q[i]) * float64(q[i])
			nv += float64(v[i]) * float64(v[i])
		}
		if nv == 0 {
			continue // not placed in vector space
		}
		want = append(want, scored{d.ID, 1 - dot/math.Sqrt(nq*nv)})
	}
	slices.SortStableFunc(want, func(a, b scored) int {
		switch {
		case a.dist < b.dist:
			return -1
		case a.dist > b.dist:
			return 1
		}
		return 0
	})
	require.Len(t, h.Vector, len(want))
	for i, r := range h.Vector {
		assert.InDelta(t, want[i].dist, r.Distance, 1e-5, "rank %d", i+1)
	}
	// Where distances are clearly apart, the order must be the same.
	for i := range want {
		if (i == 0 || want[i].dist-want[i-1].dist > 1e-5) && (i == len(want)-1 || want[i+1].dist-want[i].dist > 1e-5) {
			assert.Equal(t, want[i].id, h.Vector[i].Key, "rank %d", i+1)
		}
	}
}

func TestSearchWithUnknownWords(t *testing.T) {
	e, err := NewEngine(corpus)
	require.NoError(t, err)
	// "tubeless" is a keyword the topic model does not know: vector search
	// has nothing to go on, keyword search still answers.
	h, err := e.Search("tubeless", 5, 60)
	require.NoError(t, err)
	assert.Empty(t, h.Vector)
	require.Len(t, h.Keyword, 1)
	assert.Equal(t, uint64(14), h.Keyword[0].ID)
	require.Len(t, h.Fused, 1)
	assert.Equal(t, []int{0, 1}, h.Fused[0].Ranks)

	_, err = e.Search("bike", 0, 60)
	assert.Error(t, err)
}

func TestNewEngineRejectsDuplicateIDs(t *testing.T) {
	_, err := NewEngine([]Document{{ID: 1, Title: "bike"}, {ID: 1, Title: "car"}})
	assert.ErrorContains(t, err, "used twice")
}

func TestNewEngineKeepsDocumentsWithoutKnownWords(t *testing.T) {
	e, err := NewEngine([]Document{{ID: 1, Title: "xyzzy plugh"}, {ID: 2, Title: "bike"}})
	require.NoError(t, err)
	h, err := e.Search("xyzzy", 5, 60)
	require.NoError(t, err)
	require.Len(t, h.Fused, 1)
	assert.Equal(t, uint64(1), h.Fused[0].Key)
}

func TestRunPrintsTheThreeRankings(t *testing.T) {
	var out, errOut bytes.Buffer
	require.NoError(t, run(nil, &out, &errOut))
	s := out.String()
	assert.Contains(t, s, "vector search")
	assert.Contains(t, s, "keyword search (BM25)")
	fused := s[strings.Index(s, "reciprocal rank fusion"):]
	assert.Contains(t, fused, "1. [ 7] Punctures on an electric bike with a hub motor")
	assert.Contains(t, fused, "6/4  <- in neither top 3")
	assert.Empty(t, errOut.String())
}

func TestRunRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-k", "0"},
		{"-depth", "0"},
		{"-depth", "100000"},
		{"-rrf-k", "-1"},
		{"-query", "  "},
		{"-nope"},
		{"stray"},
	} {
		var out, errOut bytes.Buffer
		assert.Error(t, run(args, &out, &errOut), "%v", args)
	}
}
