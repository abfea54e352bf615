package tune

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/smallworld-go/smallworld/pgcompat"
)

// simulateCap is the most elements the size and memory models simulate one
// by one; larger tables are scaled up from a simulation of this many, which
// is exact to a fraction of a percent because both grow linearly.
const simulateCap = 1 << 21

// IndexModel is the predicted size and build memory of an index.
type IndexModel struct {
	// Pages and Bytes are pg_relation_size after a build that fits in
	// memory.
	Pages int64 `json:"pages"`
	Bytes int64 `json:"bytes"`
	// BuildMemory is the smallest maintenance_work_mem, in bytes, at which
	// the build stays in memory.
	BuildMemory int64 `json:"build_memory"`
	// Fits reports whether MaintenanceWorkMem is enough; when it is not,
	// FlushAfter is the tuple count after which pgvector spills to disk
	// and Notice the NOTICE it prints then.
	Fits       bool             `json:"fits"`
	FlushAfter int64            `json:"flush_after,omitempty"`
	Notice     *pgcompat.Notice `json:"notice,omitempty"`
}

// modelFromLevels predicts size and build memory from the levels a build
// drew: elements (graph nodes, insertion order) and tuples (every row,
// duplicates included).
func modelFromLevels(elements, tuples []int, m, valueSize, mwmKB int) (IndexModel, error) {
	size, err := pgcompat.IndexSize(pgcompat.SizeSpec{M: m, ValueSize: valueSize, Levels: elements, InMemory: pgcompat.AllInMemory})
	if err != nil {
		return IndexModel{}, err
	}
	mem, err := pgcompat.BuildMemory(pgcompat.BuildMemorySpec{Platform: pgcompat.Linux64, MaintenanceWorkMem: mwmKB, M: m, ValueSize: valueSize, Levels: tuples})
	if err != nil {
		return IndexModel{}, err
	}
	im := IndexModel{
		Pages: int64(size.Pages), Bytes: size.Bytes,
		BuildMemory: int64(mem.MinMaintenanceWorkMem) * 1024,
		Fits:        mem.Fits, Notice: mem.Notice,
	}
	if !mem.Fits {
		im.FlushAfter = int64(mem.FlushAfter)
	}
	return im, nil
}

// ModelSpec describes an index whose levels are not known, for EstimateIndex.
type ModelSpec struct {
	// Rows is the number of indexed rows.
	Rows int64
	// M is the index's m.
	M int
	// ValueSize is the stored size of one value (pgcompat.VectorValueSize
	// and friends).
	ValueSize int
	// MaintenanceWorkMem is the setting in kB (default 65536).
	MaintenanceWorkMem int
	// Seed seeds the simulated level draws.
	Seed uint64
}

// EstimateIndex predicts the size of an index of spec.Rows rows and the
// memory its build needs, by drawing levels as pgvector does and replaying
// its page layout and memory accounting (at most 2 million rows are
// simulated; larger tables are scaled linearly from them).
func EstimateIndex(ctx context.Context, spec ModelSpec) (IndexModel, error) {
	if spec.Rows < 0 {
		return IndexModel{}, errors.New("tune: negative row count")
	}
	if spec.M < pgcompat.MinM || spec.M > pgcompat.MaxM {
		return IndexModel{}, fmt.Errorf("%w: m = %d is outside %d..%d", ErrInvalidSpec, spec.M, pgcompat.MinM, pgcompat.MaxM)
	}
	if spec.ValueSize <= 0 {
		return IndexModel{}, fmt.Errorf("%w: value size must be positive", ErrInvalidSpec)
	}
	mwm := spec.MaintenanceWorkMem
	if mwm == 0 {
		mwm = DefaultMaintenanceWorkMem
	}
	if err := ctx.Err(); err != nil {
		return IndexModel{}, err
	}
	sim := min(spec.Rows, simulateCap)
	levels := pgcompat.NewLevelSource(spec.M, spec.Seed).Levels(int(sim))
	// Simulate with the largest setting so the full accounting runs; the
	// fit at the real setting follows from the minimum.
	im, err := modelFromLevels(levels, levels, spec.M, spec.ValueSize, pgcompat.Linux64.MaxKilobytes())
	if err != nil {
		return IndexModel{}, err
	}
	if spec.Rows > sim {
		f := float64(spec.Rows) / float64(sim)
		im.Pages = 1 + int64(math.Ceil(float64(im.Pages-1)*f))
		im.Bytes = im.Pages * pgcompat.BlockSize
		im.BuildMemory = int64(math.Ceil(float64(im.BuildMemory) * f))
	}
	im.Fits = im.BuildMemory <= int64(mwm)*1024
	im.FlushAfter, im.Notice = 0, nil
	if !im.Fits {
		if spec.Rows <= sim {
			// Exact: replay at the real setting.
			mem, err := pgcompat.BuildMemory(pgcompat.BuildMemorySpec{Platform: pgcompat.Linux64, MaintenanceWorkMem: mwm, M: spec.M, ValueSize: spec.ValueSize, Levels: levels})
			if err != nil {
				return IndexModel{}, err
			}
			im.FlushAfter = int64(mem.FlushAfter)
		} else {
			im.FlushAfter = max(1, int64(float64(spec.Rows)*float64(mwm)*1024/float64(im.BuildMemory)))
		}
		n := pgcompat.FlushNotice(int(im.FlushAfter))
		im.Notice = &n
	}
	return im, nil
}

// QuerySpec describes a k-NN query "ORDER BY v <op> q LIMIT k" on a table
// with an HNSW index, for ExplainQuery.
type QuerySpec struct {
	// Rows is the table's row count.
	Rows int64
	// ValueSize is the stored size of one value; KeyBytes the size of the
	// key column (4, 8, or 0 for none).
	ValueSize int
	KeyBytes  int
	// M and EfSearch are the index's m and hnsw.ef_search.
	M        int
	EfSearch int
	// Limit is k.
	Limit int
	// IndexPages is the index size; 0 means estimate it.
	IndexPages int64
}

// ExplainQuery returns the planner's costs of both plans and its choice, by
// pgcompat.Plan, and the index pages it assumed. The table's heap size is
// estimated from the row layout; when spec.IndexPages is 0 the index size is
// estimated with EstimateIndex.
func ExplainQuery(ctx context.Context, spec QuerySpec) (pgcompat.Explain, int64, error) {
	est := pageEstimator{m: spec.M, valueSize: spec.ValueSize}
	return explain(ctx, spec, &est)
}

func explain(ctx context.Context, spec QuerySpec, est *pageEstimator) (pgcompat.Explain, int64, error) {
	if spec.Rows < 0 || spec.Limit < 0 {
		return pgcompat.Explain{}, 0, fmt.Errorf("%w: negative rows or limit", ErrInvalidSpec)
	}
	if spec.EfSearch < pgcompat.MinEfSearch || spec.EfSearch > pgcompat.MaxEfSearch {
		return pgcompat.Explain{}, 0, fmt.Errorf("%w: %d is outside the valid range for parameter \"hnsw.ef_search\" (%d .. %d)", ErrInvalidSpec, spec.EfSearch, pgcompat.MinEfSearch, pgcompat.MaxEfSearch)
	}
	pages := spec.IndexPages
	if pages <= 0 {
		var err error
		if pages, err = est.pages(ctx, spec.Rows); err != nil {
			return pgcompat.Explain{}, 0, err
		}
	}
	settings := pgcompat.DefaultSettings(pgcompat.Linux64)
	settings.EfSearch = spec.EfSearch
	keyBytes := max(spec.KeyBytes, 0)
	ex, err := pgcompat.Plan(pgcompat.PlanSpec{
		Settings:   &settings,
		Rows:       float64(spec.Rows),
		HeapPages:  pgcompat.EstimateHeapPages(float64(spec.Rows), pgcompat.VectorRowData(keyBytes, spec.ValueSize)),
		IndexPages: float64(pages),
		M:          spec.M,
		Limit:      spec.Limit,
	})
	return ex, pages, err
}

// pageEstimator estimates index pages for many table sizes: exactly (one
// simulated level draw) up to estimatorExact rows, and linearly from a
// cached simulation of that many beyond, which is what the planner needs.
type pageEstimator struct {
	m, valueSize int
	perRow       float64 // pages per row above estimatorExact, once known
}

const estimatorExact = 1 << 17

func (e *pageEstimator) pages(ctx context.Context, n int64) (int64, error) {
	if n <= estimatorExact {
		im, err := EstimateIndex(ctx, ModelSpec{Rows: n, M: e.m, ValueSize: e.valueSize, Seed: 1})
		return im.Pages, err
	}
	if e.perRow == 0 {
		im, err := EstimateIndex(ctx, ModelSpec{Rows: estimatorExact, M: e.m, ValueSize: e.valueSize, Seed: 1})
		if err != nil {
			return 0, err
		}
		e.perRow = float64(im.Pages-1) / estimatorExact
	}
	return 1 + int64(math.Ceil(e.perRow*float64(n))), nil
}

// MinRowsForIndex returns about the smallest table size, in rows, from which
// the planner uses the HNSW index for the query (spec.Rows and
// spec.IndexPages are ignored): below it, PostgreSQL runs a Seq Scan and a
// Sort. It returns 0 if the index is used even for tiny tables, and −1 if it
// is not used up to a billion rows (a LIMIT far above ef_search, say).
func MinRowsForIndex(ctx context.Context, spec QuerySpec) (int64, error) {
	est := pageEstimator{m: spec.M, valueSize: spec.ValueSize}
	uses := func(n int64) (bool, error) {
		s := spec
		s.Rows, s.IndexPages = n, 0
		ex, _, err := explain(ctx, s, &est)
		return ex.UseIndex, err
	}
	// Walk up a geometric ladder to the first size where the index wins
	// and keeps winning up to 8 times that size, then bisect below it.
	const top = int64(1e9)
	prev := int64(0)
	for n := int64(16); n <= top; n = n + n/4 + 1 {
		ok, err := uses(n)
		if err != nil {
			return 0, err
		}
		if !ok {
			prev = n
			continue
		}
		stable := true
		for m := n + n/4 + 1; m <= min(top, 8*n); m = m + m/4 + 1 {
			if ok2, err := uses(m); err != nil {
				return 0, err
			} else if !ok2 {
				stable = false
				break
			}
		}
		if !stable {
			prev = n
			continue
		}
		if prev == 0 {
			return 0, nil
		}
		lo, hi := prev, n // !uses(lo), uses(hi)
		for hi-lo > max(1, lo/200) {
			mid := lo + (hi-lo)/2
			ok, err := uses(mid)
			if err != nil {
				return 0, err
			}
			if ok {
				hi = mid
			} else {
				lo = mid
			}
		}
		return hi, nil
	}
	return -1, nil
}
