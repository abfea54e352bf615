package pgtest

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// TestNodeUnitTests runs the Node front end's own unit tests (framing, SQL
// classification), which need Node.js but not the npm packages.
func TestNodeUnitTests(t *testing.T) {
	node, err := locateNode("")
	if err != nil {
		skipOrFail(t, err)
		return
	}
	dir, err := locateDir("")
	if err != nil {
		t.Fatal(err)
	}
	tests, err := filepath.Glob(filepath.Join(dir, "*.test.mjs"))
	if err != nil || len(tests) == 0 {
		t.Fatalf("no *.test.mjs in %s (%v)", dir, err)
	}
	cmd := exec.Command(node, append([]string{"--test"}, tests...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test: %v\n%s", err, out)
	}
}
