package tune

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPickPrefersRecallAmongEquallyCheap(t *testing.T) {
	r := func(evals, recall float64, ef int) *Result {
		return &Result{EfSearch: ef, DistanceEvals: Stat{Mean: evals}, Recall: Stat{Mean: recall, Min: recall}}
	}
	a, b, c := r(241, 0.961, 20), r(245, 0.969, 20), r(300, 0.99, 40)
	assert.Same(t, b, pick(ObjectiveQueryCost, []*Result{a, b, c}), "4 evaluations more is the same cost, with more recall")
	assert.Same(t, a, pick(ObjectiveQueryCost, []*Result{a, c}))
	assert.Nil(t, pick(ObjectiveQueryCost, nil))
	small, big := r(500, 0.96, 40), r(300, 0.96, 40)
	small.IndexBytes, big.IndexBytes = 1000, 2000
	assert.Same(t, small, pick(ObjectiveSize, []*Result{big, small}))
	assert.Same(t, big, pick(ObjectiveQueryCost, []*Result{big, small}))
}
