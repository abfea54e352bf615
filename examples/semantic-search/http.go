package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/smallworld-go/smallworld/hnsw"
)

// The JSON bodies of the API.

// itemRequest is the body of POST /items (id required) and PUT /items/{id}
// (id taken from the path; a body id must agree).
type itemRequest struct {
	ID      *uint64         `json:"id,omitempty"`
	Vector  []float32       `json:"vector"`
	Tags    []string        `json:"tags,omitempty"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// itemResponse is the body of GET /items/{id}.
type itemResponse struct {
	ID      uint64          `json:"id"`
	Vector  []float32       `json:"vector"`
	Tags    []string        `json:"tags,omitempty"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// searchRequest is the body of POST /search.
type searchRequest struct {
	Vector []float32 `json:"vector"`
	// K is the number of results (default 10, at most 1000).
	K int `json:"k,omitempty"`
	// Ef is the candidate list size (default: the index's ef_search).
	Ef     int    `json:"ef,omitempty"`
	Filter Filter `json:"filter,omitzero"`
	// Iterative is "off", "relaxed" or "strict" (default: relaxed with a
	// filter, off without), pgvector's hnsw.iterative_scan.
	Iterative string `json:"iterative,omitempty"`
}

// searchHit is one result of POST /search.
type searchHit struct {
	ID       uint64          `json:"id"`
	Distance float32         `json:"distance"`
	Tags     []string        `json:"tags,omitempty"`
	Payload  json.RawMessage `json:"payload,omitempty"`
}

// searchResponse is the body answered to POST /search.
type searchResponse struct {
	Results []searchHit `json:"results"`
	// DistanceEvaluations and Visited say what the search cost.
	DistanceEvaluations int `json:"distance_evaluations"`
	Visited             int `json:"visited"`
}

// statsResponse is the body of GET /stats.
type statsResponse struct {
	Dim             int     `json:"dim"`
	Metric          string  `json:"metric"`
	Storage         string  `json:"storage"`
	M               int     `json:"m"`
	EfConstruction  int     `json:"ef_construction"`
	EfSearch        int     `json:"ef_search"`
	Items           int     `json:"items"`
	Nodes           int     `json:"nodes"`
	Deleted         int     `json:"deleted"`
	DeletedFraction float64 `json:"deleted_fraction"`
	BytesUsed       int64   `json:"bytes_used"`
	Searches        uint64  `json:"searches"`
}

// errorResponse is the body of every 4xx and 5xx answer.
type errorResponse struct {
	Error string `json:"error"`
}

// api serves the HTTP interface of a Service.
type api struct {
	svc     *Service
	maxBody int64
	log     *slog.Logger
}

// newHandler returns the HTTP API of svc: request bodies larger than
// maxBody bytes are refused with 413.
func newHandler(svc *Service, maxBody int64, log *slog.Logger) http.Handler {
	a := &api{svc: svc, maxBody: maxBody, log: log}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /items", a.addItem)
	mux.HandleFunc("PUT /items/{id}", a.upsertItem)
	mux.HandleFunc("GET /items/{id}", a.getItem)
	mux.HandleFunc("DELETE /items/{id}", a.deleteItem)
	mux.HandleFunc("POST /search", a.search)
	mux.HandleFunc("GET /stats", a.stats)
	mux.HandleFunc("POST /vacuum", a.vacuum)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern == "" {
			unrouted(mux, w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// unrouted answers a request no route takes with the status the mux chose
// (404, or 405 with its Allow header) and a JSON error like every other.
func unrouted(mux *http.ServeMux, w http.ResponseWriter, r *http.Request) {
	c := &statusCapture{header: http.Header{}}
	mux.ServeHTTP(c, r)
	if allow := c.header.Get("Allow"); allow != "" {
		w.Header().Set("Allow", allow)
	}
	msg := fmt.Sprintf("no route for %s %s", r.Method, r.URL.Path)
	if c.status == http.StatusMethodNotAllowed {
		msg = fmt.Sprintf("method %s not allowed for %s (allowed: %s)", r.Method, r.URL.Path, c.header.Get("Allow"))
	}
	writeJSON(w, cmp.Or(c.status, http.StatusNotFound), errorResponse{Error: msg})
}

// statusCapture is a ResponseWriter that keeps the status and headers and
// drops the body.
type statusCapture struct {
	header http.Header
	status int
}

// Header returns the captured headers.
func (c *statusCapture) Header() http.Header { return c.header }

// WriteHeader keeps the first status.
func (c *statusCapture) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
}

// Write drops b, recording status 200 if none was set.
func (c *statusCapture) Write(b []byte) (int, error) {
	c.WriteHeader(http.StatusOK)
	return len(b), nil
}

// decode reads exactly one JSON value into v, refusing unknown fields (a
// misspelt "filter" must not silently search unfiltered), trailing data and
// bodies over the size limit.
func (a *api) decode(w http.ResponseWriter, r *http.Request, v any) error {
	body := http.MaxBytesReader(w, r.Body, a.maxBody)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return invalidf("empty request body")
		}
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return err
		}
		return invalidf("bad JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return err
		}
		return invalidf("bad JSON: data after the request object")
	}
	return nil
}

// pathID parses the {id} of a path.
func pathID(r *http.Request) (uint64, error) {
	s := r.PathValue("id")
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, invalidf("id %q is not an unsigned 64-bit integer", s)
	}
	return id, nil
}

// payload turns an absent or null payload into none.
func payload(raw json.RawMessage) []byte {
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	return raw
}

func (a *api) addItem(w http.ResponseWriter, r *http.Request) {
	var req itemRequest
	if err := a.decode(w, r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	if req.ID == nil {
		a.fail(w, r, invalidf(`"id" is required (or PUT /items/{id})`))
		return
	}
	if req.Vector == nil {
		a.fail(w, r, invalidf(`"vector" is required`))
		return
	}
	if err := a.svc.Add(*req.ID, req.Vector, Item{Tags: req.Tags, Payload: payload(req.Payload)}); err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]uint64{"id": *req.ID})
}

func (a *api) upsertItem(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var req itemRequest
	if err := a.decode(w, r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	if req.ID != nil && *req.ID != id {
		a.fail(w, r, invalidf("body id %d differs from path id %d", *req.ID, id))
		return
	}
	if req.Vector == nil {
		a.fail(w, r, invalidf(`"vector" is required`))
		return
	}
	replaced, err := a.svc.Upsert(id, req.Vector, Item{Tags: req.Tags, Payload: payload(req.Payload)})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	status := http.StatusCreated
	if replaced {
		status = http.StatusOK
	}
	writeJSON(w, status, map[string]any{"id": id, "replaced": replaced})
}

func (a *api) getItem(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	vec, it, err := a.svc.Get(id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, itemResponse{ID: id, Vector: vec, Tags: it.Tags, Payload: it.Payload})
}

func (a *api) deleteItem(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if err := a.svc.Delete(id); err != nil {
		a.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *api) search(w http.ResponseWriter, r *http.Request) {
	var req searchRequest
	if err := a.decode(w, r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	if req.Vector == nil {
		a.fail(w, r, invalidf(`"vector" is required`))
		return
	}
	if req.K == 0 {
		req.K = 10
	}
	if err := req.Filter.validate(); err != nil {
		a.fail(w, r, err)
		return
	}
	mode := hnsw.IterativeAuto
	switch req.Iterative {
	case "":
	case "off":
		mode = hnsw.IterativeOff
	case "relaxed", "relaxed_order":
		mode = hnsw.IterativeRelaxed
	case "strict", "strict_order":
		mode = hnsw.IterativeStrict
	default:
		a.fail(w, r, invalidf(`iterative must be "off", "relaxed" or "strict", got %q`, req.Iterative))
		return
	}
	hits, stats, err := a.svc.Search(SearchRequest{Vector: req.Vector, K: req.K, Ef: req.Ef, Filter: req.Filter, Iterative: mode})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	resp := searchResponse{Results: make([]searchHit, len(hits)), DistanceEvaluations: stats.DistanceEvaluations, Visited: stats.Visited}
	for i, h := range hits {
		resp.Results[i] = searchHit{ID: h.Key, Distance: h.Distance, Tags: h.Item.Tags, Payload: h.Item.Payload}
	}
	writeJSON(w, http.StatusOK, resp)
}

func (a *api) stats(w http.ResponseWriter, _ *http.Request) {
	st, cfg := a.svc.Stats()
	writeJSON(w, http.StatusOK, statsResponse{
		Dim: cfg.Dim, Metric: cfg.Metric.String(), Storage: cfg.Storage.String(),
		M: cfg.M, EfConstruction: cfg.EfConstruction, EfSearch: cfg.EfSearch,
		Items: st.Keys, Nodes: st.Nodes, Deleted: st.Deleted, DeletedFraction: st.DeletedFraction,
		BytesUsed: st.BytesUsed, Searches: st.Searches,
	})
}

func (a *api) vacuum(w http.ResponseWriter, r *http.Request) {
	before, _ := a.svc.Stats()
	if err := a.svc.Vacuum(r.Context()); err != nil {
		a.fail(w, r, err)
		return
	}
	after, _ := a.svc.Stats()
	writeJSON(w, http.StatusOK, map[string]int{"freed": before.Deleted - after.Deleted})
}

// fail answers err with the status it deserves: the client's mistakes get
// a 4xx and the error's own message; anything else is logged and answered
// 500 without details.
func (a *api) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	msg := err.Error()
	if status >= 500 {
		a.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		msg = http.StatusText(status)
	}
	writeJSON(w, status, errorResponse{Error: msg})
}

// statusOf maps the service's and the index's errors to HTTP statuses.
func statusOf(err error) int {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, hnsw.ErrKeyNotFound):
		return http.StatusNotFound
	case errors.Is(err, hnsw.ErrKeyExists):
		return http.StatusConflict
	case errors.Is(err, errInvalid),
		errors.Is(err, hnsw.ErrDimension),
		errors.Is(err, hnsw.ErrNotFinite),
		errors.Is(err, hnsw.ErrZeroVector),
		errors.Is(err, hnsw.ErrOverflow),
		errors.Is(err, hnsw.ErrInvalidConfig):
		return http.StatusBadRequest
	case errors.Is(err, hnsw.ErrIndexFull):
		return http.StatusInsufficientStorage
	}
	return http.StatusInternalServerError
}

// writeJSON answers v as JSON with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Only a value the API never produces (a NaN distance) gets here.
		status = http.StatusInternalServerError
		body = []byte(fmt.Sprintf(`{"error":%q}`, http.StatusText(status)))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}
