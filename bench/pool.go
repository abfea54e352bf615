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
	data [2][]float32
	norm []float64 // ‖x‖ of each row
}

func (b *pooledBlock) fill(levels []poolLevel, base *Matrix, b0, b1 int) {
	n := b1 - b0
	c, f := levels[0].dim, levels[1].dim
	if len(b.norm) < n {
		b.data[0] = make([]float32, n*c)
		b.data[1] = make([]float32, n*f)
		b.norm = make([]float64, n)
	}
	for r := range n {
		b.norm[r] = poolRow(levels, base.Row(b0+r), b.data[0][r*c:(r+1)*c], b.data[1][r*f:(r+1)*f])
	}
}

// filterPooled keeps the ids whose pooled lower bound may be within bound.
//
// The pooled components are float32 sums: each is within gamma_g·‖x_G‖
// (plus a rounding of the scale) of the exact projection, so the pooled
// difference vector is off by at most e = (gamma_g + 3u)(‖x‖+‖q‖) in norm,
// and the kernel's sum of squares is off by gamma relative. An id is dropped
// only when, with all that against it, the bound still exceeds bound:
// lb(1−gamma) − bound > 2e·√lb, tested squared to avoid the root.
func filterPooled(ids []uint32, out []float32, xnorm []float64, qnorm, bound, gamma, gammaPool float64) []uint32 {
	kept := ids[:0]
	for i, id := range ids {
		lb := float64(out[i])
		y := lb*(1-gamma) - bound
		if y > 0 {
			a := 2.02 * (gammaPool + 3*u) * (xnorm[id] + qnorm) * (1 + gamma)
			if y*y > a*a*lb {
				continue
			}
		}
		kept = append(kept, id)
	}
	return kept
}

// pooledPass runs the pooled levels for one query over a block, returning
// the surviving ids.
func (j *truthJob) pooledPass(w *worker, qi int, ids []uint32, bound float64) []uint32 {
	for li, l := range j.levels {
		if len(ids) == 0 {
			return ids
		}
		q := j.pooledQ.data[li][qi*l.dim : (qi+1)*l.dim]
		out := w.out[:len(ids)]
		distance.L2SquaredBatch(q, w.pooled.data[li], l.dim, ids, out)
		gamma := float64(l.dim+4) * u
		ids = filterPooled(ids, out, w.pooled.norm, j.pooledQ.norm[qi], bound, gamma, float64(l.group+2)*u)
	}
	return ids
}
