package hnsw_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/smallworld-go/smallworld/hnsw"
)

// points returns a 10×10 grid of 2-D points; key 10·y + x is point (x, y).
func points() ([]uint64, [][]float32) {
	var keys []uint64
	var vecs [][]float32
	for y := range 10 {
		for x := range 10 {
			keys = append(keys, uint64(10*y+x))
			vecs = append(vecs, []float32{float32(x), float32(y)})
		}
	}
	return keys, vecs
}

func ExampleIndex_Search() {
	ix, err := hnsw.New(hnsw.Config{Dim: 2})
	if err != nil {
		panic(err)
	}
	keys, vecs := points()
	for i := range keys {
		if err := ix.Add(keys[i], vecs[i]); err != nil {
			panic(err)
		}
	}
	res, err := ix.Search([]float32{3.1, 4.2}, 3)
	if err != nil {
		panic(err)
	}
	for _, r := range res {
		fmt.Printf("key %d at %.3f\n", r.Key, r.Distance)
	}
	// Output:
	// key 43 at 0.224
	// key 53 at 0.806
	// key 44 at 0.922
}

func ExampleIndex_SearchWith() {
	ix, _ := hnsw.New(hnsw.Config{Dim: 2})
	keys, vecs := points()
	_ = ix.AddBatch(context.Background(), keys, vecs, hnsw.BatchOptions{})

	// Only keys that are multiples of 7: (0,0), (7,0), (4,1), (1,2), ...
	// The scan keeps going until it has three of them.
	res, stats, err := ix.SearchWith([]float32{0, 0}, 3, hnsw.SearchOptions{
		Ef:     4,
		Filter: func(key uint64) bool { return key%7 == 0 },
	})
	if err != nil {
		panic(err)
	}
	for _, r := range res {
		fmt.Println(r.Key)
	}
	fmt.Println(stats.DistanceEvaluations > 0)
	// Output:
	// 0
	// 21
	// 14
	// true
}

func ExampleIndex_AddBatch() {
	ix, _ := hnsw.New(hnsw.Config{Dim: 2, Metric: hnsw.Cosine})
	keys, vecs := points()
	// (0, 0) has no direction: a cosine index cannot hold it, and the batch
	// is rejected before anything is inserted.
	err := ix.AddBatch(context.Background(), keys, vecs, hnsw.BatchOptions{})
	fmt.Println(errors.Is(err, hnsw.ErrZeroVector), ix.Len())

	err = ix.AddBatch(context.Background(), keys[1:], vecs[1:], hnsw.BatchOptions{
		Workers: 2,
		Progress: func(done, total int) {
			if done == total {
				fmt.Println("inserted", done)
			}
		},
	})
	fmt.Println(err, ix.Len())
	// Output:
	// true 0
	// inserted 99
	// <nil> 99
}

func ExampleIndex_Delete() {
	ix, _ := hnsw.New(hnsw.Config{Dim: 2})
	keys, vecs := points()
	_ = ix.AddBatch(context.Background(), keys, vecs, hnsw.BatchOptions{})
	for k := uint64(0); k < 100; k += 2 {
		_ = ix.Delete(k)
	}
	st := ix.Stats()
	fmt.Printf("%d keys, %.0f%% of the graph deleted\n", st.Keys, 100*st.DeletedFraction)

	_ = ix.Vacuum(context.Background())
	st = ix.Stats()
	fmt.Printf("after Vacuum: %d deleted, %d free slots\n", st.Deleted, st.FreeSlots)

	res, _ := ix.Search([]float32{0, 0}, 1)
	fmt.Println(res[0].Key)
	// Output:
	// 50 keys, 50% of the graph deleted
	// after Vacuum: 0 deleted, 50 free slots
	// 1
}

func ExampleIndex_SaveFile() {
	dir, _ := os.MkdirTemp("", "hnsw-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "grid.hnsw")

	ix, _ := hnsw.New(hnsw.Config{Dim: 2, Storage: hnsw.Float16})
	keys, vecs := points()
	_ = ix.AddBatch(context.Background(), keys, vecs, hnsw.BatchOptions{})
	if err := ix.SaveFile(path); err != nil {
		panic(err)
	}
	loaded, err := hnsw.LoadFile(path)
	if err != nil {
		panic(err)
	}
	res, _ := loaded.Search([]float32{9, 9}, 1)
	fmt.Println(loaded.Len(), loaded.Config().Storage, res[0].Key)

	_, err = hnsw.LoadFile(filepath.Join(dir, "missing.hnsw"))
	fmt.Println(errors.Is(err, os.ErrNotExist))
	// Output:
	// 100 f16 99
	// true
}

func ExampleIndex_SearchIter() {
	ix, _ := hnsw.New(hnsw.Config{Dim: 2})
	keys, vecs := points()
	_ = ix.AddBatch(context.Background(), keys, vecs, hnsw.BatchOptions{})
	// Nearest first, as far as the loop goes: a LIMIT in the caller's hands.
	n := 0
	for r, err := range ix.SearchIter([]float32{5, 5.3}, hnsw.SearchOptions{Iterative: hnsw.IterativeStrict}) {
		if err != nil {
			panic(err)
		}
		fmt.Printf("%d %.1f\n", r.Key, r.Distance)
		if n++; n == 2 {
			break
		}
	}
	// Output:
	// 55 0.3
	// 65 0.7
}

func ExampleNew() {
	_, err := hnsw.New(hnsw.Config{Dim: 64, M: 500})
	var ce *hnsw.ConfigError
	if errors.As(err, &ce) {
		fmt.Println(ce.Field, ce.Range)
	}
	fmt.Println(err)
	// Output:
	// M 2..100
	// hnsw: invalid M 500: valid range is 2..100
}

func ExampleIndex_Node() {
	// Inject the levels, as pgcompat does to replay a pgvector build. Node 2
	// had two candidates, fewer than 2·M, so it keeps both, furthest first,
	// as pgvector stores them.
	levels := map[uint64]int{0: 1, 1: 0, 2: 0}
	ix, _ := hnsw.New(hnsw.Config{Dim: 1, M: 2, LevelSource: hnsw.LevelFunc(func(k uint64) int { return levels[k] })})
	for k, x := range []float32{0, 1, 3} {
		_ = ix.Add(uint64(k), []float32{x})
	}
	ep, level, _ := ix.EntryPoint()
	fmt.Println("entry point", ep, "level", level)
	for id := range ix.NodeCount() {
		info, _ := ix.Node(hnsw.NodeID(id))
		fmt.Println(id, info.Keys, info.Level, info.Neighbors)
	}
	// Output:
	// entry point 0 level 1
	// 0 [0] 1 [[1 2] []]
	// 1 [1] 0 [[0 2]]
	// 2 [2] 0 [[0 1]]
}
