package pgcompat_test

import (
	"errors"
	"fmt"

	"github.com/smallworld-go/smallworld/pgcompat"
)

func ExampleParseVector() {
	v, err := pgcompat.ParseVector(" [1, +2.5, .5e1, 0x10, 1e-7] ")
	if err != nil {
		panic(err)
	}
	fmt.Println(v, v.Dims())

	_, err = pgcompat.ParseVector("[1,2")
	var pe *pgcompat.Error
	if errors.As(err, &pe) {
		fmt.Println(string(pe.Code), pe.Message)
	}
	_, err = pgcompat.ParseVector("[1e39]")
	fmt.Println(errors.Is(err, pgcompat.NumericValueOutOfRange), err)
	// Output:
	// [1,2.5,5,16,1e-07] 5
	// 22P02 invalid input syntax for type vector: "[1,2"
	// true ERROR: "1e39" is out of range for type vector (SQLSTATE 22003)
}

func ExampleCosineDistance() {
	a, _ := pgcompat.ParseVector("[1,2,3]")
	b, _ := pgcompat.ParseVector("[3,2,1]")
	d, _ := pgcompat.CosineDistance(a, b)
	fmt.Println(d)

	// A zero vector has no direction: pgvector returns NaN.
	z, _ := pgcompat.ParseVector("[0,0,0]")
	d, _ = pgcompat.CosineDistance(a, z)
	fmt.Println(d)

	short, _ := pgcompat.ParseVector("[1,2]")
	_, err := pgcompat.CosineDistance(a, short)
	fmt.Println(err)
	// Output:
	// 0.2857142857142857
	// NaN
	// ERROR: different vector dimensions 3 and 2 (SQLSTATE 22000)
}

func ExampleParseCreateIndex() {
	ci, err := pgcompat.ParseCreateIndex(`CREATE INDEX ON items USING hnsw (embedding vector_cosine_ops)
		WITH (m = 24, ef_construction = 100)`)
	if err != nil {
		panic(err)
	}
	opts, _ := ci.HNSWOptions()
	fmt.Println(ci.Table.Name, ci.Columns[0].Column, ci.Columns[0].OpClass, opts.M, opts.EfConstruction)

	// Checks run in PostgreSQL's and pgvector's order, with their messages.
	cat := &pgcompat.Catalog{Tables: []pgcompat.Table{{Name: "items", Columns: []pgcompat.Column{
		{Name: "embedding", Type: "vector", Typmod: 1536},
	}}}}
	bad, _ := pgcompat.ParseCreateIndex("CREATE INDEX ON items USING hnsw (embedding vector_l2_ops) WITH (m = 1)")
	_, _, err = bad.Validate(cat)
	var pe *pgcompat.Error
	errors.As(err, &pe)
	fmt.Println(pe.Message)
	fmt.Println(pe.Detail)

	_, err = pgcompat.ParseStatements("SET hnsw.ef_search 100")
	fmt.Println(err)
	// Output:
	// items embedding vector_cosine_ops 24 100
	// value 1 out of bounds for option "m"
	// Valid values are between "2" and "100".
	// ERROR: syntax error at or near "100" (SQLSTATE 42601)
}

func ExampleIndexSize() {
	// The exact size of a 2000-row index of 768-dimensional vectors with
	// every element on layer 0: two elements per 8 kB page.
	levels := make([]int, 2000)
	s, _ := pgcompat.IndexSize(pgcompat.SizeSpec{
		M: 16, ValueSize: pgcompat.VectorValueSize(768), Levels: levels, InMemory: pgcompat.AllInMemory,
	})
	fmt.Println(s.Pages, s.Bytes)

	// With pgvector's random levels, a seeded source gives a reproducible
	// draw; ExpectedIndexSize averages many.
	levels = pgcompat.NewLevelSource(16, 1).Levels(2000)
	s, _ = pgcompat.IndexSize(pgcompat.SizeSpec{
		M: 16, ValueSize: pgcompat.VectorValueSize(128), Levels: levels, InMemory: pgcompat.AllInMemory,
	})
	fmt.Println(s.Pages >= 201 && s.Pages <= 210)
	// Output:
	// 1001 8200192
	// true
}

func ExampleBuildMemory() {
	levels := pgcompat.NewLevelSource(16, 1).Levels(100000)
	res, _ := pgcompat.BuildMemory(pgcompat.BuildMemorySpec{
		Platform: pgcompat.Linux64, MaintenanceWorkMem: 64 * 1024, M: 16,
		ValueSize: pgcompat.VectorValueSize(768), Levels: levels,
	})
	fmt.Println(res.Fits)
	fmt.Println(res.Notice.Message[:57])
	fmt.Println(res.MinMaintenanceWorkMem > 64*1024)
	// Output:
	// false
	// hnsw graph no longer fits into maintenance_work_mem after
	// true
}

func ExamplePlan() {
	s := pgcompat.DefaultSettings(pgcompat.Linux64)
	for _, ef := range []int{40, 1000} {
		s.EfSearch = ef
		ex, _ := pgcompat.Plan(pgcompat.PlanSpec{
			Settings: &s, Rows: 1e6, HeapPages: 7000, IndexPages: 500001, M: 16, Limit: 10,
		})
		fmt.Printf("ef_search=%d index=%v\n", ef, ex.UseIndex)
	}
	// Output:
	// ef_search=40 index=true
	// ef_search=1000 index=true
}

func ExampleSettings_Exec() {
	s := pgcompat.DefaultSettings(pgcompat.Linux64)
	sts, _ := pgcompat.ParseStatements("SET hnsw.ef_search = 100; SET maintenance_work_mem = '2GB'")
	for _, st := range sts {
		if err := s.Exec(st); err != nil {
			panic(err)
		}
	}
	mwm, _ := s.Show("maintenance_work_mem")
	fmt.Println(s.EfSearch, s.MaintenanceWorkMem, mwm)

	err := s.Set("hnsw.ef_search", "0")
	fmt.Println(err)
	// Output:
	// 100 2097152 2GB
	// ERROR: 0 is outside the valid range for parameter "hnsw.ef_search" (1 .. 1000) (SQLSTATE 22023)
}
