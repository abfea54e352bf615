package tune_test

import (
	"os"
	"testing"

	"github.com/smallworld-go/smallworld/pgcompat/pgtest"
)

// oracle is a real pgvector 0.8.7 (PGlite under Node), started on first use
// by the tests that need one; they skip without Node unless
// SMALLWORLD_REQUIRE_PGVECTOR=1.
var oracle pgtest.Shared

func TestMain(m *testing.M) { os.Exit(oracle.Run(m)) }
