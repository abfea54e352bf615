package bench

import (
	"math"
	"sync"
	"sync/atomic"

	"github.com/smallworld-go/smallworld/distance"
)

// Pooled lower bounds for L2.
//
// Split the components into consecutive groups and replace each group by its
// sum divided by √(group size): that is the orthogonal projection P onto the
// vectors constant on each group, expressed in an orthonormal basis. Append
// the norm of what the projection leaves out, ρ(v) = ‖v − PᵀPv‖. For the
// resulting augmented vectors a(v) = [Pv, ρ(v)],
//
//	‖a(x) − a(q)‖² = ‖P(x−q)‖² + (ρ(x) − ρ(q))² ≤ ‖P(x−q)‖² + ‖(I−PᵀP)(x−q)‖² = ‖x−q‖²
//
// (the residual part by the reverse triangle inequality), so the squared
// distance of two augmented vectors is a lower bound of the real one that
// costs only a fraction of it. Two levels are used (see poolLevels): groups
// of 64, scored for every pair with the panel kernels at a fiftieth of a
// distance, then groups of 4, at a quarter, for the pairs that pass. The
// residual component costs one more number per vector (none at the fine
// level, which is padded to a multiple of 16 floats for the block kernels
// anyway) and tightens both bounds: it also contains the plain norm bound
// |‖x‖ − ‖q‖|, as ‖a(v)‖ = ‖v‖. On Fashion-MNIST it spares the fine bound
// 20% of the pairs and the full distance 12%.

// poolLevel is one pooling resolution.
type poolLevel struct {
	group  int // components per group (the last group may be shorter)
	dim    int // number of groups
	stride int // floats per augmented vector (groups and residual), padded for the block kernels
	panels bool
}

// newPoolLevel describes the pooling of n components in groups of g.
func newPoolLevel(g, n int) poolLevel {
	d := (n + g - 1) / g
	return poolLevel{group: g, dim: d, stride: (d + 1 + 15) &^ 15}
}

// newPanelLevel describes a pooling level whose base-side vectors are
// packed into panels (distance.PackPanels), scored densely by the panel
// kernels: no padding.
func newPanelLevel(g, n int) poolLevel {
	d := (n + g - 1) / g
	return poolLevel{group: g, dim: d, stride: d + 1, panels: true}
}

// Pooling groups: 4 components for the fine level, coarseGroup for the
// coarse one, and blocks of 16 in between (what the pooling loop sums).
// The scalings 1/√4 and 1/√16 are exact, and groups nest, so each level's
// sums are sums of the finer ones.
const (
	fineGroup   = 4
	blockGroup  = 16
	coarseGroup = 64
)

// poolLevels returns the two pooling resolutions for vectors of dim
// components: coarse then fine. Below 64 components a distance is cheap
// enough that the bounds would not pay for themselves: nil.
//
// The coarse level is scored for every query and every row, so it must be
// cheap: groups of 64 (13 numbers for 784 components), with the panel
// kernels, cost a 50th of a distance per pair and on Fashion-MNIST already
// rule out 79% of the base for a query's 100th neighbour (groups of 16 rule
// out 86%, for a quarter of a distance with the block kernels).
func poolLevels(dim int) []poolLevel {
	if dim < 64 {
		return nil
	}
	return []poolLevel{newPanelLevel(coarseGroup, dim), newPoolLevel(fineGroup, dim)}
}

// pooledVec computes the augmented vectors of v at both levels into coarse
// and fine (each of its level's stride; the padding is left as it is, zero)
// and returns ‖v‖ and, per level, a bound on ‖ã(v) − a(v)‖, the distance of
// the computed float32 augmented vector from the exact one.
//
// poolBlocks pools the whole blocks of 16 components (in assembly where the
// CPU allows); the last 0–15 components form shorter groups here. The order
// of the pooled components within the vector is the loop's own, the same for
// every vector of a given length, which is all the distances need.
//
// Error analysis, with u = 2⁻²⁴, n = len(v), g the group size and d the
// number of groups of a level:
//   - a pooled component is a float32 sum of at most g terms times 1/√g (a
//     power of two, or rounded for a short last group), off by at most
//     (g+2)·u·‖v_G‖ (Σ|v_G| ≤ √g·‖v_G‖); the pooled part as a whole is off
//     by at most (g+2)·u·‖v‖;
//   - ρ² = ‖v‖² − ‖Pv‖², both float32 sums of squares (relative errors
//     γ(n+3) and γ(d+3)) and ‖Pv‖² also carrying the components' error
//     (2.01·(g+2)·u·‖v‖²), so the computed ρ̃² is within
//     Δ = (n + d + 6 + 2.01·(g+2))·u·‖v‖²·1.01 of ρ², and ρ̃ within
//     min(√Δ, Δ/ρ̃) of ρ (|√a − √b| ≤ |a − b|/√a), plus its float32 rounding.
//
// The cancellation in ρ² makes the residual's error relative to ‖v‖ rather
// than to ρ; for ρ above a few percent of ‖v‖ it is still far below the
// distances that matter (on Fashion-MNIST, dropping the error terms
// altogether, which would be unsafe, prunes only 1% more).
//
// ahead, if not nil, is a vector that will be pooled soon, to prefetch.
func pooledVec(levels []poolLevel, v []float32, coarse, fine, blocks16, ahead []float32) (norm float64, errs [2]float64) {
	n := len(v)
	cl := levels[0]
	whole := n / blockGroup
	xx32, ff32, _ := poolBlocks(v, whole, fine[:fineGroup*whole], blocks16[:whole], ahead)
	xx, ff := float64(xx32), float64(ff32)
	if rest := v[whole*blockGroup:]; len(rest) > 0 {
		k := fineGroup * whole
		var total float32
		for i := 0; i < len(rest); i, k = i+fineGroup, k+1 {
			g := rest[i:min(len(rest), i+fineGroup)]
			var s float32
			for _, x := range g {
				s += x
				xx += float64(x) * float64(x)
			}
			total += s
			p := float32(float64(s) / math.Sqrt(float64(len(g))))
			fine[k] = p
			ff += float64(p) * float64(p)
		}
		blocks16[whole] = float32(float64(total) / math.Sqrt(float64(len(rest))))
	}
	// The coarse sums, from the blocks of 16 (pooled × 1/4, the last one
	// × 1/√its length): back to plain sums in float64, added, scaled.
	const per = coarseGroup / blockGroup
	var _ = [1]struct{}{}[per-4] // the loop below adds four blocks per group
	full := whole / per          // coarse groups made only of whole blocks
	scale := float64(blockGroup) / math.Sqrt(float64(blockGroup)*float64(cl.group))
	var cc float64
	for c := range full {
		b := blocks16[c*per : c*per+per : c*per+per]
		s := (float64(b[0]) + float64(b[1])) + (float64(b[2]) + float64(b[3]))
		p := float32(s * scale)
		coarse[c] = p
		cc += float64(p) * float64(p)
	}
	if full < cl.dim {
		var s float64
		for b := full * per; b*blockGroup < n; b++ {
			s += float64(blocks16[b]) * math.Sqrt(float64(min(blockGroup, n-b*blockGroup)))
		}
		p := float32(s / math.Sqrt(float64(n-full*cl.group)))
		coarse[full] = p
		cc += float64(p) * float64(p)
	}
	norm = math.Sqrt(xx)
	if math.IsInf(xx, 0) || math.IsNaN(xx) {
		// No residual: the bounds of this vector are NaN. A vector with a
		// NaN or infinite component has no finite distance to anything,
		// so a NaN bound, which never passes a finite threshold, is right
		// for it, and errors of 0 keep it from loosening the thresholds of
		// the others. A finite vector whose squares overflow float32 has
		// no usable bounds: errors of +Inf make every threshold that
		// involves it pass everything.
		coarse[cl.dim], fine[levels[1].dim] = float32(math.NaN()), float32(math.NaN())
		for _, x := range v {
			if math.IsInf(float64(x), 0) || x != x {
				return norm, errs
			}
		}
		return norm, [2]float64{math.Inf(1), math.Inf(1)}
	}
	for li, l := range levels {
		a, psq := coarse, cc
		if li == 1 {
			a, psq = fine, ff
		}
		delta := (float64(n+l.dim+6) + 2.01*float64(l.group+2)) * u * xx * 1.01
		var rho, rhoErr float64
		if rsq := xx - psq; rsq > 0 {
			rho = math.Sqrt(rsq)
			rhoErr = min(math.Sqrt(delta), delta/rho)
		} else {
			rhoErr = math.Sqrt(delta)
		}
		a[l.dim] = float32(rho)
		errs[li] = 1.01*float64(l.group+2)*u*norm + rhoErr + 2*u*rho
	}
	return norm, errs
}

// poolBlocksGeneric is the portable form of poolBlocks: for each block of 16
// components of x[:16·blocks] it writes the four sums of 4, times 1/2, to
// fine and the sum of 16, times 1/4, to coarse, and it returns ‖x‖², ‖fine‖²
// and ‖coarse‖² of that part. (The assembly form also prefetches its last
// argument, a row to be pooled soon.)
func poolBlocksGeneric(x []float32, blocks int, fine, coarse, _ []float32) (xx, ff, cc float32) {
	for b := range blocks {
		w := x[16*b : 16*b+16 : 16*b+16]
		var g [4]float32
		for k := range 4 {
			a0, a1, a2, a3 := w[4*k], w[4*k+1], w[4*k+2], w[4*k+3]
			g[k] = (a0 + a1) + (a2 + a3)
			xx += a0*a0 + a1*a1 + a2*a2 + a3*a3
			p := g[k] * 0.5
			fine[4*b+k] = p
			ff += p * p
		}
		c := ((g[0] + g[2]) + (g[1] + g[3])) * 0.25
		coarse[b] = c
		cc += c * c
	}
	return xx, ff, cc
}

// pooledThreshold returns the largest float32 value lb of the augmented
// lower bound that may still belong to a vector within bound of the query.
//
// e bounds the error of the two augmented vectors together (the sum of
// their pooledVec errors) and gamma the relative error of the block
// kernel's sum of squares. The exact distance is at least
// ‖a(x) − a(q)‖ ≥ ‖ã(x) − ã(q)‖ − e ≥ √(lb/(1+gamma)) − e, so a vector is
// out of reach when that exceeds √bound, that is when
// lb > (√bound + e)²·(1+gamma); dividing by 1−gamma instead is safer still.
func pooledThreshold(bound, e, gamma float64) float32 {
	if math.IsInf(bound, 1) {
		return float32(math.Inf(1))
	}
	r := math.Sqrt(bound) + e
	t := r * r / (1 - gamma) * (1 + 1e-12)
	if t >= math.MaxFloat32 {
		return float32(math.Inf(1))
	}
	return math.Nextafter32(float32(t), float32(math.Inf(1)))
}

// pooledQueries holds every query's augmented vectors at both levels, and
// the current chunk of queries laid out for the block kernels.
type pooledQueries struct {
	data [2][]float32 // per level: nq × level.stride
	errs [][2]float64 // per query and level: pooledVec's error bound
	norm []float64    // ‖q‖
	cur  pooledChunk  // the chunk being scanned; see beginChunk
	dist []float32    // scratch for ordering a chunk
}

// pooledChunk is one chunk of queries, reordered so that similar queries sit
// side by side (see chainOrder), with their augmented and full vectors
// copied into that order: a tile of four consecutive positions is then four
// consecutive rows for the block kernels.
type pooledChunk struct {
	q0    int
	order []int         // position → query index
	lvl   [2][]float32  // per level: positions × stride
	full  []float32     // positions × dim
	tops  []topK        // per query of the chunk (index − q0): the shared heaps
	state []sharedQuery // per query of the chunk: lock and published bound
}

// sharedQuery is the state the workers share for one query: the lock that
// guards its heap and the heap's keep bound, published for lock-free
// reading. Each sits on cache lines of its own: the workers update
// different queries at the same time, and lines shared between them would
// bounce from core to core on every update.
type sharedQuery struct {
	mu    sync.Mutex
	bound atomic.Uint64 // math.Float64bits of the keep bound
	_     [cacheLine - 16]byte
}

// cacheLine is the size of a cache line on the machines this is tuned for
// (x86-64 and most arm64).
const cacheLine = 64

func poolQueries(levels []poolLevel, q *Matrix) pooledQueries {
	var p pooledQueries
	if levels == nil {
		return p
	}
	nq := q.Len()
	for li, l := range levels {
		p.data[li] = make([]float32, nq*l.stride)
	}
	p.norm = make([]float64, nq)
	p.errs = make([][2]float64, nq)
	c, f := levels[0].stride, levels[1].stride
	blocks16 := make([]float32, (q.Dim+blockGroup-1)/blockGroup)
	for i := range nq {
		p.norm[i], p.errs[i] = pooledVec(levels, q.Row(i), p.data[0][i*c:(i+1)*c], p.data[1][i*f:(i+1)*f], blocks16, nil)
	}
	return p
}

// pooledBlock is a worker's pooled copy of its current base block and the
// scratch space of scanPooled.
type pooledBlock struct {
	panels []float32  // coarse level, packed into panels (distance.PackPanels)
	fine   []float32  // fine level: rows × stride
	errMax [2]float64 // per level: the largest pooledVec error of the block

	coarse   []float32 // one row's coarse vector, before packing
	blocks16 []float32 // one row's sums of 16

	lb     []float32 // coarse bounds: chunk positions × rows
	fineLB []float32 // fine bounds of a tile: queries × candidates
	dist   []float32 // distances of a tile: queries × candidates
	cand   []uint32  // rows that pass the coarse bound for some query of the tile
	finals []uint32  // rows that pass both bounds for some query of the tile
}

// poolAhead is how many rows ahead fill prefetches: enough to keep several
// rows' cache misses in flight.
const poolAhead = 4

// fill pools base rows [b0, b1).
func (b *pooledBlock) fill(levels []poolLevel, base *Matrix, b0, b1 int) {
	n := b1 - b0
	cl, fl := levels[0], levels[1]
	if len(b.fine) < n*fl.stride {
		b.fine = make([]float32, n*fl.stride)
		b.panels = make([]float32, distance.PanelLen(n, cl.stride))
		b.coarse = make([]float32, cl.stride)
		b.blocks16 = make([]float32, (base.Dim+blockGroup-1)/blockGroup)
	}
	b.errMax = [2]float64{}
	for r := range n {
		var ahead []float32
		if b0+r+poolAhead < b1 {
			ahead = base.Row(b0 + r + poolAhead)
		}
		_, e := pooledVec(levels, base.Row(b0+r), b.coarse, b.fine[r*fl.stride:(r+1)*fl.stride], b.blocks16, ahead)
		b.errMax[0] = max(b.errMax[0], e[0])
		b.errMax[1] = max(b.errMax[1], e[1])
		// Into its panel: component k of row r at k·16 + r%16.
		panel := b.panels[r/distance.PanelWidth*distance.PanelWidth*cl.stride:]
		for k, x := range b.coarse {
			panel[k*distance.PanelWidth+r%distance.PanelWidth] = x
		}
	}
}
