// Package tune is smallworld's pgvector tuning oracle: it predicts what a
// pgvector 0.8.7 HNSW index would do on a user's own embeddings and recommends
// the settings to use, without touching the database.
//
// A pgvector user has three knobs: the index options m and ef_construction,
// fixed when the index is built, and the session setting hnsw.ef_search,
// which trades query speed for recall. Run sweeps them. For every (m,
// ef_construction) it builds an index the way pgvector builds one (its
// neighbour-selection variant, duplicate merging, float16 storage for the
// halfvec classes, cosine normalisation, random levels), then for every
// ef_search it runs the queries with pgvector's row cap (an index scan returns
// at most ef_search rows, whatever the LIMIT) and measures:
//
//   - recall@k against exact ground truth (brute force, cached on disk);
//   - the rows a query actually gets back;
//   - distance evaluations and in-process latency per query;
//   - the index size pgvector would report (pages and bytes, from the
//     levels the build drew);
//   - the maintenance_work_mem a build needs to stay in memory;
//   - whether PostgreSQL's planner would use the index for that LIMIT.
//
// The Report marks the Pareto front (recall against cost) and recommends the
// cheapest configuration that meets a target recall and optional limits on
// index size, build memory and latency, as SQL ready to paste, with the
// warnings that apply.
//
// Inputs come from any file format package bench reads, from a PostgreSQL
// table (LoadTable, streamed through pgx), or from memory.
//
// The package also answers the questions that need no data: the size and
// build memory of an index of N rows (EstimateIndex), the planner's choice for
// a query (ExplainQuery, MinRowsForIndex), and how far embeddings moved
// between two model versions (Drift).
package tune
