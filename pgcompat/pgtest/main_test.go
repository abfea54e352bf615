package pgtest_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/smallworld-go/smallworld/pgcompat/pgtest"
)

// oracle is shared by every test in this binary.
var oracle pgtest.Shared

func TestMain(m *testing.M) { os.Exit(oracle.Run(m)) }

// testContext returns a context that ends with a generous per-test deadline,
// so that a wedged server fails the test instead of hanging the binary.
func testContext(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}
