package tune

import (
	"context"

	"github.com/smallworld-go/smallworld/bench"
	"github.com/smallworld-go/smallworld/pgcompat"
)

// engine builds pgvector-mode indexes. The sweep depends only on this, so
// that the index behind it can change without touching the sweep.
type engine interface {
	build(ctx context.Context, job buildJob, progress func(inserted int)) (builtIndex, error)
}

// buildJob is one index build.
type buildJob struct {
	params BuildParams
	// seed seeds the level draws.
	seed uint64
	oc   opClassInfo
	base *bench.Matrix
	// rows lists the base rows to insert, in heap order; each is inserted
	// under its row number.
	rows []int32
}

// builtIndex is a pgvector-mode index after its build.
type builtIndex interface {
	// scan runs "ORDER BY v <op> q LIMIT limit" as an index scan with
	// hnsw.ef_search = ef and iterative scans off: the rows, nearest first,
	// appended to dst, and the distances it evaluated.
	scan(q []float32, limit, ef int, dst []int32) ([]int32, int, error)
	// elementLevels returns the levels of the graph's elements in insertion
	// order (merged duplicates are not elements), for the size model.
	elementLevels() []int
	// tupleLevels returns the level drawn for every inserted row, merged
	// duplicates included, for the build-memory model.
	tupleLevels() []int
}

// defaultEngine returns the index the sweep uses.
func defaultEngine() engine { return pgEngine{} }

// pgEngine builds pgcompat.Index, the pgvector-mode index: an hnsw graph
// built as pgvector builds it (its neighbour-selection variant, duplicate
// merging into elements of up to 10 heap rows, cosine normalisation, halfvec
// storage, levels from pgvector's distribution) behind pgvector's executor
// (the hnsw.ef_search row cap). The build is serial, in heap order, as a
// CREATE INDEX that fits in maintenance_work_mem runs it; graph distances use
// the SIMD kernels, which differ from pgvector's sequential sums only in the
// last bits.
type pgEngine struct{}

// tidOf maps a base row to a heap TID; any injective map will do, since
// only the rows' order matters to a build.
func tidOf(row int32) pgcompat.TID {
	return pgcompat.TID{Block: uint32(row) >> 8, Offset: uint16(row&0xff) + 1}
}

// rowOf inverts tidOf.
func rowOf(t pgcompat.TID) int32 { return int32(t.Block<<8 | uint32(t.Offset-1)) }

func (pgEngine) build(ctx context.Context, job buildJob, progress func(int)) (builtIndex, error) {
	src := pgcompat.NewLevelSource(job.params.M, job.seed)
	levels := make([]int, 0, len(job.rows))
	const every = 256
	ix, err := pgcompat.NewIndex(pgcompat.IndexSpec{
		OpClass:      job.oc.oc,
		Dims:         job.base.Dim,
		Options:      pgcompat.HNSWOptions{M: job.params.M, EfConstruction: job.params.EfConstruction},
		FastDistance: true,
		// Called once per row reaching the graph, in insertion order, from
		// the building goroutine: record the draws, and count progress.
		Levels: func(pgcompat.TID) int {
			l := src.Next()
			levels = append(levels, l)
			if progress != nil && len(levels)%every == 0 {
				progress(every)
			}
			return l
		},
	})
	if err != nil {
		return nil, err
	}
	rows := make([]pgcompat.Row, len(job.rows))
	for i, r := range job.rows {
		rows[i] = pgcompat.Row{TID: tidOf(r), Value: job.base.Row(int(r))}
	}
	settings := pgcompat.DefaultSettings(pgcompat.Linux64)
	// Build in memory, as the recommended maintenance_work_mem ensures.
	settings.MaintenanceWorkMem = pgcompat.Linux64.MaxKilobytes()
	if _, err := ix.Build(ctx, rows, settings); err != nil {
		return nil, err
	}
	if progress != nil && len(levels)%every != 0 {
		progress(len(levels) % every)
	}
	return &pgIndex{ix: ix, tuples: levels, settings: settings}, nil
}

// pgIndex is a built pgcompat.Index.
type pgIndex struct {
	ix       *pgcompat.Index
	tuples   []int
	settings pgcompat.Settings
}

func (p *pgIndex) scan(q []float32, limit, ef int, dst []int32) ([]int32, int, error) {
	s := p.settings
	s.EfSearch = ef
	rows, st, err := p.ix.Scan(q, limit, s)
	if err != nil {
		return dst, 0, err
	}
	for _, r := range rows {
		dst = append(dst, rowOf(r.TID))
	}
	return dst, st.DistanceEvaluations, nil
}

func (p *pgIndex) elementLevels() []int { return p.ix.Levels() }

func (p *pgIndex) tupleLevels() []int { return p.tuples }
