// Package pgxvec holds pgx codecs for pgvector's vector, halfvec and
// sparsevec types.
//
// [Register] looks the types up in a connection's database and teaches the
// connection to send and receive them, in pgvector's binary format (the
// default, exact to the bit) or its text format (the simple protocol, or
// results asked for as text):
//
//	conn, err := pgx.Connect(ctx, dsn)
//	...
//	if err := pgxvec.Register(ctx, conn); err != nil { ... }
//	_, err = conn.Exec(ctx, "INSERT INTO items (embedding) VALUES ($1)", []float32{1, 2, 3})
//
// With pgxpool, pass Register as the pool's AfterConnect.
//
// # Go types
//
//	column     parameters                              scan targets
//	vector     pgvector.Vector, []float32              *pgvector.Vector, *[]float32
//	halfvec    pgvector.HalfVector, []float32          *pgvector.HalfVector, *[]float32
//	sparsevec  pgvector.SparseVector                   *pgvector.SparseVector
//
// The pgvector types are those of the root package of
// github.com/pgvector/pgvector-go; arrays of the types (vector[] and so on)
// work too. A nil pointer or nil []float32 parameter is sent as NULL. NULL
// scans into a nil *[]float32 or a nil pointer (scan into a
// **pgvector.Vector), and is [ErrNull] for a *pgvector.Vector, whose zero
// value would read as an empty vector.
//
// A sparsevec does not scan into *[]float32: its dimension can be up to a
// billion, so expanding it is left to pgvector.SparseVector.Slice, where the
// caller can see the cost.
//
// # halfvec
//
// pgvector.HalfVector holds float32 elements. In binary they are rounded to
// binary16 here, to nearest with ties to even as pgvector rounds its text
// input, so both formats store the same value. A finite element too large
// for binary16 is not sent as infinity: the binary encoder refuses it, pgx
// falls back to the text format, and the server reports its own "out of
// range for type halfvec" error. NaN and infinities are sent as such, and
// the server rejects them with its own messages.
//
// This package implements the formats itself instead of importing
// github.com/pgvector/pgvector-go/pgx, a separate module that adds a float16
// dependency, and it does not use the rest of this repository: the
// pgcompat/pgtest oracle registers these codecs, and it must stay an
// independent reference for the repository's own halfvec and pgcompat code.
package pgxvec
