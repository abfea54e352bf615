package pgtest_test

import (
	"context"
	"fmt"
	"log"

	"github.com/pgvector/pgvector-go"
	"github.com/smallworld-go/smallworld/pgcompat/pgtest"
)

// Start the oracle outside a test, query it and stop it. (Examples that
// need Node.js are compiled but not run by go test.)
func ExampleStart() {
	ctx := context.Background()
	srv, err := pgtest.Start(ctx, pgtest.Options{})
	if err != nil {
		log.Fatal(err) // errors.Is(err, pgtest.ErrUnavailable) without Node.js or npm ci
	}
	defer srv.Close()

	conn, err := srv.Connect(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close(ctx)

	var d float64
	if err := conn.QueryRow(ctx, "SELECT $1 <-> '[0,0]'::vector", pgvector.NewVector([]float32{3, 4})).Scan(&d); err != nil {
		log.Fatal(err)
	}
	fmt.Println(srv.Info().VectorVersion, d)
}

// Read the graph pgvector built, as stored on disk.
func ExampleReadHNSW() {
	ctx := context.Background()
	srv, err := pgtest.Start(ctx, pgtest.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	conn, err := srv.Connect(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close(ctx)

	for _, sql := range []string{
		"CREATE TABLE items (id int, embedding vector(2))",
		"INSERT INTO items SELECT i, ARRAY[i, i * i]::real[]::vector FROM generate_series(1, 100) i",
		"CREATE INDEX items_idx ON items USING hnsw (embedding vector_l2_ops) WITH (m = 4)",
	} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			log.Fatal(err)
		}
	}
	idx, err := pgtest.ReadHNSW(ctx, conn, "items_idx")
	if err != nil {
		log.Fatal(err)
	}
	entry := idx.Elements[idx.Entry]
	fmt.Println(len(idx.Elements), "elements; entry point on level", entry.Level,
		"with", len(entry.Neighbors[0]), "neighbours on layer 0")
}
