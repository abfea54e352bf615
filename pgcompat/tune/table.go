package tune

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/smallworld-go/smallworld/bench"
	"github.com/smallworld-go/smallworld/pgcompat"
)

// TableSource names the vectors to read from a PostgreSQL table.
type TableSource struct {
	// DSN is a libpq connection string or URL, as pgx.Connect takes it.
	DSN string
	// Table is the table, as a command line writes it: "items",
	// "public.items", `"My Items"` (see ParseTableName).
	Table string
	// Column is the vector column: its type must be vector, halfvec or
	// sparsevec.
	Column string
	// IDColumn, if set, is read along with each vector (as text), so that
	// reports can name rows.
	IDColumn string
	// Where, if set, is a SQL condition that selects the rows to read. It
	// is sent as written: it is the caller's own SQL on the caller's own
	// database.
	Where string
	// Limit, if positive, reads at most that many rows.
	Limit int
	// Progress, if set, is called now and then with the rows read so far.
	Progress func(rows int64)
}

// TableData is what LoadTable read.
type TableData struct {
	// Vectors holds the non-NULL values in the order the table returned
	// them: its physical order, which is the order CREATE INDEX inserts
	// them in (sparse vectors are expanded to dense ones).
	Vectors *bench.Matrix
	// IDs holds the id column's text per vector, when IDColumn was given.
	IDs []string
	// Type is the column's type name ("vector", "halfvec", "sparsevec")
	// and Declared its declaration as format_type prints it, e.g.
	// "vector(768)".
	Type, Declared string
	// Nulls counts rows whose value is NULL, which no index stores.
	Nulls int64
	// Table and Column are the names as SQL, quoted where needed, for the
	// recommended statements.
	Table, Column string
}

// LoadTable streams a vector column of a PostgreSQL table into memory with
// pgx. Values travel in pgvector's binary format and are decoded by
// pgcompat's receive functions, which apply pgvector's own checks (they are
// exact: no text round trip). Rows come in the order a sequential scan
// returns them. Rows whose dimension differs from the first row's are an
// *InputError wrapping ErrDimension that counts them.
func LoadTable(ctx context.Context, src TableSource) (*TableData, error) {
	if src.DSN == "" || src.Table == "" || src.Column == "" {
		return nil, specErrorf("a table source needs a DSN, a table and a column")
	}
	parts, err := ParseTableName(src.Table)
	if err != nil {
		return nil, err
	}
	conn, err := pgx.Connect(ctx, src.DSN)
	if err != nil {
		return nil, fmt.Errorf("tune: connecting to PostgreSQL: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))

	table := sqlIdent(parts...)
	var typName, declared string
	err = conn.QueryRow(ctx,
		`SELECT t.typname, format_type(a.atttypid, a.atttypmod)
		   FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
		  WHERE a.attrelid = $1::regclass AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped`,
		table, src.Column).Scan(&typName, &declared)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("%w: column %q does not exist in table %s", ErrInvalidSpec, src.Column, table)
	}
	if err != nil {
		return nil, fmt.Errorf("tune: looking up column %q of %s: %w", src.Column, table, err)
	}
	var decode func([]byte) ([]float32, error)
	switch typName {
	case "vector":
		decode = func(b []byte) ([]float32, error) {
			v, err := pgcompat.RecvVector(b, -1)
			return v.Slice(), err
		}
	case "halfvec":
		decode = func(b []byte) ([]float32, error) {
			v, err := pgcompat.RecvHalfVec(b, -1)
			return v.Slice(), err
		}
	case "sparsevec":
		decode = func(b []byte) ([]float32, error) {
			s, err := pgcompat.RecvSparseVec(b, -1)
			if err != nil {
				return nil, err
			}
			v, err := s.ToVector()
			return v.Slice(), err
		}
	default:
		return nil, fmt.Errorf("%w: column %q is of type %s; tune reads vector, halfvec and sparsevec columns", ErrUnsupported, src.Column, declared)
	}

	var q strings.Builder
	q.WriteString("SELECT " + sqlIdent(src.Column))
	formats := pgx.QueryResultFormats{pgx.BinaryFormatCode}
	if src.IDColumn != "" {
		q.WriteString(", " + sqlIdent(src.IDColumn) + "::text")
		formats = append(formats, pgx.TextFormatCode)
	}
	q.WriteString(" FROM " + table)
	if w := strings.TrimSpace(src.Where); w != "" {
		q.WriteString(" WHERE " + w)
	}
	if src.Limit > 0 {
		fmt.Fprintf(&q, " LIMIT %d", src.Limit)
	}
	rows, err := conn.Query(ctx, q.String(), formats)
	if err != nil {
		return nil, fmt.Errorf("tune: reading %s: %w", table, err)
	}
	defer rows.Close()

	out := &TableData{Vectors: &bench.Matrix{}, Type: typName, Declared: declared,
		Table: pgcompatName(parts), Column: pgcompat.QualifiedName{Name: src.Column}.String()}
	var n int64
	var mismatch, firstMismatch, nonFinite, firstNonFinite int64 = 0, -1, 0, -1
	for rows.Next() {
		raw := rows.RawValues()
		n++
		if src.Progress != nil && n%4096 == 0 {
			src.Progress(n)
		}
		if raw[0] == nil {
			out.Nulls++
			continue
		}
		v, err := decode(raw[0])
		if err != nil {
			return nil, &InputError{Set: "base", Row: int(n - 1), Err: fmt.Errorf("decoding %s value: %w", typName, err)}
		}
		if out.Vectors.Dim != 0 && len(v) != out.Vectors.Dim {
			if firstMismatch < 0 {
				firstMismatch = n - 1
			}
			mismatch++
			continue
		}
		if !finite(v) {
			if firstNonFinite < 0 {
				firstNonFinite = n - 1
			}
			nonFinite++
			continue
		}
		if err := out.Vectors.Append(v); err != nil {
			return nil, &InputError{Set: "base", Row: int(n - 1), Err: fmt.Errorf("%w: %w", ErrDimension, err)}
		}
		if src.IDColumn != "" {
			out.IDs = append(out.IDs, string(raw[1]))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("tune: reading %s: %w", table, err)
	}
	if src.Progress != nil {
		src.Progress(n)
	}
	if mismatch > 0 {
		return nil, &InputError{Set: "base", Row: int(firstMismatch), Count: int(mismatch),
			Err: fmt.Errorf("%w: %d rows differ from the first row's %d dimensions (the column %s has no fixed dimension)", ErrDimension, mismatch, out.Vectors.Dim, declared)}
	}
	if nonFinite > 0 {
		return nil, &InputError{Set: "base", Row: int(firstNonFinite), Count: int(nonFinite), Err: ErrNonFinite}
	}
	if out.Vectors.Len() == 0 {
		return nil, &InputError{Set: "base", Row: -1, Err: fmt.Errorf("%w: %s has no non-NULL %s values%s", ErrEmpty, table, src.Column, whereNote(src.Where))}
	}
	return out, nil
}

func whereNote(w string) string {
	if strings.TrimSpace(w) == "" {
		return ""
	}
	return " matching the WHERE condition"
}

// pgcompatName writes table name parts as SQL, quoting only where needed.
func pgcompatName(parts []string) string {
	if len(parts) == 2 {
		return pgcompat.QualifiedName{Schema: parts[0], Name: parts[1]}.String()
	}
	return pgcompat.QualifiedName{Name: parts[0]}.String()
}

// finite reports whether every component of v is a finite number.
func finite(v []float32) bool {
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return false
		}
	}
	return true
}
