package pgtest

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/smallworld-go/smallworld/pgcompat/pgxvec"
)

// RegisterTypes teaches conn pgvector's vector, halfvec and sparsevec types
// (and their arrays), in text and binary, so that values travel bit-exactly:
// it is [pgxvec.Register], kept here because the oracle's tests call it.
// Parameters may be pgvector.Vector, pgvector.HalfVector,
// pgvector.SparseVector or []float32 (vector and halfvec); results scan
// into the same types. Call it again after DROP EXTENSION vector, since the
// types' OIDs change.
func RegisterTypes(ctx context.Context, conn *pgx.Conn) error {
	return pgxvec.Register(ctx, conn)
}
