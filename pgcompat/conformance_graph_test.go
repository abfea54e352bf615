package pgcompat_test

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smallworld-go/smallworld/pgcompat"
	"github.com/smallworld-go/smallworld/pgcompat/pgtest"
)

// graphCase is one dataset built both in the real pgvector and in
// pgcompat.Index.
type graphCase struct {
	name    string
	opclass string
	dims    int
	n       int
	m, efc  int
	seed    uint64
	// onDisk creates the index on the empty table and then inserts the
	// rows (pgvector's on-disk insert path); otherwise CREATE INDEX runs
	// over the loaded table (an in-memory build).
	onDisk bool
	// mwm, if set, is maintenance_work_mem for the build, small enough
	// that the graph stops fitting and the rest is inserted on disk.
	mwm string
	// zeros and nulls are rows the cosine classes (zeros) or every class
	// (nulls) skip; dups rows repeat an earlier row exactly.
	zeros, nulls, dups int
	// sparseNNZ is the number of non-zero elements of sparsevec rows.
	sparseNNZ int
}

// oracleTable is a table loaded into the oracle: the rows in heap order
// with their ctids and values.
type oracleTable struct {
	name   string
	oc     pgcompat.OpClass
	dims   int
	tids   []pgcompat.TID
	values []any // pgcompat column values; nil for NULL
	byTID  map[pgcompat.TID]any
}

// rowsFor generates a case's rows as pgcompat values (nil for NULL).
func (c graphCase) rows() []any {
	oc, _ := pgcompat.LookupOpClass(c.opclass)
	return genRows(oc.Type, c.dims, c.n, c.seed, c.zeros, c.nulls, c.dups, c.sparseNNZ)
}

// genRows makes n random rows of a type: clustered Gaussian data, with
// zero vectors, NULLs and exact duplicates spread through the heap.
func genRows(typ string, dims, n int, seed uint64, zeros, nulls, dups, nnz int) []any {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	centers := make([][]float64, 8)
	for i := range centers {
		centers[i] = make([]float64, dims)
		for j := range centers[i] {
			centers[i][j] = r.NormFloat64() * 2
		}
	}
	out := make([]any, n)
	for i := range out {
		switch typ {
		case "bit":
			bitsIn := make([]bool, dims)
			for j := range bitsIn {
				bitsIn[j] = r.IntN(3) == 0
			}
			out[i] = pgcompat.NewBit(bitsIn)
			continue
		case "sparsevec":
			x := make([]float32, dims)
			for range nnz {
				x[r.IntN(dims)] = float32(r.NormFloat64())
			}
			out[i] = mustValue(typ, x)
			continue
		}
		c := centers[r.IntN(len(centers))]
		x := make([]float32, dims)
		for j := range x {
			x[j] = float32(c[j] + r.NormFloat64())
		}
		out[i] = mustValue(typ, x)
	}
	// Special rows at spread-out positions (never the first row).
	pick := func() int { return 1 + r.IntN(n-1) }
	// Duplicates come late enough that the graph has more than 2m
	// elements, so pgvector can merge them: a duplicate that stays an
	// element of its own ties with its twin at every distance, and the
	// tie's outcome spreads through the graph.
	for range dups {
		i := n/4 + r.IntN(n-n/4)
		j := r.IntN(i)
		if out[j] != nil {
			out[i] = out[j]
		}
	}
	for range zeros {
		out[pick()] = mustValue(typ, make([]float32, dims))
	}
	for range nulls {
		out[pick()] = nil
	}
	return out
}

func mustValue(typ string, x []float32) any {
	var v any
	var err error
	switch typ {
	case "vector":
		v, err = pgcompat.NewVector(x)
	case "halfvec":
		v, err = pgcompat.NewHalfVec(x)
	case "sparsevec":
		var idx []int32
		var val []float32
		for i, f := range x {
			if f != 0 {
				idx = append(idx, int32(i))
				val = append(val, f)
			}
		}
		v, err = pgcompat.NewSparseVec(len(x), idx, val)
	default:
		err = fmt.Errorf("type %s", typ)
	}
	if err != nil {
		panic(err)
	}
	return v
}

// wireValue converts a pgcompat value to what pgx sends for it.
func wireValue(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case pgcompat.Vector:
		return x.ToPgvector()
	case pgcompat.HalfVec:
		return x.ToPgvector()
	case pgcompat.SparseVec:
		return x.ToPgvector()
	case pgcompat.Bit:
		return x.String()
	}
	panic(fmt.Sprintf("wireValue %T", v))
}

// loadTable creates table name (id int, v type(dims), label int) and loads
// the values in order: with COPY, or for bit with batched INSERTs of text.
// label is id mod 10, for WHERE filters. createIndex, when not empty, runs
// before the load (so the rows go through the on-disk insert path).
func loadTable(t *testing.T, conn *pgx.Conn, name string, oc pgcompat.OpClass, dims int, values []any, createIndex string) *oracleTable {
	t.Helper()
	c := ctx(t)
	_, err := conn.Exec(c, fmt.Sprintf("DROP TABLE IF EXISTS %[1]s; CREATE TABLE %[1]s (id int, v %[2]s(%[3]d), label int)", name, oc.Type, dims))
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = conn.Exec(ctx(t), "DROP TABLE IF EXISTS "+name) })
	if createIndex != "" {
		_, err = conn.Exec(c, createIndex)
		require.NoError(t, err)
	}
	if oc.Type == "bit" {
		batch := &pgx.Batch{}
		for i, v := range values {
			batch.Queue(fmt.Sprintf("INSERT INTO %s VALUES ($1, $2::text::bit(%d), $3)", name, dims), i, wireValue(v), i%10)
		}
		require.NoError(t, conn.SendBatch(c, batch).Close())
	} else {
		data := make([][]any, len(values))
		for i, v := range values {
			data[i] = []any{i, wireValue(v), i % 10}
		}
		_, err = conn.CopyFrom(c, pgx.Identifier{name}, []string{"id", "v", "label"}, pgx.CopyFromRows(data))
		require.NoError(t, err)
	}
	rows, err := conn.Query(c, "SELECT id, ctid FROM "+name+" ORDER BY id")
	require.NoError(t, err)
	tab := &oracleTable{name: name, oc: oc, dims: dims, values: values, byTID: map[pgcompat.TID]any{}}
	for rows.Next() {
		var id int
		var ctid pgtype.TID
		require.NoError(t, rows.Scan(&id, &ctid))
		require.Equal(t, len(tab.tids), id)
		tid := pgcompat.TID{Block: ctid.BlockNumber, Offset: ctid.OffsetNumber}
		tab.tids = append(tab.tids, tid)
		tab.byTID[tid] = values[id]
	}
	require.NoError(t, rows.Err())
	require.Len(t, tab.tids, len(values))
	return tab
}

// idOf returns the row id (heap order position) of a TID.
func (tab *oracleTable) idOf(tid pgcompat.TID) int {
	for i, x := range tab.tids {
		if x == tid {
			return i
		}
	}
	return -1
}

// realLevels maps every heap TID of a real index to its element's level.
// TIDs merged into another element drew a level that pgvector did not
// keep; they are not in the map.
func realLevels(idx *pgtest.HNSWIndex) map[pgcompat.TID]int {
	out := map[pgcompat.TID]int{}
	for _, e := range idx.Elements {
		if !e.Deleted && len(e.HeapTIDs) > 0 {
			out[tidOf(e.HeapTIDs[0])] = e.Level
		}
	}
	return out
}

func tidOf(t pgtest.TID) pgcompat.TID { return pgcompat.TID{Block: t.Block, Offset: t.Offset} }

// levelsFrom returns a level source for pgcompat that replays a real
// index's levels (0 for rows pgvector merged).
func levelsFrom(idx *pgtest.HNSWIndex) func(pgcompat.TID) int {
	m := realLevels(idx)
	return func(t pgcompat.TID) int { return m[t] }
}

// graphDiff is the outcome of comparing a real graph with pgcompat's.
type graphDiff struct {
	elements      int // elements compared
	lists         int // neighbour lists compared
	listsEqual    int
	tieMismatch   int // unequal lists explained by exact distance ties
	cascades      int // of those, differences that follow from a tie elsewhere
	otherMismatch int
	positions     int // elements stored at the same (block, offset)
	examples      []string
}

// tieFinder decides whether a difference between the graphs can come from
// an exact distance tie, which pgvector resolves by the internals of its
// pairing heaps (spec §7.4).
type tieFinder struct {
	dist     func(a, b pgcompat.TID) float64
	elements []pgcompat.TID // first heap TIDs of pgvector's elements
	efc      int            // ef_construction: the size of an insert's W
}

// d is a graph distance as the graph compares it: rounded to float32.
func (tf tieFinder) d(a, b pgcompat.TID) float32 { return float32(tf.dist(a, b)) }

// around reports whether two elements lie at exactly the same distance from
// e, no further than radius: then a search from e may meet them in either
// order, and any list built from that search may differ.
func (tf tieFinder) around(e pgcompat.TID, radius float32) bool {
	seen := map[float32]bool{}
	for _, x := range tf.elements {
		if x == e {
			continue
		}
		dx := tf.d(e, x)
		if dx > radius {
			continue
		}
		if seen[dx] {
			return true
		}
		seen[dx] = true
	}
	return false
}

// lists reports whether two versions of e's neighbour list can differ by a
// tie: two candidates tied around e within the lists' radius or within the
// insert search's reach, which decides which of two tied candidates is
// evicted from W (W holds the ef_construction nearest elements the search
// found, which need not be the nearest there are; 2·ef_construction bounds
// its radius); or one candidate exactly as far from another as from e (the
// heuristic's comparison).
func (tf tieFinder) lists(e pgcompat.TID, a, b []pgcompat.TID) bool {
	union := append(append([]pgcompat.TID(nil), a...), b...)
	radius := float32(math.Inf(-1))
	for _, u := range union {
		radius = max(radius, tf.d(e, u))
	}
	all := make([]float32, 0, len(tf.elements))
	for _, x := range tf.elements {
		if x != e {
			all = append(all, tf.d(e, x))
		}
	}
	slices.Sort(all)
	if k := min(2*tf.efc, len(all)); k > 0 {
		radius = max(radius, all[k-1])
	}
	if tf.around(e, radius) {
		return true
	}
	for _, u := range union {
		du := tf.d(e, u)
		for _, v := range union {
			if u != v && tf.d(u, v) == du {
				return true
			}
		}
	}
	return false
}

// compareGraphs compares every element (matched by its first heap TID): its
// level, heap TIDs, and each layer's neighbour list in stored order, and
// the entry point. Differences are counted, as tie mismatches when an
// exact tie explains them.
func compareGraphs(t *testing.T, real *pgtest.HNSWIndex, ours *pgcompat.Graph, dist func(a, b pgcompat.TID) float64) graphDiff {
	t.Helper()
	realTIDs := func(e pgtest.HNSWElement) []pgcompat.TID {
		out := make([]pgcompat.TID, len(e.HeapTIDs))
		for i, x := range e.HeapTIDs {
			out[i] = tidOf(x)
		}
		return out
	}
	tf := tieFinder{dist: dist, efc: ours.EfConstruction}
	for _, e := range real.Elements {
		if !e.Deleted {
			tf.elements = append(tf.elements, tidOf(e.HeapTIDs[0]))
		}
	}
	ourIdx := map[pgcompat.TID]int{}
	ourLive := 0
	for i, e := range ours.Elements {
		if !e.Deleted {
			ourIdx[e.HeapTIDs[0]] = i
			ourLive++
		}
	}
	// Differences are collected first, then classified: a difference is a
	// tie mismatch when an exact tie explains it locally, or when one of
	// the elements it involves differs because of a tie (a tie resolved the
	// other way changes what later inserts see, and so spreads).
	type mismatch struct {
		elem     pgcompat.TID
		involved []pgcompat.TID
		tie      bool
		text     string
	}
	var found []*mismatch
	add := func(elem pgcompat.TID, involved []pgcompat.TID, tie bool, format string, args ...any) {
		found = append(found, &mismatch{elem: elem, involved: involved, tie: tie, text: fmt.Sprintf(format, args...)})
	}
	var d graphDiff
	realLive := 0
	for _, re := range real.Elements {
		if re.Deleted {
			continue
		}
		realLive++
		heap := realTIDs(re)
		k := heap[0]
		j, ok := ourIdx[k]
		if !ok {
			// pgcompat merged the row into another element holding the same
			// value: which of two equal elements a duplicate joins is a tie.
			add(k, nil, tf.around(k, 0), "element %s: merged into another element by pgcompat", k)
			continue
		}
		oe := ours.Elements[j]
		d.elements++
		if tidOf(re.TID) == oe.TID && tidOf(re.NeighborTID) == oe.NeighborTID {
			d.positions++
		}
		assert.Equal(t, re.Level, oe.Level, "level of element %s", k)
		if !equalTIDs(heap, oe.HeapTIDs) {
			add(k, nil, tf.around(k, 0), "element %s: heap TIDs %v, pgcompat %v", k, heap, oe.HeapTIDs)
		}
		for l := 0; l <= re.Level && l < len(oe.Neighbors); l++ {
			want := make([]pgcompat.TID, len(re.Neighbors[l]))
			for i, n := range re.Neighbors[l] {
				want[i] = tidOf(real.Elements[n].HeapTIDs[0])
			}
			got := make([]pgcompat.TID, len(oe.Neighbors[l]))
			for i, n := range oe.Neighbors[l] {
				got[i] = ours.Elements[n].HeapTIDs[0]
			}
			d.lists++
			if equalTIDs(want, got) {
				d.listsEqual++
				continue
			}
			add(k, symmetricDifference(want, got), tf.lists(k, want, got), "element %s layer %d:\n  pgvector %v\n  pgcompat %v", k, l, want, got)
		}
	}
	// Propagate ties to the differences they explain.
	tiedElems := map[pgcompat.TID]bool{}
	for _, m := range found {
		if m.tie {
			tiedElems[m.elem] = true
		}
	}
	for changed := true; changed; {
		changed = false
		for _, m := range found {
			if m.tie {
				continue
			}
			for _, x := range m.involved {
				if tiedElems[x] {
					m.tie, changed = true, true
					tiedElems[m.elem] = true
					d.cascades++
					break
				}
			}
		}
	}
	for _, m := range found {
		if m.tie {
			d.tieMismatch++
		} else {
			d.otherMismatch++
		}
		if len(d.examples) < 5 || !m.tie && len(d.examples) < 10 {
			d.examples = append(d.examples, fmt.Sprintf("(tie %v) %s", m.tie, m.text))
		}
	}
	assert.Equal(t, realLive, ourLive, "live elements")
	assert.Equal(t, real.EntryLevel, ours.EntryLevel, "entry level")
	switch {
	case real.Entry >= 0 && ours.Entry >= 0:
		re := tidOf(real.Elements[real.Entry].HeapTIDs[0])
		oe := ours.Elements[ours.Entry].HeapTIDs[0]
		if re != oe && !tiedElems[re] && !tiedElems[oe] {
			t.Errorf("entry point %s, pgcompat %s", re, oe)
		}
	default:
		assert.Equal(t, real.Entry < 0, ours.Entry < 0, "empty graph")
	}
	return d
}

// symmetricDifference returns the TIDs in exactly one of a and b, or, when
// both hold the same TIDs in another order, all of them.
func symmetricDifference(a, b []pgcompat.TID) []pgcompat.TID {
	in := func(x pgcompat.TID, l []pgcompat.TID) bool {
		for _, y := range l {
			if x == y {
				return true
			}
		}
		return false
	}
	var out []pgcompat.TID
	for _, x := range a {
		if !in(x, b) {
			out = append(out, x)
		}
	}
	for _, x := range b {
		if !in(x, a) {
			out = append(out, x)
		}
	}
	if len(out) == 0 {
		out = append(append(out, a...), b...)
	}
	return out
}

func equalTIDs(a, b []pgcompat.TID) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// oracleIndex builds a case in the oracle and reads its index back.
func oracleIndex(t *testing.T, conn *pgx.Conn, c graphCase) (*oracleTable, *pgtest.HNSWIndex, time.Duration) {
	t.Helper()
	oc, ok := pgcompat.LookupOpClass(c.opclass)
	require.True(t, ok, c.opclass)
	name := "g_" + strings.ReplaceAll(c.name, "-", "_")
	create := fmt.Sprintf("CREATE INDEX %[1]s_idx ON %[1]s USING hnsw (v %[2]s) WITH (m = %[3]d, ef_construction = %[4]d)", name, c.opclass, c.m, c.efc)
	start := time.Now()
	var tab *oracleTable
	if c.onDisk {
		tab = loadTable(t, conn, name, oc, c.dims, c.rows(), create)
	} else {
		tab = loadTable(t, conn, name, oc, c.dims, c.rows(), "")
		if c.mwm != "" {
			_, err := conn.Exec(ctx(t), "SET maintenance_work_mem = '"+c.mwm+"'")
			require.NoError(t, err)
		}
		_, err := conn.Exec(ctx(t), create)
		require.NoError(t, err)
		_, err = conn.Exec(ctx(t), "RESET maintenance_work_mem")
		require.NoError(t, err)
	}
	elapsed := time.Since(start)
	idx, err := pgtest.ReadHNSW(ctx(t), conn, name+"_idx")
	require.NoError(t, err)
	return tab, idx, elapsed
}

// ourIndex builds the same table in pgcompat, with the real levels.
func ourIndex(t *testing.T, c graphCase, tab *oracleTable, levels func(pgcompat.TID) int) *pgcompat.Index {
	t.Helper()
	ix, err := pgcompat.NewIndex(pgcompat.IndexSpec{
		OpClass: tab.oc,
		Dims:    tab.dims,
		Options: pgcompat.HNSWOptions{M: c.m, EfConstruction: c.efc},
		Levels:  levels,
	})
	require.NoError(t, err)
	if c.onDisk {
		for i, tid := range tab.tids {
			require.NoError(t, ix.Insert(tid, tab.values[i]))
		}
		return ix
	}
	s := pgcompat.DefaultSettings(pgcompat.PGlite)
	if c.mwm != "" {
		require.NoError(t, s.Set("maintenance_work_mem", c.mwm))
	}
	rows := make([]pgcompat.Row, len(tab.tids))
	for i, tid := range tab.tids {
		rows[i] = pgcompat.Row{TID: tid, Value: tab.values[i]}
	}
	_, err = ix.Build(ctx(t), rows, s)
	require.NoError(t, err)
	return ix
}

// graphDistance returns the graph distance between two rows of a table,
// as the operator class's support function computes it on stored values.
func graphDistance(tab *oracleTable) func(a, b pgcompat.TID) float64 {
	stored := func(tid pgcompat.TID) any {
		v, _, err := tab.oc.IndexValue(tab.byTID[tid])
		if err != nil {
			panic(err)
		}
		return v
	}
	return func(a, b pgcompat.TID) float64 {
		d, err := tab.oc.IndexDistance(stored(a), stored(b))
		if err != nil {
			return math.NaN()
		}
		return d
	}
}

var graphCases = []graphCase{
	{name: "l2-vector", opclass: "vector_l2_ops", dims: 16, n: 2000, m: 8, efc: 32, seed: 1},
	{name: "cosine-vector", opclass: "vector_cosine_ops", dims: 32, n: 1500, m: 16, efc: 64, seed: 2, zeros: 5, nulls: 5},
	{name: "ip-vector", opclass: "vector_ip_ops", dims: 8, n: 1000, m: 4, efc: 16, seed: 3},
	{name: "l1-vector", opclass: "vector_l1_ops", dims: 128, n: 600, m: 12, efc: 40, seed: 4},
	{name: "l2-halfvec", opclass: "halfvec_l2_ops", dims: 24, n: 1000, m: 6, efc: 24, seed: 5},
	{name: "l2-vector-dups", opclass: "vector_l2_ops", dims: 12, n: 800, m: 4, efc: 48, seed: 6, dups: 150},
	{name: "l2-vector-insert", opclass: "vector_l2_ops", dims: 16, n: 700, m: 8, efc: 32, seed: 7, onDisk: true, nulls: 3},
	{name: "l2-vector-flush", opclass: "vector_l2_ops", dims: 128, n: 1400, m: 16, efc: 32, seed: 8, mwm: "1MB"},
	{name: "hamming-bit", opclass: "bit_hamming_ops", dims: 256, n: 800, m: 8, efc: 32, seed: 9},
	{name: "cosine-sparsevec", opclass: "sparsevec_cosine_ops", dims: 300, n: 600, m: 8, efc: 32, seed: 10, sparseNNZ: 60},
}

func TestConformanceGraphIdentity(t *testing.T) {
	conn := oracleConn(t)
	var total graphDiff
	for _, c := range graphCases {
		t.Run(c.name, func(t *testing.T) {
			tab, real, oracleTime := oracleIndex(t, conn, c)
			start := time.Now()
			ix := ourIndex(t, c, tab, levelsFrom(real))
			ourTime := time.Since(start)
			ours, err := ix.Graph()
			require.NoError(t, err)

			d := compareGraphs(t, real, ours, graphDistance(tab))
			t.Logf("%s: %d elements, %d lists compared, %d equal, %d tie mismatches (%d of them spread from a tie), %d other; %d/%d at the same page position; pgvector %v, pgcompat %v",
				c.name, d.elements, d.lists, d.listsEqual, d.tieMismatch, d.cascades, d.otherMismatch, d.positions, d.elements, oracleTime.Round(time.Millisecond), ourTime.Round(time.Millisecond))
			for _, ex := range d.examples {
				t.Log(ex)
			}
			assert.Zero(t, d.otherMismatch, "neighbour lists that differ without an exact tie")
			assert.Equal(t, d.elements, d.positions, "elements at the same page position")
			assert.Equal(t, real.Pages, ours.Pages, "pages")
			assert.Equal(t, real.InsertPage, ours.InsertPage, "insert page")
			total.elements += d.elements
			total.lists += d.lists
			total.listsEqual += d.listsEqual
			total.tieMismatch += d.tieMismatch
			total.cascades += d.cascades
			total.otherMismatch += d.otherMismatch
		})
	}
	t.Logf("graph identity: %d datasets, %d elements, %d neighbour lists compared, %d equal, %d tie mismatches (%d spread from a tie), %d other mismatches",
		len(graphCases), total.elements, total.lists, total.listsEqual, total.tieMismatch, total.cascades, total.otherMismatch)
}

// deletedSlots returns the positions and versions of a graph's deleted
// element slots.
func deletedSlots(els []pgcompat.GraphElement) map[pgcompat.TID]int {
	out := map[pgcompat.TID]int{}
	for _, e := range els {
		if e.Deleted {
			out[e.TID] = e.Version
		}
	}
	return out
}

func realDeletedSlots(idx *pgtest.HNSWIndex) map[pgcompat.TID]int {
	out := map[pgcompat.TID]int{}
	for _, e := range idx.Elements {
		if e.Deleted {
			out[tidOf(e.TID)] = e.Version
		}
	}
	return out
}

// readHNSWVacuumed reads an index like pgtest.ReadHNSW, for an index that
// VACUUM has freed slots in. pgvector zeroes a deleted element's value,
// varlena header included, which pgtest.ParseHNSWPages rejects; the header
// is set to that of an empty value before parsing.
func readHNSWVacuumed(t *testing.T, conn *pgx.Conn, index string) *pgtest.HNSWIndex {
	t.Helper()
	rows, err := conn.Query(ctx(t), `
		SELECT get_raw_page($1::text, blk::bigint)
		FROM generate_series(0, pg_relation_size($1::text::regclass) / current_setting('block_size')::int - 1) AS blk
		ORDER BY blk`, index)
	require.NoError(t, err)
	pages, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	require.NoError(t, err)
	const elementHeader = 72
	for blk, page := range pages {
		if blk == 0 {
			continue
		}
		lower := int(binary.LittleEndian.Uint16(page[12:]))
		for lp := 24; lp+4 <= lower; lp += 4 {
			w := binary.LittleEndian.Uint32(page[lp:])
			off, length := int(w&0x7fff), int(w>>17)
			if length < elementHeader+4 || off+length > len(page) {
				continue
			}
			tup := page[off : off+length]
			if tup[0] == 1 && tup[2] != 0 && binary.LittleEndian.Uint32(tup[elementHeader:]) == 0 {
				binary.LittleEndian.PutUint32(tup[elementHeader:], 4<<2)
			}
		}
	}
	idx, err := pgtest.ParseHNSWPages(pages)
	require.NoError(t, err)
	return idx
}

// TestConformanceVacuum deletes a third of the rows, the entry point's
// among them, runs VACUUM, and then inserts new rows, which reuse the freed
// slots; after each step the graph must equal pgvector's.
func TestConformanceVacuum(t *testing.T) {
	conn := oracleConn(t)
	c := graphCase{name: "vacuum-l2", opclass: "vector_l2_ops", dims: 16, n: 1500, m: 8, efc: 32, seed: 31}
	tab, real0, _ := oracleIndex(t, conn, c)
	levels := realLevels(real0)
	ix := ourIndex(t, c, tab, func(tid pgcompat.TID) int { return levels[tid] })
	dist := graphDistance(tab)

	// Delete every third row and the entry point's rows.
	entryRows := map[pgcompat.TID]bool{}
	for _, h := range real0.Elements[real0.Entry].HeapTIDs {
		entryRows[tidOf(h)] = true
	}
	var ids []int
	for i, tid := range tab.tids {
		if i%3 == 1 || entryRows[tid] {
			ids = append(ids, i)
			require.NoError(t, ix.Delete(tid))
		}
	}
	_, err := conn.Exec(ctx(t), "DELETE FROM "+tab.name+" WHERE id = ANY($1)", ids)
	require.NoError(t, err)
	_, err = conn.Exec(ctx(t), "VACUUM (INDEX_CLEANUP ON) "+tab.name)
	require.NoError(t, err)
	real1 := readHNSWVacuumed(t, conn, tab.name+"_idx")
	res, err := ix.Vacuum(ctx(t))
	require.NoError(t, err)
	ours1, err := ix.Graph()
	require.NoError(t, err)
	assert.True(t, res.EntryReplaced, "the entry point was deleted")
	assert.Len(t, ids, res.RowsRemoved)
	d1 := compareGraphs(t, real1, ours1, dist)
	t.Logf("after DELETE of %d rows and VACUUM: %d elements deleted, %d lists compared, %d equal, %d tie mismatches (%d spread), %d other; %d/%d at the same position",
		len(ids), res.ElementsDeleted, d1.lists, d1.listsEqual, d1.tieMismatch, d1.cascades, d1.otherMismatch, d1.positions, d1.elements)
	for _, ex := range d1.examples {
		t.Log(ex)
	}
	assert.Zero(t, d1.otherMismatch)
	assert.Equal(t, realDeletedSlots(real1), deletedSlots(ours1.Elements), "deleted slots and their versions")
	assert.Equal(t, real1.Pages, ours1.Pages, "VACUUM never shrinks the index")
	assert.Equal(t, real1.InsertPage, ours1.InsertPage, "insert page: the first page with a free slot")

	// New rows: pgvector puts them in the freed slots.
	extra := genRows(tab.oc.Type, c.dims, 300, c.seed+77, 0, 0, 0, 0)
	data := make([][]any, len(extra))
	for i, v := range extra {
		data[i] = []any{c.n + i, wireValue(v), (c.n + i) % 10}
	}
	_, err = conn.CopyFrom(ctx(t), pgx.Identifier{tab.name}, []string{"id", "v", "label"}, pgx.CopyFromRows(data))
	require.NoError(t, err)
	rows, err := conn.Query(ctx(t), "SELECT ctid FROM "+tab.name+" WHERE id >= $1 ORDER BY id", c.n)
	require.NoError(t, err)
	newTIDs, err := pgx.CollectRows(rows, pgx.RowTo[pgtype.TID])
	require.NoError(t, err)
	require.Len(t, newTIDs, len(extra))
	real2 := readHNSWVacuumed(t, conn, tab.name+"_idx")
	levels = realLevels(real2)
	for i, ct := range newTIDs {
		tid := pgcompat.TID{Block: ct.BlockNumber, Offset: ct.OffsetNumber}
		tab.byTID[tid] = extra[i]
		require.NoError(t, ix.Insert(tid, extra[i]))
	}
	ours2, err := ix.Graph()
	require.NoError(t, err)
	d2 := compareGraphs(t, real2, ours2, dist)
	reused := len(realDeletedSlots(real1)) - len(realDeletedSlots(real2))
	t.Logf("after %d inserts: %d slots reused, %d lists compared, %d equal, %d tie mismatches (%d spread), %d other; %d/%d at the same position",
		len(extra), reused, d2.lists, d2.listsEqual, d2.tieMismatch, d2.cascades, d2.otherMismatch, d2.positions, d2.elements)
	for _, ex := range d2.examples {
		t.Log(ex)
	}
	assert.Positive(t, reused)
	assert.Zero(t, d2.otherMismatch)
	assert.Equal(t, d2.elements, d2.positions, "new elements in the same slots")
	assert.Equal(t, realDeletedSlots(real2), deletedSlots(ours2.Elements))
	assert.Equal(t, real2.Pages, ours2.Pages)
	assert.Equal(t, real2.InsertPage, ours2.InsertPage)
}
