package hnsw

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// nodesInUse counts live graph nodes.
func nodesInUse(ix *Index) int { return ix.Stats().Nodes }

func TestMergeDuplicatesLikePgvector(t *testing.T) {
	base := manifoldVectors(71, 150, 8)
	build := func(efc int) *Index {
		ix, err := New(Config{Dim: 8, M: 4, EfConstruction: efc, MergeDuplicates: true})
		require.NoError(t, err)
		for i, v := range base {
			require.NoError(t, ix.Add(uint64(i), v))
		}
		for i, v := range base {
			require.NoError(t, ix.Add(uint64(1000+i), v))
		}
		return ix
	}
	// efC = 2m: a list with ≤ lm candidates is stored furthest first, so the
	// duplicate is never the first neighbour and nothing merges.
	ix := build(8)
	assert.Equal(t, 300, nodesInUse(ix))
	assert.Equal(t, 300, ix.Len())
	// efC > 2m: every duplicate merges into its original.
	ix = build(16)
	assert.Equal(t, 150, nodesInUse(ix))
	assert.Equal(t, 300, ix.Len())
	for i := range base {
		a, ok := ix.NodeOf(uint64(i))
		require.True(t, ok)
		b, ok := ix.NodeOf(uint64(1000 + i))
		require.True(t, ok)
		require.Equal(t, a, b)
		info, err := ix.Node(a)
		require.NoError(t, err)
		assert.Equal(t, []uint64{uint64(i), uint64(1000 + i)}, info.Keys)
	}
}

func TestMergeDuplicatesCapsKeysPerNode(t *testing.T) {
	ix, err := New(Config{Dim: 3, MergeDuplicates: true})
	require.NoError(t, err)
	v := []float32{1, 2, 3}
	for i := range 16 {
		require.NoError(t, ix.Add(uint64(i), v))
	}
	assert.Equal(t, 2, nodesInUse(ix))
	assert.Equal(t, 16, ix.Len())
	var sizes []int
	for id := range ix.NodeCount() {
		info, err := ix.Node(NodeID(id))
		require.NoError(t, err)
		sizes = append(sizes, len(info.Keys))
	}
	assert.Equal(t, []int{10, 6}, sizes)

	// An element's keys come out last-added first, all at one distance.
	res, err := ix.Search(v, 16)
	require.NoError(t, err)
	require.Len(t, res, 16)
	var keys []uint64
	for _, r := range res {
		keys = append(keys, r.Key)
		assert.Zero(t, r.Distance)
	}
	// Two runs, one per node, each last-added first.
	a := []uint64{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}
	b := []uint64{15, 14, 13, 12, 11, 10}
	if keys[0] == 9 {
		assert.Equal(t, append(a, b...), keys)
	} else {
		assert.Equal(t, append(b, a...), keys)
	}
	first, _ := ix.NodeOf(0)

	// Deleting merged keys keeps the others, in order; the node dies with
	// its last key.
	require.NoError(t, ix.Delete(0))
	require.NoError(t, ix.Delete(5))
	info, _ := ix.Node(first)
	assert.Equal(t, []uint64{1, 2, 3, 4, 6, 7, 8, 9}, info.Keys)
	assert.False(t, info.Deleted)
	assert.False(t, ix.Contains(0))
	assert.True(t, ix.Contains(1))
	for _, k := range []uint64{1, 2, 3, 4, 6, 7, 8, 9} {
		require.NoError(t, ix.Delete(k))
	}
	info, _ = ix.Node(first)
	assert.True(t, info.Deleted)
	assert.Equal(t, 6, ix.Len())
	assert.Equal(t, 1, ix.Stats().Deleted)
	res, err = ix.Search(v, 16)
	require.NoError(t, err)
	assert.Len(t, res, 6)

	// MaxKeysPerNode = 1 disables merging.
	one, err := New(Config{Dim: 3, MergeDuplicates: true, MaxKeysPerNode: 1})
	require.NoError(t, err)
	for i := range 4 {
		require.NoError(t, one.Add(uint64(i), v))
	}
	assert.Equal(t, 4, nodesInUse(one))
}

func TestNoMergeWithoutOption(t *testing.T) {
	ix, err := New(Config{Dim: 2})
	require.NoError(t, err)
	for i := range 5 {
		require.NoError(t, ix.Add(uint64(i), []float32{1, 1}))
	}
	assert.Equal(t, 5, nodesInUse(ix))
}
