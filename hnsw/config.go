package hnsw

import (
	"fmt"
	"math"
)

// Metric is the distance an index orders its vectors by.
type Metric uint8

// The metrics an index supports. Internally every metric is turned into a
// "smaller is closer" float32, exactly as pgvector's HNSW operator classes do.
const (
	// L2 is the Euclidean distance. The graph works on the squared
	// distance; Result.Distance reports the square root.
	L2 Metric = iota
	// InnerProduct orders by the negative inner product −a·b (pgvector's
	// <#> operator), so the largest inner product comes first.
	InnerProduct
	// Cosine is the cosine distance 1 − cos(a, b). Vectors and queries are
	// normalised to unit length and compared by negative inner product, as
	// pgvector's vector_cosine_ops does; zero vectors are rejected.
	Cosine
	// L1 is the Manhattan (taxicab) distance Σ|a[i]−b[i]|.
	L1
)

// String returns the metric's lower-case name: "l2", "ip", "cosine" or "l1".
func (m Metric) String() string {
	switch m {
	case L2:
		return "l2"
	case InnerProduct:
		return "ip"
	case Cosine:
		return "cosine"
	case L1:
		return "l1"
	}
	return fmt.Sprintf("Metric(%d)", uint8(m))
}

// ParseMetric parses a metric name as String writes it. It also accepts the
// common aliases "euclidean", "inner_product", "dot", "angular" and
// "manhattan".
func ParseMetric(s string) (Metric, error) {
	switch s {
	case "l2", "L2", "euclidean":
		return L2, nil
	case "ip", "IP", "inner_product", "innerproduct", "dot":
		return InnerProduct, nil
	case "cosine", "angular":
		return Cosine, nil
	case "l1", "L1", "manhattan", "taxicab":
		return L1, nil
	}
	return 0, &ConfigError{Field: "Metric", Value: s, Range: "l2, ip, cosine or l1"}
}

// Storage is the element type of the stored vectors.
type Storage uint8

// The storage formats.
const (
	// Float32 stores vectors exactly as given.
	Float32 Storage = iota
	// Float16 stores IEEE binary16 values (pgvector's halfvec), halving
	// the vector memory. Values round to nearest-even; a component whose
	// magnitude rounds past 65504 is rejected. Distances are computed in
	// float32 from the widened halves.
	Float16
)

// String returns "f32" or "f16".
func (s Storage) String() string {
	switch s {
	case Float32:
		return "f32"
	case Float16:
		return "f16"
	}
	return fmt.Sprintf("Storage(%d)", uint8(s))
}

// ParseStorage parses "f32"/"float32" or "f16"/"float16"/"half"/"halfvec".
func ParseStorage(s string) (Storage, error) {
	switch s {
	case "f32", "float32", "vector":
		return Float32, nil
	case "f16", "float16", "half", "halfvec":
		return Float16, nil
	}
	return 0, &ConfigError{Field: "Storage", Value: s, Range: "f32 or f16"}
}

// Heuristic chooses how a node's neighbours are selected from the candidates
// a construction search found.
type Heuristic uint8

// The neighbour-selection variants.
const (
	// HeuristicKeepPruned is pgvector's variant (the default): the paper's
	// heuristic without extended candidates and with kept pruned
	// connections, so every list is filled up to its capacity (M on upper
	// layers, 2·M on layer 0). When a full list receives a back-link, the
	// heuristic is re-run over the list plus the newcomer and the one
	// candidate it leaves out is overwritten in place by the newcomer.
	HeuristicKeepPruned Heuristic = iota
	// HeuristicHNSWLib is hnswlib's variant: a new node links to at most M
	// nodes on every layer (layer 0 included), pruned candidates are
	// dropped, and a full list that receives a back-link is rewritten with
	// the heuristic's survivors, so lists may shrink. Layer-0 lists still
	// hold up to 2·M back-links.
	HeuristicHNSWLib
)

// String returns "keep-pruned" or "hnswlib".
func (h Heuristic) String() string {
	switch h {
	case HeuristicKeepPruned:
		return "keep-pruned"
	case HeuristicHNSWLib:
		return "hnswlib"
	}
	return fmt.Sprintf("Heuristic(%d)", uint8(h))
}

// LevelSource decides the top layer of each inserted vector. The default draws
// ⌊−ln(U)/ln(M)⌋ from a PRNG seeded with Config.Seed; pgcompat injects the
// levels a real pgvector index used so that it rebuilds the same graph.
//
// Level is called once per Add, before the insert, with the key being added
// (also for vectors later merged into a duplicate, as pgvector draws a level
// for every tuple). AddBatch calls it for every key, in slice order, before
// any insert starts. It must return a level in 0..MaxLevel(M); it may be
// called from several goroutines at once if Add is.
type LevelSource interface {
	Level(key uint64) int
}

// LevelFunc adapts a function to LevelSource.
type LevelFunc func(key uint64) int

// Level returns f(key).
func (f LevelFunc) Level(key uint64) int { return f(key) }

// DistanceFunc computes a "smaller is closer" distance between two float32
// vectors of the index's dimension.
type DistanceFunc func(a, b []float32) float32

// Defaults and limits of Config's fields.
const (
	DefaultM              = 16
	DefaultEfConstruction = 64
	DefaultEfSearch       = 40
	DefaultMaxKeysPerNode = 10

	MinM      = 2
	MaxM      = 100
	MaxDim    = 65536
	MaxEf     = 10000
	MaxKeys   = 255
	maxLevels = 63
)

// Config describes an index. The zero value of every field except Dim means
// its default.
type Config struct {
	// Dim is the number of components of every vector (1..65536). Required.
	Dim int
	// M is the number of links per node on the upper layers; layer 0 holds
	// 2·M (2..100, default 16).
	M int
	// EfConstruction is the size of the candidate list searched for each
	// insert (1..10000, default 64).
	EfConstruction int
	// EfSearch is the default size of the candidate list of a search
	// (1..10000, default 40). A search for k > EfSearch results uses k.
	EfSearch int
	// Metric is the distance (default L2).
	Metric Metric
	// Storage is the vector element type (default Float32).
	Storage Storage
	// Seed seeds the level generator. Equal seeds and equal serial insert
	// sequences give identical graphs. Zero is a valid seed.
	Seed uint64
	// Heuristic is the neighbour-selection variant (default pgvector's).
	Heuristic Heuristic
	// LevelSource, when non-nil, replaces the seeded level generator.
	LevelSource LevelSource
	// MergeDuplicates makes an insert whose vector is bit-identical to an
	// already indexed neighbour attach its key to that node instead of
	// creating a new one, as pgvector does (see the package doc).
	MergeDuplicates bool
	// MaxKeysPerNode caps the keys one merged node carries (1..255,
	// default 10, pgvector's limit). Only used with MergeDuplicates.
	MaxKeysPerNode int
	// Capacity, when positive, pre-allocates room for that many nodes.
	Capacity int
	// Distance, when non-nil, replaces the metric's SIMD kernels for every
	// distance the index computes (build and search). It receives the
	// vectors as the index stores them: normalised for Cosine, widened
	// from float16 for Float16 storage, and must return the metric's
	// internal "smaller is closer" value: squared L2, negative inner
	// product (also for Cosine), or L1. It exists for bit-exact
	// reproduction of another implementation's arithmetic (pgcompat uses a
	// sequential float32 reference) and is much slower than the kernels.
	Distance DistanceFunc
}

// MaxLevel returns the highest level a node may have for a given M: pgvector's
// cap, min(⌊⌊8152/6⌋/M⌋ − 2, 63), which keeps a node's neighbour lists within
// one 8 kB page. It is 63 for M ≤ 20 and 11 for M = 100.
func MaxLevel(m int) int {
	if m < 1 {
		return maxLevels
	}
	return min((8152/6)/m-2, maxLevels)
}

// withDefaults returns c with zero fields replaced by their defaults.
func (c Config) withDefaults() Config {
	if c.M == 0 {
		c.M = DefaultM
	}
	if c.EfConstruction == 0 {
		c.EfConstruction = DefaultEfConstruction
	}
	if c.EfSearch == 0 {
		c.EfSearch = DefaultEfSearch
	}
	if c.MaxKeysPerNode == 0 {
		c.MaxKeysPerNode = DefaultMaxKeysPerNode
	}
	return c
}

// validate checks a config that already has its defaults filled in.
func (c Config) validate() error {
	switch {
	case c.Dim < 1 || c.Dim > MaxDim:
		return &ConfigError{Field: "Dim", Value: c.Dim, Range: fmt.Sprintf("1..%d", MaxDim)}
	case c.M < MinM || c.M > MaxM:
		return &ConfigError{Field: "M", Value: c.M, Range: fmt.Sprintf("%d..%d", MinM, MaxM)}
	case c.EfConstruction < 1 || c.EfConstruction > MaxEf:
		return &ConfigError{Field: "EfConstruction", Value: c.EfConstruction, Range: fmt.Sprintf("1..%d", MaxEf)}
	case c.EfSearch < 1 || c.EfSearch > MaxEf:
		return &ConfigError{Field: "EfSearch", Value: c.EfSearch, Range: fmt.Sprintf("1..%d", MaxEf)}
	case c.Metric > L1:
		return &ConfigError{Field: "Metric", Value: c.Metric, Range: "L2, InnerProduct, Cosine or L1"}
	case c.Storage > Float16:
		return &ConfigError{Field: "Storage", Value: c.Storage, Range: "Float32 or Float16"}
	case c.Heuristic > HeuristicHNSWLib:
		return &ConfigError{Field: "Heuristic", Value: c.Heuristic, Range: "HeuristicKeepPruned or HeuristicHNSWLib"}
	case c.MaxKeysPerNode < 1 || c.MaxKeysPerNode > MaxKeys:
		return &ConfigError{Field: "MaxKeysPerNode", Value: c.MaxKeysPerNode, Range: fmt.Sprintf("1..%d", MaxKeys)}
	case c.Capacity < 0 || int64(c.Capacity) > maxNodes:
		return &ConfigError{Field: "Capacity", Value: c.Capacity, Range: fmt.Sprintf("0..%d", int64(maxNodes))}
	}
	return nil
}

// levelMultiplier is mL = 1/ln(M) of the paper.
func levelMultiplier(m int) float64 { return 1 / math.Log(float64(m)) }
