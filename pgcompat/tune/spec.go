package tune

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/smallworld-go/smallworld/bench"
	"github.com/smallworld-go/smallworld/pgcompat"
)

// Defaults of Spec's fields.
const (
	DefaultOpClass      = "vector_l2_ops"
	DefaultK            = 10
	DefaultTargetRecall = 0.95
	DefaultMaxQueries   = 1000
	DefaultRepeats      = 1
	// DefaultTable and DefaultColumn name the table and column in the SQL
	// of a recommendation when the data did not come from a table.
	DefaultTable  = "items"
	DefaultColumn = "embedding"
	// DefaultMaintenanceWorkMem is PostgreSQL's default, 64MB, in kB.
	DefaultMaintenanceWorkMem = 65536
)

// BuildParams are the options of one HNSW index build: WITH (m = M,
// ef_construction = EfConstruction).
type BuildParams struct {
	M              int `json:"m"`
	EfConstruction int `json:"ef_construction"`
}

// String formats the options as "m=16 efc=64".
func (b BuildParams) String() string {
	return fmt.Sprintf("m=%d efc=%d", b.M, b.EfConstruction)
}

// Check validates the options with pgvector's own checks and messages:
// the reloption ranges (m 2..100, ef_construction 4..1000), then the
// build-time rule ef_construction ≥ 2·m. The error is a *pgcompat.Error.
func (b BuildParams) Check() error {
	opts, err := pgcompat.ParseHNSWOptions([]pgcompat.RelOption{
		{Name: "m", Value: strconv.Itoa(b.M), HasValue: true},
		{Name: "ef_construction", Value: strconv.Itoa(b.EfConstruction), HasValue: true},
	})
	if err != nil {
		return err
	}
	return opts.CheckBuild()
}

// defaultBuilds is the grid Run sweeps when Spec.Builds is empty. It covers
// what practitioners use, m from 8 to 48 and ef_construction from 2·m to
// about 12·m, without the full cross product, whose big-m, big-ef corner costs
// more than the rest together and rarely wins:
//
//   - ef_construction = 2·m for m = 8, 16, 32: the smallest value pgvector
//     accepts. Then a layer-0 candidate list never exceeds 2·m and pgvector
//     keeps it whole, without the neighbour-selection heuristic, which can
//     hurt recall on clustered data; the sweep shows whether it does here.
//   - 4·m for every m, including pgvector's default (16, 64).
//   - 8·m and about 12·m for small m, where builds are cheap and a better
//     graph most often pays: (8, 64), (8, 96), (16, 128), (16, 200), the last
//     the "high quality" setting of many guides and of ann-benchmarks runs.
//   - (24, 100), a common production choice between m = 16 and 32.
//   - (32, 128), (48, 192): the large graphs that high recall targets on
//     hard data need.
var defaultBuilds = []BuildParams{
	{8, 16}, {8, 32}, {8, 64}, {8, 96},
	{16, 32}, {16, 64}, {16, 128}, {16, 200},
	{24, 100},
	{32, 64}, {32, 128},
	{48, 192},
}

// defaultEfSearch is the hnsw.ef_search grid Run sweeps by default: pgvector's
// range of practice, 10 to 400, dense where recall changes fastest.
var defaultEfSearch = []int{10, 20, 30, 40, 60, 80, 100, 150, 200, 300, 400}

// DefaultBuilds returns the (m, ef_construction) pairs swept by default.
func DefaultBuilds() []BuildParams { return slices.Clone(defaultBuilds) }

// DefaultEfSearch returns the hnsw.ef_search values swept by default.
func DefaultEfSearch() []int { return slices.Clone(defaultEfSearch) }

// DefaultMs is the list of m values a grid uses when only ef_construction
// values are given.
func DefaultMs() []int { return []int{8, 16, 24, 32, 48} }

// EfConstruction is an ef_construction value in a grid: either absolute
// (Value) or a multiple of m (Factor, written "4x").
type EfConstruction struct {
	Value  int
	Factor float64
}

// DefaultEfConstructionFactors are the multiples of m a grid uses when only
// m values are given: 2·m (the minimum), 4·m, 8·m and 12·m.
func DefaultEfConstructionFactors() []EfConstruction {
	return []EfConstruction{{Factor: 2}, {Factor: 4}, {Factor: 8}, {Factor: 12}}
}

// ParseEfConstruction parses "64" (absolute) or "4x" (4·m).
func ParseEfConstruction(s string) (EfConstruction, error) {
	s = strings.TrimSpace(s)
	if f, ok := strings.CutSuffix(strings.ToLower(s), "x"); ok {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || !(v > 0) || math.IsInf(v, 0) {
			return EfConstruction{}, specErrorf("bad ef_construction multiple %q (want e.g. 4x)", s)
		}
		return EfConstruction{Factor: v}, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return EfConstruction{}, specErrorf("bad ef_construction %q (want an integer, or a multiple of m such as 4x)", s)
	}
	return EfConstruction{Value: v}, nil
}

// For returns the value for a given m: Value, or round(Factor·m).
func (e EfConstruction) For(m int) int {
	if e.Factor > 0 {
		return int(math.Round(e.Factor * float64(m)))
	}
	return e.Value
}

// String formats the value as ParseEfConstruction reads it.
func (e EfConstruction) String() string {
	if e.Factor > 0 {
		return strconv.FormatFloat(e.Factor, 'g', -1, 64) + "x"
	}
	return strconv.Itoa(e.Value)
}

// Grid returns the cross product of ms and efcs, in that order, leaving out
// the pairs pgvector refuses to build because ef_construction < 2·m (they
// are returned in skipped) and repeated pairs. Pairs outside pgvector's
// ranges are kept, for Run to report.
func Grid(ms []int, efcs []EfConstruction) (builds, skipped []BuildParams) {
	seen := map[BuildParams]bool{}
	for _, m := range ms {
		for _, e := range efcs {
			b := BuildParams{M: m, EfConstruction: e.For(m)}
			if seen[b] {
				continue
			}
			seen[b] = true
			if b.EfConstruction < 2*m {
				skipped = append(skipped, b)
				continue
			}
			builds = append(builds, b)
		}
	}
	return builds, skipped
}

// Objective is what "cheapest" means when choosing among the configurations
// that meet the targets.
type Objective int

const (
	// ObjectiveQueryCost (the default) minimises distance evaluations per
	// query: the work every query does, which latency follows, and which,
	// unlike a timing, does not depend on the machine or its load.
	ObjectiveQueryCost Objective = iota
	// ObjectiveLatency minimises the in-process p50 latency.
	ObjectiveLatency
	// ObjectiveSize minimises the index size on disk.
	ObjectiveSize
	// ObjectiveBuild minimises the build work (build time measured here).
	ObjectiveBuild
)

var objectiveNames = []string{"query-cost", "latency", "size", "build"}

// String returns the objective's name as ParseObjective reads it.
func (o Objective) String() string {
	if o >= 0 && int(o) < len(objectiveNames) {
		return objectiveNames[o]
	}
	return "Objective(" + strconv.Itoa(int(o)) + ")"
}

// ParseObjective parses "query-cost" (or "evals"), "latency", "size" or
// "build".
func ParseObjective(s string) (Objective, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "query-cost", "evals", "distance-evaluations", "":
		return ObjectiveQueryCost, nil
	case "latency":
		return ObjectiveLatency, nil
	case "size", "index-size":
		return ObjectiveSize, nil
	case "build", "build-time":
		return ObjectiveBuild, nil
	}
	return 0, specErrorf("unknown objective %q (want query-cost, latency, size or build)", s)
}

// MarshalText implements encoding.TextMarshaler.
func (o Objective) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (o *Objective) UnmarshalText(b []byte) error {
	v, err := ParseObjective(string(b))
	if err == nil {
		*o = v
	}
	return err
}

// Spec describes a tuning run. Only Base is required; every other zero field
// takes its default.
type Spec struct {
	// Base holds the vectors to index, one per row, in the order the table
	// holds them (a pgvector build inserts rows in heap order).
	Base *bench.Matrix
	// Queries holds the query vectors. When nil, HoldOut rows of Base,
	// chosen at random with Seed, are taken out of it and used instead.
	Queries *bench.Matrix
	// HoldOut is how many base rows to hold out as queries when Queries is
	// nil: 0 means min(MaxQueries, N/10), at least 1.
	HoldOut int
	// MaxQueries caps the queries used: a larger query set is sampled at
	// random with Seed. 0 means DefaultMaxQueries; negative means no cap.
	MaxQueries int
	// Seed makes the run reproducible: the query sample and the level
	// draws of every build derive from it.
	Seed uint64

	// OpClass is the index's operator class, any vector_* or halfvec_* one
	// (default vector_l2_ops).
	OpClass string
	// K is the query's LIMIT (default 10); recall is recall@K.
	K int
	// Builds lists the (m, ef_construction) pairs to build (default
	// DefaultBuilds; see Grid for a cross product).
	Builds []BuildParams
	// EfSearch lists the hnsw.ef_search values to scan with (default
	// DefaultEfSearch).
	EfSearch []int
	// Repeats is the number of builds per pair, each with its own random
	// levels (default 1). With more, results report mean and spread.
	Repeats int
	// Workers is the number of builds run at once (default GOMAXPROCS).
	// Each build is serial, as pgvector's in-memory build is.
	Workers int
	// CacheDir, if set, caches ground truth on disk (see bench.GroundTruth).
	CacheDir string

	// TargetRecall is the recall@K the recommendation must reach in every
	// repeat (default 0.95).
	TargetRecall float64
	// MaxIndexSize, MaxBuildMemory and MaxLatency, when positive, bound the
	// recommendation: predicted index bytes, maintenance_work_mem needed
	// for an in-memory build (bytes), and in-process p99 query latency.
	MaxIndexSize   int64
	MaxBuildMemory int64
	MaxLatency     time.Duration
	// Objective is what the recommendation minimises (default query cost).
	Objective Objective

	// Rows is the production table's row count, for the index size, build
	// memory and planner predictions when the data is a sample of it
	// (default: the number of base vectors). Recall is always measured on
	// the data given.
	Rows int64
	// MaintenanceWorkMem is the maintenance_work_mem (kB) the build memory
	// check reports against (default 65536, PostgreSQL's 64MB).
	MaintenanceWorkMem int
	// Table and Column name the table and the vector column in the
	// recommended SQL (default "items" and "embedding").
	Table, Column string
	// KeyBytes is the size of the table's key column, for the heap size
	// the planner sees: 4 (integer), 8 (bigint; the default when 0) or −1
	// for a table without one.
	KeyBytes int

	// Progress, when set, receives progress reports. Calls never overlap.
	Progress func(Progress)

	// engine replaces the index implementation (tests).
	engine engine
}

// Phase names a stage of a run in Progress reports.
type Phase string

// The phases of a run.
const (
	PhaseTruth Phase = "ground truth"
	PhaseSweep Phase = "builds"
)

// Progress reports how far a phase has got. For PhaseTruth, Done and Total
// count query × base pairs; for PhaseSweep they count vectors inserted over
// all builds (queries are not counted), and Running lists the builds in
// progress.
type Progress struct {
	Phase       Phase
	Done, Total int64
	// BuildsDone and Builds count finished and planned builds (PhaseSweep).
	BuildsDone, Builds int
	// Running describes the builds in progress, e.g. "m=16 efc=64 #1".
	Running []string
}

// normalized returns a copy of s with defaults filled in, or an error for
// fields out of range. It does not look at the data.
func (s Spec) normalized() (Spec, error) {
	if s.Base == nil {
		return s, fmt.Errorf("%w: Spec.Base is nil", ErrEmpty)
	}
	if s.OpClass == "" {
		s.OpClass = DefaultOpClass
	}
	if s.K == 0 {
		s.K = DefaultK
	}
	if s.K < 1 {
		return s, specErrorf("K (the LIMIT) must be at least 1, got %d", s.K)
	}
	if len(s.Builds) == 0 {
		s.Builds = DefaultBuilds()
	} else {
		s.Builds = slices.Clone(s.Builds)
	}
	seen := map[BuildParams]bool{}
	builds := s.Builds[:0]
	for _, b := range s.Builds {
		if err := b.Check(); err != nil {
			return s, fmt.Errorf("%w: %v: %w", ErrInvalidSpec, b, err)
		}
		if !seen[b] {
			seen[b] = true
			builds = append(builds, b)
		}
	}
	s.Builds = builds
	if len(s.EfSearch) == 0 {
		s.EfSearch = DefaultEfSearch()
	} else {
		s.EfSearch = slices.Clone(s.EfSearch)
	}
	slices.Sort(s.EfSearch)
	s.EfSearch = slices.Compact(s.EfSearch)
	for _, ef := range s.EfSearch {
		if ef < pgcompat.MinEfSearch || ef > pgcompat.MaxEfSearch {
			return s, specErrorf("%d is outside the valid range for parameter \"hnsw.ef_search\" (%d .. %d)", ef, pgcompat.MinEfSearch, pgcompat.MaxEfSearch)
		}
	}
	if s.Repeats == 0 {
		s.Repeats = DefaultRepeats
	}
	if s.Repeats < 1 || s.Repeats > 100 {
		return s, specErrorf("Repeats must be 1..100, got %d", s.Repeats)
	}
	if s.Workers == 0 {
		s.Workers = runtime.GOMAXPROCS(0)
	}
	if s.Workers < 1 {
		return s, specErrorf("Workers must be positive, got %d", s.Workers)
	}
	if s.MaxQueries == 0 {
		s.MaxQueries = DefaultMaxQueries
	}
	if s.HoldOut < 0 {
		return s, specErrorf("HoldOut must not be negative, got %d", s.HoldOut)
	}
	if s.TargetRecall == 0 {
		s.TargetRecall = DefaultTargetRecall
	}
	if !(s.TargetRecall > 0 && s.TargetRecall <= 1) {
		return s, specErrorf("TargetRecall must be in (0, 1], got %v", s.TargetRecall)
	}
	if s.MaxIndexSize < 0 || s.MaxBuildMemory < 0 || s.MaxLatency < 0 {
		return s, specErrorf("limits must not be negative")
	}
	if s.Objective < ObjectiveQueryCost || s.Objective > ObjectiveBuild {
		return s, specErrorf("unknown objective %d", int(s.Objective))
	}
	if s.Rows < 0 {
		return s, specErrorf("Rows must not be negative, got %d", s.Rows)
	}
	if s.MaintenanceWorkMem == 0 {
		s.MaintenanceWorkMem = DefaultMaintenanceWorkMem
	}
	if s.MaintenanceWorkMem < 64 || s.MaintenanceWorkMem > pgcompat.Linux64.MaxKilobytes() {
		return s, specErrorf("MaintenanceWorkMem must be 64..%d kB, got %d", pgcompat.Linux64.MaxKilobytes(), s.MaintenanceWorkMem)
	}
	if s.Table == "" {
		s.Table = DefaultTable
	}
	if s.Column == "" {
		s.Column = DefaultColumn
	}
	switch s.KeyBytes {
	case 0:
		s.KeyBytes = 8
	case -1, 4, 8:
	default:
		return s, specErrorf("KeyBytes must be 4, 8 or -1, got %d", s.KeyBytes)
	}
	if s.engine == nil {
		s.engine = defaultEngine()
	}
	return s, nil
}
