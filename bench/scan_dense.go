package bench

import (
	"math"

	"github.com/smallworld-go/smallworld/distance"
)

// The inner-product and cosine scan of a base block (scanDense): no bound
// prunes those metrics cheaply, so every distance is computed, and the
// block kernel computes them fastest: one DotBlock call scores the whole
// chunk of queries against the whole block, each row loaded once for
// several queries and each query for several rows (about three times the
// rate of the one-query batch kernel). The candidates go to the chunk's
// shared heaps, as in scanPooled.

// dense reports whether the job scans with scanDense.
func (j *truthJob) dense() bool {
	return j.metric == InnerProduct || j.metric == Cosine
}

// scanDense runs queries [q0, q1) against base rows [b0, b1) for inner
// product or cosine distance.
func (j *truthJob) scanDense(w *worker, q0, q1, b0, b1 int) {
	n, nc, dim := b1-b0, q1-q0, j.dim
	pb := &w.pooled
	dots := grow(pb.lb, nc*n)
	pb.lb = dots
	distance.DotBlock(j.queries.Data[q0*dim:q1*dim], dim, j.base.Data[b0*dim:b1*dim], dim, nil, dots)
	ids := growIDs(pb.cand, n)
	pb.cand = ids
	dist := grow(pb.dist, n)
	pb.dist = dist
	xn := j.baseNorm[b0:b1]
	for qc := range nc {
		qi := q0 + qc
		bound := math.Float64frombits(j.pooledQ.cur.state[qc].bound.Load())
		row := dots[qc*n : (qc+1)*n]
		m := 0
		if j.metric == InnerProduct {
			for r, v := range row {
				d := -v
				ids[m], dist[m] = uint32(r), d
				m += b2i(!(float64(d) > bound))
			}
		} else {
			// As scanBlock: the distance from the float32 dot product
			// and norms; a zero vector gives NaN, which ranks last but is
			// kept while it might still be needed.
			qn := j.qNorm[qi]
			for r, v := range row {
				d := 1 - v/(qn*xn[r])
				ids[m], dist[m] = uint32(r), d
				m += b2i(!(float64(d) > bound))
			}
		}
		if m > 0 {
			j.offerRows(qc, b0, ids[:m], dist[:m])
		}
	}
}
