package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/smallworld-go/smallworld/hnsw"
)

// Limits on what one item may carry besides its vector. They keep a client
// from growing the metadata without bound one request at a time.
const (
	maxTags       = 64
	maxTagBytes   = 128
	maxPayloadLen = 64 << 10
	maxK          = 1000
)

// errInvalid marks a request the service refuses because of its content
// (HTTP 400); it wraps a message saying why.
var errInvalid = errors.New("invalid request")

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errInvalid, fmt.Sprintf(format, args...))
}

// Item is what the service stores under a key: the vector lives in the hnsw
// index, the tags and the payload here.
type Item struct {
	// Tags are labels a search can filter on, kept sorted and unique.
	Tags []string
	// Payload is opaque JSON returned with search hits (a title, a URL...).
	Payload []byte
}

// Service is a vector store: an hnsw index plus per-key metadata, safe for
// concurrent use. Mutations of one key are serialised; mutations of
// different keys, and all searches, run in parallel.
//
// The index may be created lazily: with a configuration whose Dim is 0, the
// first vector stored fixes the dimension.
type Service struct {
	index   atomic.Pointer[hnsw.Index]
	config  hnsw.Config // for the lazily created index
	startMu sync.Mutex  // serialises that creation

	// snapshot is held shared by every mutation and exclusively by a
	// save, so that a saved file pairs the index with exactly the metadata
	// of the same moment. Searches do not take it.
	snapshot sync.RWMutex
	// keyLocks serialise mutations of the same key (striped by key): an
	// upsert is a delete then an add, which two concurrent upserts of one
	// key must not interleave.
	keyLocks [64]sync.Mutex

	metaMu sync.RWMutex
	meta   map[uint64]Item

	// version counts mutations; a save records the version it wrote, so
	// autosave can skip a save when nothing changed.
	version atomic.Uint64
}

// NewService wraps an index (new or loaded) and its metadata. When index is
// nil, the first Add or Upsert creates one with cfg and the dimension of its
// vector.
func NewService(index *hnsw.Index, cfg hnsw.Config, meta map[uint64]Item) *Service {
	if meta == nil {
		meta = map[uint64]Item{}
	}
	s := &Service{config: cfg, meta: meta}
	if index != nil {
		s.index.Store(index)
	}
	return s
}

// indexFor returns the index, creating it for vectors like vec if there is
// none yet.
func (s *Service) indexFor(vec []float32) (*hnsw.Index, error) {
	if ix := s.index.Load(); ix != nil {
		return ix, nil
	}
	s.startMu.Lock()
	defer s.startMu.Unlock()
	if ix := s.index.Load(); ix != nil {
		return ix, nil
	}
	if len(vec) == 0 {
		return nil, invalidf("the first vector fixes the dimension and cannot be empty")
	}
	cfg := s.config
	cfg.Dim = len(vec)
	ix, err := hnsw.New(cfg)
	if err != nil {
		return nil, err
	}
	s.index.Store(ix)
	return ix, nil
}

// normalizeItem sorts and deduplicates tags and checks the limits.
func normalizeItem(it Item) (Item, error) {
	if len(it.Tags) > maxTags {
		return Item{}, invalidf("at most %d tags per item, got %d", maxTags, len(it.Tags))
	}
	for _, t := range it.Tags {
		if t == "" || len(t) > maxTagBytes {
			return Item{}, invalidf("a tag must have 1 to %d bytes, got %d", maxTagBytes, len(t))
		}
	}
	if len(it.Payload) > maxPayloadLen {
		return Item{}, invalidf("payload is %d bytes, at most %d allowed", len(it.Payload), maxPayloadLen)
	}
	tags := slices.Clone(it.Tags)
	slices.Sort(tags)
	it.Tags = slices.Compact(tags)
	return it, nil
}

func (s *Service) lockKey(key uint64) func() {
	m := &s.keyLocks[key%uint64(len(s.keyLocks))]
	m.Lock()
	return m.Unlock
}

// Add stores a new item. It fails with an error wrapping hnsw.ErrKeyExists
// when the key is taken, and with the index's validation errors
// (dimension, NaN, zero vector under cosine...) for a bad vector.
func (s *Service) Add(key uint64, vec []float32, it Item) error {
	it, err := normalizeItem(it)
	if err != nil {
		return err
	}
	s.snapshot.RLock()
	defer s.snapshot.RUnlock()
	defer s.lockKey(key)()
	ix, err := s.indexFor(vec)
	if err != nil {
		return err
	}
	return s.insert(ix, key, vec, it)
}

// Upsert stores an item, replacing the one under key if there is one, and
// reports whether it replaced one. A new vector the index rejects leaves the
// old item in place. The replacement is not atomic for readers: a search
// running at that moment may miss the key.
func (s *Service) Upsert(key uint64, vec []float32, it Item) (replaced bool, err error) {
	it, err = normalizeItem(it)
	if err != nil {
		return false, err
	}
	s.snapshot.RLock()
	defer s.snapshot.RUnlock()
	defer s.lockKey(key)()
	ix, err := s.indexFor(vec)
	if err != nil {
		return false, err
	}
	var old []float32
	if ix.Contains(key) {
		// The stored form (normalised, rounded) is what Add stores
		// again unchanged, so putting it back restores the item.
		if old, err = ix.Vector(key, nil); err != nil {
			return false, err
		}
		if err := ix.Delete(key); err != nil {
			return false, err
		}
	}
	if err := s.insert(ix, key, vec, it); err != nil {
		if old != nil {
			if rerr := ix.Add(key, old); rerr != nil {
				s.metaMu.Lock()
				delete(s.meta, key)
				s.metaMu.Unlock()
				s.version.Add(1)
				return false, errors.Join(err, fmt.Errorf("restoring the old item: %w", rerr))
			}
		}
		return false, err
	}
	return old != nil, nil
}

// insert adds to the index and the metadata; the caller holds the key lock.
func (s *Service) insert(ix *hnsw.Index, key uint64, vec []float32, it Item) error {
	if err := ix.Add(key, vec); err != nil {
		return err
	}
	s.metaMu.Lock()
	s.meta[key] = it
	s.metaMu.Unlock()
	s.version.Add(1)
	return nil
}

// Delete removes key. It fails with an error wrapping hnsw.ErrKeyNotFound
// when the key is not stored.
func (s *Service) Delete(key uint64) error {
	s.snapshot.RLock()
	defer s.snapshot.RUnlock()
	defer s.lockKey(key)()
	ix := s.index.Load()
	if ix == nil {
		return &hnsw.KeyError{Key: key, Err: hnsw.ErrKeyNotFound}
	}
	if err := ix.Delete(key); err != nil {
		return err
	}
	s.metaMu.Lock()
	delete(s.meta, key)
	s.metaMu.Unlock()
	s.version.Add(1)
	return nil
}

// Get returns the stored vector (normalised under cosine, rounded under
// float16 storage) and metadata of key.
func (s *Service) Get(key uint64) ([]float32, Item, error) {
	ix := s.index.Load()
	if ix == nil {
		return nil, Item{}, &hnsw.KeyError{Key: key, Err: hnsw.ErrKeyNotFound}
	}
	vec, err := ix.Vector(key, nil)
	if err != nil {
		return nil, Item{}, err
	}
	s.metaMu.RLock()
	it := s.meta[key]
	s.metaMu.RUnlock()
	return vec, it, nil
}

// Hit is one search result with its metadata.
type Hit struct {
	Key      uint64
	Distance float32
	Item     Item
}

// SearchRequest is one query.
type SearchRequest struct {
	Vector    []float32
	K         int
	Ef        int
	Filter    Filter
	Iterative hnsw.IterativeMode
}

// Search returns the req.K nearest items passing the filter, nearest first.
func (s *Service) Search(req SearchRequest) ([]Hit, hnsw.SearchStats, error) {
	if req.K < 1 || req.K > maxK {
		return nil, hnsw.SearchStats{}, invalidf("k must be between 1 and %d, got %d", maxK, req.K)
	}
	opts := hnsw.SearchOptions{Ef: req.Ef, Iterative: req.Iterative}
	if !req.Filter.IsZero() {
		// The filter reads the metadata map under its read lock for
		// each candidate: a short critical section, so writers are
		// never shut out for a whole search.
		opts.Filter = func(key uint64) bool {
			s.metaMu.RLock()
			it, ok := s.meta[key]
			s.metaMu.RUnlock()
			return ok && req.Filter.Match(key, it.Tags)
		}
	}
	ix := s.index.Load()
	if ix == nil {
		return []Hit{}, hnsw.SearchStats{}, nil // nothing stored yet
	}
	results, stats, err := ix.SearchWith(req.Vector, req.K, opts)
	if err != nil {
		return nil, stats, err
	}
	hits := make([]Hit, 0, len(results))
	s.metaMu.RLock()
	for _, r := range results {
		hits = append(hits, Hit{Key: r.Key, Distance: r.Distance, Item: s.meta[r.Key]})
	}
	s.metaMu.RUnlock()
	return hits, stats, nil
}

// Vacuum repairs the graph around deleted items and frees their slots.
func (s *Service) Vacuum(ctx context.Context) error {
	ix := s.index.Load()
	if ix == nil {
		return nil
	}
	if err := ix.Vacuum(ctx); err != nil {
		return err
	}
	s.version.Add(1)
	return nil
}

// Stats returns the index's statistics and configuration; before the first
// vector of a lazily created index, empty statistics and Dim 0.
func (s *Service) Stats() (hnsw.Stats, hnsw.Config) {
	ix := s.index.Load()
	if ix == nil {
		return hnsw.Stats{TopLevel: -1}, s.config
	}
	return ix.Stats(), ix.Config()
}

// Save writes the index and its metadata to path atomically (see
// writeStore), unless nothing changed since version unless or nothing was
// ever stored. It returns the version on disk and whether it wrote.
// Mutations wait while it runs; searches do not.
func (s *Service) Save(path string, unless uint64) (version uint64, wrote bool, err error) {
	s.snapshot.Lock()
	defer s.snapshot.Unlock()
	v := s.version.Load()
	ix := s.index.Load()
	if v == unless || ix == nil {
		return v, false, nil
	}
	s.metaMu.RLock()
	defer s.metaMu.RUnlock()
	if err := writeStore(path, ix, s.meta); err != nil {
		return unless, false, err
	}
	return v, true, nil
}
