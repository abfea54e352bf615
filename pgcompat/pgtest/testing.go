package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
)

// required reports whether EnvRequire demands the oracle.
func required() bool {
	v, err := strconv.ParseBool(os.Getenv(EnvRequire))
	return err == nil && v
}

// skipOrFail ends the test when the oracle could not be started: a skip when
// it is merely unavailable (no Node.js, no npm packages) and not required, a
// failure otherwise.
func skipOrFail(t testing.TB, err error) {
	t.Helper()
	if errors.Is(err, ErrUnavailable) && !required() {
		t.Skipf("%v (set %s=1 to make this a failure)", err, EnvRequire)
		return
	}
	t.Fatal(err)
}

// New starts a server for this test alone and stops it when the test ends.
// It skips the test when the oracle is unavailable, unless
// SMALLWORLD_REQUIRE_PGVECTOR=1, in which case it fails it. A start costs about
// 2 s with a warm cache; tests that can share one should use [Shared].
func New(t testing.TB) *Server {
	t.Helper()
	return NewWithOptions(t, Options{})
}

// NewWithOptions is [New] with explicit options.
func NewWithOptions(t testing.TB, opts Options) *Server {
	t.Helper()
	srv, err := Start(context.Background(), opts)
	if err != nil {
		skipOrFail(t, err)
		return nil
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("stopping the pgvector oracle: %v", err)
		}
	})
	return srv
}

// Shared starts one server on first use and hands it to every test that asks,
// so that a test binary pays the start-up once. Declare one in a _test.go
// file and stop it from TestMain:
//
//	var oracle pgtest.Shared
//
//	func TestMain(m *testing.M) { os.Exit(oracle.Run(m)) }
//
//	func TestSomething(t *testing.T) {
//		conn := oracle.Server(t).Conn(t)
//		...
//	}
//
// Without TestMain the server still stops when the test binary exits, because
// it watches its stdin. The zero value is ready to use; set Options before the
// first call to Server.
type Shared struct {
	// Options configure the server when it is first started.
	Options Options

	mu      sync.Mutex
	started bool
	srv     *Server
	err     error
}

// Server returns the shared server, starting it on the first call. Like
// [New], it skips or fails the test when the oracle cannot start; a failed
// start is not retried. It fails the test if the server has died since.
func (s *Shared) Server(t testing.TB) *Server {
	t.Helper()
	s.mu.Lock()
	if !s.started {
		s.started = true
		s.srv, s.err = Start(context.Background(), s.Options)
	}
	srv, err := s.srv, s.err
	s.mu.Unlock()
	if err != nil {
		skipOrFail(t, err)
		return nil
	}
	if err := srv.Err(); err != nil {
		t.Fatal(err)
		return nil
	}
	return srv
}

// Close stops the shared server if it was started. A later call to Server
// fails the test, since the server has stopped.
func (s *Shared) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv == nil {
		return nil
	}
	return s.srv.Close()
}

// Run runs the tests and then stops the server; it returns the exit code for
// os.Exit, turned into a failure if the server did not stop cleanly.
func (s *Shared) Run(m *testing.M) int {
	code := m.Run()
	if err := s.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if code == 0 {
			code = 1
		}
	}
	return code
}
