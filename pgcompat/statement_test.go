package pgcompat_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smallworld-go/smallworld/pgcompat"
)

func TestDefaultSettings(t *testing.T) {
	for _, p := range []pgcompat.Platform{pgcompat.Linux64, pgcompat.PGlite} {
		s := pgcompat.DefaultSettings(p)
		assert.Equal(t, 40, s.EfSearch)
		assert.Equal(t, pgcompat.IterativeScanOff, s.IterativeScan)
		assert.Equal(t, 20000, s.MaxScanTuples)
		assert.Equal(t, 1.0, s.ScanMemMultiplier)
		assert.Equal(t, 65536, s.MaintenanceWorkMem)
		assert.Equal(t, 4096, s.WorkMem)
		assert.Equal(t, 4.0, s.RandomPageCost)
		assert.Equal(t, 0.0025, s.CPUOperatorCost)
		assert.True(t, s.EnableSeqScan)
		for _, n := range pgcompat.SettingNames() {
			_, err := s.Show(n)
			assert.NoError(t, err, n)
		}
	}
	assert.Equal(t, 2, pgcompat.DefaultSettings(pgcompat.Linux64).MaxParallelMaintenanceWorkers)
	assert.Equal(t, 0, pgcompat.DefaultSettings(pgcompat.PGlite).MaxParallelMaintenanceWorkers)
}

func TestSettingsSet(t *testing.T) {
	s := pgcompat.DefaultSettings(pgcompat.Linux64)
	ok := map[string][2]string{
		"hnsw.ef_search=010":               {"hnsw.ef_search", "8"},
		"hnsw.ef_search=0x10":              {"hnsw.ef_search", "16"},
		"hnsw.ef_search=2.5":               {"hnsw.ef_search", "2"},
		"hnsw.ef_search=3.5":               {"hnsw.ef_search", "4"},
		"hnsw.ef_search= 12 ":              {"hnsw.ef_search", "12"},
		"hnsw.iterative_scan=Strict_Order": {"hnsw.iterative_scan", "strict_order"},
		"work_mem=1.5MB":                   {"work_mem", "1536kB"},
		"work_mem=1 GB":                    {"work_mem", "1GB"},
		"work_mem=65.4kB":                  {"work_mem", "65kB"},
		"maintenance_work_mem=2147483647":  {"maintenance_work_mem", "2147483647kB"},
		"hnsw.scan_mem_multiplier=2.5":     {"hnsw.scan_mem_multiplier", "2.5"},
		"effective_cache_size=4GB":         {"effective_cache_size", "4GB"},
		"enable_seqscan=of":                {"enable_seqscan", "off"},
		"myapp.setting=x":                  {"myapp.setting", "x"},
	}
	for in, want := range ok {
		name, value, _ := cut(in)
		require.NoError(t, s.Set(name, value), in)
		got, err := s.Show(want[0])
		require.NoError(t, err)
		assert.Equal(t, want[1], got, in)
	}
	bad := map[string]wantErr{
		"hnsw.ef_search=0":             {pgcompat.InvalidParameterValue, `0 is outside the valid range for parameter "hnsw.ef_search" (1 .. 1000)`, ""},
		"hnsw.ef_search=abc":           {pgcompat.InvalidParameterValue, `invalid value for parameter "hnsw.ef_search": "abc"`, ""},
		"hnsw.iterative_scan=on":       {pgcompat.InvalidParameterValue, `invalid value for parameter "hnsw.iterative_scan": "on"`, ""},
		"hnsw.max_scan_tuples=0":       {pgcompat.InvalidParameterValue, `0 is outside the valid range for parameter "hnsw.max_scan_tuples" (1 .. 2147483647)`, ""},
		"hnsw.scan_mem_multiplier=0.5": {pgcompat.InvalidParameterValue, `0.5 is outside the valid range for parameter "hnsw.scan_mem_multiplier" (1 .. 1000)`, ""},
		"work_mem=10":                  {pgcompat.InvalidParameterValue, `10 kB is outside the valid range for parameter "work_mem" (64 kB .. 2147483647 kB)`, ""},
		"work_mem=1gb":                 {pgcompat.InvalidParameterValue, `invalid value for parameter "work_mem": "1gb"`, ""},
		"maintenance_work_mem=100TB":   {pgcompat.InvalidParameterValue, `invalid value for parameter "maintenance_work_mem": "100TB"`, ""},
		"enable_seqscan=o":             {pgcompat.InvalidParameterValue, `parameter "enable_seqscan" requires a Boolean value`, ""},
		"hnsw.foo=1":                   {pgcompat.InvalidName, `invalid configuration parameter name "hnsw.foo"`, `"hnsw" is a reserved prefix.`},
		"foo=1":                        {pgcompat.UndefinedObject, `unrecognized configuration parameter "foo"`, ""},
	}
	for in, want := range bad {
		name, value, _ := cut(in)
		err := s.Set(name, value)
		requirePGError(t, err, want)
	}
	err := s.Set("hnsw.iterative_scan", "on")
	var pe *pgcompat.Error
	require.True(t, errors.As(err, &pe))
	assert.Equal(t, "Available values: off, relaxed_order, strict_order.", pe.Hint)
	err = s.Set("work_mem", "1gb")
	require.True(t, errors.As(err, &pe))
	assert.Equal(t, `Valid units for this parameter are "B", "kB", "MB", "GB", and "TB".`, pe.Hint)
	err = s.Set("hnsw.ef_search", "1e10")
	require.True(t, errors.As(err, &pe))
	assert.Equal(t, "Value exceeds integer range.", pe.Hint)

	// PGlite's 32-bit build caps the memory settings lower.
	p := pgcompat.DefaultSettings(pgcompat.PGlite)
	requirePGError(t, p.Set("work_mem", "10"), wantErr{pgcompat.InvalidParameterValue,
		`10 kB is outside the valid range for parameter "work_mem" (64 kB .. 2097151 kB)`, ""})

	require.NoError(t, s.Reset("hnsw.ef_search"))
	assert.Equal(t, 40, s.EfSearch)
	s.ResetAll()
	assert.Equal(t, 4096, s.WorkMem)
	v, err := s.Show("myapp.setting")
	require.NoError(t, err)
	assert.Equal(t, "", v, "placeholders survive RESET ALL, emptied")
}

func cut(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '=' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func TestParseStatements(t *testing.T) {
	sts, err := pgcompat.ParseStatements(`SET LOCAL hnsw.ef_search = 100; SET hnsw.iterative_scan TO relaxed_order;
		RESET work_mem; RESET ALL; SET work_mem = '64MB'; SET hnsw.ef_search TO DEFAULT;`)
	require.NoError(t, err)
	require.Len(t, sts, 6)
	set := sts[0].(*pgcompat.SetStatement)
	assert.True(t, set.Local)
	assert.Equal(t, "hnsw.ef_search", set.Name)
	assert.Equal(t, []string{"100"}, set.Values)
	assert.Equal(t, "SET LOCAL hnsw.ef_search = 100", set.SQL())
	assert.Equal(t, "relaxed_order", sts[1].(*pgcompat.SetStatement).Values[0])
	assert.Equal(t, "RESET work_mem", sts[2].SQL())
	assert.True(t, sts[3].(*pgcompat.ResetStatement).All)
	assert.True(t, sts[5].(*pgcompat.SetStatement).Default)

	s := pgcompat.DefaultSettings(pgcompat.Linux64)
	for _, st := range sts {
		require.NoError(t, s.Exec(st))
	}
	assert.Equal(t, 65536, s.WorkMem)

	ci, err := pgcompat.ParseCreateIndex(`CREATE INDEX CONCURRENTLY IF NOT EXISTS items_idx ON public.items
		USING hnsw (embedding vector_cosine_ops) WITH (m = 32, ef_construction = 128) WHERE id > 0`)
	require.NoError(t, err)
	assert.True(t, ci.Concurrently)
	assert.True(t, ci.IfNotExists)
	assert.Equal(t, "items_idx", ci.Name)
	assert.Equal(t, pgcompat.QualifiedName{Schema: "public", Name: "items"}, ci.Table)
	assert.Equal(t, "hnsw", ci.Method)
	assert.Equal(t, "embedding", ci.Columns[0].Column)
	assert.Equal(t, "vector_cosine_ops", ci.Columns[0].OpClass)
	assert.Equal(t, "id > 0", ci.Where)
	opts, err := ci.HNSWOptions()
	require.NoError(t, err)
	assert.Equal(t, pgcompat.HNSWOptions{M: 32, EfConstruction: 128}, opts)
	assert.Equal(t, "CREATE INDEX CONCURRENTLY IF NOT EXISTS items_idx ON public.items USING hnsw (embedding vector_cosine_ops) WITH (m = 32, ef_construction = 128) WHERE id > 0", ci.SQL())

	for sql, want := range map[string]struct {
		msg string
		pos int
	}{
		"CREATE INDEX ON t USING hnsw v":               {`syntax error at or near "v"`, 30},
		"CREATE INDEX ON t USING hnsw (v":              {"syntax error at end of input", 32},
		"CREATE INDEX ON t USING hnsw (v) WITH (m=1,)": {`syntax error at or near ")"`, 44},
		"SET hnsw.ef_search 10":                        {`syntax error at or near "10"`, 20},
		"SET hnsw.ef_search = select":                  {`syntax error at or near "select"`, 22},
		"SELECT 1 +":                                   {"", 0},
		"FOO":                                          {`syntax error at or near "FOO"`, 1},
		"CREATE INDEX ON a.b.c.d USING hnsw (v)":       {"improper qualified name (too many dotted names): a.b.c.d", 17},
	} {
		_, err := pgcompat.ParseStatements(sql)
		require.Error(t, err, sql)
		if want.msg == "" {
			assert.True(t, errors.Is(err, pgcompat.ErrUnsupportedStatement), sql)
			continue
		}
		var pe *pgcompat.Error
		require.True(t, errors.As(err, &pe), sql)
		assert.Equal(t, pgcompat.SyntaxError, pe.Code, sql)
		assert.Equal(t, want.msg, pe.Message, sql)
		assert.Equal(t, want.pos, pe.Position, sql)
	}
	_, err = pgcompat.ParseStatement("SET a.b = 1; SET a.c = 2")
	assert.Error(t, err)
	_, err = pgcompat.ParseCreateIndex("SET a.b = 1")
	assert.Error(t, err)
}

func TestParseHNSWOptions(t *testing.T) {
	for _, c := range []struct {
		opts []pgcompat.RelOption
		want pgcompat.HNSWOptions
		err  *wantErr
	}{
		{nil, pgcompat.HNSWOptions{M: 16, EfConstruction: 64}, nil},
		{[]pgcompat.RelOption{{Name: "m", Value: "2.5", HasValue: true}, {Name: "ef_construction", Value: "4.5", HasValue: true}}, pgcompat.HNSWOptions{M: 2, EfConstruction: 4}, nil},
		{[]pgcompat.RelOption{{Name: "m", Value: "3.5", HasValue: true}}, pgcompat.HNSWOptions{M: 4, EfConstruction: 64}, nil},
		{[]pgcompat.RelOption{{Name: "m", Value: "1.4", HasValue: true}}, pgcompat.HNSWOptions{}, &wantErr{pgcompat.InvalidParameterValue, `value 1.4 out of bounds for option "m"`, `Valid values are between "2" and "100".`}},
		{[]pgcompat.RelOption{{Name: "ef_construction", Value: "2000", HasValue: true}}, pgcompat.HNSWOptions{}, &wantErr{pgcompat.InvalidParameterValue, `value 2000 out of bounds for option "ef_construction"`, `Valid values are between "4" and "1000".`}},
		{[]pgcompat.RelOption{{Name: "m"}}, pgcompat.HNSWOptions{}, &wantErr{pgcompat.InvalidParameterValue, `invalid value for integer option "m": true`, ""}},
		{[]pgcompat.RelOption{{Name: "m", Value: "4", HasValue: true}, {Name: "m", Value: "1", HasValue: true}}, pgcompat.HNSWOptions{}, &wantErr{pgcompat.InvalidParameterValue, `parameter "m" specified more than once`, ""}},
		{[]pgcompat.RelOption{{Name: "foo", Value: "1", HasValue: true}}, pgcompat.HNSWOptions{}, &wantErr{pgcompat.InvalidParameterValue, `unrecognized parameter "foo"`, ""}},
		{[]pgcompat.RelOption{{Name: "m", Value: "1", HasValue: true}, {Namespace: "toast", Name: "m", Value: "4", HasValue: true}}, pgcompat.HNSWOptions{}, &wantErr{pgcompat.InvalidParameterValue, `unrecognized parameter namespace "toast"`, ""}},
	} {
		got, err := pgcompat.ParseHNSWOptions(c.opts)
		if c.err != nil {
			requirePGError(t, err, *c.err)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, c.want, got)
	}
	requirePGError(t, pgcompat.HNSWOptions{M: 16, EfConstruction: 31}.CheckBuild(),
		wantErr{pgcompat.InvalidParameterValue, "ef_construction must be greater than or equal to 2 * m", ""})
	assert.NoError(t, pgcompat.HNSWOptions{M: 16, EfConstruction: 32}.CheckBuild())
}

func TestValidateCreateIndex(t *testing.T) {
	cat := &pgcompat.Catalog{
		Tables: []pgcompat.Table{{Name: "items", Columns: []pgcompat.Column{
			{Name: "id", Type: "integer", Typmod: -1},
			{Name: "embedding", Type: "vector", Typmod: 768},
			{Name: "raw", Type: "vector", Typmod: -1},
			{Name: "flags", Type: "bit varying", Typmod: 64},
		}}},
		Relations: []string{"items_idx"},
	}
	check := func(sql string, want *wantErr) *pgcompat.IndexDef {
		t.Helper()
		ci, err := pgcompat.ParseCreateIndex(sql)
		require.NoError(t, err, sql)
		def, _, err := ci.Validate(cat)
		if want != nil {
			requirePGError(t, err, *want)
			return nil
		}
		require.NoError(t, err, sql)
		return def
	}
	def := check("CREATE INDEX ON items USING hnsw (embedding vector_cosine_ops) WITH (m = 8)", nil)
	assert.Equal(t, "vector_cosine_ops", def.OpClass.Name)
	assert.True(t, def.OpClass.Normalize)
	assert.Equal(t, pgcompat.HNSWOptions{M: 8, EfConstruction: 64}, def.Options)
	check("CREATE INDEX ON nope USING hnsw (embedding vector_l2_ops)", &wantErr{pgcompat.UndefinedTable, `relation "nope" does not exist`, ""})
	check("CREATE INDEX ON items USING hnsw (embedding)", &wantErr{pgcompat.UndefinedObject, `data type vector has no default operator class for access method "hnsw"`, ""})
	check("CREATE INDEX ON items USING hnsw (embedding halfvec_l2_ops)", &wantErr{pgcompat.DatatypeMismatch, `operator class "halfvec_l2_ops" does not accept data type vector`, ""})
	check("CREATE INDEX ON items USING hnsw (raw vector_l2_ops)", &wantErr{pgcompat.InvalidParameterValue, "column does not have dimensions", ""})
	check("CREATE INDEX ON items USING hnsw (flags bit_hamming_ops)", &wantErr{pgcompat.FeatureNotSupported, "type not supported for hnsw index", ""})
	check("CREATE INDEX items_idx ON items USING hnsw (embedding vector_l2_ops)", &wantErr{pgcompat.DuplicateTable, `relation "items_idx" already exists`, ""})
	check("CREATE INDEX ON items USING hnsw (embedding vector_l2_ops, id vector_l2_ops) WITH (m = 1)", &wantErr{pgcompat.FeatureNotSupported, `access method "hnsw" does not support multicolumn indexes`, ""})
	check("CREATE INDEX ON items USING hnsw (embedding vector_l2_ops) WITH (m = 40)", &wantErr{pgcompat.InvalidParameterValue, "ef_construction must be greater than or equal to 2 * m", ""})

	ci, err := pgcompat.ParseCreateIndex("CREATE INDEX IF NOT EXISTS items_idx ON items USING hnsw (embedding vector_l2_ops)")
	require.NoError(t, err)
	def, notice, err := ci.Validate(cat)
	require.NoError(t, err)
	assert.Nil(t, def)
	assert.Equal(t, `relation "items_idx" already exists, skipping`, notice.Message)
	ci, _ = pgcompat.ParseCreateIndex("CREATE INDEX ON items USING ivfflat (embedding vector_l2_ops)")
	_, _, err = ci.Validate(cat)
	assert.True(t, errors.Is(err, pgcompat.ErrUnsupportedStatement))
}

func TestOpClasses(t *testing.T) {
	classes := pgcompat.OpClasses()
	assert.Len(t, classes, 14)
	oc, ok := pgcompat.LookupOpClass("halfvec_cosine_ops")
	require.True(t, ok)
	assert.Equal(t, 4000, oc.MaxDims)
	_, ok = pgcompat.LookupOpClass("nope")
	assert.False(t, ok)

	cos, _ := pgcompat.LookupOpClass("vector_cosine_ops")
	stored, indexed, err := cos.IndexValue(vec(t, "[1e-30,0]"))
	require.NoError(t, err)
	assert.True(t, indexed)
	assert.Equal(t, "[1,0]", stored.(pgcompat.Vector).String())
	_, indexed, err = cos.IndexValue(vec(t, "[0,0]"))
	require.NoError(t, err)
	assert.False(t, indexed, "zero vectors are not indexed under cosine")
	_, indexed, _ = cos.IndexValue(nil)
	assert.False(t, indexed, "NULL is never indexed")
	q, err := cos.QueryValue(vec(t, "[0,0]"))
	require.NoError(t, err)
	assert.Equal(t, "[0,0]", q.(pgcompat.Vector).String())
	d, err := cos.IndexDistance(vec(t, "[1,0]"), vec(t, "[0.6,0.8]"))
	require.NoError(t, err)
	assert.InDelta(t, -0.6, d, 1e-7)

	l2, _ := pgcompat.LookupOpClass("vector_l2_ops")
	stored, indexed, _ = l2.IndexValue(vec(t, "[0,0]"))
	assert.True(t, indexed)
	d, _ = l2.IndexDistance(stored, vec(t, "[3,4]"))
	assert.Equal(t, 25.0, d, "l2 orders by the squared distance")
	_, _, err = l2.IndexValue(half(t, "[1]"))
	assert.Error(t, err)

	sp, _ := pgcompat.LookupOpClass("sparsevec_l2_ops")
	idx := make([]int32, 1001)
	val := make([]float32, 1001)
	for i := range idx {
		idx[i], val[i] = int32(i), 1
	}
	big, err := pgcompat.NewSparseVec(2000, idx, val)
	require.NoError(t, err)
	_, _, err = sp.IndexValue(big)
	requirePGError(t, err, wantErr{pgcompat.ProgramLimitExceeded, "sparsevec cannot have more than 1000 non-zero elements for hnsw index", ""})
	ham, _ := pgcompat.LookupOpClass("bit_hamming_ops")
	a, _ := pgcompat.ParseBit("1100")
	b, _ := pgcompat.ParseBit("1010")
	d, err = ham.IndexDistance(a, b)
	require.NoError(t, err)
	assert.Equal(t, 2.0, d)
}
