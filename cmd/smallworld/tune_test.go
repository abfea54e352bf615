package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smallworld-go/smallworld/bench"
	"github.com/smallworld-go/smallworld/pgcompat"
	"github.com/smallworld-go/smallworld/pgcompat/tune"
)

// tuneArgs is a quick sweep: two builds, three ef_search values.
var tuneArgs = []string{"tune", "--m", "8,16", "--ef-construction", "4x", "--ef-search", "10,20,40", "--cache", ""}

func TestTuneBuiltInDataset(t *testing.T) {
	code, stdout, stderr := runTruthCLI(t, append(tuneArgs, "--json")...)
	require.Equal(t, exitOK, code, stderr)
	assert.Empty(t, stderr, "no progress bars when stderr is not a terminal")
	var rep tune.Report
	require.NoError(t, json.Unmarshal([]byte(stdout), &rep))
	assert.Equal(t, 10000, rep.Dataset.Rows)
	assert.Equal(t, 100, rep.Dataset.Queries)
	assert.Equal(t, "vector_l2_ops", rep.Spec.OpClass)
	assert.Len(t, rep.Results, 6)
	require.NotNil(t, rep.Recommendation)
	assert.GreaterOrEqual(t, rep.Recommendation.Recall.Mean, 0.95)
	assert.True(t, rep.Complete)

	// The table, and a plot beside it.
	plot := filepath.Join(t.TempDir(), "tune.svg")
	code, stdout, stderr = runTruthCLI(t, append(tuneArgs, "--plot", plot)...)
	require.Equal(t, exitOK, code, stderr)
	for _, want := range []string{"Recommendation: m = ", "CREATE INDEX CONCURRENTLY ON items USING hnsw (embedding vector_l2_ops) WITH (m = ",
		"SET hnsw.ef_search = ", "plot written to " + plot} {
		assert.Contains(t, stdout, want)
	}
	b, err := os.ReadFile(plot)
	require.NoError(t, err)
	assert.Contains(t, string(b), "<svg")

	// CSV, with names for the SQL.
	code, stdout, stderr = runTruthCLI(t, append(tuneArgs, "--csv", "--k", "5")...)
	require.Equal(t, exitOK, code, stderr)
	records, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	require.NoError(t, err)
	assert.Len(t, records, 7)
	assert.Equal(t, "m", records[0][0])
}

func TestTuneFilesAndOptions(t *testing.T) {
	dir := t.TempDir()
	b, q, _, err := bench.SIFTSmall()
	require.NoError(t, err)
	base, queries := b.Slice(0, 3000), q.Slice(0, 30)
	require.NoError(t, bench.Save(filepath.Join(dir, "base.npy"), base))
	require.NoError(t, bench.Save(filepath.Join(dir, "q.jsonl"), queries))

	code, stdout, stderr := runTruthCLI(t, "tune", "--base", filepath.Join(dir, "base.npy"), "--query", filepath.Join(dir, "q.jsonl"),
		"--opclass", "halfvec_cosine_ops", "--m", "8", "--ef-construction", "32,64", "--ef-search", "20,80", "--repeats", "2",
		"--target-recall", "0.9", "--max-index-size", "100MB", "--sql-table", "docs", "--sql-column", "Emb", "--rows", "50000",
		"--cache", filepath.Join(dir, "cache"), "--json")
	require.Equal(t, exitOK, code, stderr)
	var rep tune.Report
	require.NoError(t, json.Unmarshal([]byte(stdout), &rep))
	assert.Equal(t, "halfvec", rep.Dataset.Type)
	assert.Equal(t, int64(50000), rep.Dataset.ModelRows)
	assert.Equal(t, 2, rep.Results[0].Repeats)
	assert.Len(t, rep.Builds, 4)
	require.NotNil(t, rep.Recommendation, rep.NoRecommendation)
	assert.Contains(t, rep.Recommendation.Statements[1], `ON docs USING hnsw ("Emb" halfvec_cosine_ops)`)

	// Held-out queries from the base file; the cache is reused.
	code, stdout, stderr = runTruthCLI(t, "tune", "--base", filepath.Join(dir, "base.npy"), "--queries", "50",
		"--m", "8", "--ef-construction", "32", "--ef-search", "40", "--json", "--cache", filepath.Join(dir, "cache"))
	require.Equal(t, exitOK, code, stderr)
	require.NoError(t, json.Unmarshal([]byte(stdout), &rep))
	assert.Equal(t, 50, rep.Dataset.HeldOut)
	assert.Equal(t, 2950, rep.Dataset.Rows)

	// m values with ef_construction below 2·m are skipped, with a note.
	code, _, stderr = runTruthCLI(t, "tune", "--base", filepath.Join(dir, "base.npy"), "--queries", "20",
		"--m", "8,32", "--ef-construction", "32", "--ef-search", "40", "--cache", "", "--json")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stderr, "skipping m=32 efc=32: ef_construction must be greater than or equal to 2 * m")
}

func TestTuneBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
		return p
	}
	mixed := write("mixed.csv", "1,2,3\n4,5,6\n7,8\n")
	nan := write("nan.txt", "[1,2,3]\n[4,NaN,6]\n")
	empty := write("empty.csv", "")
	base := filepath.Join(dir, "base.fvecs")
	b, _, _, err := bench.SIFTSmall()
	require.NoError(t, err)
	require.NoError(t, bench.Save(base, b.Slice(0, 500)))
	zeroQ := write("zq.csv", strings.Repeat("0,", 127)+"0\n")
	short := write("short.csv", "1,2,3\n")

	for _, c := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"mixed dimensions", []string{"--base", mixed}, exitFailure, "dimension"},
		{"NaN", []string{"--base", nan}, exitFailure, "NaN"},
		{"empty", []string{"--base", empty}, exitFailure, "no vectors"},
		{"zero query under cosine", []string{"--base", base, "--query", zeroQ, "--opclass", "vector_cosine_ops"}, exitFailure, "zero vector"},
		{"query dimension", []string{"--base", base, "--query", short}, exitFailure, "queries have 3 dimensions, base vectors 128"},
		{"missing file", []string{"--base", filepath.Join(dir, "nope.fvecs")}, exitFailure, "no such file"},
		{"bit opclass", []string{"--opclass", "bit_hamming_ops"}, exitFailure, "tune models the vector_* and halfvec_* classes"},
		{"unknown opclass", []string{"--opclass", "vector_foo_ops"}, exitUsage, "unknown --opclass"},
		{"k", []string{"--k", "0"}, exitUsage, "--k must be at least 1"},
		{"csv and json", []string{"--csv", "--json"}, exitUsage, "choose one"},
		{"dsn alone", []string{"--dsn", "postgres://x"}, exitUsage, "--dsn needs --table and --column"},
		{"table without dsn", []string{"--table", "items"}, exitUsage, "need --dsn"},
		{"query and queries", []string{"--query", zeroQ, "--queries", "10"}, exitUsage, "choose one"},
		{"size", []string{"--max-index-size", "2XB"}, exitUsage, "unknown unit"},
		{"mwm", []string{"--maintenance-work-mem", "1kB"}, exitUsage, `1 kB is outside the valid range for parameter "maintenance_work_mem"`},
		{"ef_search", []string{"--ef-search", "0"}, exitFailure, `0 is outside the valid range for parameter "hnsw.ef_search" (1 .. 1000)`},
		{"efc", []string{"--m", "16", "--ef-construction", "abc"}, exitUsage, "bad ef_construction"},
		{"grid", []string{"--m", "16", "--ef-construction", "8"}, exitUsage, "no (m, ef_construction) pair"},
		{"m range", []string{"--m", "101", "--ef-construction", "1000"}, exitUsage, `value 101 out of bounds for option "m"`},
		{"plot", []string{"--plot", "x.gif"}, exitUsage, ".png or .svg"},
		{"objective", []string{"--objective", "speed"}, exitUsage, "unknown objective"},
	} {
		code, _, stderr := runTruthCLI(t, append([]string{"tune", "--cache", ""}, c.args...)...)
		assert.Equal(t, c.code, code, "%s: %s", c.name, stderr)
		assert.Contains(t, stderr, c.msg, c.name)
	}
}

func TestParseByteSize(t *testing.T) {
	for in, want := range map[string]int64{"": 0, "123": 123, "1kB": 1024, "2 MB": 2 << 20, "1.5GB": 3 << 29, "1TiB": 1 << 40, "64mb": 64 << 20} {
		got, err := parseByteSize("--x", in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"MB", "-1GB", "1.2.3", "5XB", "1e3MB"} {
		_, err := parseByteSize("--x", bad)
		assert.ErrorIs(t, err, errUsage, bad)
	}
}

func TestSizeCommand(t *testing.T) {
	code, stdout, stderr := runTruthCLI(t, "size", "--rows", "2000", "--dims", "128", "--json")
	require.Equal(t, exitOK, code, stderr)
	var s sizeSummary
	require.NoError(t, json.Unmarshal([]byte(stdout), &s))
	// pgvector reported 206 blocks for this build; random levels give 203–206.
	assert.GreaterOrEqual(t, s.Pages, int64(203))
	assert.LessOrEqual(t, s.Pages, int64(206))
	assert.True(t, s.Fits)
	assert.Greater(t, s.Runs, 1)

	code, stdout, stderr = runTruthCLI(t, "size", "--rows", "1000000", "--dims", "768")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "500001 pages")
	assert.Contains(t, stdout, "NOTICE:  hnsw graph no longer fits into maintenance_work_mem after")

	code, _, stderr = runTruthCLI(t, "size", "--rows", "10", "--dims", "2001")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "column cannot have more than 2000 dimensions for hnsw index")
	code, _, _ = runTruthCLI(t, "size", "--rows", "10", "--dims", "2001", "--type", "halfvec")
	assert.Equal(t, exitOK, code)
	code, _, _ = runTruthCLI(t, "size", "--rows", "10", "--dims", "20000", "--type", "sparsevec", "--nnz", "100")
	assert.Equal(t, exitOK, code)
	code, _, _ = runTruthCLI(t, "size", "--dims", "3")
	assert.Equal(t, exitUsage, code)
	code, _, _ = runTruthCLI(t, "size", "--rows", "10", "--dims", "3", "--type", "float")
	assert.Equal(t, exitUsage, code)
}

func TestExplainCommand(t *testing.T) {
	// pgvector chose Sort at 500 rows and the index at 1000 (d = 3).
	code, stdout, stderr := runTruthCLI(t, "explain", "--rows", "1000", "--dims", "3", "--key-bytes", "4", "--json")
	require.Equal(t, exitOK, code, stderr)
	var s explainSummary
	require.NoError(t, json.Unmarshal([]byte(stdout), &s))
	assert.Equal(t, "Index Scan", s.Plan)
	assert.Greater(t, s.MinRowsForIndex, int64(500))
	assert.LessOrEqual(t, s.MinRowsForIndex, int64(1000))

	code, stdout, stderr = runTruthCLI(t, "explain", "--rows", "500", "--dims", "3", "--limit", "50")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "chosen: Seq Scan + Sort")
	assert.Contains(t, stdout, "LIMIT 50 is above hnsw.ef_search = 40")

	code, _, stderr = runTruthCLI(t, "explain", "--rows", "500", "--dims", "3", "--ef-search", "1001")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, `1001 is outside the valid range for parameter "hnsw.ef_search" (1 .. 1000)`)
}

func TestDriftCommand(t *testing.T) {
	dir := t.TempDir()
	b, _, _, err := bench.SIFTSmall()
	require.NoError(t, err)
	old := b.Slice(0, 1000)
	// A uniform shift: every pair keeps a high similarity.
	same := old.Clone()
	for i := range same.Data {
		same.Data[i] += 3
	}
	// Reversed rows: unrelated pairs.
	far := bench.NewMatrix(old.Dim, old.Len())
	for i := old.Len() - 1; i >= 0; i-- {
		require.NoError(t, far.Append(old.Row(i)))
	}
	oldPath, samePath, farPath := filepath.Join(dir, "old.fvecs"), filepath.Join(dir, "same.fvecs"), filepath.Join(dir, "far.fvecs")
	require.NoError(t, bench.Save(oldPath, old))
	require.NoError(t, bench.Save(samePath, same))
	require.NoError(t, bench.Save(farPath, far))

	code, stdout, stderr := runTruthCLI(t, "drift", "--old", oldPath, "--new", samePath)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "update in place:")
	assert.Contains(t, stdout, "1000 pairs, 128 → 128 dimensions")

	code, stdout, stderr = runTruthCLI(t, "drift", "--old", oldPath, "--new", farPath, "--json")
	require.Equal(t, exitOK, code, stderr)
	var rep tune.DriftReport
	require.NoError(t, json.Unmarshal([]byte(stdout), &rep))
	assert.True(t, rep.Rebuild)
	// An independent float64 mean of the pairs' cosines.
	var sum float64
	for i := range old.Len() {
		var dot, na, nb float64
		for j, x := range old.Row(i) {
			y := far.Row(i)[j]
			dot += float64(x) * float64(y)
			na += float64(x) * float64(x)
			nb += float64(y) * float64(y)
		}
		sum += dot / math.Sqrt(na*nb)
	}
	assert.InDelta(t, sum/1000, rep.Similarity.Mean, 1e-9)

	code, _, stderr = runTruthCLI(t, "drift", "--old", oldPath)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--old and --new are required")
	short := filepath.Join(dir, "short.fvecs")
	require.NoError(t, bench.Save(short, old.Slice(0, 10)))
	code, _, stderr = runTruthCLI(t, "drift", "--old", oldPath, "--new", short)
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, stderr, "1000 old embeddings but 10 new ones")
}

func TestMaintenanceWorkMemFlag(t *testing.T) {
	kb, err := parseMaintenanceWorkMem("1GB")
	require.NoError(t, err)
	assert.Equal(t, 1<<20, kb)
	kb, err = parseMaintenanceWorkMem("65536")
	require.NoError(t, err)
	assert.Equal(t, pgcompat.DefaultSettings(pgcompat.Linux64).MaintenanceWorkMem, kb, "a plain number is kB")
}

func TestTuneInterruptedPrintsWhatIsDone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // as if Ctrl-C came at once
	var out, errOut bytes.Buffer
	code := run(ctx, env{stdout: &out, stderr: &errOut}, tuneArgs)
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, errOut.String(), "interrupted")
	assert.Contains(t, out.String(), "INTERRUPTED")
	assert.Contains(t, out.String(), "No recommendation")
}
