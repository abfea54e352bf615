package pgxvec_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"

	"github.com/smallworld-go/smallworld/pgcompat/pgxvec"
)

// Register the types on a connection, then send and receive vectors in
// binary. With pgxpool, set the pool config's AfterConnect to
// pgxvec.Register. (Examples that need a database are compiled but not run
// by go test.)
func ExampleRegister() {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := pgxvec.Register(ctx, conn); errors.Is(err, pgxvec.ErrNoExtension) {
		log.Fatal("run CREATE EXTENSION vector first")
	} else if err != nil {
		log.Fatal(err)
	}

	var nearest []float32
	var half pgvector.HalfVector
	err = conn.QueryRow(ctx, "SELECT $1::vector, $1::halfvec",
		[]float32{0.1, 2, 3}).Scan(&nearest, &half)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(nearest, half.Slice()) // [0.1 2 3] [0.099975586 2 3]
}

// What a halfvec stores for a float32, worked out on the client: the
// nearest binary16 value, ties to even.
func ExampleFloat16Bits() {
	for _, x := range []float32{0.1, 65504, 65520} {
		h, ok := pgxvec.Float16Bits(x)
		fmt.Printf("%v -> %#04x %v (fits: %v)\n", x, h, pgxvec.Float16FromBits(h), ok)
	}
	// Output:
	// 0.1 -> 0x2e66 0.099975586 (fits: true)
	// 65504 -> 0x7bff 65504 (fits: true)
	// 65520 -> 0x7c00 +Inf (fits: false)
}
