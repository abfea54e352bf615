package main

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/pgvector/pgvector-go"

	"github.com/smallworld-go/smallworld/pgcompat"
)

// registerVectorEncoders teaches conn to send pgvector's vector and halfvec
// values in their binary format, which COPY ... (FORMAT binary), and so pgx's
// CopyFrom, requires. The types' OIDs differ between databases (they belong to
// the extension), so they are looked up.
//
// Only encoding is provided: export never reads vectors back. pgvector-go's
// own pgx integration lives in a separate module (pgvector-go/pgx) that this
// project does not depend on; the pgtest package has full codecs but is a
// test helper that starts Node.js, not something a CLI should link.
func registerVectorEncoders(ctx context.Context, conn *pgx.Conn) error {
	rows, err := conn.Query(ctx, `
		SELECT t.typname, t.oid
		FROM pg_catalog.pg_type t
		JOIN pg_catalog.pg_extension e ON e.extnamespace = t.typnamespace
		WHERE e.extname = 'vector' AND t.typname IN ('vector', 'halfvec')`)
	if err != nil {
		return fmt.Errorf("looking up the pgvector types: %w", err)
	}
	found := map[string]uint32{}
	for rows.Next() {
		var name string
		var oid uint32
		if err := rows.Scan(&name, &oid); err != nil {
			rows.Close()
			return fmt.Errorf("looking up the pgvector types: %w", err)
		}
		found[name] = oid
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("looking up the pgvector types: %w", err)
	}
	for _, name := range []string{"vector", "halfvec"} {
		oid, ok := found[name]
		if !ok {
			return fmt.Errorf("type %s not found: is the vector extension installed? (CREATE EXTENSION vector, or --create-table)", name)
		}
		conn.TypeMap().RegisterType(&pgtype.Type{Name: name, OID: oid, Codec: vectorEncoder{typ: name}})
	}
	return nil
}

// errDecodeUnsupported is returned if a query tries to read a vector through
// the export connection, which only writes them.
var errDecodeUnsupported = errors.New("smallworld export: reading vector values is not supported on this connection")

// vectorEncoder encodes one pgvector type in binary: int16 dims, int16
// unused, then the elements big-endian (float32 for vector, binary16 for
// halfvec). It accepts only values of its own type (pgvector.Vector for
// vector, pgcompat.HalfVec for halfvec), so a vector can never be sent as a
// halfvec's bytes or the reverse.
type vectorEncoder struct {
	typ string // "vector" or "halfvec"
}

// FormatSupported reports binary only: the text form goes through pgx's
// generic string path.
func (vectorEncoder) FormatSupported(format int16) bool { return format == pgtype.BinaryFormatCode }

// PreferredFormat is binary.
func (vectorEncoder) PreferredFormat() int16 { return pgtype.BinaryFormatCode }

type encodeFunc func(value any, buf []byte) ([]byte, error)

// Encode appends value's encoding to buf.
func (f encodeFunc) Encode(value any, buf []byte) ([]byte, error) { return f(value, buf) }

// PlanEncode returns the encoder for value's Go type, or nil when this type
// cannot carry it.
func (c vectorEncoder) PlanEncode(_ *pgtype.Map, _ uint32, format int16, value any) pgtype.EncodePlan {
	if format != pgtype.BinaryFormatCode {
		return nil
	}
	switch c.typ {
	case "vector":
		if _, ok := value.(pgvector.Vector); ok {
			return encodeFunc(func(v any, buf []byte) ([]byte, error) { return v.(pgvector.Vector).EncodeBinary(buf) })
		}
	case "halfvec":
		// pgvector-go's HalfVector has no binary encoding; pgcompat's
		// HalfVec holds values already rounded by pgvector's rules.
		if _, ok := value.(pgcompat.HalfVec); ok {
			return encodeFunc(func(v any, buf []byte) ([]byte, error) { return appendMarshaled(buf, v.(pgcompat.HalfVec)) })
		}
	}
	return nil
}

func appendMarshaled(buf []byte, v interface{ MarshalBinary() ([]byte, error) }) ([]byte, error) {
	b, err := v.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return append(buf, b...), nil
}

// PlanScan returns nil: scanning is not supported.
func (vectorEncoder) PlanScan(*pgtype.Map, uint32, int16, any) pgtype.ScanPlan { return nil }

// DecodeDatabaseSQLValue is not supported.
func (vectorEncoder) DecodeDatabaseSQLValue(*pgtype.Map, uint32, int16, []byte) (driver.Value, error) {
	return nil, errDecodeUnsupported
}

// DecodeValue is not supported.
func (vectorEncoder) DecodeValue(*pgtype.Map, uint32, int16, []byte) (any, error) {
	return nil, errDecodeUnsupported
}
