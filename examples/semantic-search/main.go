// Command semantic-search is a small vector search service: an HTTP server
// with a JSON API around an hnsw index, the way an application embeds
// smallworld instead of running a database.
//
// It stores vectors (from any embedding model) under uint64 ids, with
// optional tags to filter on and an opaque JSON payload returned with each
// hit. All requests may run concurrently. The data file is loaded at start
// and saved atomically (temporary file, fsync, rename) on SIGINT or SIGTERM,
// and every -autosave interval if anything changed.
//
// Usage:
//
//	go run ./examples/semantic-search                      # 127.0.0.1:8080, cosine, ./semantic-search.sws
//	go run ./examples/semantic-search -dim 384 -metric l2 -data items.sws -addr :9000
//
// API (JSON in and out; errors are {"error": "..."} with a 4xx status):
//
//	POST   /items        {"id": 1, "vector": [...], "tags": ["en"], "payload": {...}}  201, 409 if the id exists
//	PUT    /items/{id}   {"vector": [...], "tags": [...], "payload": {...}}             201 new, 200 replaced
//	GET    /items/{id}   the stored vector (normalised under cosine), tags and payload  404 if absent
//	DELETE /items/{id}                                                                  204, 404 if absent
//	POST   /search       {"vector": [...], "k": 10, "ef": 100,
//	                      "filter": {"tags_all": [...], "tags_any": [...], "tags_none": [...],
//	                                 "id_gte": 0, "id_lte": 99},
//	                      "iterative": "relaxed"}
//	GET    /stats        size, configuration, deleted fraction
//	POST   /vacuum       repair the graph around deleted items and free their space
//	GET    /healthz
//
// Try it:
//
//	curl -s localhost:8080/items -d '{"id":1,"vector":[0.1,0.2,0.3],"tags":["a"]}'
//	curl -s localhost:8080/search -d '{"vector":[0.1,0.2,0.25],"k":5,"filter":{"tags_any":["a"]}}'
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/smallworld-go/smallworld/hnsw"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stderr, nil)
	stop()
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		fmt.Fprintln(os.Stderr, "semantic-search:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "semantic-search:", err)
		os.Exit(1)
	}
}

// errUsage marks a bad command line.
var errUsage = errors.New("usage")

// options are the command-line settings.
type options struct {
	addr     string
	data     string
	dim      int
	metric   string
	storage  string
	m        int
	efc      int
	efSearch int
	maxBody  int64
	autosave time.Duration
	set      map[string]bool // flags given explicitly
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("semantic-search", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen `address` (host:port; port 0 picks a free one)")
	fs.StringVar(&o.data, "data", "semantic-search.sws", "data `file`: loaded at start if it exists, saved on shutdown")
	fs.IntVar(&o.dim, "dim", 0, "vector dimension of a new index (0: set by the first vector stored)")
	fs.StringVar(&o.metric, "metric", "cosine", "distance for a new index: l2, ip, cosine or l1")
	fs.StringVar(&o.storage, "storage", "f32", "vector storage for a new index: f32 or f16 (half the memory)")
	fs.IntVar(&o.m, "m", hnsw.DefaultM, "HNSW links per node for a new index")
	fs.IntVar(&o.efc, "ef-construction", hnsw.DefaultEfConstruction, "HNSW build candidate list size for a new index")
	fs.IntVar(&o.efSearch, "ef-search", hnsw.DefaultEfSearch, "default search candidate list size for a new index")
	fs.Int64Var(&o.maxBody, "max-body", 4<<20, "largest request body accepted, in `bytes`")
	fs.DurationVar(&o.autosave, "autosave", 0, "also save every `interval` if anything changed (0: only on shutdown)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, fmt.Errorf("%w: %w", errUsage, err)
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	o.set = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { o.set[f.Name] = true })
	switch {
	case o.data == "":
		return o, fmt.Errorf("%w: -data must name a file", errUsage)
	case o.maxBody < 1024:
		return o, fmt.Errorf("%w: -max-body must be at least 1024", errUsage)
	case o.autosave < 0:
		return o, fmt.Errorf("%w: -autosave must not be negative", errUsage)
	}
	return o, nil
}

// openIndex loads the data file, or prepares a new index when there is none:
// created now when -dim is given, else by the first vector stored. Index
// settings given on the command line must agree with a loaded file's:
// silently ignoring "-dim 768" on a 384-dimension file would turn every later
// request into an error.
func openIndex(o options) (*hnsw.Index, hnsw.Config, map[uint64]Item, bool, error) {
	index, meta, err := readStore(o.data)
	switch {
	case err == nil:
		cfg := index.Config()
		if o.set["dim"] && o.dim != cfg.Dim {
			return nil, cfg, nil, false, fmt.Errorf("%w: -dim %d, but %s holds %d-dimensional vectors", errUsage, o.dim, o.data, cfg.Dim)
		}
		if o.set["metric"] {
			if m, err := hnsw.ParseMetric(o.metric); err != nil || m != cfg.Metric {
				return nil, cfg, nil, false, fmt.Errorf("%w: -metric %s, but %s uses %s", errUsage, o.metric, o.data, cfg.Metric)
			}
		}
		return index, cfg, meta, true, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, hnsw.Config{}, nil, false, err
	}
	if o.dim < 0 {
		return nil, hnsw.Config{}, nil, false, fmt.Errorf("%w: -dim must not be negative", errUsage)
	}
	metric, err := hnsw.ParseMetric(o.metric)
	if err != nil {
		return nil, hnsw.Config{}, nil, false, fmt.Errorf("%w: %w", errUsage, err)
	}
	storage, err := hnsw.ParseStorage(o.storage)
	if err != nil {
		return nil, hnsw.Config{}, nil, false, fmt.Errorf("%w: %w", errUsage, err)
	}
	cfg := hnsw.Config{
		Dim: o.dim, Metric: metric, Storage: storage,
		M: o.m, EfConstruction: o.efc, EfSearch: o.efSearch,
	}
	// Check the settings now, with a stand-in dimension when the first
	// vector will decide it, so a bad flag fails at start.
	check := cfg
	check.Dim = max(cfg.Dim, 1)
	ix, err := hnsw.New(check)
	if err != nil {
		return nil, cfg, nil, false, fmt.Errorf("%w: %w", errUsage, err)
	}
	if cfg.Dim == 0 {
		ix = nil
	}
	return ix, cfg, nil, false, nil
}

// run serves until ctx is cancelled, then stops accepting requests, lets the
// running ones finish and saves the data file. ready, when set, is called
// with the listening address once requests are accepted.
func run(ctx context.Context, args []string, stderr io.Writer, ready func(net.Addr)) error {
	o, err := parseOptions(args, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	index, cfg, meta, loaded, err := openIndex(o)
	if err != nil {
		return err
	}
	if loaded {
		for _, name := range []string{"storage", "m", "ef-construction", "ef-search"} {
			if o.set[name] {
				log.Warn("flag ignored: the data file keeps the settings it was built with", "flag", "-"+name)
			}
		}
	}
	svc := NewService(index, cfg, meta)
	dim := any(cfg.Dim)
	if cfg.Dim == 0 {
		dim = "set by the first vector"
	}
	items0 := 0
	if index != nil {
		items0 = index.Len()
	}
	log.Info("index ready", "data", o.data, "loaded", loaded, "items", items0,
		"dim", dim, "metric", cfg.Metric, "storage", cfg.Storage)

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           newHandler(svc, o.maxBody, log),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String())
	if ready != nil {
		ready(ln.Addr())
	}

	saved := uint64(0) // the version of the data on disk
	if !loaded {
		saved = ^uint64(0) // nothing on disk yet: the first save always writes
	}
	items := func() int { st, _ := svc.Stats(); return st.Keys }
	var tick <-chan time.Time
	if o.autosave > 0 {
		t := time.NewTicker(o.autosave)
		defer t.Stop()
		tick = t.C
	}
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
		case err := <-serveErr:
			return fmt.Errorf("serving: %w", err)
		case <-tick:
			v, wrote, err := svc.Save(o.data, saved)
			if err != nil {
				log.Error("autosave failed", "err", err)
				continue
			}
			if wrote {
				log.Info("saved", "data", o.data, "items", items())
			}
			saved = v
		}
	}

	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	shutdownErr := srv.Shutdown(shutdownCtx)
	// Save even if some request outlived the grace period: mutations
	// still wait for the save, so the file is consistent either way.
	_, wrote, err := svc.Save(o.data, saved)
	if err != nil {
		return errors.Join(err, shutdownErr)
	}
	if wrote {
		log.Info("saved", "data", o.data, "items", items())
	} else {
		log.Info("nothing to save", "data", o.data)
	}
	return shutdownErr
}
