package main

import (
	"cmp"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smallworld-go/smallworld/hnsw"
)

func TestItemLifecycle(t *testing.T) {
	_, h := newTestAPI(t, hnsw.Config{Dim: 3, Metric: hnsw.L2})

	code, body := do(t, h, "POST", "/items", `{"id": 7, "vector": [1, 2, 3], "tags": ["b", "a", "b"], "payload": {"title": "seven"}}`)
	require.Equal(t, http.StatusCreated, code, body)

	code, body = do(t, h, "GET", "/items/7", "")
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, []any{1.0, 2.0, 3.0}, body["vector"])
	assert.Equal(t, []any{"a", "b"}, body["tags"], "tags are stored sorted and unique")
	assert.Equal(t, map[string]any{"title": "seven"}, body["payload"])

	code, body = do(t, h, "POST", "/items", `{"id": 7, "vector": [1, 2, 3]}`)
	assert.Equal(t, http.StatusConflict, code)
	assert.Contains(t, body["error"], "already exists")

	code, body = do(t, h, "PUT", "/items/7", `{"vector": [4, 5, 6], "tags": ["c"]}`)
	require.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, true, body["replaced"])
	code, body = do(t, h, "GET", "/items/7", "")
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, []any{4.0, 5.0, 6.0}, body["vector"])
	assert.Equal(t, []any{"c"}, body["tags"])
	assert.Nil(t, body["payload"], "an upsert replaces the payload too")

	code, body = do(t, h, "PUT", "/items/8", `{"id": 8, "vector": [0, 0, 1]}`)
	require.Equal(t, http.StatusCreated, code, body)
	assert.Equal(t, false, body["replaced"])

	code, _ = do(t, h, "DELETE", "/items/7", "")
	assert.Equal(t, http.StatusNoContent, code)
	code, body = do(t, h, "DELETE", "/items/7", "")
	assert.Equal(t, http.StatusNotFound, code)
	assert.Contains(t, body["error"], "not found")
	code, _ = do(t, h, "GET", "/items/7", "")
	assert.Equal(t, http.StatusNotFound, code)

	code, body = do(t, h, "GET", "/stats", "")
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, 1.0, body["items"])
	assert.Equal(t, 2.0, body["deleted"], "the upsert and the delete each left a tombstone")
	assert.Equal(t, "l2", body["metric"])

	code, body = do(t, h, "POST", "/vacuum", "")
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, 2.0, body["freed"])
	code, body = do(t, h, "GET", "/stats", "")
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, 0.0, body["deleted"])

	code, _ = do(t, h, "GET", "/healthz", "")
	assert.Equal(t, http.StatusOK, code)
}

func TestBadRequestsGet4xx(t *testing.T) {
	svc, h := newTestAPI(t, hnsw.Config{Dim: 3, Metric: hnsw.Cosine})
	require.NoError(t, svc.Add(1, []float32{1, 0, 0}, Item{}))

	tooManyTags := make([]string, maxTags+1)
	for i := range tooManyTags {
		tooManyTags[i] = fmt.Sprint("t", i)
	}
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		msg                      string
	}{
		{"wrong dimension", "POST", "/items", `{"id": 2, "vector": [1, 2]}`, 400, "expected 3 dimensions"},
		{"wrong dimension in search", "POST", "/search", `{"vector": [1, 2, 3, 4]}`, 400, "dimensions"},
		{"NaN is not JSON", "POST", "/items", `{"id": 2, "vector": [NaN, 1, 1]}`, 400, "bad JSON"},
		{"float32 overflow", "POST", "/items", `{"id": 2, "vector": [1e39, 1, 1]}`, 400, "bad JSON"},
		{"zero vector under cosine", "POST", "/items", `{"id": 2, "vector": [0, 0, 0]}`, 400, "zero vector"},
		{"zero query under cosine", "POST", "/search", `{"vector": [0, 0, 0]}`, 400, "zero vector"},
		{"missing id", "POST", "/items", `{"vector": [1, 2, 3]}`, 400, `"id" is required`},
		{"missing vector", "POST", "/items", `{"id": 2}`, 400, `"vector" is required`},
		{"missing query vector", "POST", "/search", `{"k": 3}`, 400, `"vector" is required`},
		{"negative id", "POST", "/items", `{"id": -2, "vector": [1, 2, 3]}`, 400, "bad JSON"},
		{"id in path not a number", "GET", "/items/abc", "", 400, "not an unsigned"},
		{"id in path too big", "DELETE", "/items/18446744073709551616", "", 400, "not an unsigned"},
		{"ids disagree", "PUT", "/items/3", `{"id": 4, "vector": [1, 2, 3]}`, 400, "differs"},
		{"unknown field", "POST", "/search", `{"vector": [1, 2, 3], "filters": {}}`, 400, "unknown field"},
		{"trailing data", "POST", "/search", `{"vector": [1, 2, 3]} {}`, 400, "after the request"},
		{"empty body", "POST", "/search", ``, 400, "empty"},
		{"not an object", "POST", "/search", `[1, 2, 3]`, 400, "bad JSON"},
		{"k too large", "POST", "/search", `{"vector": [1, 2, 3], "k": 100000}`, 400, "k must be"},
		{"k negative", "POST", "/search", `{"vector": [1, 2, 3], "k": -1}`, 400, "k must be"},
		{"ef too large", "POST", "/search", `{"vector": [1, 2, 3], "ef": 100000}`, 400, "Ef"},
		{"bad iterative", "POST", "/search", `{"vector": [1, 2, 3], "iterative": "sometimes"}`, 400, "iterative"},
		{"empty id range", "POST", "/search", `{"vector": [1, 2, 3], "filter": {"id_gte": 5, "id_lte": 4}}`, 400, "above"},
		{"too many tags", "POST", "/items", mustJSON(t, map[string]any{"id": 2, "vector": []int{1, 2, 3}, "tags": tooManyTags}), 400, "tags"},
		{"empty tag", "POST", "/items", `{"id": 2, "vector": [1, 2, 3], "tags": [""]}`, 400, "tag"},
		{"payload too large", "POST", "/items", `{"id": 2, "vector": [1, 2, 3], "payload": "` + strings.Repeat("x", maxPayloadLen) + `"}`, 413, "too large"},
		{"body too large", "POST", "/search", `{"vector": [` + strings.Repeat("1,", 40000) + `1]}`, 413, "too large"},
		{"unknown key", "GET", "/items/99", "", 404, "not found"},
		{"wrong method", "GET", "/search", "", 405, "allowed: POST"},
		{"no such route", "GET", "/nothing", "", 404, "no route"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := do(t, h, tc.method, tc.path, tc.body)
			assert.Equal(t, tc.status, code, "body %v", body)
			if tc.msg != "" {
				require.NotNil(t, body)
				assert.Contains(t, body["error"], tc.msg)
			}
		})
	}
	// Nothing above changed the index.
	assert.Equal(t, 1, svc.index.Load().Len())
}

func TestPayloadLimitIsItsOwn(t *testing.T) {
	// A payload just over its limit inside a body under the body limit
	// is refused by the payload check (400), not by the body limit.
	h := newHandler(NewService(mustIndex(t, hnsw.Config{Dim: 1}), hnsw.Config{}, nil), 1<<20, slog.New(slog.NewTextHandler(io.Discard, nil)))
	code, body := do(t, h, "POST", "/items", `{"id": 2, "vector": [1], "payload": "`+strings.Repeat("x", maxPayloadLen)+`"}`)
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Contains(t, body["error"], "payload is")
}

func mustIndex(t testing.TB, cfg hnsw.Config) *hnsw.Index {
	t.Helper()
	ix, err := hnsw.New(cfg)
	require.NoError(t, err)
	return ix
}

func TestFailedUpsertKeepsTheOldItem(t *testing.T) {
	svc, h := newTestAPI(t, hnsw.Config{Dim: 2, Storage: hnsw.Float16})
	code, _ := do(t, h, "PUT", "/items/1", `{"vector": [1, 2], "tags": ["keep"]}`)
	require.Equal(t, http.StatusCreated, code)
	// 1e6 is a valid float32 but overflows float16 storage: the index
	// refuses it only at insert time, after the old vector was removed.
	code, body := do(t, h, "PUT", "/items/1", `{"vector": [1e6, 2], "tags": ["lost"]}`)
	require.Equal(t, http.StatusBadRequest, code)
	assert.Contains(t, body["error"], "float16")
	vec, it, err := svc.Get(1)
	require.NoError(t, err)
	assert.Equal(t, []float32{1, 2}, vec)
	assert.Equal(t, []string{"keep"}, it.Tags)
}

// exactFiltered is the brute-force answer to a filtered L2 query.
func exactFiltered(vecs map[uint64][]float32, tags map[uint64][]string, q []float32, k int, f Filter) []uint64 {
	type scored struct {
		id uint64
		d  float64
	}
	var all []scored
	for id, v := range vecs {
		if !f.Match(id, tags[id]) {
			continue
		}
		var d float64
		for i := range v {
			x := float64(v[i]) - float64(q[i])
			d += x * x
		}
		all = append(all, scored{id, d})
	}
	slices.SortFunc(all, func(a, b scored) int { return cmp.Or(cmp.Compare(a.d, b.d), cmp.Compare(a.id, b.id)) })
	ids := []uint64{}
	for _, s := range all[:min(k, len(all))] {
		ids = append(ids, s.id)
	}
	return ids
}

// TestFilteredSearchMatchesBruteForce checks tag and id-range filters, and the
// distances reported, against an exhaustive scan.
func TestFilteredSearchMatchesBruteForce(t *testing.T) {
	const dim, n = 8, 400
	_, h := newTestAPI(t, hnsw.Config{Dim: dim, Metric: hnsw.L2, Seed: 1})
	rng := rand.New(rand.NewPCG(5, 6))
	vecs := map[uint64][]float32{}
	tags := map[uint64][]string{}
	colours := []string{"blue", "green", "red"}
	for id := range uint64(n) {
		v := randomVector(rng, dim)
		tg := []string{colours[id%3]}
		if id%5 == 0 {
			tg = append(tg, "featured")
		}
		slices.Sort(tg)
		vecs[id], tags[id] = v, tg
		code, body := do(t, h, "POST", "/items", mustJSON(t, map[string]any{"id": id, "vector": v, "tags": tg}))
		require.Equal(t, http.StatusCreated, code, body)
	}
	u := func(x uint64) *uint64 { return &x }
	filters := []Filter{
		{},
		{TagsAll: []string{"red"}},
		{TagsAny: []string{"red", "featured"}},
		{TagsAll: []string{"featured"}, TagsNone: []string{"blue"}},
		{IDGte: u(100), IDLte: u(149)},
		{IDLte: u(3)},
		{TagsAll: []string{"green", "featured"}, IDGte: u(200)},
		{TagsAll: []string{"no-such-tag"}},
	}
	for qi := range 20 {
		q := randomVector(rng, dim)
		for fi, f := range filters {
			req := map[string]any{"vector": q, "k": 10, "ef": 400}
			if !f.IsZero() {
				req["filter"] = f
			}
			code, body := do(t, h, "POST", "/search", mustJSON(t, req))
			require.Equal(t, http.StatusOK, code, body)
			var got []uint64
			for _, r := range body["results"].([]any) {
				hit := r.(map[string]any)
				id := uint64(hit["id"].(float64))
				got = append(got, id)
				assert.True(t, f.Match(id, tags[id]), "query %d filter %d: %d does not pass", qi, fi, id)
				var d float64
				for i := range q {
					x := float64(vecs[id][i]) - float64(q[i])
					d += x * x
				}
				assert.InDelta(t, math.Sqrt(d), hit["distance"].(float64), 1e-4)
			}
			want := exactFiltered(vecs, tags, q, 10, f)
			if len(want) == 0 {
				assert.Empty(t, got)
				continue
			}
			assert.Equal(t, want, got, "query %d filter %+v", qi, f)
		}
	}
}

func TestFilterMatch(t *testing.T) {
	u := func(x uint64) *uint64 { return &x }
	tags := []string{"a", "c"}
	assert.True(t, Filter{}.Match(5, tags))
	assert.True(t, Filter{TagsAll: []string{"a", "c"}}.Match(5, tags))
	assert.False(t, Filter{TagsAll: []string{"a", "b"}}.Match(5, tags))
	assert.True(t, Filter{TagsAny: []string{"b", "c"}}.Match(5, tags))
	assert.False(t, Filter{TagsAny: []string{"b"}}.Match(5, tags))
	assert.False(t, Filter{TagsNone: []string{"c"}}.Match(5, tags))
	assert.True(t, Filter{IDGte: u(5), IDLte: u(5)}.Match(5, tags))
	assert.False(t, Filter{IDGte: u(6)}.Match(5, tags))
	assert.False(t, Filter{IDLte: u(4)}.Match(5, tags))
	assert.False(t, Filter{TagsAny: []string{"a"}}.Match(5, nil))
	assert.True(t, Filter{TagsNone: []string{"a"}}.Match(5, nil))
}

func BenchmarkSearchHandler(b *testing.B) {
	const dim, n = 64, 5000
	svc, h := newTestAPI(b, hnsw.Config{Dim: dim, Metric: hnsw.Cosine, Seed: 1})
	rng := rand.New(rand.NewPCG(1, 1))
	for id := range uint64(n) {
		if err := svc.Add(id, randomVector(rng, dim), Item{Tags: []string{fmt.Sprint("t", id%10)}}); err != nil {
			b.Fatal(err)
		}
	}
	plain := mustJSON(b, map[string]any{"vector": randomVector(rng, dim), "k": 10})
	filtered := mustJSON(b, map[string]any{"vector": randomVector(rng, dim), "k": 10, "filter": Filter{TagsAll: []string{"t3"}}})
	for _, bc := range []struct{ name, body string }{{"plain", plain}, {"filter10pct", filtered}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if code, _ := do(b, h, "POST", "/search", bc.body); code != http.StatusOK {
					b.Fatal(code)
				}
			}
		})
	}
}

// FuzzHandler sends arbitrary bodies to the endpoints that take one: every
// answer must be a JSON object with a status below 500.
func FuzzHandler(f *testing.F) {
	for _, seed := range []string{
		`{"id": 1, "vector": [1, 2, 3], "tags": ["a"], "payload": {"x": 1}}`,
		`{"vector": [1, 2, 3], "k": 3, "ef": 10, "filter": {"tags_any": ["a"], "id_gte": 1}, "iterative": "strict"}`,
		`{"vector": [0, 0, 0]}`,
		`{"vector": [1e38, -1e38, 3e-45]}`,
		`{"vector": [1, 2]}`,
		`{"id": 18446744073709551615, "vector": [1, 2, 3]}`,
		`null`,
		`{"vector": null, "k": 0}`,
	} {
		for _, route := range []uint8{0, 1, 2} {
			f.Add(route, seed)
		}
	}
	f.Fuzz(func(t *testing.T, route uint8, body string) {
		svc, h := newTestAPI(t, hnsw.Config{Dim: 3, Metric: hnsw.Cosine, Storage: hnsw.Float16})
		if err := svc.Add(1, []float32{1, 2, 3}, Item{Tags: []string{"a"}}); err != nil {
			t.Fatal(err)
		}
		method, path := "POST", "/search"
		switch route % 3 {
		case 1:
			path = "/items"
		case 2:
			method, path = "PUT", "/items/1"
		}
		code, resp := do(t, h, method, path, body)
		if code >= 500 {
			t.Fatalf("%s %s %q: status %d %v", method, path, body, code, resp)
		}
		if code >= 400 && (resp == nil || resp["error"] == "") {
			t.Fatalf("%s %s %q: status %d without a message", method, path, body, code)
		}
	})
}
