package tune

import (
	"context"
	"fmt"

	"github.com/smallworld-go/smallworld/hnsw"
	"github.com/smallworld-go/smallworld/pgcompat"
)

// hnswEngine is the sweep's first engine, kept to cross-check
// pgcompat.Index: package hnsw indexes configured as pgvector builds its
// graphs: its neighbour-selection variant (hnsw's default), duplicate merging
// up to 10 rows per element, cosine normalisation, float16 storage for
// halfvec, and levels drawn from pgvector's distribution. Rows are inserted
// one at a time in heap order, as pgvector's serial build inserts them.
type hnswEngine struct{}

func (hnswEngine) build(ctx context.Context, job buildJob, progress func(int)) (builtIndex, error) {
	levels := make([]int, 0, len(job.rows))
	src := pgcompat.NewLevelSource(job.params.M, job.seed)
	cfg := hnsw.Config{
		Dim:             job.base.Dim,
		M:               job.params.M,
		EfConstruction:  job.params.EfConstruction,
		EfSearch:        pgcompat.DefaultEfSearch,
		Metric:          hnswMetric(job.oc),
		Storage:         hnswStorage(job.oc),
		Heuristic:       hnsw.HeuristicKeepPruned,
		MergeDuplicates: true,
		MaxKeysPerNode:  10,
		Capacity:        len(job.rows),
		// Add calls Level exactly once per insert, in order, from this
		// goroutine: record what was drawn.
		LevelSource: hnsw.LevelFunc(func(uint64) int {
			l := src.Next()
			levels = append(levels, l)
			return l
		}),
	}
	ix, err := hnsw.New(cfg)
	if err != nil {
		return nil, err
	}
	const every = 256
	for i, r := range job.rows {
		if i%every == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if i > 0 && progress != nil {
				progress(every)
			}
		}
		if err := ix.Add(uint64(r), job.base.Row(int(r))); err != nil {
			return nil, fmt.Errorf("insert of row %d: %w", r, err)
		}
	}
	if progress != nil && len(job.rows) > 0 {
		progress((len(job.rows)-1)%every + 1)
	}
	return &hnswIndex{ix: ix, tuples: levels}, nil
}

// hnswIndex is a built hnsw index.
type hnswIndex struct {
	ix     *hnsw.Index
	tuples []int
}

func (h *hnswIndex) scan(q []float32, limit, ef int, dst []int32) ([]int32, int, error) {
	// pgvector's scan yields the ef nearest elements found and then stops
	// (no iterative scan), so LIMIT k above ef gets ef rows. hnsw widens its
	// candidate list to k instead; asking for min(k, ef) rows with ef
	// candidates reproduces pgvector's cap.
	res, st, err := h.ix.SearchWith(q, min(limit, ef), hnsw.SearchOptions{Ef: ef, Iterative: hnsw.IterativeOff})
	if err != nil {
		return dst, 0, err
	}
	for _, r := range res {
		dst = append(dst, int32(r.Key))
	}
	return dst, st.DistanceEvaluations, nil
}

func (h *hnswIndex) elementLevels() []int {
	n := h.ix.NodeCount()
	out := make([]int, 0, n)
	for id := range n {
		info, err := h.ix.Node(hnsw.NodeID(id))
		if err != nil || info.Deleted {
			continue
		}
		out = append(out, info.Level)
	}
	return out
}

func (h *hnswIndex) tupleLevels() []int { return h.tuples }

// hnswMetric is the graph metric of an operator class.
func hnswMetric(oc opClassInfo) hnsw.Metric {
	switch oc.oc.Operator {
	case pgcompat.OpNegInner:
		return hnsw.InnerProduct
	case pgcompat.OpCosine:
		return hnsw.Cosine
	case pgcompat.OpL1:
		return hnsw.L1
	}
	return hnsw.L2
}

// hnswStorage is the element type of an operator class.
func hnswStorage(oc opClassInfo) hnsw.Storage {
	if oc.half() {
		return hnsw.Float16
	}
	return hnsw.Float32
}
