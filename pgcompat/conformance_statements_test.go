package pgcompat_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/smallworld-go/smallworld/pgcompat"
)

// settingCases are SET/RESET statements at and around every boundary of the
// settings pgcompat models, and the parser's error cases.
func settingCases() []string {
	var c []string
	add := func(name string, values ...string) {
		for _, v := range values {
			c = append(c, fmt.Sprintf("SET %s = %s", name, v))
		}
	}
	add("hnsw.ef_search", "0", "1", "1000", "1001", "-1", "'010'", "0x10", "0o17", "0b101", "2.5", "3.5", "1.4999", "'1e3'", "'1e10'",
		"abc", "''", "' 12 '", "'12 kB'", "true", "on", "99999999999", "1_0", "'0x1A'", "'1.5e1'", "+5", "- 5", "40.5", "'40.5'",
		"'.5'", "'0x'", "'  '", "' 1 2'", "'1e'", "'1e+2'", "'inf'", "'nan'", "$$12$$", "E'1\\x32'", "\"12\"", "1e2", "2147483648", "'-0'")
	add("hnsw.iterative_scan", "off", "relaxed_order", "strict_order", "STRICT_ORDER", "'Strict_Order'", "\"Relaxed_Order\"", "on",
		"''", "1", "true", "relaxed", "'off '", "OFF")
	add("hnsw.max_scan_tuples", "0", "1", "2147483647", "2147483648", "-1", "1e9", "'1e9'", "20000.5", "'2147483647.4'", "'2147483647.5'")
	add("hnsw.scan_mem_multiplier", "0.5", "1", "1000", "1000.0001", "1e3", "'2'", "'nan'", "'inf'", "'-inf'", "'1e-310'", "'1e400'",
		"0", "500.25", "'1 kB'", "'0x10'", "'1e'", "123456789", "'1.0000001'", "0.99999999")
	for _, n := range []string{"work_mem", "maintenance_work_mem"} {
		add(n, "63", "64", "'64kB'", "'1MB'", "'1.5MB'", "'1 GB'", "'1gb'", "'2TB'", "'2097151kB'", "'2097152kB'", "'1024B'",
			"'65.4kB'", "'64.4kB'", "'100 xB'", "'10MBB'", "1e6", "'0x100'", "-1", "'65536 '", "'1 MB '", "'0.5GB'", "'70000B'", "'kB'", "'1k'")
	}
	add("max_parallel_maintenance_workers", "0", "1024", "1025", "-1", "7")
	add("random_page_cost", "-1", "0", "1.1", "'1e308'", "'1e309'", "'4.0000001'")
	add("effective_cache_size", "'4GB'", "0", "1", "'8kB'", "'7kB'", "'1B'", "'12MB'", "'1TB'", "'17TB'")
	add("enable_seqscan", "on", "off", "'o'", "'of'", "'yes'", "'n'", "1", "0", "2", "'TRUE'", "'t'", "'tr'", "'truex'", "''", "'on '")
	add("ivfflat.probes", "0", "1", "32768", "32769")
	add("ivfflat.iterative_scan", "relaxed_order", "strict_order")
	c = append(c,
		"SET foo = 1", "SET hnsw.foo = 1", "SET ivfflat.foo = 1", "SET foo.bar = 1", "SET hnsw = 1", "SET HNSW.EF_SEARCH = 33",
		`SET "HNSW.ef_search" = 0`, "SET hnsw.ef_search 10", "SET hnsw.ef_search =", "SET = 10", "SET hnsw.ef_search = 10 20",
		"SET hnsw.ef_search = 10, 20", "SET hnsw.ef_search TO DEFAULT", "SET hnsw.ef_search TO 17", "SET SESSION hnsw.ef_search = 12",
		"SET LOCAL hnsw.ef_search = 0", "SET LOCAL hnsw.ef_search = 5", "RESET hnsw.ef_search", "RESET ALL", "RESET hnsw.foo",
		"RESET foo", "RESET", "SET hnsw.ef_search = 0x", "SET hnsw.ef_search = 1e", "SET hnsw.ef_search = 12abc", "SET hnsw.ef_search = select",
		"SET hnsw.ef_search = 'x'; SET work_mem = 1", "SET hnsw.ef_search = 11; SET work_mem = 100", "SET hnsw.ef_search = DEFAULT, 5",
		"SET hnsw..ef_search = 5", "SET hnsw.ef_search.x = 5", "SET hnsw.ef_search = 'unterminated", "SET hnsw.ef_search = 1 -- comment",
		"SET /* c */ hnsw.ef_search = 21", "SET hnsw.ef_search = 1e-", "SET hnsw.ef_search = 0x_10", "SET hnsw.ef_search = 1__0",
		"SET hnsw.ef_search = 1_", "SET hnsw.ef_search == 5", "SET hnsw.ef_search =-5", "SET hnsw.ef_search = .5e1", "SET foo.bar = 'x'",
		"RESET foo.bar", "SET myapp.1x = 1", "SET work_mem TO '2MB'", "set Hnsw.Ef_Search = 25", "SET enable_seqscan = on",
		"SET hnsw.ef_search = 0xg", "SET hnsw.ef_search = 0b2", "SET hnsw.ef_search = 0o9", "SET hnsw.ef_search = 0x_1",
		"SET hnsw.ef_search = 1.5.5", "SET hnsw.ef_search = 0b_", "SET hnsw.ef_search = '0x10'", "SET hnsw.ef_search = ' 0x'",
		"SET hnsw.ef_search = E'12\\n'", "SET hnsw.ef_search = U&'12'", "SET hnsw.ef_search = U&'\\0031\\0032'", "SET hnsw.ef_search = U&'\\00'", "SET hnsw.ef_search = $a$12$a$", "SET hnsw.ef_search = 12::int",
	)
	return c
}

func TestConformanceSettings(t *testing.T) {
	conn := oracleConn(t)
	_, err := conn.Exec(ctx(t), "RESET ALL")
	require.NoError(t, err)
	mine := pgcompat.DefaultSettings(pgcompat.PGlite)
	ty := &tally{name: "settings (SET/RESET and SHOW)"}
	for _, sql := range settingCases() {
		_, realErr := conn.Exec(ctx(t), sql, pgx.QueryExecModeSimpleProtocol)
		got := outcomeOfPgErr(realErr)
		pos := pgPosition(realErr)
		want, wantPos, names := applyMine(&mine, sql)
		ty.check(got == want && pos == wantPos, "%s: PostgreSQL %v (position %d), pgcompat %v (position %d)", sql, got, pos, want, wantPos)
		for _, n := range names {
			var show string
			err := conn.QueryRow(ctx(t), "SHOW "+quoteGUC(n), pgx.QueryExecModeSimpleProtocol).Scan(&show)
			m, merr := mine.Show(n)
			ty.check(outcomeOf(m, merr) == outcomeOf(show, pgErrAsPgcompat(err)), "SHOW %s after %s: PostgreSQL %q %v, pgcompat %q %v", n, sql, show, err, m, merr)
		}
	}
	// Finally every modelled setting.
	for _, n := range pgcompat.SettingNames() {
		var show string
		require.NoError(t, conn.QueryRow(ctx(t), "SHOW "+n, pgx.QueryExecModeSimpleProtocol).Scan(&show))
		m, err := mine.Show(n)
		ty.check(err == nil && m == show, "final SHOW %s: PostgreSQL %q, pgcompat %q %v", n, show, m, err)
	}
	_, err = conn.Exec(ctx(t), "RESET ALL")
	require.NoError(t, err)
	ty.report(t)
}

// applyMine parses and applies sql to s the way a server runs a query
// string: statement by statement, stopping at the first error. SET LOCAL
// outside a transaction is checked but not kept. It returns the outcome and
// the names whose values to compare.
func applyMine(s *pgcompat.Settings, sql string) (outcome, int, []string) {
	sts, err := pgcompat.ParseStatements(sql)
	if err != nil {
		return outcomeOf("", err), errPosition(err), nil
	}
	var names []string
	for _, st := range sts {
		target := s
		if set, ok := st.(*pgcompat.SetStatement); ok && set.Local {
			cp := *s
			target = &cp
		}
		if err := target.Exec(st); err != nil {
			return outcomeOf("", err), errPosition(err), names
		}
		switch st := st.(type) {
		case *pgcompat.SetStatement:
			names = append(names, st.Name)
		case *pgcompat.ResetStatement:
			if !st.All {
				names = append(names, st.Name)
			}
		}
	}
	return outcome{OK: true}, 0, names
}

func errPosition(err error) int {
	var pe *pgcompat.Error
	if errors.As(err, &pe) {
		return pe.Position
	}
	return 0
}

func pgPosition(err error) int {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return int(pe.Position)
	}
	return 0
}

func pgErrAsPgcompat(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return &pgcompat.Error{Code: pgcompat.SQLState(pe.Code), Message: pe.Message, Detail: pe.Detail, Hint: pe.Hint}
	}
	return err
}

func quoteGUC(n string) string {
	parts := strings.Split(n, ".")
	for i, p := range parts {
		parts[i] = `"` + strings.ReplaceAll(p, `"`, `""`) + `"`
	}
	return strings.Join(parts, ".")
}

// indexCatalog mirrors the tables TestConformanceCreateIndex creates.
var indexCatalog = pgcompat.Catalog{
	Tables: []pgcompat.Table{{
		Name: "ci",
		Columns: []pgcompat.Column{
			{Name: "id", Type: "integer", Typmod: -1},
			{Name: "v", Type: "vector", Typmod: 3},
			{Name: "h", Type: "halfvec", Typmod: 3},
			{Name: "s", Type: "sparsevec", Typmod: 5},
			{Name: "b", Type: "bit", Typmod: 8},
			{Name: "vb", Type: "bit varying", Typmod: 8},
			{Name: "nv", Type: "vector", Typmod: -1},
			{Name: "big", Type: "vector", Typmod: 2001},
			{Name: "v2000", Type: "vector", Typmod: 2000},
			{Name: "bh", Type: "halfvec", Typmod: 4001},
			{Name: "h4000", Type: "halfvec", Typmod: 4000},
			{Name: "bigbit", Type: "bit", Typmod: 64001},
			{Name: "txt", Type: "text", Typmod: -1},
		},
	}},
	Relations: []string{"ci_existing"},
}

const indexTableSQL = `
DROP TABLE IF EXISTS ci;
CREATE TABLE ci (id integer, v vector(3), h halfvec(3), s sparsevec(5), b bit(8), vb varbit(8), nv vector,
  big vector(2001), v2000 vector(2000), bh halfvec(4001), h4000 halfvec(4000), bigbit bit(64001), txt text);
CREATE INDEX ci_existing ON ci USING hnsw (v vector_l2_ops);
`

func createIndexCases() []string {
	c := []string{
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops, h halfvec_l2_ops) WITH (m = 1)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (m = 1, foo = 2)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (foo = 2, m = 1)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (m = 1, m = 2)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (m = 3, m = 2)",
		"CREATE INDEX ON ci USING hnsw (v) WITH (m = 1)",
		"CREATE INDEX ON ci USING hnsw (v)",
		"CREATE INDEX ON ci USING hnsw (v foo_ops)",
		"CREATE INDEX ON ci USING hnsw (v halfvec_l2_ops)",
		"CREATE INDEX ON ci USING hnsw (x vector_l2_ops)",
		"CREATE INDEX ON nosuch USING hnsw (x vector_l2_ops) WITH (m = 1)",
		"CREATE UNIQUE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (m = 1)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) INCLUDE (id) WITH (m = 1)",
		"CREATE INDEX ON ci USING hnsw (vb bit_hamming_ops)",
		"CREATE INDEX ON ci USING hnsw (nv vector_l2_ops)",
		"CREATE INDEX ON ci USING hnsw (big vector_l2_ops)",
		"CREATE INDEX ON ci USING hnsw (v2000 vector_l2_ops)",
		"CREATE INDEX ON ci USING hnsw (bh halfvec_l2_ops)",
		"CREATE INDEX ON ci USING hnsw (h4000 halfvec_cosine_ops)",
		"CREATE INDEX ON ci USING hnsw (bigbit bit_jaccard_ops)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (m = 40)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (m = 32)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (m = 2.5, ef_construction = 4.5)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (m = 3.5, ef_construction = 6.5)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (m)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (m = '')",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (m = ' 16 ')",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (toast.m = 4)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (m = 1, toast.m = 4)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (m = 1.4)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (m = 1.5)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (m = -1)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (m = true)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (m = 100, ef_construction = 200)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (m = 101)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (ef_construction = 3)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (ef_construction = 1000)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (ef_construction = 1001)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (ef_construction = 31)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (ef_construction = 32)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (m = 16, ef_construction = 33)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (m = 0x10)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (m = '0x10')",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (m = '020')",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (m = '1e1')",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (m = int)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (m = abc.def)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (m = none)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (m = select)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (m = 16 + 1)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (M = 16)",
		`CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH ("M" = 16)`,
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (m = 16,)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH ()",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH m = 16",
		"CREATE INDEX ON ci USING hnsw v vector_l2_ops",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) foo",
		"CREATE INDEX CONCURRENTLY ON ci USING hnsw (v vector_l2_ops)",
		"CREATE INDEX ON ONLY ci USING hnsw (v vector_l2_ops)",
		"CREATE INDEX ON ci USING foo (v vector_l2_ops)",
		"CREATE INDEX ci_existing ON ci USING hnsw (v vector_l2_ops)",
		"CREATE INDEX IF NOT EXISTS ci_existing ON ci USING hnsw (v vector_l2_ops)",
		"CREATE INDEX IF NOT EXISTS ci_existing ON ci USING hnsw (v vector_l2_ops) WITH (m = 1)",
		"CREATE INDEX ci_existing ON ci USING hnsw (v vector_l2_ops) WITH (m = 1)",
		"CREATE INDEX IF NOT EXISTS ON ci USING hnsw (v vector_l2_ops)",
		"CREATE INDEX ci_new ON ci USING hnsw (v vector_cosine_ops) WITH (m = 4, ef_construction = 8)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops DESC)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops NULLS FIRST)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops ASC) WITH (m = 1)",
		"CREATE INDEX ON ci USING hnsw (x COLLATE \"C\" vector_l2_ops DESC)",
		"CREATE INDEX ON ci USING hnsw (v COLLATE \"C\" foo_ops DESC)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops (foo = 1))",
		"CREATE INDEX ON ci USING hnsw (txt vector_l2_ops)",
		"CREATE INDEX ON ci USING hnsw (id)",
		"CREATE INDEX ON ci USING hnsw (vb)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (m = 16) TABLESPACE foo",
		"CREATE INDEX ON ci USING foo (v vector_l2_ops) TABLESPACE foo",
		"CREATE INDEX ON public.ci USING hnsw (v vector_l2_ops) WITH (m = 1)",
		"CREATE INDEX ON s.ci USING hnsw (v vector_l2_ops) WITH (m = 1)",
		"CREATE INDEX ON a.b.c.d USING hnsw (v vector_l2_ops)",
		"CREATE INDEX select ON ci USING hnsw (v vector_l2_ops)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (m = 16) WITH (m = 8)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) NULLS NOT DISTINCT",
		"CREATE UNIQUE INDEX ON ci USING hnsw (v vector_l2_ops) INCLUDE (id)",
		"CREATE INDEX ON ci USING hnsw ((v) vector_l2_ops)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WHERE",
		"CREATE INDEX ON ci USING hnsw (s sparsevec_cosine_ops) WITH (m = 2, ef_construction = 4)",
		"CREATE INDEX ON ci USING hnsw (s sparsevec_l1_ops) WITH (m = 48, ef_construction = 95)",
		"CREATE INDEX ON ci USING hnsw (b bit_jaccard_ops) WITH (m = 48, ef_construction = 96)",
		"CREATE INDEX ON ci USING hnsw (b bit_hamming_ops)",
		"CREATE INDEX ON ci USING hnsw (h halfvec_ip_ops)",
		"CREATE INDEX ON ci USING hnsw (h vector_ip_ops)",
		"CREATE INDEX ON ci USING hnsw (s vector_l2_ops)",
		"CREATE INDEX ON ci USING hnsw (b sparsevec_l2_ops)",
		"CREATE INDEX ON ci USING hnsw (v public.vector_l2_ops)",
		"CREATE INDEX ON ci USING HNSW (v vector_l2_ops)",
		"CREATE INDEX ON ci USING hnsw (v VECTOR_L2_OPS)",
		`CREATE INDEX ON ci USING hnsw (v "vector_l2_ops")`,
		`CREATE INDEX ON ci USING hnsw (v "Vector_l2_ops")`,
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (m = 16, ef_construction = 64);",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (ef_construction = 64, m = 16, x = 1)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (m = 2147483648)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (m = 'abc', foo = 1)",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops) WITH (m = 1e)",
		"CREATE INDEX ON ci (v)",
		"CREATE INDEX ON ci USING hnsw ()",
		"CREATE INDEX ON ci USING hnsw (v vector_l2_ops,)",
		"CREATE INDEX ON USING hnsw (v vector_l2_ops)",
		"CREATE INDEX ON ci USING (v vector_l2_ops)",
		"CREATE INDEX ci_new2 ON ci USING hnsw (v vector_l2_ops) WITH (m = 1) TABLESPACE pg_default",
	}
	return c
}

func TestConformanceCreateIndex(t *testing.T) {
	conn := oracleConn(t)
	_, err := conn.Exec(ctx(t), indexTableSQL)
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = conn.Exec(ctx(t), "DROP TABLE IF EXISTS ci") })
	ty := &tally{name: "CREATE INDEX validation"}
	for _, sql := range createIndexCases() {
		_, realErr := conn.Exec(ctx(t), sql, pgx.QueryExecModeSimpleProtocol)
		got := outcomeOfPgErr(realErr)
		pos := pgPosition(realErr)
		mine, mpos := validateMine(sql)
		if mine.Code == "SKIP" {
			continue
		}
		ty.check(got == mine && pos == mpos, "%s: PostgreSQL %v (position %d), pgcompat %v (position %d)", sql, got, pos, mine, mpos)
		if realErr == nil {
			// Drop what was created so that later cases see the same catalog.
			_, err := conn.Exec(ctx(t), `DO $$ DECLARE r record; BEGIN
				FOR r IN SELECT indexname FROM pg_indexes WHERE tablename = 'ci' AND indexname <> 'ci_existing' LOOP
					EXECUTE format('DROP INDEX %I', r.indexname); END LOOP; END $$`)
			require.NoError(t, err)
		}
	}
	ty.report(t)
}

func validateMine(sql string) (outcome, int) {
	st, err := pgcompat.ParseStatement(sql)
	if err != nil {
		return outcomeOf("", err), errPosition(err)
	}
	ci, ok := st.(*pgcompat.CreateIndex)
	if !ok {
		return outcome{Code: "GO", Msg: "not CREATE INDEX"}, 0
	}
	if ci.Method == "btree" {
		// Only hnsw is modelled; PostgreSQL's btree answer is taken as is.
		return outcome{Code: "SKIP"}, 0
	}
	_, _, err = ci.Validate(&indexCatalog)
	return outcomeOf("", err), errPosition(err)
}
