package pgcompat_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/smallworld-go/smallworld/pgcompat"
	"github.com/smallworld-go/smallworld/pgcompat/pgtest"
)

// The conformance tests compare pgcompat with a real pgvector 0.8.7 running
// in PGlite (see package pgtest). Without Node.js and the npm packages they
// skip, unless SMALLWORLD_REQUIRE_PGVECTOR=1 demands the oracle. Random
// cases come from fixed seeds, so every run compares the same cases.

var oracle pgtest.Shared

func TestMain(m *testing.M) { os.Exit(oracle.Run(m)) }

// helperSQL defines, in the oracle's session, functions that evaluate many
// expressions in one round trip and report each error as a value instead
// of aborting the query.
const helperSQL = `
CREATE OR REPLACE FUNCTION pgc_lit(lit text, typ text) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE r text; c text; m text; d text; h text;
BEGIN
  EXECUTE format('SELECT %L::%s::text', lit, typ) INTO r;
  RETURN ARRAY['ok', r];
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS c = RETURNED_SQLSTATE, m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL, h = PG_EXCEPTION_HINT;
  RETURN ARRAY['err', c, m, d, h];
END $$;
CREATE OR REPLACE FUNCTION pgc_eval(q text, a anyelement, b anyelement) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE r text; c text; m text; d text; h text;
BEGIN
  EXECUTE q INTO r USING a, b;
  RETURN ARRAY['ok', r];
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS c = RETURNED_SQLSTATE, m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL, h = PG_EXCEPTION_HINT;
  RETURN ARRAY['err', c, m, d, h];
END $$;
`

// oracleConn returns a connection to the shared oracle with the helper
// functions defined. It skips the test under -short.
func oracleConn(t *testing.T) *pgx.Conn {
	t.Helper()
	if testing.Short() {
		t.Skip("conformance tests against the pgvector oracle are skipped in -short mode")
	}
	conn := oracle.Server(t).Conn(t)
	_, err := conn.Exec(ctx(t), helperSQL)
	require.NoError(t, err)
	return conn
}

// ctx returns a context bounded by a generous per-test deadline: PGlite is
// single-threaded WebAssembly and index builds take seconds.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	t.Cleanup(cancel)
	return c
}

// outcome is a result or error as the oracle's helper functions report it.
type outcome struct {
	OK     bool
	Value  string
	Code   string
	Msg    string
	Detail string
	Hint   string
}

func (o outcome) String() string {
	if o.OK {
		return "ok " + o.Value
	}
	s := fmt.Sprintf("ERROR %s: %s", o.Code, o.Msg)
	if o.Detail != "" {
		s += " DETAIL: " + o.Detail
	}
	if o.Hint != "" {
		s += " HINT: " + o.Hint
	}
	return s
}

func outcomeFromArray(a []*string) outcome {
	get := func(i int) string {
		if i < len(a) && a[i] != nil {
			return *a[i]
		}
		return ""
	}
	if get(0) == "ok" {
		return outcome{OK: true, Value: get(1)}
	}
	return outcome{Code: get(1), Msg: get(2), Detail: get(3), Hint: get(4)}
}

// outcomeOf turns a pgcompat result into an outcome.
func outcomeOf(value string, err error) outcome {
	if err == nil {
		return outcome{OK: true, Value: value}
	}
	var pe *pgcompat.Error
	if errors.As(err, &pe) {
		return outcome{Code: string(pe.Code), Msg: pe.Message, Detail: pe.Detail, Hint: pe.Hint}
	}
	return outcome{Code: "GO", Msg: err.Error()}
}

// outcomeOfPgErr turns an error from pgx into an outcome.
func outcomeOfPgErr(err error) outcome {
	if err == nil {
		return outcome{OK: true}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return outcome{Code: pe.Code, Msg: pe.Message, Detail: pe.Detail, Hint: pe.Hint}
	}
	return outcome{Code: "CLIENT", Msg: err.Error()}
}

// tally counts compared and equal cases and lists the first mismatches.
type tally struct {
	name      string
	compared  int
	equal     int
	mismatch  []string
	tolerated int // differences the test explains and accepts
}

func (ty *tally) check(equal bool, format string, args ...any) {
	ty.compared++
	if equal {
		ty.equal++
		return
	}
	if len(ty.mismatch) < 25 {
		ty.mismatch = append(ty.mismatch, fmt.Sprintf(format, args...))
	}
}

// report logs the figures and fails the test on any mismatch.
func (ty *tally) report(t *testing.T) {
	t.Helper()
	t.Logf("conformance %s: %d compared, %d equal", ty.name, ty.compared, ty.equal)
	if len(ty.mismatch) > 0 {
		t.Errorf("conformance %s: %d mismatches, first ones:\n%s", ty.name, ty.compared-ty.equal, strings.Join(ty.mismatch, "\n"))
	}
}

// litOutcomes evaluates 'lit'::typ::text for every literal in one query.
func litOutcomes(t *testing.T, conn *pgx.Conn, typ string, lits []string) []outcome {
	t.Helper()
	rows, err := conn.Query(ctx(t), `SELECT pgc_lit(l, $2) FROM unnest($1::text[]) WITH ORDINALITY AS u(l, n) ORDER BY n`, lits, typ)
	require.NoError(t, err)
	var out []outcome
	for rows.Next() {
		var a []*string
		require.NoError(t, rows.Scan(&a))
		out = append(out, outcomeFromArray(a))
	}
	require.NoError(t, rows.Err())
	require.Len(t, out, len(lits))
	return out
}
