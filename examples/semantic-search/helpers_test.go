package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/smallworld-go/smallworld/hnsw"
)

// newTestAPI returns the handler of a fresh service.
func newTestAPI(t testing.TB, cfg hnsw.Config) (*Service, http.Handler) {
	t.Helper()
	ix, err := hnsw.New(cfg)
	require.NoError(t, err)
	svc := NewService(ix, cfg, nil)
	return svc, newHandler(svc, 64<<10, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// do sends one request to h and returns the status and the decoded body
// (nil for an empty body). It fails the test if the body is not JSON.
func do(t testing.TB, h http.Handler, method, path, body string) (int, map[string]any) {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(method, path, bytes.NewBufferString(body))
	h.ServeHTTP(rec, req)
	if rec.Body.Len() == 0 {
		return rec.Code, nil
	}
	var out map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out), "body %q", rec.Body.String())
	return rec.Code, out
}

// mustJSON marshals v.
func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// randomVector returns a vector of Gaussian components.
func randomVector(rng *rand.Rand, dim int) []float32 {
	v := make([]float32, dim)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return v
}
