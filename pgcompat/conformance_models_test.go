package pgcompat_test

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/pgvector/pgvector-go"
	"github.com/stretchr/testify/require"

	"github.com/smallworld-go/smallworld/pgcompat"
	"github.com/smallworld-go/smallworld/pgcompat/pgtest"
)

// buildCase is one index built on the oracle for the size, memory and
// planner models.
type buildCase struct {
	name    string
	typ     string // column type: vector, halfvec, bit, sparsevec
	dims    int
	n       int
	m, efc  int
	opclass string
	// mwm is maintenance_work_mem for the build (e.g. "1MB"), "" for the
	// default (64MB, ample for these sizes).
	mwm string
	// onDisk builds the index on the empty table and inserts the rows
	// afterwards, one by one.
	onDisk bool
	// zeros is how many rows are zero vectors (skipped by cosine classes).
	zeros int
	// plan says whether to compare the planner on this table.
	plan bool
}

var buildCases = []buildCase{
	{name: "v128_m16", typ: "vector", dims: 128, n: 2000, m: 16, efc: 32, opclass: "vector_l2_ops", plan: true},
	{name: "v3_m16", typ: "vector", dims: 3, n: 3000, m: 16, efc: 32, opclass: "vector_l2_ops", plan: true},
	{name: "v16_m4_cos", typ: "vector", dims: 16, n: 1500, m: 4, efc: 8, opclass: "vector_cosine_ops", zeros: 7, plan: true},
	{name: "v128_m32", typ: "vector", dims: 128, n: 1000, m: 32, efc: 64, opclass: "vector_ip_ops", plan: true},
	{name: "v768_m16", typ: "vector", dims: 768, n: 600, m: 16, efc: 32, opclass: "vector_l2_ops", plan: true},
	{name: "v1968", typ: "vector", dims: 1968, n: 60, m: 16, efc: 32, opclass: "vector_l2_ops"},
	{name: "v1969", typ: "vector", dims: 1969, n: 60, m: 16, efc: 32, opclass: "vector_l2_ops"},
	{name: "h256", typ: "halfvec", dims: 256, n: 800, m: 8, efc: 16, opclass: "halfvec_l2_ops"},
	{name: "bit1024", typ: "bit", dims: 1024, n: 2000, m: 16, efc: 32, opclass: "bit_hamming_ops"},
	{name: "sparse", typ: "sparsevec", dims: 1000, n: 800, m: 8, efc: 16, opclass: "sparsevec_l2_ops"},
	{name: "v64_insert", typ: "vector", dims: 64, n: 1200, m: 8, efc: 16, opclass: "vector_l2_ops", onDisk: true},
	{name: "v128_flush", typ: "vector", dims: 128, n: 2500, m: 16, efc: 32, opclass: "vector_l2_ops", mwm: "1MB", plan: true},
	{name: "v16_flush", typ: "vector", dims: 16, n: 2500, m: 16, efc: 32, opclass: "vector_l1_ops", mwm: "1MB"},
}

// rows generates the table's values, as SQL-bound Go values, and each
// value's stored size.
func (b buildCase) rows(r *rand.Rand) ([]any, []int) {
	vals := make([]any, b.n)
	sizes := make([]int, b.n)
	for i := range vals {
		switch b.typ {
		case "vector", "halfvec":
			x := make([]float32, b.dims)
			if i >= b.zeros {
				for j := range x {
					x[j] = float32(r.NormFloat64())
				}
			}
			if b.typ == "vector" {
				vals[i] = pgvector.NewVector(x)
				sizes[i] = pgcompat.VectorValueSize(b.dims)
			} else {
				h, _ := pgcompat.NewHalfVec(x)
				vals[i] = h.ToPgvector()
				sizes[i] = pgcompat.HalfVecValueSize(b.dims)
			}
		case "bit":
			var sb strings.Builder
			for j := 0; j < b.dims; j++ {
				sb.WriteByte("01"[r.IntN(2)])
			}
			vals[i] = sb.String()
			sizes[i] = pgcompat.BitValueSize(b.dims)
		case "sparsevec":
			nnz := 1 + r.IntN(100)
			idx := r.Perm(b.dims)[:nnz]
			slices.Sort(idx)
			ii := make([]int32, nnz)
			vv := make([]float32, nnz)
			for k := range idx {
				ii[k] = int32(idx[k])
				vv[k] = float32(r.NormFloat64()) + 3
			}
			s, err := pgcompat.NewSparseVec(b.dims, ii, vv)
			if err != nil {
				panic(err)
			}
			vals[i] = s.ToPgvector()
			sizes[i] = pgcompat.SparseVecValueSize(nnz)
		}
	}
	return vals, sizes
}

// builtIndex is what the oracle reports about one build.
type builtIndex struct {
	pages     int
	levels    []int // in heap (insertion) order
	sizes     []int // stored value sizes, same order
	notice    *pgconn.Notice
	heapPages float64
	heapUsed  float64 // pages holding rows (COPY extends the heap ahead of need)
	heapRows  float64
	idxTuples float64
	idxPages  float64
	query     string // a vector literal to search with
}

func buildOnOracle(t *testing.T, srv *pgtest.Server, b buildCase, seed uint64) builtIndex {
	t.Helper()
	cfg, err := pgx.ParseConfig(srv.DSN())
	require.NoError(t, err)
	var notices []*pgconn.Notice
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) { notices = append(notices, n) }
	conn, err := pgx.ConnectConfig(ctx(t), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(ctx(t)) })
	require.NoError(t, pgtest.RegisterTypes(ctx(t), conn))

	table := "build_" + b.name
	colType := fmt.Sprintf("%s(%d)", b.typ, b.dims)
	_, err = conn.Exec(ctx(t), fmt.Sprintf("DROP TABLE IF EXISTS %[1]s; CREATE TABLE %[1]s (id integer, v %[2]s)", table, colType))
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = conn.Exec(ctx(t), "DROP TABLE IF EXISTS "+table) })

	r := rand.New(rand.NewPCG(seed, uint64(len(b.name))))
	vals, sizes := b.rows(r)
	createIndex := fmt.Sprintf("CREATE INDEX %[1]s_idx ON %[1]s USING hnsw (v %[2]s) WITH (m = %[3]d, ef_construction = %[4]d)", table, b.opclass, b.m, b.efc)
	load := func() {
		if b.typ == "bit" {
			// bit values travel as text.
			batch := &pgx.Batch{}
			for i, v := range vals {
				batch.Queue(fmt.Sprintf("INSERT INTO %s VALUES ($1, $2::text::bit(%d))", table, b.dims), i, v)
			}
			require.NoError(t, conn.SendBatch(ctx(t), batch).Close())
			return
		}
		data := make([][]any, len(vals))
		for i, v := range vals {
			data[i] = []any{i, v}
		}
		_, err := conn.CopyFrom(ctx(t), pgx.Identifier{table}, []string{"id", "v"}, pgx.CopyFromRows(data))
		require.NoError(t, err)
	}
	start := time.Now()
	if b.onDisk {
		_, err = conn.Exec(ctx(t), createIndex)
		require.NoError(t, err)
		load()
	} else {
		load()
		if b.mwm != "" {
			_, err = conn.Exec(ctx(t), "SET maintenance_work_mem = '"+b.mwm+"'")
			require.NoError(t, err)
		}
		_, err = conn.Exec(ctx(t), createIndex)
		require.NoError(t, err)
		_, err = conn.Exec(ctx(t), "RESET maintenance_work_mem")
		require.NoError(t, err)
	}
	t.Logf("%s: %d rows loaded and indexed in %v", b.name, b.n, time.Since(start).Round(time.Millisecond))

	idx, err := pgtest.ReadHNSW(ctx(t), conn, table+"_idx")
	require.NoError(t, err)
	var out builtIndex
	out.pages = idx.Pages
	// Levels in heap order: the rows were loaded in id order.
	els := slices.Clone(idx.Elements)
	slices.SortFunc(els, func(a, b pgtest.HNSWElement) int {
		return cmp.Or(cmp.Compare(a.HeapTIDs[0].Block, b.HeapTIDs[0].Block), cmp.Compare(a.HeapTIDs[0].Offset, b.HeapTIDs[0].Offset))
	})
	// Map each element back to its row to know its stored size: rows and
	// elements are in the same order, minus the rows the index skipped.
	skip := 0
	if b.opclass == "vector_cosine_ops" {
		skip = b.zeros
	}
	require.Len(t, els, b.n-skip, "elements")
	for i, e := range els {
		out.levels = append(out.levels, e.Level)
		out.sizes = append(out.sizes, sizes[i+skip])
	}
	for _, n := range notices {
		if strings.HasPrefix(n.Message, "hnsw graph") {
			out.notice = n
		}
	}
	require.NoError(t, conn.QueryRow(ctx(t), "SELECT relpages, reltuples FROM pg_class WHERE relname = $1", table).Scan(&out.heapPages, &out.heapRows))
	require.NoError(t, conn.QueryRow(ctx(t), "SELECT relpages, reltuples FROM pg_class WHERE relname = $1", table+"_idx").Scan(&out.idxPages, &out.idxTuples))
	require.NoError(t, conn.QueryRow(ctx(t), "SELECT count(DISTINCT (ctid::text::point)[0]) FROM "+table).Scan(&out.heapUsed))
	if b.typ == "vector" {
		q, _ := pgcompat.NewVector(vals[len(vals)-1].(pgvector.Vector).Slice())
		out.query = q.String()
	}
	return out
}

func TestConformanceIndexModels(t *testing.T) {
	conn := oracleConn(t)
	_ = conn
	srv := oracle.Server(t)
	sizeTally := &tally{name: "index size (pg_relation_size vs IndexSize with real levels)"}
	heapTally := &tally{name: "heap pages holding rows vs EstimateHeapPages"}
	memTally := &tally{name: "maintenance_work_mem flush point (NOTICE vs BuildMemory)"}
	planTally := &tally{name: "planner choice (EXPLAIN vs Plan)"}
	costTally := &tally{name: "planner costs of both plans (EXPLAIN, to its 0.01 rounding)"}
	for i, b := range buildCases {
		t.Run(b.name, func(t *testing.T) {
			got := buildOnOracle(t, srv, b, uint64(1000+i))
			inMem := pgcompat.AllInMemory
			if b.onDisk {
				inMem = 0
			}
			// The flush point from the memory model (with real levels).
			mwm := 65536
			if b.mwm != "" {
				var v int
				_, err := fmt.Sscanf(b.mwm, "%dMB", &v)
				require.NoError(t, err)
				mwm = v * 1024
			}
			if !b.onDisk {
				res, err := pgcompat.BuildMemory(pgcompat.BuildMemorySpec{
					Platform: pgcompat.PGlite, MaintenanceWorkMem: mwm, M: b.m,
					ValueSizes: got.sizes, Levels: got.levels,
				})
				require.NoError(t, err)
				realN := -1
				if got.notice != nil {
					want := pgcompat.FlushNotice(0)
					require.Equal(t, want.Detail, got.notice.Detail)
					require.Equal(t, want.Hint, got.notice.Hint)
					_, err := fmt.Sscanf(got.notice.Message, "hnsw graph no longer fits into maintenance_work_mem after %d tuples", &realN)
					require.NoError(t, err)
				}
				modelN := -1
				if res.Notice != nil {
					modelN = res.FlushAfter
					require.Equal(t, got.notice.Message, res.Notice.Message)
				}
				memTally.check(realN == modelN, "%s: NOTICE after %d tuples, model %d", b.name, realN, modelN)
				t.Logf("%s: flush after %d tuples (model %d), model minimum maintenance_work_mem %d kB", b.name, realN, modelN, res.MinMaintenanceWorkMem)
				if realN >= 0 {
					inMem = realN
				}
			}
			size, err := pgcompat.IndexSize(pgcompat.SizeSpec{M: b.m, ValueSizes: got.sizes, Levels: got.levels, InMemory: inMem})
			require.NoError(t, err)
			sizeTally.check(size.Pages == got.pages, "%s: pg_relation_size %d pages, model %d", b.name, got.pages, size.Pages)
			t.Logf("%s: %d pages (model %d), heap %v pages", b.name, got.pages, size.Pages, got.heapPages)

			if (b.typ == "vector" || b.typ == "halfvec") && !b.onDisk {
				vs := got.sizes[0]
				est := pgcompat.EstimateHeapPages(float64(b.n), pgcompat.VectorRowData(4, vs))
				heapTally.check(est == got.heapUsed, "%s: pages holding rows %v (relpages %v), EstimateHeapPages %v", b.name, got.heapUsed, got.heapPages, est)
			}
			if b.plan {
				comparePlans(t, srv, b, got, planTally, costTally)
			}
		})
	}
	sizeTally.report(t)
	memTally.report(t)
	heapTally.report(t)
	planTally.report(t)
	costTally.report(t)
}

// explainNode is the part of EXPLAIN (FORMAT JSON) the test reads.
type explainNode struct {
	NodeType     string        `json:"Node Type"`
	StartupCost  float64       `json:"Startup Cost"`
	TotalCost    float64       `json:"Total Cost"`
	PlanRows     float64       `json:"Plan Rows"`
	Plans        []explainNode `json:"Plans"`
	IndexName    string        `json:"Index Name"`
	SortMethod   string        `json:"Sort Method"`
	RelationName string        `json:"Relation Name"`
}

func comparePlans(t *testing.T, srv *pgtest.Server, b buildCase, got builtIndex, planTally, costTally *tally) {
	conn := srv.Conn(t)
	table := "build_" + b.name
	for _, ef := range []int{10, 40, 200} {
		for _, limit := range []int{1, 10, 100, 1000} {
			_, err := conn.Exec(ctx(t), fmt.Sprintf("SET hnsw.ef_search = %d", ef))
			require.NoError(t, err)
			var js string
			q := fmt.Sprintf("EXPLAIN (FORMAT JSON) SELECT id FROM %s ORDER BY v <-> '%s' LIMIT %d", table, got.query, limit)
			if b.opclass == "vector_cosine_ops" {
				q = strings.Replace(q, "<->", "<=>", 1)
			} else if b.opclass == "vector_ip_ops" {
				q = strings.Replace(q, "<->", "<#>", 1)
			} else if b.opclass == "vector_l1_ops" {
				q = strings.Replace(q, "<->", "<+>", 1)
			}
			require.NoError(t, conn.QueryRow(ctx(t), q).Scan(&js))
			var plans []struct {
				Plan explainNode `json:"Plan"`
			}
			require.NoError(t, json.Unmarshal([]byte(js), &plans))
			lim := plans[0].Plan
			realIndex := len(lim.Plans) > 0 && lim.Plans[0].NodeType == "Index Scan"
			settings := pgcompat.DefaultSettings(pgcompat.PGlite)
			settings.EfSearch = ef
			ex, err := pgcompat.Plan(pgcompat.PlanSpec{
				Settings: &settings, Rows: got.heapRows, HeapPages: got.heapPages,
				IndexPages: got.idxPages, M: b.m, Limit: limit,
			})
			require.NoError(t, err)
			planTally.check(realIndex == ex.UseIndex, "%s ef=%d LIMIT %d: EXPLAIN %s (cost %.2f), model index=%v (index %.2f, sort %.2f)",
				b.name, ef, limit, lim.Plans[0].NodeType, lim.TotalCost, ex.UseIndex, ex.IndexLimit.Total, ex.SortLimit.Total)
			// Cost both plans: the other one by disabling the chosen one.
			other := "SET enable_indexscan = off"
			if !realIndex {
				other = "SET enable_seqscan = off; SET enable_sort = off"
			}
			_, err = conn.Exec(ctx(t), other)
			require.NoError(t, err)
			require.NoError(t, conn.QueryRow(ctx(t), q).Scan(&js))
			_, err = conn.Exec(ctx(t), "RESET enable_indexscan; RESET enable_seqscan; RESET enable_sort")
			require.NoError(t, err)
			var plans2 []struct {
				Plan explainNode `json:"Plan"`
			}
			require.NoError(t, json.Unmarshal([]byte(js), &plans2))
			lim2 := plans2[0].Plan
			idxLim, sortLim := lim, lim2
			if !realIndex {
				idxLim, sortLim = lim2, lim
			}
			close := func(model, real float64) bool { return math.Abs(model-real) <= 0.00001*real+0.006 } // EXPLAIN rounds to 0.01
			costTally.check(close(ex.IndexLimit.Total, idxLim.TotalCost) && close(ex.IndexScan.Startup, idxLim.Plans[0].StartupCost) && close(ex.IndexScan.Total, idxLim.Plans[0].TotalCost),
				"%s ef=%d LIMIT %d: index plan EXPLAIN Limit ..%.2f, scan %.2f..%.2f; model Limit ..%.2f, scan %.2f..%.2f",
				b.name, ef, limit, idxLim.TotalCost, idxLim.Plans[0].StartupCost, idxLim.Plans[0].TotalCost, ex.IndexLimit.Total, ex.IndexScan.Startup, ex.IndexScan.Total)
			costTally.check(close(ex.SortLimit.Total, sortLim.TotalCost) && close(ex.SeqScanSort.Startup, sortLim.Plans[0].StartupCost) && close(ex.SeqScanSort.Total, sortLim.Plans[0].TotalCost),
				"%s ef=%d LIMIT %d: sort plan EXPLAIN Limit ..%.2f, sort %.2f..%.2f; model Limit ..%.2f, sort %.2f..%.2f",
				b.name, ef, limit, sortLim.TotalCost, sortLim.Plans[0].StartupCost, sortLim.Plans[0].TotalCost, ex.SortLimit.Total, ex.SeqScanSort.Startup, ex.SeqScanSort.Total)
		}
	}
	_, err := conn.Exec(ctx(t), "RESET hnsw.ef_search")
	require.NoError(t, err)
}
