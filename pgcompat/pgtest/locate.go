package pgtest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// ErrUnavailable reports that the oracle cannot run on this machine: Node.js is
// not installed or the pinned npm packages have not been installed with
// `npm ci`. Errors returned by [Start] wrap it (test with errors.Is) and name
// what is missing.
var ErrUnavailable = errors.New("pgtest: pgvector oracle unavailable")

// Environment variables read by this package.
const (
	// EnvRequire, when set to a true value ("1", "true"), turns a missing
	// oracle from a skipped test into a failed one. CI sets it.
	EnvRequire = "SMALLWORLD_REQUIRE_PGVECTOR"
	// EnvDir overrides the directory holding server.mjs and node_modules.
	EnvDir = "SMALLWORLD_PGTEST_DIR"
	// EnvCache overrides the directory where the initialised database is
	// cached between runs; "off" disables the cache.
	EnvCache = "SMALLWORLD_PGTEST_CACHE"
)

// oracleSubdir is where the Node program lives, relative to this package.
const oracleSubdir = "oracle"

// requiredModules are the npm packages the server imports; their absence means
// `npm ci` has not been run.
var requiredModules = []string{
	"@electric-sql/pglite",
	"@electric-sql/pglite-pgvector",
}

// locateDir finds the oracle directory: the explicit option, then EnvDir, then
// the directory next to this source file (what `go test` in this module
// sees), then a search upwards from the working directory (for binaries built
// with -trimpath).
func locateDir(explicit string) (string, error) {
	var candidates []string
	if explicit != "" {
		candidates = append(candidates, explicit)
	} else if env := os.Getenv(EnvDir); env != "" {
		candidates = append(candidates, env)
	} else {
		if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
			candidates = append(candidates, filepath.Join(filepath.Dir(file), oracleSubdir))
		}
		if wd, err := os.Getwd(); err == nil {
			for dir := wd; ; dir = filepath.Dir(dir) {
				candidates = append(candidates, filepath.Join(dir, "pgcompat", "pgtest", oracleSubdir))
				if filepath.Dir(dir) == dir {
					break
				}
			}
		}
	}
	for _, dir := range candidates {
		if _, err := os.Stat(filepath.Join(dir, "server.mjs")); err == nil {
			return filepath.Abs(dir)
		}
	}
	if explicit != "" || os.Getenv(EnvDir) != "" {
		return "", fmt.Errorf("%w: no server.mjs in %s", ErrUnavailable, candidates[0])
	}
	return "", fmt.Errorf("%w: cannot find the oracle directory (set %s)", ErrUnavailable, EnvDir)
}

// checkModules reports which pinned npm packages are missing from dir.
func checkModules(dir string) error {
	for _, m := range requiredModules {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", filepath.FromSlash(m), "package.json")); err != nil {
			return fmt.Errorf("%w: npm package %s is not installed; run `npm ci` in %s", ErrUnavailable, m, dir)
		}
	}
	return nil
}

// locateNode finds the node executable.
func locateNode(explicit string) (string, error) {
	name := explicit
	if name == "" {
		name = "node"
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%w: Node.js (%s) not found: %v", ErrUnavailable, name, err)
	}
	return path, nil
}

// defaultSeedFile names the cached data directory for this oracle: it depends
// on the exact npm packages (package-lock.json) and on the server code that
// initialises the database (server.mjs), so a change to either starts a new
// cache entry.
func defaultSeedFile(dir string) (string, error) {
	cache := os.Getenv(EnvCache)
	if cache == "off" {
		return "", nil
	}
	if cache == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return "", nil // no cache directory: every start runs initdb
		}
		cache = filepath.Join(base, "smallworld", "pgtest")
	}
	// The seed holds what PGlite's initdb and server.mjs's setup produce; the
	// rest of the front end does not affect it.
	files := []string{filepath.Join(dir, "package-lock.json"), filepath.Join(dir, "server.mjs")}
	h := sha256.New()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("pgtest: hashing oracle sources: %w", err)
		}
		fmt.Fprintf(h, "%s %d\n", filepath.Base(f), len(b))
		h.Write(b)
	}
	return filepath.Join(cache, "seed-"+hex.EncodeToString(h.Sum(nil))[:16]+".tgz"), nil
}

// seedMaxIdle is how long a cached seed may go unused before a newer one
// replaces it in the cache directory.
const seedMaxIdle = 7 * 24 * time.Hour

// maintainSeedCache marks a seed that was just used, so that it is kept, and
// after a new seed was written removes the seeds of other versions that have
// not been used for a week. Failures only cost a slower start later.
func maintainSeedCache(seed, status string) {
	now := time.Now()
	switch status {
	case "loaded":
		_ = os.Chtimes(seed, now, now)
	case "written":
		dir := filepath.Dir(seed)
		entries, err := os.ReadDir(dir)
		if err != nil {
			return
		}
		for _, e := range entries {
			name := e.Name()
			if name == filepath.Base(seed) || !strings.HasPrefix(name, "seed-") {
				continue
			}
			if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > seedMaxIdle {
				_ = os.Remove(filepath.Join(dir, name))
			}
		}
	}
}
