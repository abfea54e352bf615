package pgcompat_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smallworld-go/smallworld/pgcompat"
)

// These tests check pgcompat.Index without the oracle, against references
// that do not share its code: brute force over pgcompat's operators, and
// the page-count model of IndexSize.

func opClass(t testing.TB, name string) pgcompat.OpClass {
	t.Helper()
	oc, ok := pgcompat.LookupOpClass(name)
	require.True(t, ok, name)
	return oc
}

// tidFor numbers heap rows as a table of 100 rows per page would.
func tidFor(i int) pgcompat.TID {
	return pgcompat.TID{Block: uint32(i / 100), Offset: uint16(i%100 + 1)}
}

// buildIndex builds an index over rows (in order) with the default
// settings.
func buildIndex(t testing.TB, opclass string, dims int, opts pgcompat.HNSWOptions, rows []any) *pgcompat.Index {
	t.Helper()
	ix, err := pgcompat.NewIndex(pgcompat.IndexSpec{OpClass: opClass(t, opclass), Dims: dims, Options: opts, Seed: 7})
	require.NoError(t, err)
	r := make([]pgcompat.Row, len(rows))
	for i, v := range rows {
		r[i] = pgcompat.Row{TID: tidFor(i), Value: v}
	}
	_, err = ix.Build(context.Background(), r, pgcompat.DefaultSettings(pgcompat.Linux64))
	require.NoError(t, err)
	return ix
}

func settings(t testing.TB, kv ...string) pgcompat.Settings {
	t.Helper()
	s := pgcompat.DefaultSettings(pgcompat.Linux64)
	for i := 0; i+1 < len(kv); i += 2 {
		require.NoError(t, s.Set(kv[i], kv[i+1]))
	}
	return s
}

// bruteForce returns the k nearest indexed rows by the operator, ties by
// heap order.
func bruteForce(t testing.TB, oc pgcompat.OpClass, rows []any, q any, k int) []pgcompat.ScanRow {
	t.Helper()
	var all []pgcompat.ScanRow
	for i, v := range rows {
		if _, indexed, _ := oc.IndexValue(v); !indexed {
			continue
		}
		d, err := oc.Operator.Distance(v, q)
		require.NoError(t, err)
		all = append(all, pgcompat.ScanRow{TID: tidFor(i), Distance: d})
	}
	slices.SortStableFunc(all, func(a, b pgcompat.ScanRow) int {
		switch {
		case a.Distance < b.Distance:
			return -1
		case a.Distance > b.Distance:
			return 1
		}
		return 0
	})
	return all[:min(k, len(all))]
}

func TestIndexRecallAndDistancesEveryOpClass(t *testing.T) {
	cases := []struct {
		opclass string
		dims    int
		typ     string
		nnz     int
	}{
		{"vector_l2_ops", 24, "vector", 0},
		{"vector_ip_ops", 24, "vector", 0},
		{"vector_cosine_ops", 24, "vector", 0},
		{"vector_l1_ops", 24, "vector", 0},
		{"halfvec_l2_ops", 24, "halfvec", 0},
		{"halfvec_cosine_ops", 24, "halfvec", 0},
		{"sparsevec_l2_ops", 200, "sparsevec", 30},
		{"sparsevec_ip_ops", 200, "sparsevec", 30},
		{"bit_hamming_ops", 128, "bit", 0},
		{"bit_jaccard_ops", 128, "bit", 0},
	}
	for _, c := range cases {
		t.Run(c.opclass, func(t *testing.T) {
			const n, k = 1500, 10
			rows := genRows(c.typ, c.dims, n, 11, 0, 0, 0, c.nnz)
			ix := buildIndex(t, c.opclass, c.dims, pgcompat.HNSWOptions{M: 8, EfConstruction: 64}, rows)
			oc := opClass(t, c.opclass)
			queries := genRows(c.typ, c.dims, 20, 12, 0, 0, 0, c.nnz)
			found, total := 0, 0
			for _, q := range queries {
				got, stats, err := ix.Scan(q, k, settings(t, "hnsw.ef_search", "100"))
				require.NoError(t, err)
				require.Len(t, got, k)
				assert.Positive(t, stats.DistanceEvaluations)
				want := bruteForce(t, oc, rows, q, k)
				kth := want[len(want)-1].Distance
				for _, r := range got {
					// The reported distance is the operator on the row, bit
					// for bit.
					d, err := oc.Operator.Distance(rows[int(r.TID.Block)*100+int(r.TID.Offset)-1], q)
					require.NoError(t, err)
					assert.Equal(t, math.Float64bits(d), math.Float64bits(r.Distance), "%s distance of %s", c.opclass, r.TID)
					if r.Distance <= kth {
						found++
					}
				}
				total += k
			}
			recall := float64(found) / float64(total)
			t.Logf("%s: recall@%d %.3f", c.opclass, k, recall)
			// Inner product is not a metric, and HNSW serves it less well.
			floor := 0.9
			if oc.Operator == pgcompat.OpNegInner {
				floor = 0.75
			}
			assert.GreaterOrEqual(t, recall, floor)
		})
	}
}

func TestIndexRowCapAndLimit(t *testing.T) {
	rows := genRows("vector", 8, 2000, 21, 0, 0, 0, 0)
	ix := buildIndex(t, "vector_l2_ops", 8, pgcompat.HNSWOptions{M: 8, EfConstruction: 32}, rows)
	q := genRows("vector", 8, 1, 22, 0, 0, 0, 0)[0]

	got, _, err := ix.Scan(q, 50, settings(t, "hnsw.ef_search", "10"))
	require.NoError(t, err)
	assert.Len(t, got, 10, "LIMIT 50 with ef_search 10 returns 10 rows")
	got, _, err = ix.Scan(q, 5, settings(t, "hnsw.ef_search", "40"))
	require.NoError(t, err)
	assert.Len(t, got, 5)
	got, _, err = ix.Scan(q, -1, settings(t, "hnsw.ef_search", "40"))
	require.NoError(t, err)
	assert.Len(t, got, 40, "no LIMIT: the ef_search nearest elements")
	assert.True(t, slices.IsSortedFunc(got, func(a, b pgcompat.ScanRow) int { return cmpFloat(a.Distance, b.Distance) }))
	got, _, err = ix.Scan(q, 0, settings(t))
	require.NoError(t, err)
	assert.Empty(t, got, "LIMIT 0")

	// A WHERE condition applies after the cap.
	where := func(tid pgcompat.TID) bool { return tid.Offset%2 == 0 }
	got, stats, err := ix.ScanWhere(q, 50, settings(t, "hnsw.ef_search", "40"), where)
	require.NoError(t, err)
	assert.Less(t, len(got), 40)
	assert.Equal(t, 40, stats.IndexTuples)
	assert.Equal(t, 40-len(got), stats.FilteredTuples)
	for _, r := range got {
		assert.True(t, where(r.TID))
	}
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestIndexIterativeScans(t *testing.T) {
	const n = 1500
	rows := genRows("vector", 8, n, 31, 0, 0, 0, 0)
	ix := buildIndex(t, "vector_l2_ops", 8, pgcompat.HNSWOptions{M: 8, EfConstruction: 32}, rows)
	q := genRows("vector", 8, 1, 32, 0, 0, 0, 0)[0]

	// With an ample budget an iterative scan reaches every row.
	got, stats, err := ix.Scan(q, -1, settings(t, "hnsw.ef_search", "20", "hnsw.iterative_scan", "relaxed_order"))
	require.NoError(t, err)
	assert.Len(t, got, n)
	assert.Greater(t, stats.Batches, 1)
	seen := map[pgcompat.TID]bool{}
	for _, r := range got {
		assert.False(t, seen[r.TID], "row %s twice", r.TID)
		seen[r.TID] = true
	}

	// Strict order never returns a row nearer than the one before.
	got, _, err = ix.Scan(q, -1, settings(t, "hnsw.ef_search", "20", "hnsw.iterative_scan", "strict_order"))
	require.NoError(t, err)
	assert.True(t, slices.IsSortedFunc(got, func(a, b pgcompat.ScanRow) int { return cmpFloat(a.Distance, b.Distance) }))
	assert.Greater(t, len(got), 20)

	// max_scan_tuples only stops exploring: the candidates already seen
	// still come out, one by one.
	got, stats, err = ix.Scan(q, -1, settings(t, "hnsw.ef_search", "10", "hnsw.iterative_scan", "relaxed_order", "hnsw.max_scan_tuples", "1"))
	require.NoError(t, err)
	assert.True(t, stats.StoppedByTuples)
	assert.Equal(t, 1, stats.Batches)
	assert.Equal(t, stats.Visited, len(got), "every visited element is returned")
	assert.Greater(t, len(got), 10)

	// A small work_mem stops exploration too (modelled allocator).
	got, stats, err = ix.Scan(q, -1, settings(t, "hnsw.ef_search", "10", "hnsw.iterative_scan", "relaxed_order", "work_mem", "64kB"))
	require.NoError(t, err)
	assert.True(t, stats.StoppedByMemory)
	assert.Less(t, len(got), n)
	big, _, err := ix.Scan(q, -1, settings(t, "hnsw.ef_search", "10", "hnsw.iterative_scan", "relaxed_order", "work_mem", "64kB", "hnsw.scan_mem_multiplier", "4"))
	require.NoError(t, err)
	assert.Greater(t, len(big), len(got), "scan_mem_multiplier raises the limit")

	// A selective WHERE: iterative scans keep going until LIMIT is met.
	where := func(tid pgcompat.TID) bool { return tid.Offset%25 == 0 }
	got, _, err = ix.ScanWhere(q, 20, settings(t, "hnsw.ef_search", "20", "hnsw.iterative_scan", "strict_order"), where)
	require.NoError(t, err)
	assert.Len(t, got, 20)
	off, _, err := ix.ScanWhere(q, 20, settings(t, "hnsw.ef_search", "20"), where)
	require.NoError(t, err)
	assert.Less(t, len(off), 20, "without iterative scans the filter leaves few rows")
}

func TestIndexDuplicatesMerge(t *testing.T) {
	// 16 copies of one vector inserted row by row: two elements, holding
	// 10 and 6 heap TIDs (as on PGlite).
	ix, err := pgcompat.NewIndex(pgcompat.IndexSpec{OpClass: opClass(t, "vector_l2_ops"), Dims: 3})
	require.NoError(t, err)
	v, err := pgcompat.NewVector([]float32{1, 2, 3})
	require.NoError(t, err)
	for i := range 16 {
		require.NoError(t, ix.Insert(tidFor(i), v))
	}
	g, err := ix.Graph()
	require.NoError(t, err)
	var sizes []int
	for _, e := range g.Elements {
		sizes = append(sizes, len(e.HeapTIDs))
	}
	assert.Equal(t, []int{10, 6}, sizes)
	assert.Equal(t, tidFor(0), g.Elements[0].HeapTIDs[0])
	assert.Equal(t, 16, ix.Len())

	// A scan returns an element's rows last added first.
	got, _, err := ix.Scan(v, -1, settings(t, "hnsw.ef_search", "1"))
	require.NoError(t, err)
	require.Len(t, got, 10, "ef_search 1: one element, all its rows")
	for i, r := range got {
		assert.Equal(t, tidFor(9-i), r.TID)
		assert.Zero(t, r.Distance)
	}
}

func TestIndexDuplicatesNeedMoreThan2MCandidates(t *testing.T) {
	// Spec §5.6: with ef_construction = 2m no duplicate is ever merged,
	// with ef_construction > 2m they are.
	base := genRows("vector", 6, 300, 41, 0, 0, 0, 0)
	for _, c := range []struct {
		efc    int
		merged bool
	}{{8, false}, {16, true}} {
		rows := append(slices.Clone(base), base[100:150]...)
		ix := buildIndex(t, "vector_l2_ops", 6, pgcompat.HNSWOptions{M: 4, EfConstruction: c.efc}, rows)
		g, err := ix.Graph()
		require.NoError(t, err)
		merged := len(rows) - len(g.Elements)
		if c.merged {
			assert.Greater(t, merged, 40, "ef_construction %d", c.efc)
		} else {
			assert.Zero(t, merged, "ef_construction %d", c.efc)
		}
	}
}

func TestIndexSkipsNullAndZeroRows(t *testing.T) {
	rows := genRows("vector", 4, 200, 51, 0, 0, 0, 0)
	zero, err := pgcompat.NewVector(make([]float32, 4))
	require.NoError(t, err)
	rows[10], rows[20], rows[30] = nil, zero, zero

	cos := buildIndex(t, "vector_cosine_ops", 4, pgcompat.HNSWOptions{M: 4, EfConstruction: 16}, rows)
	assert.Equal(t, 197, cos.Len(), "cosine skips NULL and zero vectors")
	l2 := buildIndex(t, "vector_l2_ops", 4, pgcompat.HNSWOptions{M: 4, EfConstruction: 16}, rows)
	assert.Equal(t, 199, l2.Len(), "l2 indexes zero vectors")

	got, _, err := cos.Scan(rows[0], -1, settings(t, "hnsw.iterative_scan", "relaxed_order"))
	require.NoError(t, err)
	assert.Len(t, got, 197)
	for _, r := range got {
		assert.NotContains(t, []pgcompat.TID{tidFor(10), tidFor(20), tidFor(30)}, r.TID)
	}
	// A zero query under <=>: every distance is NaN.
	got, _, err = cos.Scan(zero, 5, settings(t))
	require.NoError(t, err)
	require.Len(t, got, 5)
	assert.True(t, math.IsNaN(got[0].Distance))
	// Deleting an unindexed row is fine; it is vacuumed away.
	require.NoError(t, cos.Delete(tidFor(20)))
	res, err := cos.Vacuum(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, res.RowsRemoved)
	assert.Zero(t, res.TuplesRemoved)
}

func TestIndexNullQuery(t *testing.T) {
	rows := genRows("vector", 4, 300, 55, 0, 0, 0, 0)
	ix := buildIndex(t, "vector_l2_ops", 4, pgcompat.HNSWOptions{M: 4, EfConstruction: 16}, rows)
	got, _, err := ix.Scan(nil, -1, settings(t, "hnsw.ef_search", "7"))
	require.NoError(t, err)
	require.Len(t, got, 7, "a NULL query returns ef_search arbitrary rows")
	for _, r := range got {
		assert.True(t, math.IsNaN(r.Distance))
	}
	got, _, err = ix.Scan(nil, -1, settings(t, "hnsw.iterative_scan", "relaxed_order"))
	require.NoError(t, err)
	assert.Len(t, got, 300)
}

func TestIndexDeleteAndVacuum(t *testing.T) {
	const n = 1200
	rows := genRows("vector", 8, n, 61, 0, 0, 0, 0)
	ix := buildIndex(t, "vector_l2_ops", 8, pgcompat.HNSWOptions{M: 8, EfConstruction: 32}, rows)
	q := rows[5]
	s := settings(t, "hnsw.ef_search", "20")
	before, _, err := ix.Scan(q, -1, s)
	require.NoError(t, err)
	require.Len(t, before, 20)

	// Deleted rows vanish from results but still take their place under the
	// row cap until VACUUM.
	for _, r := range before[:10] {
		require.NoError(t, ix.Delete(r.TID))
	}
	require.ErrorIs(t, ix.Delete(before[0].TID), pgcompat.ErrNoSuchRow)
	after, stats, err := ix.Scan(q, -1, s)
	require.NoError(t, err)
	assert.Equal(t, before[10:], after)
	assert.Equal(t, 10, stats.DeadTuples)

	// Delete the entry point's rows and a third of the table, then VACUUM.
	g, err := ix.Graph()
	require.NoError(t, err)
	sizeBefore := ix.Size()
	for _, tid := range g.Elements[g.Entry].HeapTIDs {
		_ = ix.Delete(tid)
	}
	for i := 0; i < n; i += 3 {
		_ = ix.Delete(tidFor(i))
	}
	res, err := ix.Vacuum(context.Background())
	require.NoError(t, err)
	assert.True(t, res.EntryReplaced)
	assert.Positive(t, res.ElementsDeleted)
	assert.Equal(t, res.TuplesRemoved, res.RowsRemoved)
	assert.Equal(t, sizeBefore, ix.Size(), "VACUUM never shrinks the index")
	g, err = ix.Graph()
	require.NoError(t, err)
	deleted := 0
	for _, e := range g.Elements {
		if e.Deleted {
			deleted++
			assert.Empty(t, e.HeapTIDs)
			continue
		}
		for _, layer := range e.Neighbors {
			for _, nb := range layer {
				assert.False(t, g.Elements[nb].Deleted, "a live element links to a deleted one")
			}
		}
	}
	assert.Equal(t, res.ElementsDeleted, deleted)
	require.GreaterOrEqual(t, g.Entry, 0)
	assert.False(t, g.Elements[g.Entry].Deleted)
	res2, err := ix.Vacuum(context.Background())
	require.NoError(t, err)
	assert.Zero(t, res2, "nothing left to vacuum")

	// The vacuumed TIDs can be used again; new rows fill the freed slots.
	extra := genRows("vector", 8, 200, 62, 0, 0, 0, 0)
	for i, v := range extra {
		require.NoError(t, ix.Insert(tidFor(3*i), v))
	}
	assert.Equal(t, sizeBefore, ix.Size(), "inserts reuse the freed slots")
	g, err = ix.Graph()
	require.NoError(t, err)
	stillDeleted := 0
	for _, e := range g.Elements {
		if e.Deleted {
			stillDeleted++
		}
	}
	// A new element reuses a slot when its tuples fit there; one of a
	// higher level than the slot's former element may not.
	assert.Less(t, stillDeleted, deleted)
	assert.GreaterOrEqual(t, deleted-stillDeleted, 150)
	got, _, err := ix.Scan(extra[7], 1, settings(t))
	require.NoError(t, err)
	assert.Equal(t, tidFor(21), got[0].TID)
}

func TestIndexBuildFlushesLikeBuildMemory(t *testing.T) {
	rows := genRows("vector", 64, 1500, 71, 0, 0, 0, 0)
	var levels []int
	spec := pgcompat.IndexSpec{OpClass: opClass(t, "vector_l2_ops"), Dims: 64, Options: pgcompat.HNSWOptions{M: 16, EfConstruction: 32}, Seed: 3}
	ix, err := pgcompat.NewIndex(spec)
	require.NoError(t, err)
	r := make([]pgcompat.Row, len(rows))
	for i, v := range rows {
		r[i] = pgcompat.Row{TID: tidFor(i), Value: v}
	}
	s := settings(t, "maintenance_work_mem", "1MB")
	res, err := ix.Build(context.Background(), r, s)
	require.NoError(t, err)
	levels = ix.Levels()
	mem, err := pgcompat.BuildMemory(pgcompat.BuildMemorySpec{Platform: s.Platform, MaintenanceWorkMem: 1024, M: 16, ValueSize: pgcompat.VectorValueSize(64), Levels: levels})
	require.NoError(t, err)
	require.NotNil(t, res.Notice)
	assert.False(t, mem.Fits)
	assert.Equal(t, mem.FlushAfter, res.InMemory)
	assert.Equal(t, pgcompat.FlushNotice(res.InMemory), *res.Notice)
	assert.Equal(t, 1500, res.Indexed)
	assert.Positive(t, res.DistanceEvaluations)

	// The page model agrees with IndexSize, an independent replay.
	want, err := pgcompat.IndexSize(pgcompat.SizeSpec{M: 16, ValueSize: pgcompat.VectorValueSize(64), Levels: levels, InMemory: res.InMemory})
	require.NoError(t, err)
	assert.Equal(t, want, ix.Size())
}

func TestIndexSizeAgreesWithIndexSize(t *testing.T) {
	for _, inMemory := range []bool{true, false} {
		rows := genRows("halfvec", 100, 700, 81, 0, 0, 0, 0)
		spec := pgcompat.IndexSpec{OpClass: opClass(t, "halfvec_l2_ops"), Dims: 100, Options: pgcompat.HNSWOptions{M: 12, EfConstruction: 24}, Seed: 9}
		ix, err := pgcompat.NewIndex(spec)
		require.NoError(t, err)
		if inMemory {
			r := make([]pgcompat.Row, len(rows))
			for i, v := range rows {
				r[i] = pgcompat.Row{TID: tidFor(i), Value: v}
			}
			_, err = ix.Build(context.Background(), r, settings(t))
			require.NoError(t, err)
		} else {
			for i, v := range rows {
				require.NoError(t, ix.Insert(tidFor(i), v))
			}
		}
		n := pgcompat.AllInMemory
		if !inMemory {
			n = 0
		}
		want, err := pgcompat.IndexSize(pgcompat.SizeSpec{M: 12, ValueSize: pgcompat.HalfVecValueSize(100), Levels: ix.Levels(), InMemory: n})
		require.NoError(t, err)
		assert.Equal(t, want, ix.Size(), "in memory: %v", inMemory)
	}
}

func TestIndexInjectedLevels(t *testing.T) {
	rows := genRows("vector", 4, 100, 91, 0, 0, 0, 0)
	var calls []pgcompat.TID
	ix, err := pgcompat.NewIndex(pgcompat.IndexSpec{
		OpClass: opClass(t, "vector_l2_ops"), Dims: 4,
		Levels: func(tid pgcompat.TID) int {
			calls = append(calls, tid)
			return int(tid.Offset) % 3
		},
	})
	require.NoError(t, err)
	for i, v := range rows {
		require.NoError(t, ix.Insert(tidFor(i), v))
	}
	require.Len(t, calls, 100)
	for i, l := range ix.Levels() {
		assert.Equal(t, (i+1)%3, l)
	}
	g, err := ix.Graph()
	require.NoError(t, err)
	assert.Equal(t, 2, g.EntryLevel)
	assert.Equal(t, tidFor(1), g.Elements[g.Entry].HeapTIDs[0], "the first element of the top level")

	bad, err := pgcompat.NewIndex(pgcompat.IndexSpec{OpClass: opClass(t, "vector_l2_ops"), Dims: 4, Levels: func(pgcompat.TID) int { return 99 }})
	require.NoError(t, err)
	assert.Error(t, bad.Insert(tidFor(0), rows[0]), "a level above MaxLevel(m)")
}

func TestIndexErrors(t *testing.T) {
	oc := opClass(t, "vector_l2_ops")
	_, err := pgcompat.NewIndex(pgcompat.IndexSpec{OpClass: oc, Dims: 0})
	assert.Error(t, err)
	_, err = pgcompat.NewIndex(pgcompat.IndexSpec{OpClass: oc, Dims: 2001})
	assert.EqualError(t, err, errorText(pgcompat.ProgramLimitExceeded, "column cannot have more than 2000 dimensions for hnsw index"))
	_, err = pgcompat.NewIndex(pgcompat.IndexSpec{OpClass: oc, Dims: 3, Options: pgcompat.HNSWOptions{M: 16, EfConstruction: 20}})
	assert.EqualError(t, err, errorText(pgcompat.InvalidParameterValue, "ef_construction must be greater than or equal to 2 * m"))
	_, err = pgcompat.NewIndex(pgcompat.IndexSpec{OpClass: oc, Dims: 3, Options: pgcompat.HNSWOptions{M: 1, EfConstruction: 20}})
	var pe *pgcompat.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, `value 1 out of bounds for option "m"`, pe.Message)
	assert.Equal(t, `Valid values are between "2" and "100".`, pe.Detail)
	_, err = pgcompat.NewIndex(pgcompat.IndexSpec{OpClass: pgcompat.OpClass{Name: "nope"}, Dims: 3})
	assert.ErrorIs(t, err, pgcompat.ErrUnsupportedIndex)
	_, err = pgcompat.NewIndex(pgcompat.IndexSpec{OpClass: opClass(t, "bit_hamming_ops"), Dims: 64, FastDistance: true})
	assert.ErrorIs(t, err, pgcompat.ErrUnsupportedIndex)

	ix, err := pgcompat.NewIndex(pgcompat.IndexSpec{OpClass: oc, Dims: 3})
	require.NoError(t, err)
	err = ix.Insert(tidFor(0), []float32{1, 2})
	assert.EqualError(t, err, errorText(pgcompat.DataException, "expected 3 dimensions, not 2"))
	assert.ErrorIs(t, ix.Insert(tidFor(0), []float32{1, float32(math.NaN()), 2}), pgcompat.DataException)
	assert.ErrorIs(t, ix.Insert(tidFor(0), pgcompat.NewBit([]bool{true})), pgcompat.ErrValueType)
	assert.ErrorIs(t, ix.Insert(pgcompat.TID{Block: 1}, []float32{1, 2, 3}), pgcompat.ErrInvalidTID)
	require.NoError(t, ix.Insert(tidFor(0), []float32{1, 2, 3}))
	assert.ErrorIs(t, ix.Insert(tidFor(0), []float32{1, 2, 3}), pgcompat.ErrDuplicateTID)
	assert.ErrorIs(t, ix.Delete(tidFor(1)), pgcompat.ErrNoSuchRow)
	_, err = ix.Build(context.Background(), nil, settings(t))
	assert.ErrorIs(t, err, pgcompat.ErrNotEmpty)

	_, _, err = ix.Scan([]float32{1, 2}, 5, settings(t))
	assert.EqualError(t, err, errorText(pgcompat.DataException, "expected 3 dimensions, not 2"))
	bad := settings(t)
	bad.EfSearch = 0
	_, _, err = ix.Scan([]float32{1, 2, 3}, 5, bad)
	assert.EqualError(t, err, errorText(pgcompat.InvalidParameterValue, `0 is outside the valid range for parameter "hnsw.ef_search" (1 .. 1000)`))
	bad = settings(t)
	bad.IterativeScan = 7
	_, _, err = ix.Scan([]float32{1, 2, 3}, 5, bad)
	assert.ErrorIs(t, err, pgcompat.InvalidParameterValue)

	// A sparse value with too many non-zero elements, and a failed build
	// that leaves the index empty.
	sp, err := pgcompat.NewIndex(pgcompat.IndexSpec{OpClass: opClass(t, "sparsevec_l2_ops"), Dims: 2000})
	require.NoError(t, err)
	dense := make([]float32, 2000)
	for i := range 1001 {
		dense[i] = 1
	}
	err = sp.Insert(tidFor(0), dense)
	assert.EqualError(t, err, errorText(pgcompat.ProgramLimitExceeded, "sparsevec cannot have more than 1000 non-zero elements for hnsw index"))
	_, err = sp.Build(context.Background(), []pgcompat.Row{{TID: tidFor(0), Value: dense[1000:]}, {TID: tidFor(1), Value: dense}}, settings(t))
	assert.Error(t, err)
	assert.Zero(t, sp.Len())
	wide, err := pgcompat.NewIndex(pgcompat.IndexSpec{OpClass: opClass(t, "sparsevec_l2_ops"), Dims: 100000})
	assert.ErrorIs(t, err, pgcompat.ErrUnsupportedIndex, "a sparse column wider than the graph")
	assert.Nil(t, wide)
}

// errorText is how an *Error prints.
func errorText(code pgcompat.SQLState, msg string) string {
	return (&pgcompat.Error{Code: code, Message: msg}).Error()
}

func TestIndexBuildCancelled(t *testing.T) {
	rows := genRows("vector", 8, 2000, 101, 0, 0, 0, 0)
	ix, err := pgcompat.NewIndex(pgcompat.IndexSpec{OpClass: opClass(t, "vector_l2_ops"), Dims: 8})
	require.NoError(t, err)
	r := make([]pgcompat.Row, len(rows))
	for i, v := range rows {
		r[i] = pgcompat.Row{TID: tidFor(i), Value: v}
	}
	c, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = ix.Build(c, r, settings(t))
	assert.ErrorIs(t, err, context.Canceled)
	assert.Zero(t, ix.Len())
	_, err = ix.Build(context.Background(), r, settings(t))
	require.NoError(t, err, "the index is usable after a cancelled build")
	assert.Equal(t, 2000, ix.Len())
}

func TestIndexConcurrentUse(t *testing.T) {
	rows := genRows("vector", 8, 600, 111, 0, 0, 0, 0)
	ix := buildIndex(t, "vector_l2_ops", 8, pgcompat.HNSWOptions{M: 8, EfConstruction: 32}, rows[:300])
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				s := pgcompat.DefaultSettings(pgcompat.Linux64)
				s.IterativeScan = pgcompat.IterativeScan(i % 3)
				if _, _, err := ix.Scan(rows[(w*50+i)%600], 10, s); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 300; i < 600; i++ {
			if err := ix.Insert(tidFor(i), rows[i]); err != nil {
				errs <- err
				return
			}
			if i%50 == 0 {
				if err := ix.Delete(tidFor(i - 250)); err != nil {
					errs <- err
					return
				}
				if _, err := ix.Vacuum(context.Background()); err != nil {
					errs <- err
					return
				}
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	assert.Equal(t, 600-6, ix.Len())
}

func TestTIDString(t *testing.T) {
	assert.Equal(t, "(0,1)", pgcompat.TID{Offset: 1}.String())
	assert.Equal(t, "(4294967295,65535)", pgcompat.TID{Block: math.MaxUint32, Offset: math.MaxUint16}.String())
}

// FuzzIndexOperations runs random sequences of inserts, deletes, vacuums
// and scans and checks the invariants a database guarantees: no scan
// returns a deleted row, LIMIT and the row cap hold, no live element links
// to a deleted slot, and the index never shrinks.
func FuzzIndexOperations(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 200, 201, 150, 250})
	f.Add([]byte{9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 200, 250, 9, 9})
	f.Add([]byte{1, 220, 250, 3, 3, 240, 250, 7})
	f.Fuzz(runFuzzOps)
}

// runFuzzOps is FuzzIndexOperations' body.
func runFuzzOps(t *testing.T, ops []byte) {
	if len(ops) > 400 {
		ops = ops[:400]
	}
	ix, err := pgcompat.NewIndex(pgcompat.IndexSpec{OpClass: opClassOrFail(t, "vector_l2_ops"), Dims: 2, Options: pgcompat.HNSWOptions{M: 2, EfConstruction: 6}, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	live := map[pgcompat.TID]bool{}
	next := 0
	pages := ix.Size().Pages
	for _, op := range ops {
		switch {
		case op < 150: // insert a point on a small grid (duplicates likely)
			tid := tidFor(next)
			next++
			v := []float32{float32(op % 5), float32(op / 5 % 5)}
			if err := ix.Insert(tid, v); err != nil {
				t.Fatal(err)
			}
			live[tid] = true
		case op < 200: // delete the op-th live row
			for tid := range live {
				if err := ix.Delete(tid); err != nil {
					t.Fatal(err)
				}
				delete(live, tid)
				break
			}
		case op < 230:
			if _, err := ix.Vacuum(context.Background()); err != nil {
				t.Fatal(err)
			}
		default:
			s := pgcompat.DefaultSettings(pgcompat.Linux64)
			s.EfSearch = int(op%7) + 1
			s.IterativeScan = pgcompat.IterativeScan(op % 3)
			rows, _, err := ix.Scan([]float32{1, 1}, int(op%11), s)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) > int(op%11) {
				t.Fatalf("%d rows for LIMIT %d", len(rows), op%11)
			}
			for _, r := range rows {
				if !live[r.TID] {
					t.Fatalf("scan returned deleted row %s", r.TID)
				}
			}
		}
		if p := ix.Size().Pages; p < pages {
			t.Fatalf("index shrank from %d to %d pages", pages, p)
		} else {
			pages = p
		}
	}
	g, err := ix.Graph()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range g.Elements {
		if e.Deleted {
			continue
		}
		for _, layer := range e.Neighbors {
			for _, nb := range layer {
				if g.Elements[nb].Deleted {
					t.Fatalf("element %s links to deleted slot %s", e.TID, g.Elements[nb].TID)
				}
			}
		}
	}
}

func opClassOrFail(t *testing.T, name string) pgcompat.OpClass {
	oc, ok := pgcompat.LookupOpClass(name)
	if !ok {
		t.Fatal(errors.New("no operator class " + name))
	}
	return oc
}

// ExampleIndex builds a pgvector-mode index, runs the query a database
// would run, and shows the row cap of hnsw.ef_search.
func ExampleIndex() {
	oc, _ := pgcompat.LookupOpClass("vector_l2_ops")
	ix, err := pgcompat.NewIndex(pgcompat.IndexSpec{OpClass: oc, Dims: 2, Options: pgcompat.HNSWOptions{M: 4, EfConstruction: 16}})
	if err != nil {
		panic(err)
	}
	var rows []pgcompat.Row
	for i := range 100 {
		rows = append(rows, pgcompat.Row{
			TID:   pgcompat.TID{Block: uint32(i / 50), Offset: uint16(i%50 + 1)},
			Value: []float32{float32(i) * 0.25, float32(i * i % 23)},
		})
	}
	if _, err := ix.Build(context.Background(), rows, pgcompat.DefaultSettings(pgcompat.Linux64)); err != nil {
		panic(err)
	}
	s := pgcompat.DefaultSettings(pgcompat.Linux64)
	if err := s.Set("hnsw.ef_search", "3"); err != nil {
		panic(err)
	}
	// SELECT ctid, v <-> '[10,12]' FROM t ORDER BY v <-> '[10,12]' LIMIT 5
	found, _, err := ix.Scan([]float32{10, 12}, 5, s)
	if err != nil {
		panic(err)
	}
	for _, r := range found {
		fmt.Println(r.TID, r.Distance)
	}
	// Output:
	// (0,38) 0.75
	// (0,41) 1
	// (0,33) 2
}

// benchRows are the rows the benchmarks index: clustered 128-dimensional
// vectors, like image descriptors.
func benchRows(b *testing.B, n int) []pgcompat.Row {
	b.Helper()
	vals := genRows("vector", 128, n, 123, 0, 0, 0, 0)
	rows := make([]pgcompat.Row, n)
	for i, v := range vals {
		rows[i] = pgcompat.Row{TID: tidFor(i), Value: v}
	}
	return rows
}

// BenchmarkIndexBuild compares pgvector's sequential float32 arithmetic
// (the default, bit-exact) with smallworld's SIMD kernels (FastDistance).
func BenchmarkIndexBuild(b *testing.B) {
	rows := benchRows(b, 3000)
	oc, _ := pgcompat.LookupOpClass("vector_l2_ops")
	for _, fast := range []bool{false, true} {
		b.Run(fmt.Sprintf("fast=%v", fast), func(b *testing.B) {
			for range b.N {
				ix, err := pgcompat.NewIndex(pgcompat.IndexSpec{OpClass: oc, Dims: 128, FastDistance: fast, Seed: 1})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := ix.Build(context.Background(), rows, pgcompat.DefaultSettings(pgcompat.Linux64)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(rows)), "µs/row")
		})
	}
}

// BenchmarkIndexScan measures one ORDER BY … LIMIT 10 query, with the
// executor's distance recomputation, at the default ef_search.
func BenchmarkIndexScan(b *testing.B) {
	rows := benchRows(b, 10000)
	oc, _ := pgcompat.LookupOpClass("vector_l2_ops")
	queries := genRows("vector", 128, 100, 124, 0, 0, 0, 0)
	for _, fast := range []bool{false, true} {
		ix, err := pgcompat.NewIndex(pgcompat.IndexSpec{OpClass: oc, Dims: 128, FastDistance: fast, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ix.Build(context.Background(), rows, pgcompat.DefaultSettings(pgcompat.Linux64)); err != nil {
			b.Fatal(err)
		}
		for _, mode := range []string{"off", "strict_order"} {
			b.Run(fmt.Sprintf("fast=%v/%s", fast, mode), func(b *testing.B) {
				s := settings(b, "hnsw.iterative_scan", mode)
				evals := 0
				b.ResetTimer()
				for i := range b.N {
					_, st, err := ix.Scan(queries[i%len(queries)], 10, s)
					if err != nil {
						b.Fatal(err)
					}
					evals += st.DistanceEvaluations
				}
				b.ReportMetric(float64(evals)/float64(b.N), "dists/op")
			})
		}
	}
}
