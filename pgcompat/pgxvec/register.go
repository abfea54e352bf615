package pgxvec

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/pgvector/pgvector-go"
)

// ErrNoExtension is returned by [Register] when the connection's database
// has no vector extension (CREATE EXTENSION vector installs it).
var ErrNoExtension = errors.New("pgxvec: the vector extension is not installed in this database")

// ErrNull is returned when NULL is scanned into a *pgvector.Vector,
// *pgvector.HalfVector or *pgvector.SparseVector. Scan into a pointer to a
// pointer (**pgvector.Vector) to accept NULL.
var ErrNull = errors.New("pgxvec: cannot scan NULL into a non-pointer vector")

// typeNames lists the types Register looks for, in pgvector's order of
// introduction: vector (0.1), then halfvec and sparsevec (0.7).
var typeNames = [...]string{"vector", "halfvec", "sparsevec"}

// Register teaches conn pgvector's vector, halfvec and sparsevec types and
// their arrays (see the package documentation for the Go types they take).
// The types belong to the extension, so their OIDs differ between databases
// and are looked up in conn's: call Register again on a connection that saw
// DROP EXTENSION vector and CREATE EXTENSION vector, since the OIDs change.
//
// Types that an older pgvector lacks (halfvec and sparsevec before 0.7) are
// left out. Without the extension the error wraps [ErrNoExtension].
func Register(ctx context.Context, conn *pgx.Conn) error {
	found, err := lookupTypes(ctx, conn)
	if err != nil {
		return err
	}
	if len(found) == 0 {
		return fmt.Errorf("%w (run CREATE EXTENSION vector)", ErrNoExtension)
	}
	codecs := map[string]pgtype.Codec{
		"vector":    newVectorCodec(),
		"halfvec":   newHalfvecCodec(),
		"sparsevec": newSparsevecCodec(),
	}
	m := conn.TypeMap()
	for _, name := range typeNames {
		o, ok := found[name]
		if !ok {
			continue
		}
		t := &pgtype.Type{Name: name, OID: o.elem, Codec: codecs[name]}
		m.RegisterType(t)
		m.RegisterType(&pgtype.Type{Name: "_" + name, OID: o.array, Codec: &pgtype.ArrayCodec{ElementType: t}})
	}
	// Parameters whose type the server does not announce (the exec and
	// simple-protocol modes) are encoded by their Go type. []float32 stays
	// unmapped: it could be either dense type.
	defaults := []struct {
		value, slice any
		name         string
	}{
		{pgvector.Vector{}, []pgvector.Vector{}, "vector"},
		{pgvector.HalfVector{}, []pgvector.HalfVector{}, "halfvec"},
		{pgvector.SparseVector{}, []pgvector.SparseVector{}, "sparsevec"},
	}
	for _, d := range defaults {
		if _, ok := found[d.name]; ok {
			m.RegisterDefaultPgType(d.value, d.name)
			m.RegisterDefaultPgType(d.slice, "_"+d.name)
		}
	}
	return nil
}

// typeOIDs are the OIDs of one type and of its array type.
type typeOIDs struct{ elem, array uint32 }

// lookupTypes finds the vector extension's types, whatever schema it was
// installed in.
func lookupTypes(ctx context.Context, conn *pgx.Conn) (map[string]typeOIDs, error) {
	rows, err := conn.Query(ctx, `
		SELECT t.typname, t.oid, t.typarray
		FROM pg_catalog.pg_type t
		JOIN pg_catalog.pg_extension e ON e.extnamespace = t.typnamespace
		WHERE e.extname = 'vector' AND t.typname IN ('vector', 'halfvec', 'sparsevec')`)
	if err != nil {
		return nil, fmt.Errorf("pgxvec: looking up the pgvector types: %w", err)
	}
	found := map[string]typeOIDs{}
	for rows.Next() {
		var name string
		var o typeOIDs
		if err := rows.Scan(&name, &o.elem, &o.array); err != nil {
			rows.Close()
			return nil, fmt.Errorf("pgxvec: looking up the pgvector types: %w", err)
		}
		found[name] = o
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgxvec: looking up the pgvector types: %w", err)
	}
	return found, nil
}
