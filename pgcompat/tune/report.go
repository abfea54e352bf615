package tune

import (
	"math"
	"time"
)

// Report is the outcome of Run.
type Report struct {
	// Dataset describes the data the sweep ran on.
	Dataset DatasetInfo `json:"dataset"`
	// Spec echoes the settings the run used, defaults filled in.
	Spec SpecInfo `json:"spec"`
	// Results has one entry per (m, ef_construction, ef_search), in the
	// order of Spec.Builds and then ef_search, each over all repeats.
	Results []Result `json:"results"`
	// Builds has one entry per index built.
	Builds []BuildResult `json:"builds"`
	// Recommendation is the cheapest configuration that meets the targets,
	// or nil when none does (see NoRecommendation).
	Recommendation *Recommendation `json:"recommendation"`
	// NoRecommendation says why there is no recommendation.
	NoRecommendation string `json:"no_recommendation,omitempty"`
	// Warnings are notes about the data and the run.
	Warnings []string `json:"warnings,omitempty"`
	// Timing splits the run's time between its phases.
	Timing Timing `json:"timing"`
	// Complete is false when the run was cancelled: the results then cover
	// only the builds that finished.
	Complete bool `json:"complete"`
}

// DatasetInfo describes the data of a run.
type DatasetInfo struct {
	// Rows is the number of base vectors (after any hold-out); Indexed is
	// how many of them pgvector would index (zero vectors are not, under
	// cosine).
	Rows    int `json:"rows"`
	Indexed int `json:"indexed"`
	// ZeroVectors counts the base rows a cosine class does not index.
	ZeroVectors int `json:"zero_vectors"`
	Dim         int `json:"dim"`
	// Queries is the number of queries; HeldOut is how many of them were
	// taken out of the base; SampledFrom is the size of the query set they
	// were sampled from (0 when no sampling happened).
	Queries     int `json:"queries"`
	HeldOut     int `json:"held_out,omitempty"`
	SampledFrom int `json:"sampled_from,omitempty"`
	// Type is the column type, "vector" or "halfvec"; ValueSize the bytes
	// one value takes in the index.
	Type      string `json:"type"`
	ValueSize int    `json:"value_size"`
	// Distance names the distance ground truth ranks by.
	Distance string `json:"distance"`
	// ModelRows is the table size the size, memory and planner figures
	// are for (Spec.Rows, or Rows).
	ModelRows int64 `json:"model_rows"`
	// TruthCached reports that ground truth came from the cache.
	TruthCached bool `json:"truth_cached"`
}

// SpecInfo echoes a run's settings.
type SpecInfo struct {
	OpClass            string        `json:"opclass"`
	K                  int           `json:"k"`
	EfSearch           []int         `json:"ef_search"`
	Builds             []BuildParams `json:"builds"`
	Repeats            int           `json:"repeats"`
	Workers            int           `json:"workers"`
	Seed               uint64        `json:"seed"`
	TargetRecall       float64       `json:"target_recall"`
	MaxIndexSize       int64         `json:"max_index_size,omitempty"`
	MaxBuildMemory     int64         `json:"max_build_memory,omitempty"`
	MaxLatency         time.Duration `json:"max_latency_ns,omitempty"`
	Objective          Objective     `json:"objective"`
	MaintenanceWorkMem int           `json:"maintenance_work_mem_kb"`
	Table              string        `json:"table"`
	Column             string        `json:"column"`
}

// Stat summarises one measure over the repeats of a configuration.
type Stat struct {
	Mean   float64 `json:"mean"`
	StdDev float64 `json:"stddev"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
}

// newStat summarises xs (the sample standard deviation; 0 for one value).
func newStat(xs []float64) Stat {
	if len(xs) == 0 {
		return Stat{}
	}
	s := Stat{Min: math.Inf(1), Max: math.Inf(-1)}
	var sum float64
	for _, x := range xs {
		sum += x
		s.Min = min(s.Min, x)
		s.Max = max(s.Max, x)
	}
	s.Mean = sum / float64(len(xs))
	if len(xs) > 1 {
		var ss float64
		for _, x := range xs {
			ss += (x - s.Mean) * (x - s.Mean)
		}
		s.StdDev = math.Sqrt(ss / float64(len(xs)-1))
	}
	return s
}

// Latency holds per-query latency percentiles, pooled over repeats.
type Latency struct {
	P50  time.Duration `json:"p50_ns"`
	P95  time.Duration `json:"p95_ns"`
	P99  time.Duration `json:"p99_ns"`
	Mean time.Duration `json:"mean_ns"`
}

// PlanChoice is the planner's choice for the query at the model table size.
type PlanChoice struct {
	// UseIndex is true when PostgreSQL plans an Index Scan on the HNSW
	// index, false when it plans a Seq Scan and a Sort (exact, slow).
	UseIndex bool `json:"use_index"`
	// IndexCost and SeqScanCost are the total costs of the two plans under
	// the LIMIT, in the planner's units.
	IndexCost   float64 `json:"index_cost"`
	SeqScanCost float64 `json:"seq_scan_cost"`
}

// String returns "Index Scan" or "Seq Scan".
func (p PlanChoice) String() string {
	if p.UseIndex {
		return "Index Scan"
	}
	return "Seq Scan"
}

// Result is what one (m, ef_construction, ef_search) does, over its
// repeats.
type Result struct {
	BuildParams
	EfSearch int `json:"ef_search"`
	// Repeats is the number of builds measured.
	Repeats int `json:"repeats"`
	// Recall is recall@K against exact ground truth (ties count as hits),
	// the mean over queries, summarised over repeats.
	Recall Stat `json:"recall"`
	// RecallSE is the standard error of the mean recall over the queries
	// (their standard deviation over √queries): how far the recall of
	// other queries like these may lie from the measured one.
	RecallSE float64 `json:"recall_se"`
	// Rows is the mean number of rows a query gets back: min(K, ef_search)
	// unless the graph runs out.
	Rows float64 `json:"rows"`
	// DistanceEvals is the mean number of distances a query computes.
	DistanceEvals Stat `json:"distance_evals"`
	// Latency is the in-process query latency.
	Latency Latency `json:"latency"`
	// IndexPages and IndexBytes are the predicted pg_relation_size of the
	// index at the model table size.
	IndexPages Stat  `json:"index_pages"`
	IndexBytes int64 `json:"index_bytes"`
	// BuildMemory is the maintenance_work_mem (bytes) an in-memory build
	// needs, the most over repeats; FitsMaintenanceWorkMem tells whether
	// the configured maintenance_work_mem is enough.
	BuildMemory            int64 `json:"build_memory"`
	FitsMaintenanceWorkMem bool  `json:"fits_maintenance_work_mem"`
	// BuildTime is the mean build time here.
	BuildTime time.Duration `json:"build_time_ns"`
	// Plan is the planner's choice for LIMIT K with this ef_search.
	Plan PlanChoice `json:"plan"`
	// Pareto marks the configurations no other beats on both recall and
	// distance evaluations; ParetoLatency the same against p50 latency.
	Pareto        bool `json:"pareto"`
	ParetoLatency bool `json:"pareto_latency"`
	// MeetsTargets is true when the configuration satisfies every target
	// and limit of the spec.
	MeetsTargets bool `json:"meets_targets"`
}

// BuildResult describes one index build.
type BuildResult struct {
	BuildParams
	// Repeat numbers the builds of one pair from 0; Seed seeded its levels.
	Repeat int    `json:"repeat"`
	Seed   uint64 `json:"seed"`
	// Duration is the build time.
	Duration time.Duration `json:"duration_ns"`
	// QueryTime is the time spent running every query at every ef_search.
	QueryTime time.Duration `json:"query_time_ns"`
	// Elements is the number of graph elements; Merged the rows merged into
	// an identical element (pgvector keeps up to 10 rows per element).
	Elements int `json:"elements"`
	Merged   int `json:"merged"`
	// TopLevel is the highest level drawn.
	TopLevel int `json:"top_level"`
	// IndexPages and IndexBytes are the predicted size at the model table
	// size.
	IndexPages int   `json:"index_pages"`
	IndexBytes int64 `json:"index_bytes"`
	// BuildMemory is the maintenance_work_mem (bytes) the build needs to
	// stay in memory; FlushAfter is the tuple count after which it would
	// spill at the configured maintenance_work_mem (0 when it fits).
	BuildMemory int64 `json:"build_memory"`
	FlushAfter  int64 `json:"flush_after,omitempty"`
}

// Timing splits a run's time. Builds and Queries add up the workers' time,
// so with several workers they can exceed Sweep, the wall time.
type Timing struct {
	GroundTruth time.Duration `json:"ground_truth_ns"`
	Sweep       time.Duration `json:"sweep_ns"`
	Builds      time.Duration `json:"builds_ns"`
	Queries     time.Duration `json:"queries_ns"`
	Total       time.Duration `json:"total_ns"`
	// CPU is the CPU time the process used during the run (0 where it
	// cannot be measured): the work done, whatever the machine's load.
	CPU time.Duration `json:"cpu_ns"`
}
