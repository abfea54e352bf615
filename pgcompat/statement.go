package pgcompat

import (
	"errors"
	"strconv"
	"strings"
)

// Statement is one parsed SQL statement: *CreateIndex, *SetStatement or
// *ResetStatement.
type Statement interface {
	// SQL writes the statement back as SQL text.
	SQL() string
	statement()
}

// QualifiedName is a possibly schema-qualified relation name.
type QualifiedName struct {
	Catalog string
	Schema  string
	Name    string
}

// String writes the name as SQL, quoting parts that need it.
func (q QualifiedName) String() string {
	var parts []string
	for _, p := range []string{q.Catalog, q.Schema, q.Name} {
		if p != "" {
			parts = append(parts, quoteIdentIfNeeded(p))
		}
	}
	return strings.Join(parts, ".")
}

// IndexColumn is one element of an index's column list.
type IndexColumn struct {
	Column     string // column name, or "" for an expression
	Expression string // the expression's SQL text, for (expr) or f(x) elements
	Collation  string // COLLATE name, or ""
	OpClass    string // operator class, e.g. "vector_l2_ops"; "" for the default
	// OpClassOptions are parameters written after the operator class,
	// vector_l2_ops (x = 1); pgvector's classes accept none.
	OpClassOptions []RelOption
	Ordering       string // "ASC", "DESC" or ""
	NullsOrder     string // "FIRST", "LAST" or ""
}

// CreateIndex is a CREATE INDEX statement.
type CreateIndex struct {
	Unique           bool
	Concurrently     bool
	IfNotExists      bool
	Name             string // "" when PostgreSQL chooses the name
	Only             bool   // ON ONLY table
	Table            QualifiedName
	Method           string // access method, "btree" when USING is absent
	Columns          []IndexColumn
	Include          []string
	NullsNotDistinct bool
	With             []RelOption
	Tablespace       string
	Where            string // predicate SQL text of a partial index, or ""
}

func (*CreateIndex) statement() {}

// SQL writes the statement back as SQL.
func (c *CreateIndex) SQL() string {
	var b strings.Builder
	b.WriteString("CREATE ")
	if c.Unique {
		b.WriteString("UNIQUE ")
	}
	b.WriteString("INDEX ")
	if c.Concurrently {
		b.WriteString("CONCURRENTLY ")
	}
	if c.IfNotExists {
		b.WriteString("IF NOT EXISTS ")
	}
	if c.Name != "" {
		b.WriteString(quoteIdentIfNeeded(c.Name) + " ")
	}
	b.WriteString("ON ")
	if c.Only {
		b.WriteString("ONLY ")
	}
	b.WriteString(c.Table.String())
	b.WriteString(" USING " + quoteIdentIfNeeded(c.Method) + " (")
	for i, col := range c.Columns {
		if i > 0 {
			b.WriteString(", ")
		}
		if col.Column != "" {
			b.WriteString(quoteIdentIfNeeded(col.Column))
		} else {
			b.WriteString(col.Expression)
		}
		if col.Collation != "" {
			b.WriteString(" COLLATE " + quoteIdentIfNeeded(col.Collation))
		}
		if col.OpClass != "" {
			b.WriteString(" " + col.OpClass)
		}
		if col.Ordering != "" {
			b.WriteString(" " + col.Ordering)
		}
		if col.NullsOrder != "" {
			b.WriteString(" NULLS " + col.NullsOrder)
		}
	}
	b.WriteString(")")
	if len(c.Include) > 0 {
		var q []string
		for _, n := range c.Include {
			q = append(q, quoteIdentIfNeeded(n))
		}
		b.WriteString(" INCLUDE (" + strings.Join(q, ", ") + ")")
	}
	if c.NullsNotDistinct {
		b.WriteString(" NULLS NOT DISTINCT")
	}
	if len(c.With) > 0 {
		var o []string
		for _, r := range c.With {
			o = append(o, r.String())
		}
		b.WriteString(" WITH (" + strings.Join(o, ", ") + ")")
	}
	if c.Tablespace != "" {
		b.WriteString(" TABLESPACE " + quoteIdentIfNeeded(c.Tablespace))
	}
	if c.Where != "" {
		b.WriteString(" WHERE " + c.Where)
	}
	return b.String()
}

// HNSWOptions validates the WITH list as an HNSW index's options; see
// ParseHNSWOptions.
func (c *CreateIndex) HNSWOptions() (HNSWOptions, error) { return ParseHNSWOptions(c.With) }

// SetStatement is SET [SESSION | LOCAL] name { TO | = } value [, ...] or
// ... TO DEFAULT.
type SetStatement struct {
	Local   bool     // SET LOCAL
	Name    string   // setting name as written (folded unless quoted)
	Values  []string // the values, each turned into text as PostgreSQL does
	Default bool     // TO DEFAULT: the same as RESET name
}

func (*SetStatement) statement() {}

// SQL writes the statement back as SQL.
func (s *SetStatement) SQL() string {
	var b strings.Builder
	b.WriteString("SET ")
	if s.Local {
		b.WriteString("LOCAL ")
	}
	b.WriteString(quoteDottedName(s.Name) + " = ")
	if s.Default {
		b.WriteString("DEFAULT")
		return b.String()
	}
	for i, v := range s.Values {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteLiteral(v))
	}
	return b.String()
}

// ResetStatement is RESET name or RESET ALL.
type ResetStatement struct {
	Name string // "" with All
	All  bool
}

func (*ResetStatement) statement() {}

// SQL writes the statement back as SQL.
func (r *ResetStatement) SQL() string {
	if r.All {
		return "RESET ALL"
	}
	return "RESET " + quoteDottedName(r.Name)
}

// Exec applies a SET or RESET statement to s, with PostgreSQL's errors. A
// SET with more than one value is "SET name takes only one argument" for
// every setting s models. SET LOCAL is applied like SET (a session outside
// a transaction would only warn and ignore it). CREATE INDEX is an error.
func (s *Settings) Exec(st Statement) error {
	switch st := st.(type) {
	case *SetStatement:
		if st.Default {
			return s.Reset(st.Name)
		}
		d, _, err := findSetting(st.Name)
		if err != nil {
			return err
		}
		if len(st.Values) > 1 && d != nil {
			return newError(InvalidParameterValue, "SET "+d.name+" takes only one argument")
		}
		return s.Set(st.Name, strings.Join(st.Values, ", "))
	case *ResetStatement:
		if st.All {
			s.ResetAll()
			return nil
		}
		return s.Reset(st.Name)
	case nil:
		return errors.New("pgcompat: nil statement")
	}
	return errors.New("pgcompat: Settings.Exec applies SET and RESET statements only")
}

// quoteIdentIfNeeded quotes an identifier as quote_identifier does: when it
// is not all lower-case letters, digits and underscores starting with a
// letter or underscore, or is a non-unreserved keyword.
func quoteIdentIfNeeded(s string) string {
	safe := s != "" && (s[0] == '_' || s[0] >= 'a' && s[0] <= 'z')
	for i := 0; safe && i < len(s); i++ {
		c := s[i]
		safe = c == '_' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
	}
	if safe {
		if cat, ok := keywordCats[s]; ok && cat != kwUnreserved {
			safe = false
		}
	}
	if safe {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// quoteDottedName quotes each part of a dotted setting name.
func quoteDottedName(s string) string {
	parts := strings.Split(s, ".")
	for i, p := range parts {
		parts[i] = quoteIdentIfNeeded(p)
	}
	return strings.Join(parts, ".")
}

// quoteLiteral writes s as a SQL string constant.
func quoteLiteral(s string) string {
	if _, err := strconv.Atoi(s); err == nil {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
