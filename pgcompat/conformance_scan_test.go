package pgcompat_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smallworld-go/smallworld/pgcompat"
)

// scanSetup is one scan configuration: the session settings and the query
// shape.
type scanSetup struct {
	ef        int
	mode      string // hnsw.iterative_scan
	maxTuples int    // hnsw.max_scan_tuples; 0 = default
	workMem   string // work_mem; "" = default
	mult      string // hnsw.scan_mem_multiplier; "" = default
	limit     int
	where     bool // WHERE label = 3 (a tenth of the rows)
}

func (s scanSetup) String() string {
	out := fmt.Sprintf("ef=%d %s", s.ef, s.mode)
	if s.maxTuples > 0 {
		out += fmt.Sprintf(" max_scan_tuples=%d", s.maxTuples)
	}
	if s.workMem != "" {
		out += " work_mem=" + s.workMem
	}
	if s.mult != "" {
		out += " scan_mem_multiplier=" + s.mult
	}
	out += fmt.Sprintf(" LIMIT %d", s.limit)
	if s.where {
		out += " WHERE label=3"
	}
	return out
}

// gucs returns the SET commands of a setup, in the order applied to both.
func (s scanSetup) gucs() [][2]string {
	g := [][2]string{{"hnsw.ef_search", fmt.Sprint(s.ef)}, {"hnsw.iterative_scan", s.mode}}
	if s.maxTuples > 0 {
		g = append(g, [2]string{"hnsw.max_scan_tuples", fmt.Sprint(s.maxTuples)})
	}
	if s.workMem != "" {
		g = append(g, [2]string{"work_mem", s.workMem})
	}
	if s.mult != "" {
		g = append(g, [2]string{"hnsw.scan_mem_multiplier", s.mult})
	}
	return g
}

// oracleScan runs the query in pgvector and returns the rows.
func oracleScan(t *testing.T, conn *pgx.Conn, tab *oracleTable, s scanSetup, q any) []pgcompat.ScanRow {
	t.Helper()
	c := ctx(t)
	for _, g := range s.gucs() {
		_, err := conn.Exec(c, fmt.Sprintf("SET %s = '%s'", g[0], g[1]))
		require.NoError(t, err)
	}
	defer func() {
		_, err := conn.Exec(c, "RESET hnsw.ef_search; RESET hnsw.iterative_scan; RESET hnsw.max_scan_tuples; RESET work_mem; RESET hnsw.scan_mem_multiplier")
		require.NoError(t, err)
	}()
	where := ""
	if s.where {
		where = "WHERE label = 3"
	}
	op := string(tab.oc.Operator)
	sql := fmt.Sprintf("SELECT ctid, v %[1]s $1 FROM %[2]s %[3]s ORDER BY v %[1]s $1 LIMIT %[4]d", op, tab.name, where, s.limit)
	arg := wireValue(q)
	if tab.oc.Type == "bit" {
		sql = strings.ReplaceAll(sql, "$1", fmt.Sprintf("$1::text::bit(%d)", tab.dims))
	}
	rows, err := conn.Query(c, sql, arg)
	require.NoError(t, err)
	var out []pgcompat.ScanRow
	for rows.Next() {
		var ctid pgtype.TID
		var d *float64
		require.NoError(t, rows.Scan(&ctid, &d))
		r := pgcompat.ScanRow{TID: pgcompat.TID{Block: ctid.BlockNumber, Offset: ctid.OffsetNumber}, Distance: math.NaN()}
		if d != nil {
			r.Distance = *d
		}
		out = append(out, r)
	}
	require.NoError(t, rows.Err())
	return out
}

// ourScan runs the same query through pgcompat.Index.
func ourScan(t *testing.T, ix *pgcompat.Index, tab *oracleTable, s scanSetup, q any) ([]pgcompat.ScanRow, pgcompat.ScanStats) {
	t.Helper()
	set := pgcompat.DefaultSettings(pgcompat.PGlite)
	for _, g := range s.gucs() {
		require.NoError(t, set.Set(g[0], g[1]))
	}
	var where func(pgcompat.TID) bool
	if s.where {
		where = func(tid pgcompat.TID) bool { return tab.idOf(tid)%10 == 3 }
	}
	rows, stats, err := ix.ScanWhere(q, s.limit, set, where)
	require.NoError(t, err)
	return rows, stats
}

// sameRows reports whether two scans returned the same rows in the same
// order with bit-identical distances.
func sameRows(a, b []pgcompat.ScanRow) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].TID != b[i].TID || math.Float64bits(a[i].Distance) != math.Float64bits(b[i].Distance) {
			return false
		}
	}
	return true
}

// commonPrefix is the number of leading rows two scans share.
func commonPrefix(a, b []pgcompat.ScanRow) int {
	n := 0
	for n < len(a) && n < len(b) && a[n].TID == b[n].TID {
		n++
	}
	return n
}

// exactSetups are the configurations whose rows must match exactly.
var exactSetups = []scanSetup{
	// Iterative scans off: the row cap (ef_search elements) and LIMIT.
	{ef: 10, mode: "off", limit: 50},
	{ef: 40, mode: "off", limit: 10},
	{ef: 40, mode: "off", limit: 100},
	{ef: 100, mode: "off", limit: 100},
	{ef: 20, mode: "off", limit: 50, where: true},
	// Relaxed order, with and without a budget.
	{ef: 10, mode: "relaxed_order", limit: 200},
	{ef: 10, mode: "relaxed_order", maxTuples: 1, limit: 5000},
	{ef: 20, mode: "relaxed_order", maxTuples: 100, limit: 5000},
	{ef: 40, mode: "relaxed_order", maxTuples: 500, limit: 300},
	{ef: 40, mode: "relaxed_order", limit: 20, where: true},
	{ef: 10, mode: "relaxed_order", maxTuples: 200, limit: 5000, where: true},
	// Strict order.
	{ef: 10, mode: "strict_order", limit: 200},
	{ef: 10, mode: "strict_order", maxTuples: 1, limit: 5000},
	{ef: 20, mode: "strict_order", maxTuples: 100, limit: 5000},
	{ef: 40, mode: "strict_order", limit: 20, where: true},
	{ef: 10, mode: "strict_order", maxTuples: 300, limit: 5000, where: true},
}

// memorySetups stop exploring on work_mem × hnsw.scan_mem_multiplier, which
// pgcompat models rather than replays.
var memorySetups = []scanSetup{
	{ef: 10, mode: "relaxed_order", workMem: "64kB", limit: 100000},
	{ef: 10, mode: "relaxed_order", workMem: "128kB", limit: 100000},
	{ef: 40, mode: "strict_order", workMem: "64kB", limit: 100000},
	{ef: 10, mode: "relaxed_order", workMem: "64kB", mult: "2", limit: 100000},
	{ef: 20, mode: "relaxed_order", workMem: "256kB", limit: 100000},
	{ef: 5, mode: "strict_order", workMem: "64kB", mult: "1.5", limit: 100000},
}

// scanTally counts scans compared.
type scanTally struct {
	compared, equal int
	failures        []string
}

func (st *scanTally) check(t *testing.T, label string, want, got []pgcompat.ScanRow) {
	st.compared++
	if sameRows(want, got) {
		st.equal++
		return
	}
	if len(st.failures) < 10 {
		st.failures = append(st.failures, fmt.Sprintf("%s: pgvector %d rows, pgcompat %d, first %d equal", label, len(want), len(got), commonPrefix(want, got)))
	}
}

func TestConformanceScans(t *testing.T) {
	conn := oracleConn(t)
	_, err := conn.Exec(ctx(t), "SET enable_seqscan = off")
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = conn.Exec(ctx(t), "RESET enable_seqscan") })

	datasets := []graphCase{
		{name: "scan-l2", opclass: "vector_l2_ops", dims: 16, n: 2000, m: 8, efc: 32, seed: 21},
		{name: "scan-cosine", opclass: "vector_cosine_ops", dims: 24, n: 1500, m: 12, efc: 48, seed: 22, zeros: 3, nulls: 3},
		{name: "scan-halfvec-ip", opclass: "halfvec_ip_ops", dims: 16, n: 1200, m: 8, efc: 32, seed: 23},
	}
	var tally, memTally scanTally
	var memLog []string
	for _, c := range datasets {
		t.Run(c.name, func(t *testing.T) {
			tab, real, _ := oracleIndex(t, conn, c)
			ix := ourIndex(t, c, tab, levelsFrom(real))
			queries := genRows(tab.oc.Type, c.dims, 3, c.seed+1000, 0, 0, 0, 0)

			plan := explainPlan(t, conn, tab, queries[0])
			require.Contains(t, plan, "Index Scan using "+tab.name+"_idx", "the planner must use the index")

			for si, s := range exactSetups {
				q := queries[si%len(queries)]
				want := oracleScan(t, conn, tab, s, q)
				got, _ := ourScan(t, ix, tab, s, q)
				tally.check(t, c.name+" "+s.String(), want, got)
			}
			// The row cap: LIMIT 50 with ef_search 10 returns 10 rows.
			capped := oracleScan(t, conn, tab, exactSetups[0], queries[0])
			assert.Len(t, capped, 10)
			for si, s := range memorySetups {
				q := queries[si%len(queries)]
				want := oracleScan(t, conn, tab, s, q)
				got, stats := ourScan(t, ix, tab, s, q)
				memTally.check(t, c.name+" "+s.String(), want, got)
				memLog = append(memLog, fmt.Sprintf("%s %s: pgvector %d rows, pgcompat %d (first %d equal, memory limit reached: %v)",
					c.name, s, len(want), len(got), commonPrefix(want, got), stats.StoppedByMemory))
				// The model may stop exploring a few batches early or late.
				assert.InDelta(t, len(want), len(got), float64(len(want))/4+float64(2*s.ef), s.String())
			}

			// Deleted rows stay in the index until VACUUM: the executor
			// drops them after the row cap.
			_, err := conn.Exec(ctx(t), "DELETE FROM "+tab.name+" WHERE id % 3 = 1")
			require.NoError(t, err)
			for i, tid := range tab.tids {
				if i%3 == 1 {
					require.NoError(t, ix.Delete(tid))
				}
			}
			for si, s := range exactSetups[:8] {
				q := queries[(si+1)%len(queries)]
				want := oracleScan(t, conn, tab, s, q)
				got, _ := ourScan(t, ix, tab, s, q)
				tally.check(t, c.name+" after DELETE "+s.String(), want, got)
			}
		})
	}
	for _, l := range memLog {
		t.Log(l)
	}
	t.Logf("scans: %d compared, %d equal (same rows, same order, bit-identical distances)", tally.compared, tally.equal)
	t.Logf("memory-limited scans (modelled allocator): %d compared, %d equal", memTally.compared, memTally.equal)
	for _, f := range memTally.failures {
		t.Log("memory-limited: " + f)
	}
	assert.GreaterOrEqual(t, memTally.equal*2, memTally.compared, "at least half of the memory-limited scans equal")
	for _, f := range tally.failures {
		t.Error(f)
	}
	assert.GreaterOrEqual(t, tally.compared, 45)
}

// explainPlan returns EXPLAIN for a typical query of the table.
func explainPlan(t *testing.T, conn *pgx.Conn, tab *oracleTable, q any) string {
	t.Helper()
	op := string(tab.oc.Operator)
	rows, err := conn.Query(ctx(t), fmt.Sprintf("EXPLAIN SELECT ctid FROM %[2]s ORDER BY v %[1]s $1 LIMIT 10", op, tab.name), wireValue(q))
	require.NoError(t, err)
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return strings.Join(lines, "\n")
}
