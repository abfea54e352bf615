package hnsw

import (
	"syscall"
	"testing"
	"time"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestBuildProfileDev(t *testing.T) {
	base := readFvecs(t, "/work/shared/datasets/siftsmall/siftsmall_base.fvecs")
	for _, h := range []Heuristic{HeuristicKeepPruned, HeuristicHNSWLib} {
		for r := 0; r < 3; r++ {
			c0 := cpuTime()
			t0 := time.Now()
			ix, _ := New(Config{Dim: 128, Heuristic: h})
			for i, v := range base {
				ix.Add(uint64(i), v)
			}
			c := cpuTime() - c0
			t.Logf("%v wall %.0f/s cpu %.0f/s dists per insert %.0f", h, float64(len(base))/time.Since(t0).Seconds(), float64(len(base))/c.Seconds(), float64(ix.Stats().DistanceEvaluations)/float64(len(base)))
		}
	}
}
