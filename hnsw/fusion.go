package hnsw

import (
	"cmp"
	"slices"
)

// DefaultRRFK is the rank constant of Reciprocal Rank Fusion used by the
// paper that introduced it (Cormack, Clarke and Büttcher, SIGIR 2009) and by
// pgvector's hybrid-search examples: score = Σ 1/(60 + rank).
const DefaultRRFK = 60

// Fused is one key of a rank fusion.
type Fused struct {
	// Key is the fused key.
	Key uint64
	// Score is Σ 1/(k + rank) over the lists that hold the key; larger is
	// better.
	Score float64
	// Ranks[i] is the key's 1-based rank in the i-th input list, or 0 when
	// that list does not hold it.
	Ranks []int
}

// BestRank returns the key's best (smallest) rank over the lists that hold
// it. Every fused key is in at least one list, so it is at least 1.
func (f Fused) BestRank() int {
	best := 0
	for _, r := range f.Ranks {
		if r > 0 && (best == 0 || r < best) {
			best = r
		}
	}
	return best
}

// FuseRRF merges ranked key lists with Reciprocal Rank Fusion: each key scores
// Σ 1/(k + rank) over the lists that hold it, ranks counted from 1, and the
// keys come back best score first. It is how hybrid search combines a vector
// search with a keyword search whose scores are not comparable: only the
// ranks matter. Pass DefaultRRFK (60) for k unless you have measured a better
// constant; k must not be negative (k = 0 scores 1/rank).
//
// Each list is a ranking, best first: the keys of a Search (see ResultKeys),
// of a full-text query, of any other retriever. A key repeated within one list
// counts once, at its first (best) position; later repeats do not take up a
// rank, so the next distinct key keeps the rank it would have had. Empty lists
// are allowed and contribute nothing.
//
// The order is deterministic: equal scores are ordered by the better best
// rank (BestRank), then by the lower key. Keys with the same multiset of ranks
// get bit-identical scores whichever lists the ranks came from, because each
// key's terms are summed from its best rank to its worst.
//
// A negative k returns a *ConfigError wrapping ErrInvalidConfig.
func FuseRRF(k int, lists ...[]uint64) ([]Fused, error) {
	if k < 0 {
		return nil, &ConfigError{Field: "RRF k", Value: k, Range: "0.."}
	}
	total := 0
	for _, l := range lists {
		total += len(l)
	}
	// pos maps a key to its slot in out; the ranks of all keys share one
	// backing array, one row of len(lists) per key.
	pos := make(map[uint64]int, total)
	out := make([]Fused, 0, total)
	ranks := make([]int, 0, total*len(lists))
	for li, l := range lists {
		rank := 0
		for _, key := range l {
			slot, seen := pos[key]
			if !seen {
				slot = len(out)
				pos[key] = slot
				ranks = append(ranks, make([]int, len(lists))...)
				out = append(out, Fused{Key: key})
			}
			row := ranks[slot*len(lists) : (slot+1)*len(lists)]
			if row[li] != 0 {
				continue // a repeat within this list: keep the first rank
			}
			rank++
			row[li] = rank
		}
	}
	sorted := make([]int, len(lists))
	for i := range out {
		row := ranks[i*len(lists) : (i+1)*len(lists) : (i+1)*len(lists)]
		out[i].Ranks = row
		sorted = append(sorted[:0], row...)
		slices.Sort(sorted)
		var score float64
		for _, r := range sorted {
			if r > 0 {
				score += 1 / (float64(k) + float64(r))
			}
		}
		out[i].Score = score
	}
	slices.SortFunc(out, func(a, b Fused) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		if c := cmp.Compare(a.BestRank(), b.BestRank()); c != 0 {
			return c
		}
		return cmp.Compare(a.Key, b.Key)
	})
	return out, nil
}

// ResultKeys returns the keys of results in order, ready to be one of
// FuseRRF's ranked lists.
func ResultKeys(results []Result) []uint64 {
	keys := make([]uint64, len(results))
	for i, r := range results {
		keys[i] = r.Key
	}
	return keys
}
