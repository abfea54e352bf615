package tune

import (
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// ParseTableName splits a table name as a user writes it on a command line
// into its parts: "items", "public.items", `"My Table"`, `app."Items.v2"`.
// Unquoted parts are folded to lower case, as PostgreSQL folds them; quoted
// parts keep their case, with "" standing for a quote. It returns one part
// (table) or two (schema, table).
func ParseTableName(s string) ([]string, error) {
	var parts []string
	i := 0
	for {
		if i >= len(s) {
			return nil, fmt.Errorf("%w: bad table name %q", ErrInvalidSpec, s)
		}
		var part strings.Builder
		if s[i] == '"' {
			i++
			closed := false
			for i < len(s) {
				if s[i] == '"' {
					if i+1 < len(s) && s[i+1] == '"' {
						part.WriteByte('"')
						i += 2
						continue
					}
					i++
					closed = true
					break
				}
				part.WriteByte(s[i])
				i++
			}
			if !closed || part.Len() == 0 {
				return nil, fmt.Errorf("%w: bad table name %q", ErrInvalidSpec, s)
			}
		} else {
			j := i
			for j < len(s) && s[j] != '.' && s[j] != '"' {
				j++
			}
			name := strings.TrimSpace(s[i:j])
			if name == "" {
				return nil, fmt.Errorf("%w: bad table name %q", ErrInvalidSpec, s)
			}
			part.WriteString(strings.ToLower(name))
			i = j
		}
		parts = append(parts, part.String())
		if i == len(s) {
			break
		}
		if s[i] != '.' {
			return nil, fmt.Errorf("%w: bad table name %q", ErrInvalidSpec, s)
		}
		i++
	}
	if len(parts) > 2 {
		return nil, fmt.Errorf("%w: table name %q has more than a schema and a name", ErrInvalidSpec, s)
	}
	return parts, nil
}

// sqlIdent quotes parts as a (possibly qualified) SQL identifier, always in
// double quotes, so that any name is safe to interpolate.
func sqlIdent(parts ...string) string { return pgx.Identifier(parts).Sanitize() }
