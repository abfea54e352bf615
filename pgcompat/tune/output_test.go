package tune

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func smallReport(t *testing.T) *Report {
	t.Helper()
	rep, err := Run(context.Background(), Spec{
		Base: clustered(1, 1500, 8, 6), Queries: clustered(2, 30, 8, 6), K: 5,
		Builds: []BuildParams{{4, 8}, {8, 32}}, EfSearch: []int{5, 10, 40}, TargetRecall: 0.8,
	})
	require.NoError(t, err)
	require.NotNil(t, rep.Recommendation)
	return rep
}

func TestReportOutputs(t *testing.T) {
	rep := smallReport(t)

	var text bytes.Buffer
	require.NoError(t, rep.WriteText(&text))
	out := text.String()
	for _, want := range []string{"1500 vectors × 8 dims", "Recommendation: m = ", "CREATE INDEX CONCURRENTLY ON items USING hnsw (embedding vector_l2_ops)",
		"SET hnsw.ef_search = ", "SET maintenance_work_mem = '64MB';", "Warnings:", "hnsw.iterative_scan", "Time:", "> recommended"} {
		assert.Contains(t, out, want)
	}
	assert.Equal(t, 1, strings.Count(out, "*>")+strings.Count(out, " >\n"), "one row marked as recommended")

	var buf bytes.Buffer
	require.NoError(t, rep.WriteCSV(&buf))
	records, err := csv.NewReader(&buf).ReadAll()
	require.NoError(t, err)
	require.Len(t, records, 1+len(rep.Results))
	assert.Equal(t, csvHeader, records[0])
	recommended := 0
	for _, r := range records[1:] {
		require.Len(t, r, len(csvHeader))
		if r[len(r)-1] == "true" {
			recommended++
		}
	}
	assert.Equal(t, 1, recommended)

	buf.Reset()
	require.NoError(t, rep.WriteJSON(&buf))
	var back Report
	require.NoError(t, json.Unmarshal(buf.Bytes(), &back))
	assert.Equal(t, rep.Results, back.Results)
	assert.Equal(t, rep.Recommendation.Statements, back.Recommendation.Statements)
	assert.Equal(t, rep.Spec.Objective, back.Spec.Objective)

	dir := t.TempDir()
	png := filepath.Join(dir, "p.png")
	require.NoError(t, rep.SavePlot(png))
	b, err := os.ReadFile(png)
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")))
	svg := filepath.Join(dir, "p.svg")
	require.NoError(t, rep.SavePlot(svg))
	b, err = os.ReadFile(svg)
	require.NoError(t, err)
	assert.Contains(t, string(b), "<svg")
	assert.Contains(t, string(b), "Pareto front")
	assert.ErrorIs(t, rep.SavePlot(filepath.Join(dir, "p.jpg")), ErrUnsupported)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 2, "no temporary files left behind")
	assert.ErrorIs(t, (&Report{}).WritePlot(&buf, PlotPNG), ErrEmpty)
}

func TestFormatBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 bytes", 1023: "1023 bytes", 1024: "1.00 kB", 8192: "8.00 kB",
		1 << 20: "1.00 MB", 7_471_104: "7.12 MB", 4_096_008_192: "3.81 GB", 150 << 30: "150 GB", 2000 << 40: "2000 TB"} {
		assert.Equal(t, want, FormatBytes(n), n)
	}
}

func TestLogTicks(t *testing.T) {
	var labels []string
	for _, tk := range (logTicks125{}).Ticks(150, 2700) {
		labels = append(labels, tk.Label)
	}
	assert.Equal(t, []string{"200", "500", "1000", "2000"}, labels)
	assert.Len(t, (logTicks125{}).Ticks(3, 4), 2, "a narrow range still gets two labels")
	assert.Empty(t, (logTicks125{}).Ticks(0, 4))
}
