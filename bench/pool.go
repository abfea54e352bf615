package bench

import (
	"math"

	"github.com/smallworld-go/smallworld/distance"
)

// Pooled lower bounds for L2.
//
// Split the components into consecutive groups and replace each group by its
// sum divided by √(group size). That is the orthogonal projection onto the
// vectors constant on each group, so the squared distance of two pooled
// vectors never exceeds the squared distance of the originals (Cauchy–
// Schwarz, group by group). With groups of 16 the bound costs a sixteenth of
// a distance and, on image and embedding data, already rules out most of the
// base; groups of 4 rule out most of the rest. Only the survivors of both
// get a full distance.

// poolLevel is one pooling resolution.
type poolLevel struct {
	group int // components per group (the last group may be shorter)
	dim   int // number of groups
}

// poolLevels picks the two pooling resolutions for vectors of dim
// components (none below 64): a coarse one of groups of 16 (8 below 512
// components) and a fine one of a quarter of that. The coarse sums are made
// from the fine ones.
func poolLevels(dim int) []poolLevel {
	if dim < 64 {
		return nil
	}
	g := 16
	if dim < 512 {
		g = 8
	}
	return []poolLevel{{g, (dim + g - 1) / g}, {g / 4, (dim + g/4 - 1) / (g / 4)}}
}

// poolRow writes v pooled at both levels into coarse and fine and returns
// ‖v‖. Sums are float32: a sum of n terms is within gamma_n·Σ|x| of exact,
// which filterPooled allows for through the norms.
func poolRow(levels []poolLevel, v []float32, coarse, fine []float32) float64 {
	gf := levels[1].group
	n := len(v)
	i, g := 0, 0
	switch gf {
	case 4:
		// Two groups per iteration: independent additions keep the
		// floating-point adders busy.
		for ; i+8 <= n; i, g = i+8, g+2 {
			w := v[i : i+8 : i+8]
			fine[g] = (w[0] + w[1]) + (w[2] + w[3])
			fine[g+1] = (w[4] + w[5]) + (w[6] + w[7])
		}
		for ; i+4 <= n; i, g = i+4, g+1 {
			fine[g] = (v[i] + v[i+1]) + (v[i+2] + v[i+3])
		}
	case 2:
		for ; i+4 <= n; i, g = i+4, g+2 {
			w := v[i : i+4 : i+4]
			fine[g] = w[0] + w[1]
			fine[g+1] = w[2] + w[3]
		}
		for ; i+2 <= n; i, g = i+2, g+1 {
			fine[g] = v[i] + v[i+1]
		}
	}
	if i < n {
		var s float32
		for _, x := range v[i:] {
			s += x
		}
		fine[g] = s
	}
	for c := range coarse {
		f := fine[4*c : min(len(fine), 4*c+4)]
		var s float32
		for _, x := range f {
			s += x
		}
		coarse[c] = s
	}
	scale(coarse, levels[0].group, n)
	scale(fine, gf, n)
	return math.Sqrt(float64(distance.Dot(v, v)))
}

// scale divides each group sum by √(group size), the last group being
// shorter when n is not a multiple of group.
func scale(sums []float32, group, n int) {
	inv := float32(1 / math.Sqrt(float64(group)))
	for i := range sums {
		sums[i] *= inv
	}
	if last := n - (len(sums)-1)*group; last != group {
		sums[len(sums)-1] = float32(float64(sums[len(sums)-1]) / float64(inv) / math.Sqrt(float64(last)))
	}
}

// pooledQueries holds every query pooled at both levels.
type pooledQueries struct {
	data [2][]float32 // per level: nq × level.dim
	norm []float64    // ‖q‖
}

func poolQueries(levels []poolLevel, q *Matrix) pooledQueries {
	var p pooledQueries
	if levels == nil {
		return p
	}
	nq := q.Len()
	for li, l := range levels {
		p.data[li] = make([]float32, nq*l.dim)
	}
	p.norm = make([]float64, nq)
	for i := range nq {
		c, f := levels[0].dim, levels[1].dim
		p.norm[i] = poolRow(levels, q.Row(i), p.data[0][i*c:(i+1)*c], p.data[1][i*f:(i+1)*f])
	}
	return p
}

// pooledBlock is a worker's pooled copy of its current base block.
type pooledBlock struct {
	data    [2][]float32
	norms   []float32 // ‖x‖ of each row
	maxNorm float64   // the largest of them
}

func (b *pooledBlock) fill(levels []poolLevel, base *Matrix, b0, b1 int) {
	n := b1 - b0
	c, f := levels[0].dim, levels[1].dim
	if len(b.data[0]) < n*c {
		b.data[0] = make([]float32, n*c)
		b.data[1] = make([]float32, n*f)
		b.norms = make([]float32, n)
	}
	b.maxNorm = 0
	for r := range n {
		nx := poolRow(levels, base.Row(b0+r), b.data[0][r*c:(r+1)*c], b.data[1][r*f:(r+1)*f])
		b.norms[r] = float32(nx)
		b.maxNorm = max(b.maxNorm, nx)
	}
}

// pooledThreshold returns the largest float32 pooled bound lb that may
// still belong to a vector within bound of the query.
//
// The pooled components are float32 sums: each is within gamma_g·‖x_G‖
// (plus a rounding of the scale) of the exact projection, so the pooled
// difference vector is off by at most e = (gamma_g + 3u)(‖x‖+‖q‖) in norm,
// and the kernel's sum of squares by gamma relative. With all of that
// against it, a vector is out of reach when √(lb(1−gamma)) − e > √bound,
// that is when lb > (√bound + e)²/(1−gamma). xnorm is the largest ‖x‖ of
// the block, so one threshold serves every row of it.
func pooledThreshold(bound, xnorm, qnorm, gamma, gammaPool float64) float32 {
	e := 1.01 * (gammaPool + 3*u) * (xnorm + qnorm)
	r := math.Sqrt(bound) + e
	t := r * r / (1 - gamma) * (1 + 1e-12)
	if t >= math.MaxFloat32 {
		return float32(math.Inf(1))
	}
	return math.Nextafter32(float32(t), float32(math.Inf(1)))
}

// filterBelow keeps the ids whose value in out is at most thr. It writes
// every id and advances only over the kept ones, so the compiler can use a
// conditional move instead of a branch the data would make unpredictable.
func filterBelow(ids []uint32, out []float32, thr float32) []uint32 {
	n := 0
	out = out[:len(ids)]
	for i, id := range ids {
		ids[n] = id
		if out[i] <= thr {
			n++
		}
	}
	return ids[:n]
}

// filterWithin keeps the ids whose value in v lies in [lo, hi], widened by
// a float32 ulp each way; branch-free like filterBelow.
func filterWithin(ids []uint32, v []float32, lo, hi float32) []uint32 {
	lo = math.Nextafter32(lo, float32(math.Inf(-1)))
	hi = math.Nextafter32(hi, float32(math.Inf(1)))
	n := 0
	for _, id := range ids {
		ids[n] = id
		x := v[id]
		if x >= lo && x <= hi {
			n++
		}
	}
	return ids[:n]
}

// pooledPass runs the pooled levels for one query over a block, returning
// the surviving ids.
func (j *truthJob) pooledPass(w *worker, qi int, ids []uint32, bound float64) []uint32 {
	// First the cheapest bound of all, ‖x−q‖ ≥ |‖x‖−‖q‖|: keep the rows
	// whose norm lies within √bound of the query's, widened by the float32
	// error of the norms (gamma_d of each, relative).
	qn := j.pooledQ.norm[qi]
	r := math.Sqrt(bound) + 1.01*float64(j.dim+4)*u*(qn+w.pooled.maxNorm)
	ids = filterWithin(ids, w.pooled.norms, float32(qn-r), float32(qn+r))
	for li, l := range j.levels {
		if len(ids) == 0 {
			return ids
		}
		q := j.pooledQ.data[li][qi*l.dim : (qi+1)*l.dim]
		out := w.out[:len(ids)]
		distance.L2SquaredBatch(q, w.pooled.data[li], l.dim, ids, out)
		thr := pooledThreshold(bound, w.pooled.maxNorm, j.pooledQ.norm[qi], float64(l.dim+4)*u, float64(l.group+2)*u)
		ids = filterBelow(ids, out, thr)
	}
	return ids
}
