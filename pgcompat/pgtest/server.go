package pgtest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ReadyPrefix starts the one line the Node server prints on stdout once it
// accepts connections; a JSON object ([Info]) follows it.
const ReadyPrefix = "PGLITE_READY "

const (
	defaultStartTimeout = 2 * time.Minute
	defaultStopTimeout  = 10 * time.Second
	stderrTailBytes     = 8 << 10
)

// Options configure [Start]. The zero value is ready to use.
type Options struct {
	// Dir is the directory holding server.mjs and node_modules. By default
	// it is taken from SMALLWORLD_PGTEST_DIR, else found next to this
	// package's source.
	Dir string
	// Node is the Node.js executable (a path or a name looked up in PATH);
	// "node" by default.
	Node string
	// Host is the loopback address to listen on; "127.0.0.1" by default.
	Host string
	// Port is the TCP port; 0 (the default) lets the OS choose a free one.
	Port int
	// SeedFile caches the initialised database so that later starts skip
	// initdb (about 2 s instead of 5 to 17 s). By default it lives in the
	// user cache directory (see SMALLWORLD_PGTEST_CACHE), keyed by the
	// package-lock and server sources.
	SeedFile string
	// NoSeed makes every start initialise a fresh cluster.
	NoSeed bool
	// StartTimeout bounds the wait for the server's readiness line (default
	// 2 minutes; a cold start on a busy 2-core machine takes up to ~20 s).
	StartTimeout time.Duration
	// StopTimeout is how long Close waits after SIGTERM before it kills the
	// process (default 10 s; a statement that is running finishes first).
	StopTimeout time.Duration
	// Stderr receives the server's diagnostics; os.Stderr by default.
	Stderr io.Writer
	// Debug makes the server log every unit of work it runs.
	Debug bool
}

// Info describes a running server, as reported in its readiness line.
type Info struct {
	Host                  string `json:"host"`
	Port                  int    `json:"port"`
	PID                   int    `json:"pid"`
	ServerVersion         string `json:"server_version"`
	VectorVersion         string `json:"vector_version"`
	PageinspectVersion    string `json:"pageinspect_version"`
	PGliteVersion         string `json:"pglite_version"`
	PGlitePgvectorVersion string `json:"pglite_pgvector_version"`
	NodeVersion           string `json:"node_version"`
	// Seed is "loaded" (started from the cache), "written" (initialised and
	// cached), "unwritable" or "none".
	Seed string `json:"seed"`
	// DBInitMillis and StartupMillis are the server's own timings.
	DBInitMillis  int `json:"db_init_ms"`
	StartupMillis int `json:"startup_ms"`
}

// Server is a running oracle process. Its methods are safe for concurrent use.
type Server struct {
	info        Info
	cmd         *exec.Cmd
	stdin       io.WriteCloser
	stderrTail  *tailBuffer
	stopTimeout time.Duration

	done    chan struct{} // closed once the process has exited
	waitErr error         // set before done is closed

	closeOnce sync.Once
	closeErr  error
}

// Start launches the Node server as a child process and waits until it
// accepts connections. ctx bounds only the start; the server runs until
// Close, or until this process exits (the server watches its stdin, which
// closes with us).
//
// When Node.js or the npm packages are missing the error wraps
// [ErrUnavailable].
func Start(ctx context.Context, opts Options) (*Server, error) {
	dir, err := locateDir(opts.Dir)
	if err != nil {
		return nil, err
	}
	if err := checkModules(dir); err != nil {
		return nil, err
	}
	node, err := locateNode(opts.Node)
	if err != nil {
		return nil, err
	}
	host := opts.Host
	if host == "" {
		host = "127.0.0.1"
	}
	if opts.Port < 0 || opts.Port > 65535 {
		return nil, fmt.Errorf("pgtest: port %d out of range", opts.Port)
	}
	seed := opts.SeedFile
	if seed == "" && !opts.NoSeed {
		if seed, err = defaultSeedFile(dir); err != nil {
			return nil, err
		}
	}
	startTimeout := opts.StartTimeout
	if startTimeout <= 0 {
		startTimeout = defaultStartTimeout
	}
	stopTimeout := opts.StopTimeout
	if stopTimeout <= 0 {
		stopTimeout = defaultStopTimeout
	}
	stderr := opts.Stderr
	if stderr == nil {
		stderr = os.Stderr
	}

	args := []string{"server.mjs", "--host", host, "--port", strconv.Itoa(opts.Port), "--exit-on-stdin-close"}
	if seed != "" && !opts.NoSeed {
		args = append(args, "--seed", seed)
	}
	if opts.Debug {
		args = append(args, "--debug")
	}
	cmd := exec.Command(node, args...)
	cmd.Dir = dir
	configureProcess(cmd)
	s := &Server{
		cmd:         cmd,
		stderrTail:  &tailBuffer{max: stderrTailBytes},
		stopTimeout: stopTimeout,
		done:        make(chan struct{}),
	}
	cmd.Stderr = io.MultiWriter(stderr, s.stderrTail)
	if s.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	if err := startProcess(cmd, s.done); err != nil {
		return nil, fmt.Errorf("pgtest: starting %s: %w", node, err)
	}

	ready := make(chan readiness, 1)
	stdoutDone := make(chan struct{})
	go s.readStdout(stdout, stderr, ready, stdoutDone)
	go func() {
		<-stdoutDone // Wait must not run before stdout has been read to EOF.
		s.waitErr = cmd.Wait()
		close(s.done)
	}()

	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	var failure error
	select {
	case r := <-ready:
		if r.err == nil {
			s.info = r.info
			if seed != "" && !opts.NoSeed {
				maintainSeedCache(seed, r.info.Seed)
			}
			return s, nil
		}
		failure = r.err
	case <-s.done:
		failure = fmt.Errorf("pgtest: oracle exited before it was ready (%v); stderr:\n%s", s.waitErr, s.stderrTail)
	case <-ctx.Done():
		failure = fmt.Errorf("pgtest: waiting for the oracle to start: %w", ctx.Err())
	case <-timer.C:
		failure = fmt.Errorf("pgtest: oracle not ready after %v; stderr:\n%s", startTimeout, s.stderrTail)
	}
	killProcess(cmd)
	<-s.done
	return nil, failure
}

type readiness struct {
	info Info
	err  error
}

// readStdout waits for the readiness line and passes anything else the server
// prints to stderr.
func (s *Server) readStdout(stdout io.Reader, stderr io.Writer, ready chan<- readiness, done chan<- struct{}) {
	defer close(done)
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	sent := false
	for sc.Scan() {
		line := sc.Text()
		if !sent && strings.HasPrefix(line, ReadyPrefix) {
			var info Info
			err := json.Unmarshal([]byte(strings.TrimPrefix(line, ReadyPrefix)), &info)
			if err == nil && info.Port == 0 {
				err = errors.New("no port")
			}
			if err != nil {
				err = fmt.Errorf("pgtest: malformed readiness line %q: %w", line, err)
			}
			ready <- readiness{info: info, err: err}
			sent = true
			continue
		}
		fmt.Fprintf(stderr, "pgtest-oracle stdout: %s\n", line)
	}
	_, _ = io.Copy(io.Discard, stdout)
}

// Info returns what the server reported when it became ready.
func (s *Server) Info() Info { return s.info }

// Addr returns the server's host:port.
func (s *Server) Addr() string {
	return net.JoinHostPort(s.info.Host, strconv.Itoa(s.info.Port))
}

// DSN returns a connection string for pgx or libpq. Any user and database
// name is accepted; the server has one database, postgres, and one superuser,
// postgres. TLS is not offered.
func (s *Server) DSN() string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User("postgres"),
		Host:     s.Addr(),
		Path:     "/postgres",
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// Err returns nil while the server runs, and why it stopped once it has.
func (s *Server) Err() error {
	select {
	case <-s.done:
		if s.waitErr != nil {
			return fmt.Errorf("pgtest: oracle exited: %w; stderr:\n%s", s.waitErr, s.stderrTail)
		}
		return errors.New("pgtest: oracle exited")
	default:
		return nil
	}
}

// Close stops the server: it closes the server's stdin and sends SIGTERM,
// waits up to Options.StopTimeout, then kills it. It returns an error when the
// server had crashed or had to be killed. Calling Close again returns the same
// result.
func (s *Server) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.stop() })
	return s.closeErr
}

func (s *Server) stop() error {
	select {
	case <-s.done:
		return s.exitError()
	default:
	}
	_ = s.stdin.Close()
	terminateProcess(s.cmd)
	timer := time.NewTimer(s.stopTimeout)
	defer timer.Stop()
	select {
	case <-s.done:
		return s.exitError()
	case <-timer.C:
	}
	killProcess(s.cmd)
	<-s.done
	return fmt.Errorf("pgtest: oracle did not stop within %v and was killed", s.stopTimeout)
}

func (s *Server) exitError() error {
	if s.waitErr != nil {
		return fmt.Errorf("pgtest: oracle exited: %w; stderr:\n%s", s.waitErr, s.stderrTail)
	}
	return nil
}

// tailBuffer keeps the last max bytes written to it, for error messages.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
