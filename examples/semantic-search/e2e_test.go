package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncBuffer is a bytes.Buffer safe for the server's log writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// server is a service started by run on a loopback port.
type server struct {
	base string
	stop func() error // cancels run's context (as SIGTERM does) and waits for it
	log  *syncBuffer
}

func startServer(t *testing.T, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	addrc := make(chan net.Addr, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), logs, func(a net.Addr) { addrc <- a })
	}()
	select {
	case a := <-addrc:
		var once sync.Once
		var runErr error
		s := &server{base: "http://" + a.String(), log: logs, stop: func() error {
			once.Do(func() { cancel(); runErr = <-errc })
			return runErr
		}}
		t.Cleanup(func() { s.stop() })
		return s
	case err := <-errc:
		cancel()
		t.Fatalf("server did not start: %v\n%s", err, logs.String())
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatalf("server did not start in time\n%s", logs.String())
	}
	return nil
}

// call sends a JSON request and decodes the JSON answer into out (if not
// nil); it returns the status.
func call(client *http.Client, method, url string, in, out any) (int, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: %w (body %q)", method, url, err, data)
		}
	}
	return resp.StatusCode, nil
}

type wireItem struct {
	ID      *uint64         `json:"id,omitempty"`
	Vector  []float32       `json:"vector"`
	Tags    []string        `json:"tags,omitempty"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

func ptr[T any](v T) *T { return &v }

type wireSearch struct {
	Results []struct {
		ID       uint64   `json:"id"`
		Distance float32  `json:"distance"`
		Tags     []string `json:"tags"`
	} `json:"results"`
}

// TestEndToEnd drives the service over loopback with concurrent clients,
// stops it the way SIGTERM does, starts it again on the same data file and
// checks that everything came back.
func TestEndToEnd(t *testing.T) {
	const dim, writers, perWriter = 16, 6, 80
	data := filepath.Join(t.TempDir(), "items.sws")
	args := []string{"-data", data, "-dim", fmt.Sprint(dim), "-metric", "l2"}
	srv := startServer(t, args...)
	client := &http.Client{Timeout: 30 * time.Second}

	// Each writer owns a range of ids: it adds them, replaces every third
	// and deletes every seventh, while readers search and read stats.
	type state struct {
		vec  []float32
		tags []string
	}
	want := make([]map[uint64]state, writers)
	var writersWG, readersWG sync.WaitGroup
	stopReaders := make(chan struct{})
	errs := make(chan error, 100)
	report := func(err error) {
		select {
		case errs <- err:
		default:
		}
	}
	for w := range writers {
		want[w] = map[uint64]state{}
		writersWG.Add(1)
		go func() {
			defer writersWG.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			tag := fmt.Sprint("writer", w)
			for i := range perWriter {
				id := uint64(w*1000 + i)
				v := randomVector(rng, dim)
				code, err := call(client, "POST", srv.base+"/items", wireItem{ID: &id, Vector: v, Tags: []string{tag}, Payload: json.RawMessage(fmt.Sprintf(`{"n":%d}`, id))}, nil)
				if err != nil || code != http.StatusCreated {
					report(fmt.Errorf("add %d: %d %v", id, code, err))
					return
				}
				want[w][id] = state{v, []string{tag}}
				if i%3 == 2 {
					old := uint64(w*1000 + i - 1)
					v2 := randomVector(rng, dim)
					code, err := call(client, "PUT", fmt.Sprintf("%s/items/%d", srv.base, old), wireItem{Vector: v2, Tags: []string{tag, "replaced"}}, nil)
					if err != nil || code != http.StatusOK {
						report(fmt.Errorf("upsert %d: %d %v", old, code, err))
						return
					}
					want[w][old] = state{v2, []string{"replaced", tag}}
				}
				if i%7 == 6 {
					gone := uint64(w*1000 + i - 3)
					code, err := call(client, "DELETE", fmt.Sprintf("%s/items/%d", srv.base, gone), nil, nil)
					if err != nil || code != http.StatusNoContent {
						report(fmt.Errorf("delete %d: %d %v", gone, code, err))
						return
					}
					delete(want[w], gone)
				}
			}
		}()
	}
	// Many clients upserting one shared key: the key lock must keep
	// exactly one item, whatever the interleaving.
	const shared = 999_999
	for w := range writers {
		writersWG.Add(1)
		go func() {
			defer writersWG.Done()
			for i := range 10 {
				v := make([]float32, dim)
				v[0] = float32(w*100 + i)
				code, err := call(client, "PUT", fmt.Sprintf("%s/items/%d", srv.base, shared), wireItem{Vector: v}, nil)
				if err != nil || code != http.StatusOK && code != http.StatusCreated {
					report(fmt.Errorf("shared upsert: %d %v", code, err))
					return
				}
			}
		}()
	}
	for r := range 3 {
		readersWG.Add(1)
		go func() {
			defer readersWG.Done()
			rng := rand.New(rand.NewPCG(uint64(r), 99))
			for {
				select {
				case <-stopReaders:
					return
				default:
				}
				tag := fmt.Sprint("writer", rng.IntN(writers))
				var res wireSearch
				code, err := call(client, "POST", srv.base+"/search", map[string]any{
					"vector": randomVector(rng, dim), "k": 5, "filter": map[string]any{"tags_all": []string{tag}},
				}, &res)
				if err != nil || code != http.StatusOK {
					report(fmt.Errorf("search: %d %v", code, err))
					return
				}
				for _, h := range res.Results {
					if !assert.Contains(t, h.Tags, tag) {
						return
					}
				}
				if code, err := call(client, "GET", srv.base+"/stats", nil, nil); err != nil || code != http.StatusOK {
					report(fmt.Errorf("stats: %d %v", code, err))
					return
				}
			}
		}()
	}
	writersWG.Wait()
	close(stopReaders)
	readersWG.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	require.False(t, t.Failed())

	all := map[uint64]state{}
	for _, m := range want {
		for id, s := range m {
			all[id] = s
		}
	}
	check := func(base string) {
		t.Helper()
		for id, s := range all {
			var got wireItem
			code, err := call(client, "GET", fmt.Sprintf("%s/items/%d", base, id), nil, &got)
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, code, "id %d", id)
			require.Equal(t, s.vec, got.Vector, "id %d", id)
			require.Equal(t, s.tags, got.Tags, "id %d", id)
		}
		for w := range writers {
			for i := range perWriter {
				id := uint64(w*1000 + i)
				if _, ok := all[id]; ok {
					continue
				}
				code, err := call(client, "GET", fmt.Sprintf("%s/items/%d", base, id), nil, nil)
				require.NoError(t, err)
				require.Equal(t, http.StatusNotFound, code, "deleted id %d", id)
			}
		}
		var st statsResponse
		code, err := call(client, "GET", base+"/stats", nil, &st)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, code)
		require.Equal(t, len(all)+1, st.Items, "the owned items and the shared one")
	}
	check(srv.base)

	// The same queries before and after the restart.
	rng := rand.New(rand.NewPCG(42, 42))
	queries := make([][]float32, 10)
	before := make([]wireSearch, len(queries))
	for i := range queries {
		queries[i] = randomVector(rng, dim)
		code, err := call(client, "POST", srv.base+"/search", map[string]any{"vector": queries[i], "k": 10, "ef": 200}, &before[i])
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, code)
	}

	require.NoError(t, srv.stop())
	assert.Contains(t, srv.log.String(), "saved")
	_, err := os.Stat(data)
	require.NoError(t, err, "data file not written on shutdown")

	srv2 := startServer(t, args...)
	assert.Contains(t, srv2.log.String(), "loaded=true")
	check(srv2.base)
	for i, q := range queries {
		var after wireSearch
		code, err := call(client, "POST", srv2.base+"/search", map[string]any{"vector": q, "k": 10, "ef": 200}, &after)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, code)
		assert.Equal(t, before[i], after, "query %d", i)
	}
	require.NoError(t, srv2.stop())
}

func TestStartupChecks(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "items.sws")
	var logs bytes.Buffer
	ctx := context.Background()

	err := run(ctx, []string{"-addr", "127.0.0.1:0", "-data", data, "-dim", "-1"}, &logs, nil)
	require.ErrorIs(t, err, errUsage)

	err = run(ctx, []string{"-addr", "127.0.0.1:0", "-data", data, "-dim", "4", "-metric", "hamming"}, &logs, nil)
	require.ErrorIs(t, err, errUsage)

	err = run(ctx, []string{"-addr", "127.0.0.1:0", "-data", data, "-dim", "4", "-m", "1"}, &logs, nil)
	require.ErrorIs(t, err, errUsage)

	err = run(ctx, []string{"-bogus"}, &logs, nil)
	require.ErrorIs(t, err, errUsage)

	// Create the file, then restart with settings that contradict it.
	srv := startServer(t, "-data", data, "-dim", "4", "-metric", "ip")
	require.NoError(t, srv.stop())
	err = run(ctx, []string{"-addr", "127.0.0.1:0", "-data", data, "-dim", "5"}, &logs, nil)
	require.ErrorIs(t, err, errUsage)
	assert.Contains(t, err.Error(), "4-dimensional")
	err = run(ctx, []string{"-addr", "127.0.0.1:0", "-data", data, "-metric", "cosine"}, &logs, nil)
	require.ErrorIs(t, err, errUsage)

	// A damaged file stops the start and is left as it is, not replaced
	// by an empty index.
	damaged := []byte("SWSEARCH but not really")
	require.NoError(t, os.WriteFile(data, damaged, 0o600))
	err = run(ctx, []string{"-addr", "127.0.0.1:0", "-data", data, "-dim", "4"}, &logs, nil)
	require.ErrorIs(t, err, errCorruptStore)
	b, err := os.ReadFile(data)
	require.NoError(t, err)
	assert.Equal(t, damaged, b)
}

// TestDimensionFromFirstVector: without -dim the first vector stored fixes
// the dimension; nothing is saved before it.
func TestDimensionFromFirstVector(t *testing.T) {
	data := filepath.Join(t.TempDir(), "items.sws")
	srv := startServer(t, "-data", data)
	client := http.DefaultClient

	var st statsResponse
	code, err := call(client, "GET", srv.base+"/stats", nil, &st)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code)
	assert.Zero(t, st.Dim)
	var res wireSearch
	code, err = call(client, "POST", srv.base+"/search", map[string]any{"vector": []float32{1, 2}}, &res)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, code)
	assert.Empty(t, res.Results)
	code, err = call(client, "DELETE", srv.base+"/items/1", nil, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNotFound, code)
	code, err = call(client, "POST", srv.base+"/items", wireItem{ID: ptr(uint64(1)), Vector: []float32{}}, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusBadRequest, code, "an empty first vector cannot fix the dimension")

	code, err = call(client, "PUT", srv.base+"/items/1", wireItem{Vector: []float32{1, 2, 3, 4, 5}}, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, code)
	code, err = call(client, "POST", srv.base+"/items", wireItem{ID: ptr(uint64(2)), Vector: []float32{1, 2, 3, 4}}, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusBadRequest, code)
	code, err = call(client, "GET", srv.base+"/stats", nil, &st)
	require.NoError(t, err)
	assert.Equal(t, 5, st.Dim)
	assert.Equal(t, "cosine", st.Metric)
	require.NoError(t, srv.stop())

	srv = startServer(t, "-data", data)
	code, err = call(client, "GET", srv.base+"/stats", nil, &st)
	require.NoError(t, err)
	assert.Equal(t, 5, st.Dim)
	assert.Equal(t, 1, st.Items)
	require.NoError(t, srv.stop())

	// A run that stores nothing writes no file.
	empty := filepath.Join(t.TempDir(), "empty.sws")
	srv = startServer(t, "-data", empty)
	require.NoError(t, srv.stop())
	_, err = os.Stat(empty)
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestAutosave(t *testing.T) {
	data := filepath.Join(t.TempDir(), "items.sws")
	srv := startServer(t, "-data", data, "-dim", "2", "-autosave", "50ms")
	code, err := call(http.DefaultClient, "POST", srv.base+"/items", wireItem{ID: ptr(uint64(5)), Vector: []float32{1, 2}}, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, code)
	require.Eventually(t, func() bool {
		ix, _, err := readStore(data)
		return err == nil && ix.Contains(5)
	}, 10*time.Second, 20*time.Millisecond)
	require.NoError(t, srv.stop())
}

// TestSIGTERM runs the real program, stops it with SIGTERM and checks that it
// saved, exited with status 0 and serves the data after a restart.
func TestSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the program; skipped with -short")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not on PATH")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "semantic-search")
	build := exec.Command(goBin, "build", "-o", bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	data := filepath.Join(dir, "items.sws")

	start := func() (*exec.Cmd, string) {
		cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-data", data, "-dim", "3")
		stderr, err := cmd.StderrPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		addr := regexp.MustCompile(`msg=listening addr=(\S+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := addr.FindStringSubmatch(sc.Text()); m != nil {
				go io.Copy(io.Discard, stderr)
				return cmd, "http://" + m[1]
			}
		}
		t.Fatal("the program did not report its address")
		return nil, ""
	}

	cmd, base := start()
	code, err := call(http.DefaultClient, "POST", base+"/items", wireItem{ID: ptr(uint64(1)), Vector: []float32{1, 2, 3}, Tags: []string{"t"}}, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, code)
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, cmd.Wait(), "exit status after SIGTERM")

	cmd, base = start()
	var got wireItem
	code, err = call(http.DefaultClient, "GET", base+"/items/1", nil, &got)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, []string{"t"}, got.Tags)
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, cmd.Wait())
}
