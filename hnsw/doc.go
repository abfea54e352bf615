// Package hnsw is a concurrent, persistent HNSW (hierarchical navigable small
// world) index for approximate nearest-neighbour search over float32 vectors,
// built the way pgvector builds its HNSW indexes.
//
// # Use
//
//	ix, err := hnsw.New(hnsw.Config{Dim: 128, Metric: hnsw.Cosine})
//	err = ix.Add(42, vec)                       // or AddBatch over all cores
//	res, err := ix.Search(query, 10)            // []Result{Key, Distance}, nearest first
//	res, st, err := ix.SearchWith(query, 10, hnsw.SearchOptions{
//		Ef:     100,
//		Filter: func(key uint64) bool { return allowed[key] },
//	})
//	err = ix.Delete(42)                         // a tombstone until Vacuum
//	err = ix.Vacuum(ctx)                        // repair the graph, free the slots
//	err = ix.SaveFile("vectors.hnsw")           // atomic; LoadFile reads it back
//
// Every method may be called from many goroutines at once (ReadFrom excepted).
// Errors are typed: *ConfigError, *DimensionError, *NotFiniteError and
// *KeyError, each wrapping a sentinel (ErrInvalidConfig, ErrDimension,
// ErrNotFinite, ErrKeyNotFound, ErrKeyExists) for errors.Is; ErrZeroVector,
// ErrOverflow and ErrCorrupt are sentinels.
//
// # Metrics and storage
//
// L2 orders by squared Euclidean distance (reported as its square root),
// InnerProduct by −a·b, L1 by Σ|a−b|. Cosine normalises every stored vector
// and every query to unit length and then orders by −a·b, as pgvector's
// vector_cosine_ops does; a zero vector has no direction and is rejected
// with ErrZeroVector. Float16 storage keeps IEEE binary16 values (pgvector's
// halfvec rounding; a component beyond ±65504 is ErrOverflow) and computes
// every distance in float32 from the widened halves.
//
// # The algorithm
//
// The default variant is pgvector's (0.8), reproduced exactly: given the same
// vectors in the same order and the same levels (see LevelSource) it stores
// the same neighbour lists, in the same order, as pgvector does, except where
// two distances are exactly equal. In detail:
//
//   - A node's level is ⌊−ln(U)/ln(M)⌋ for U uniform in [0,1), from a PCG
//     generator seeded by Config.Seed (one per index; no global state), capped
//     at MaxLevel(M). Layers above 0 hold up to M links per node, layer 0 up to
//     2·M.
//   - An insert descends greedily (ef = 1) from the entry point to the layer
//     above its level, then on every layer from min(level, entry level) down
//     to 0 runs a search with EfConstruction candidates, seeded with the whole
//     candidate list of the layer above.
//   - Neighbours are selected by the paper's heuristic without extended
//     candidates and with kept pruned connections: with at most lm candidates
//     all are kept, furthest first; otherwise candidates are taken nearest
//     first and kept if nearer to the new node than to every one kept so far
//     (strictly), and the rejected ones fill the remaining slots, nearest
//     first.
//   - Back-links: a neighbour whose list has room gets the new node appended;
//     a full list is re-run through the heuristic with the new node, and the
//     one candidate left out is overwritten in place by the new node (nothing
//     changes if that is the new node). pgvector's cache of each member's
//     heuristic result is kept in a spare bit of each neighbour slot, which
//     saves more than half the distance evaluations of a build without
//     changing its outcome.
//   - The new node becomes the entry point only if its level is strictly
//     higher than the entry point's.
//
// Options give the alternatives: an injected LevelSource (pgcompat replays
// the levels of a real pgvector index), HeuristicHNSWLib (hnswlib's selection:
// M links on every layer, pruned candidates dropped, a full list rewritten
// with the heuristic's survivors), and MergeDuplicates (a vector bit-identical
// to the first neighbours of its layer-0 selection joins that node as an extra
// key, up to MaxKeysPerNode keys per node, as pgvector stores up to 10 heap
// TIDs per element).
//
// # Searching
//
// A search descends greedily to layer 0 and searches it with ef candidates
// (at least k). Tombstones are walked through but never returned, and do not
// take candidate slots. SearchWith adds pgvector 0.8's iterative scans: with a
// Filter (or IterativeRelaxed/IterativeStrict), whenever a batch of candidates
// yields fewer than k hits the scan resumes from the candidates it discarded,
// sharing its visited set, until it has k hits or has visited MaxScanTuples
// layer-0 nodes; then it returns the discarded candidates it still holds, in
// order. Strict mode drops hits nearer than one already returned, so results
// are never out of order. SearchIter streams a scan as pgvector's index scan
// does. AppendSearch reuses the caller's result slice: with pooled search
// state (an epoch-stamped visited array and heaps specialised to float32 and
// uint32), a search allocates nothing.
//
// # Deleting
//
// Delete removes a key at once. A node whose last key is deleted becomes a
// tombstone; Stats().DeletedFraction says how much of the graph they are.
// Vacuum follows pgvector's VACUUM: it repairs (a deleted entry point is
// replaced by the highest live node; every node that links to a tombstone, or
// whose layer-0 list is not full, gets its neighbours chosen again by an insert
// search that ignores itself and the tombstones, plus its back-links), then,
// after the searches that might still hold a tombstone's id have finished,
// clears the tombstones' slots and puts them on a free list that inserts
// reuse. It then does what pgvector's does not: it walks layer 0 from the
// entry point and relinks every live node the walk does not reach (one
// whose in-links were all overwritten by back-link pruning or repairs, which
// any HNSW graph allows), as an insert would link it, and in the last resort
// by a splice that cannot make another node unreachable, so that after it
// every live node is reachable again. VacuumInOrder, pgcompat's exact
// emulation of pgvector's VACUUM, does not relink.
//
// # Memory layout
//
// Nodes are dense uint32 ids; user keys map to them through an open-addressing
// table of ids. Per-node data lives in flat arrays grouped in segments: the
// vectors (one arena with a fixed stride), the layer-0 lists (a header word and
// 2·M slots per node) and the first key. Nodes above layer 0 own blocks of M
// slots in a side arena. There are no per-node pointers for the garbage
// collector to scan. Growth appends a segment and never moves one, so a search
// never races a reallocation; neighbour slots are read and written atomically,
// and per-node striped locks serialise writers. Stats().BytesUsed counts all of
// it.
//
// AddBatch adds one structure for its duration only: each node's distances
// to its layer-0 neighbours (4·2·M bytes per node), so that a back-link to a
// full list runs the selection heuristic without recomputing them, as
// pgvector's in-memory build does. It is dropped when the batch returns, so
// the resident index stays at the size above.
//
// # File format
//
// WriteTo, SaveFile, ReadFrom, Load and LoadFile use one versioned,
// little-endian format. Version 1:
//
//	header, 128 bytes:
//	  0  magic "SWHNSW\x1a\n"            8  version = 1 (u32)
//	 12  header size = 128 (u32)        16  Dim (u32)
//	 20  M (u32)                        24  EfConstruction (u32)
//	 28  EfSearch (u32)                 32  Metric, Storage, Heuristic (u8 each)
//	 35  flags (u8; bit 0 MergeDuplicates)
//	 36  MaxKeysPerNode (u32)           40  Seed (u64)
//	 48  node slots N (u32)             52  entry node (u32)
//	 56  entry level (i32, −1 = empty)  60  upper blocks U (u32)
//	 64  keys (u64)                     72  live nodes (u64)
//	 80  tombstones (u64)               88  merged keys X (u64)
//	 96  free slots F (u64)            104  freed upper block runs R (u64)
//	112  reserved, zero (12 bytes)     124  CRC-32C of bytes 0..123 (u32)
//	body:
//	  N node rows: header word (u32), 2·M layer-0 slots (u32), first key
//	    (u64), Dim components (f32 bits, or f16 bits for Float16 storage)
//	  U upper blocks of M slots (u32)
//	  X merged keys: node (u32), key (u64), in node then insertion order
//	  F free slots (u32)
//	  R freed upper block runs: level (u32), first block (u32)
//	  PRNG state (20 bytes, math/rand/v2 PCG binary form)
//	trailer: CRC-32C of the body (u32), zero (u32), "SWEND\x00\x00\x00"
//
// A node's header word holds its deleted flag (bit 31), merged-keys flag (bit
// 30), level (bits 24–29) and first upper block (bits 0–23); a slot holds a
// node id (bit 31: cached heuristic flag) or 0xFFFFFFFF for empty, lists
// packed at the front. The loader checks the checksums, every count against
// the data, every id, level, link and block against the others, and key
// uniqueness, so a file that loads cannot make the index misbehave; anything
// else is ErrCorrupt. It never allocates on the word of a header: with a known
// input size the header's counts must match it exactly, and a stream of unknown
// length is read into segments that grow only as rows arrive. It performs no
// per-node allocation.
package hnsw
