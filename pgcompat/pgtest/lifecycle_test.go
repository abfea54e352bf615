package pgtest

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStartReportsWhatIsMissing(t *testing.T) {
	ctx := context.Background()

	_, err := Start(ctx, Options{Dir: t.TempDir()})
	require.ErrorIs(t, err, ErrUnavailable)
	assert.ErrorContains(t, err, "no server.mjs")

	// server.mjs present, npm packages not installed.
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "server.mjs"), nil, 0o644))
	_, err = Start(ctx, Options{Dir: dir})
	require.ErrorIs(t, err, ErrUnavailable)
	assert.ErrorContains(t, err, "npm ci")

	oracleDir, err := locateDir("")
	require.NoError(t, err, "the oracle directory is found from the source tree")
	if checkModules(oracleDir) == nil {
		_, err = Start(ctx, Options{Node: "no-such-node-binary-for-pgtest"})
		require.ErrorIs(t, err, ErrUnavailable)
		assert.ErrorContains(t, err, "Node.js")
	}

	_, err = Start(ctx, Options{Dir: oracleDir, Port: 70000})
	require.Error(t, err)
}

// recorder is a testing.TB that records Skip and Fatal instead of ending the
// goroutine.
type recorder struct {
	testing.TB
	skipped, failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Skipf(string, ...any)  { r.skipped = true }
func (r *recorder) Fatal(...any)          { r.failed = true }
func (r *recorder) Fatalf(string, ...any) { r.failed = true }
func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Cleanup(func())        {}

func TestMissingOracleSkipsUnlessRequired(t *testing.T) {
	missing := Options{Dir: t.TempDir()}

	t.Setenv(EnvRequire, "")
	r := &recorder{TB: t}
	assert.Nil(t, NewWithOptions(r, missing))
	assert.True(t, r.skipped)
	assert.False(t, r.failed)

	t.Setenv(EnvRequire, "1")
	r = &recorder{TB: t}
	assert.Nil(t, NewWithOptions(r, missing))
	assert.False(t, r.skipped)
	assert.True(t, r.failed, "CI demands the oracle")

	t.Setenv(EnvRequire, "")
	var shared Shared
	shared.Options = missing
	r = &recorder{TB: t}
	assert.Nil(t, shared.Server(r))
	assert.True(t, r.skipped)
	r = &recorder{TB: t}
	assert.Nil(t, shared.Server(r), "a failed start is remembered")
	assert.True(t, r.skipped)
	assert.NoError(t, shared.Close())

	// A broken installation is a failure even when not required.
	r = &recorder{TB: t}
	skipOrFail(r, errors.New("pgtest: oracle exited before it was ready"))
	assert.True(t, r.failed)
}

// startForLifecycle starts a private server, skipping like New when the
// oracle is unavailable.
func startForLifecycle(t *testing.T, opts Options) *Server {
	t.Helper()
	srv, err := Start(context.Background(), opts)
	if err != nil {
		skipOrFail(t, err)
		return nil
	}
	return srv
}

func TestCloseStopsTheServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts its own server")
	}
	// Ask for a specific port to check that Port is honoured.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())

	srv := startForLifecycle(t, Options{Port: port})
	assert.Equal(t, port, srv.Info().Port)
	assert.Equal(t, "127.0.0.1", srv.Info().Host)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, srv.DSN())
	require.NoError(t, err)
	require.NoError(t, srv.Err())

	start := time.Now()
	require.NoError(t, srv.Close())
	t.Logf("Close took %v", time.Since(start))
	require.Error(t, srv.Err())
	require.NoError(t, srv.Close(), "Close is idempotent")
	assert.Error(t, conn.Ping(ctx), "the server is gone")
	_, err = net.DialTimeout("tcp", srv.Addr(), time.Second)
	assert.Error(t, err, "nothing listens any more")
}

// TestServerExitsWhenItsParentGoes closes only the server's stdin, which is
// what the kernel does when the test binary dies.
func TestServerExitsWhenItsParentGoes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts its own server")
	}
	srv := startForLifecycle(t, Options{})
	require.NoError(t, srv.stdin.Close())
	select {
	case <-srv.done:
	case <-time.After(30 * time.Second):
		require.NoError(t, srv.Close())
		t.Fatal("the server ignored its stdin closing")
	}
	assert.NoError(t, srv.waitErr, "a clean exit")
}

func TestCloseReportsACrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts its own server")
	}
	srv := startForLifecycle(t, Options{Stderr: discard{}})
	require.NoError(t, syscall.Kill(srv.Info().PID, syscall.SIGKILL))
	<-srv.done
	assert.Error(t, srv.Err())
	assert.Error(t, srv.Close())
}

func TestStartGivesUpWhenTheContextEnds(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := Start(ctx, Options{NoSeed: true})
	if errors.Is(err, ErrUnavailable) {
		skipOrFail(t, err)
		return
	}
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
