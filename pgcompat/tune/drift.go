package tune

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/smallworld-go/smallworld/bench"
)

// DefaultDriftThreshold is the mean cosine similarity between old and new
// embeddings below which Drift advises a rebuild.
const DefaultDriftThreshold = 0.92

// DriftOptions tunes Drift. The zero value is ready to use.
type DriftOptions struct {
	// Threshold is the mean cosine similarity below which a rebuild is
	// advised (default 0.92).
	Threshold float64
	// Neighbors is the k of the neighbourhood comparison (default 10;
	// negative turns it off).
	Neighbors int
	// Sample is how many rows the neighbourhood comparison looks at
	// (default 200).
	Sample int
	// Seed chooses the sample.
	Seed uint64
	// Buckets is the number of histogram buckets between the lowest
	// similarity and 1 (default 20).
	Buckets int
}

// DriftReport describes how far embeddings moved between two versions of a
// model, pair by pair (row i of the old set and row i of the new one embed
// the same item).
type DriftReport struct {
	// Pairs is the number of rows compared; OldDim and NewDim the
	// dimensions of each set.
	Pairs  int `json:"pairs"`
	OldDim int `json:"old_dim"`
	NewDim int `json:"new_dim"`
	// Similarity summarises the cosine similarity of each pair; nil when
	// the dimensions differ and no pair can be compared directly.
	Similarity *SimilarityStats `json:"similarity,omitempty"`
	// ZeroPairs counts pairs left out because one side is a zero vector
	// (no direction, no cosine).
	ZeroPairs int `json:"zero_pairs,omitempty"`
	// NeighborOverlap is the mean fraction of a sampled row's k nearest
	// neighbours (cosine) under the old model that are still among its k
	// nearest under the new one: how much of the index's structure
	// survives. Zero when not computed (see NeighborK).
	NeighborOverlap float64 `json:"neighbor_overlap"`
	NeighborK       int     `json:"neighbor_k"`
	NeighborSample  int     `json:"neighbor_sample"`
	// Threshold is the mean similarity below which Rebuild is advised.
	Threshold float64 `json:"threshold"`
	// Rebuild is true when the embeddings moved too far to be updated in
	// place; Advice says what to do, in words.
	Rebuild bool   `json:"rebuild"`
	Advice  string `json:"advice"`
}

// SimilarityStats summarises pairwise cosine similarities.
type SimilarityStats struct {
	Mean   float64 `json:"mean"`
	StdDev float64 `json:"stddev"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	// P1 … P99 are the percentiles at 1, 5, 10, 25, 50, 75, 90, 95 and 99 %.
	P1  float64 `json:"p1"`
	P5  float64 `json:"p5"`
	P10 float64 `json:"p10"`
	P25 float64 `json:"p25"`
	P50 float64 `json:"p50"`
	P75 float64 `json:"p75"`
	P90 float64 `json:"p90"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	// Below is the number of pairs under the threshold.
	Below int `json:"below_threshold"`
	// Histogram counts similarities in equal buckets from Min to 1.
	Histogram []Bucket `json:"histogram"`
}

// Bucket is one histogram bar: the similarities in [Lo, Hi) (the last
// bucket includes Hi).
type Bucket struct {
	Lo    float64 `json:"lo"`
	Hi    float64 `json:"hi"`
	Count int     `json:"count"`
}

// Drift compares old and new embeddings of the same items, row by row: the
// distribution of their cosine similarity, and how many of each sampled
// row's nearest neighbours survive the change. A mean similarity below the
// threshold advises re-embedding everything into a fresh column and building
// a new index, rather than updating rows of the existing one, whose graph
// was built around the old geometry. Embeddings of different dimensions are
// compared by neighbourhoods only, and always advise a rebuild.
func Drift(ctx context.Context, old, new *bench.Matrix, opts DriftOptions) (*DriftReport, error) {
	if old == nil || new == nil || old.Len() == 0 || new.Len() == 0 {
		return nil, fmt.Errorf("%w: drift needs two non-empty sets of embeddings", ErrEmpty)
	}
	if old.Len() != new.Len() {
		return nil, fmt.Errorf("%w: %d old embeddings but %d new ones: the sets must pair row by row", ErrDimension, old.Len(), new.Len())
	}
	if err := checkFinite("old", old); err != nil {
		return nil, err
	}
	if err := checkFinite("new", new); err != nil {
		return nil, err
	}
	if opts.Threshold == 0 {
		opts.Threshold = DefaultDriftThreshold
	}
	if !(opts.Threshold > -1 && opts.Threshold <= 1) {
		return nil, specErrorf("drift threshold must be in (-1, 1], got %v", opts.Threshold)
	}
	if opts.Neighbors == 0 {
		opts.Neighbors = 10
	}
	if opts.Sample == 0 {
		opts.Sample = 200
	}
	if opts.Buckets <= 0 {
		opts.Buckets = 20
	}
	rep := &DriftReport{Pairs: old.Len(), OldDim: old.Dim, NewDim: new.Dim, Threshold: opts.Threshold}

	if old.Dim == new.Dim {
		sims := make([]float64, 0, old.Len())
		for i := range old.Len() {
			if i%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			s, ok := cosineSimilarity(old.Row(i), new.Row(i))
			if !ok {
				rep.ZeroPairs++
				continue
			}
			sims = append(sims, s)
		}
		if len(sims) == 0 {
			return nil, &InputError{Set: "old", Row: 0, Count: rep.ZeroPairs, Err: fmt.Errorf("%w: every pair has a zero vector", ErrZeroVector)}
		}
		rep.Similarity = similarityStats(sims, opts.Threshold, opts.Buckets)
	}

	if opts.Neighbors > 0 && old.Len() > opts.Neighbors+1 {
		overlap, n, err := neighborOverlap(ctx, old, new, opts)
		if err != nil {
			return nil, err
		}
		rep.NeighborOverlap, rep.NeighborK, rep.NeighborSample = overlap, opts.Neighbors, n
	}

	switch {
	case old.Dim != new.Dim:
		rep.Rebuild = true
		rep.Advice = fmt.Sprintf("the dimension changed (%d → %d): the column type changes too. Add a new column, embed every row with the new model, build its index with CREATE INDEX CONCURRENTLY, then switch queries over", old.Dim, new.Dim)
	case rep.Similarity.Mean < opts.Threshold:
		rep.Rebuild = true
		rep.Advice = fmt.Sprintf("mean cosine similarity %.3f is below %.2f: the new model moved the embeddings too far to mix old and new vectors in one index. Re-embed every row into a new column, build a fresh index (CREATE INDEX CONCURRENTLY), then switch queries over, rather than updating rows in place", rep.Similarity.Mean, opts.Threshold)
	default:
		rep.Advice = fmt.Sprintf("mean cosine similarity %.3f is at least %.2f: rows can be updated in place as they are re-embedded, and the index stays usable meanwhile; a REINDEX CONCURRENTLY once all rows are updated restores the graph's quality", rep.Similarity.Mean, opts.Threshold)
		if rep.Similarity.Below > 0 {
			rep.Advice += fmt.Sprintf(". %d pairs (%.1f%%) fall below %.2f: re-embed those first", rep.Similarity.Below, 100*float64(rep.Similarity.Below)/float64(rep.Pairs-rep.ZeroPairs), opts.Threshold)
		}
	}
	return rep, nil
}

// cosineSimilarity computes a·b/(‖a‖‖b‖) in float64; ok is false when either
// vector is zero.
func cosineSimilarity(a, b []float32) (float64, bool) {
	var dot, na, nb float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		dot += x * y
		na += x * x
		nb += y * y
	}
	if na == 0 || nb == 0 {
		return 0, false
	}
	return max(-1, min(1, dot/math.Sqrt(na*nb))), true
}

// similarityStats summarises sims (which it sorts).
func similarityStats(sims []float64, threshold float64, buckets int) *SimilarityStats {
	slices.Sort(sims)
	st := newStat(sims)
	pct := func(p float64) float64 {
		// Nearest rank.
		i := int(math.Ceil(p/100*float64(len(sims)))) - 1
		return sims[max(0, min(len(sims)-1, i))]
	}
	s := &SimilarityStats{
		Mean: st.Mean, StdDev: st.StdDev, Min: st.Min, Max: st.Max,
		P1: pct(1), P5: pct(5), P10: pct(10), P25: pct(25), P50: pct(50), P75: pct(75), P90: pct(90), P95: pct(95), P99: pct(99),
	}
	s.Below, _ = slices.BinarySearch(sims, threshold)
	lo := st.Min
	if lo >= 1 {
		lo = 1 - 1e-6
	}
	width := (1 - lo) / float64(buckets)
	s.Histogram = make([]Bucket, buckets)
	for i := range s.Histogram {
		s.Histogram[i] = Bucket{Lo: lo + float64(i)*width, Hi: lo + float64(i+1)*width}
	}
	s.Histogram[buckets-1].Hi = 1
	for _, x := range sims {
		i := min(int((x-lo)/width), buckets-1)
		s.Histogram[max(i, 0)].Count++
	}
	return s
}

// neighborOverlap samples rows and compares their k nearest neighbours
// (cosine, excluding the row itself) under both models.
func neighborOverlap(ctx context.Context, old, new *bench.Matrix, opts DriftOptions) (float64, int, error) {
	n := min(opts.Sample, old.Len())
	rows := make([]int, old.Len())
	for i := range rows {
		rows[i] = i
	}
	pick := sample(rand.New(rand.NewPCG(opts.Seed, 0xd21f7)), rows, n)
	qOld, qNew := bench.NewMatrix(old.Dim, n), bench.NewMatrix(new.Dim, n)
	for _, r := range pick {
		_ = qOld.Append(old.Row(r))
		_ = qNew.Append(new.Row(r))
	}
	k := opts.Neighbors + 1
	tOld, err := bench.GroundTruth(ctx, old, qOld, bench.Cosine, k, bench.GroundTruthOptions{})
	if err != nil {
		return 0, 0, err
	}
	tNew, err := bench.GroundTruth(ctx, new, qNew, bench.Cosine, k, bench.GroundTruthOptions{})
	if err != nil {
		return 0, 0, err
	}
	var sum float64
	for i, r := range pick {
		a := withoutRow(tOld.IDs[i], int32(r), opts.Neighbors)
		b := withoutRow(tNew.IDs[i], int32(r), opts.Neighbors)
		hit := 0
		for _, x := range a {
			if slices.Contains(b, x) {
				hit++
			}
		}
		sum += float64(hit) / float64(opts.Neighbors)
	}
	return sum / float64(n), n, nil
}

// withoutRow returns the first k ids other than self.
func withoutRow(ids []int32, self int32, k int) []int32 {
	out := make([]int32, 0, k)
	for _, id := range ids {
		if id != self && len(out) < k {
			out = append(out, id)
		}
	}
	return out
}
