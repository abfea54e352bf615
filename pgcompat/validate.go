package pgcompat

import (
	"fmt"
	"strings"
)

// Column describes a table column for CreateIndex.Validate.
type Column struct {
	Name string
	// Type is the type name as PostgreSQL prints it: "vector", "halfvec",
	// "sparsevec", "bit", "bit varying", "integer", "text", …
	Type string
	// Typmod is the type modifier: the n of vector(n) or bit(n), or −1 for
	// none.
	Typmod int
}

// Table describes a table for CreateIndex.Validate.
type Table struct {
	Schema  string // "" for the default schema, public
	Name    string
	Columns []Column
}

// Catalog is what CreateIndex.Validate needs to know about a database: its
// tables, the names of other existing relations (indexes, views, …) in the
// default schema, and its tablespaces beyond pg_default and pg_global.
type Catalog struct {
	Tables      []Table
	Relations   []string
	Tablespaces []string
	// Schemas are the schemas beyond public and pg_catalog.
	Schemas []string
}

// IndexDef is a validated HNSW index definition.
type IndexDef struct {
	Name    string // "" when PostgreSQL will choose it
	Table   Table
	Column  Column
	OpClass OpClass
	Options HNSWOptions
}

func (c *Catalog) table(q QualifiedName) (*Table, error) {
	schema := q.Schema
	if schema != "" && schema != "public" && schema != "pg_catalog" {
		known := false
		for _, s := range c.Schemas {
			known = known || s == schema
		}
		if !known {
			return nil, newError("3F000", "schema \""+schema+"\" does not exist")
		}
	}
	for i := range c.Tables {
		t := &c.Tables[i]
		ts := t.Schema
		if ts == "" {
			ts = "public"
		}
		if t.Name == q.Name && (schema == "" || schema == ts) {
			return t, nil
		}
	}
	name := q.Name
	if q.Schema != "" {
		name = q.Schema + "." + q.Name
	}
	return nil, newError(UndefinedTable, "relation \""+name+"\" does not exist")
}

func (c *Catalog) relationExists(name string) bool {
	for _, r := range c.Relations {
		if r == name {
			return true
		}
	}
	for _, t := range c.Tables {
		if t.Name == name {
			return true
		}
	}
	return false
}

// Validate checks an HNSW CREATE INDEX against a catalog the way PostgreSQL
// 18 and pgvector 0.8.7 do, stopping at the first error in their order:
// the table, the tablespace, the access method, the features hnsw lacks
// (UNIQUE, INCLUDE, several columns), the WITH options, then per column
// its existence, collation, operator class and ordering options, then the
// index name, then the checks of the build itself (bit varying, a column
// without dimensions, too many dimensions, ef_construction < 2·m).
//
// When IF NOT EXISTS names an existing relation the result is a NOTICE
// ("relation "x" already exists, skipping") and a nil definition. Index
// expressions and methods other than hnsw are not validated (the error
// wraps ErrUnsupportedStatement).
func (ci *CreateIndex) Validate(cat *Catalog) (*IndexDef, *Notice, error) {
	if cat == nil {
		cat = &Catalog{}
	}
	tbl, err := cat.table(ci.Table)
	if err != nil {
		return nil, nil, err
	}
	if ci.Tablespace != "" && ci.Tablespace != "pg_default" && ci.Tablespace != "pg_global" {
		known := false
		for _, t := range cat.Tablespaces {
			known = known || t == ci.Tablespace
		}
		if !known {
			return nil, nil, newError(UndefinedObject, "tablespace \""+ci.Tablespace+"\" does not exist")
		}
	}
	switch ci.Method {
	case "hnsw":
	case "btree", "hash", "gist", "gin", "spgist", "brin", "ivfflat":
		return nil, nil, fmt.Errorf("%w: only hnsw indexes are validated, not %s", ErrUnsupportedStatement, ci.Method)
	default:
		return nil, nil, newError(UndefinedObject, "access method \""+ci.Method+"\" does not exist")
	}
	if ci.Unique {
		return nil, nil, newError(FeatureNotSupported, "access method \"hnsw\" does not support unique indexes")
	}
	if len(ci.Include) > 0 {
		return nil, nil, newError(FeatureNotSupported, "access method \"hnsw\" does not support included columns")
	}
	if len(ci.Columns) > 1 {
		return nil, nil, newError(FeatureNotSupported, "access method \"hnsw\" does not support multicolumn indexes")
	}
	opts, err := ParseHNSWOptions(ci.With)
	if err != nil {
		return nil, nil, err
	}
	elem := ci.Columns[0]
	colName := elem.Column
	if colName == "" {
		// "(col)" is a plain column reference.
		inner := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(elem.Expression, "("), ")"))
		if strings.HasPrefix(elem.Expression, "(") && isPlainIdent(inner) {
			colName = foldIdent(inner)
		} else {
			return nil, nil, fmt.Errorf("%w: index expressions are not validated", ErrUnsupportedStatement)
		}
	}
	var col *Column
	for i := range tbl.Columns {
		if tbl.Columns[i].Name == colName {
			col = &tbl.Columns[i]
		}
	}
	if col == nil {
		return nil, nil, newError(UndefinedColumn, "column \""+colName+"\" does not exist")
	}
	if elem.Collation != "" && !collatable(col.Type) {
		return nil, nil, newError(DatatypeMismatch, "collations are not supported by type "+qualifiedTypeName(col.Type))
	}
	if elem.OpClass == "" {
		return nil, nil, &Error{
			Code:    UndefinedObject,
			Message: "data type " + col.Type + " has no default operator class for access method \"hnsw\"",
			Hint:    "You must specify an operator class for the index or define a default operator class for the data type.",
		}
	}
	ocName := elem.OpClass
	if i := strings.LastIndexByte(ocName, '.'); i >= 0 {
		ocName = ocName[i+1:]
	}
	oc, ok := LookupOpClass(ocName)
	if !ok {
		return nil, nil, newError(UndefinedObject, "operator class \""+ocName+"\" does not exist for access method \"hnsw\"")
	}
	if !(col.Type == oc.Type || oc.Type == "bit" && col.Type == "bit varying") {
		return nil, nil, newError(DatatypeMismatch, "operator class \""+oc.Name+"\" does not accept data type "+col.Type)
	}
	if len(elem.OpClassOptions) > 0 {
		return nil, nil, newError(InvalidParameterValue, "operator class public."+oc.Name+" has no options")
	}
	if elem.Ordering != "" {
		return nil, nil, newError(FeatureNotSupported, "access method \"hnsw\" does not support ASC/DESC options")
	}
	if elem.NullsOrder != "" {
		return nil, nil, newError(FeatureNotSupported, "access method \"hnsw\" does not support NULLS FIRST/LAST options")
	}
	if ci.Name != "" && cat.relationExists(ci.Name) {
		if ci.IfNotExists {
			return nil, &Notice{Message: "relation \"" + ci.Name + "\" already exists, skipping"}, nil
		}
		return nil, nil, newError(DuplicateTable, "relation \""+ci.Name+"\" already exists")
	}
	if err := CheckBuildColumn(oc, *col, opts); err != nil {
		return nil, nil, err
	}
	return &IndexDef{Name: ci.Name, Table: *tbl, Column: *col, OpClass: oc, Options: opts}, nil, nil
}

// CheckBuildColumn runs the checks an HNSW build makes before reading rows
// (pgvector's InitBuildState), in its order: a bit varying column, a column
// without dimensions, more dimensions than the operator class allows, and
// ef_construction < 2·m. They apply even to an empty table.
func CheckBuildColumn(oc OpClass, col Column, opts HNSWOptions) error {
	if col.Type == "bit varying" || col.Type == "varbit" {
		return newError(FeatureNotSupported, "type not supported for hnsw index")
	}
	if col.Typmod < 0 {
		return newError(InvalidParameterValue, "column does not have dimensions")
	}
	maxDims := oc.MaxDims
	if oc.Type == "sparsevec" {
		maxDims = SparseVecMaxDim
	}
	if col.Typmod > maxDims {
		return newError(ProgramLimitExceeded, fmt.Sprintf("column cannot have more than %d dimensions for hnsw index", maxDims))
	}
	return opts.CheckBuild()
}

func isPlainIdent(s string) bool {
	if s == "" || !isIdentStart(s[0]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isIdentCont(s[i]) {
			return false
		}
	}
	_, kw := keywordCats[strings.ToLower(s)]
	return !kw || keywordCats[strings.ToLower(s)] == kwUnreserved
}

// collatable reports whether a type takes a COLLATE clause (the text types).
func collatable(typ string) bool {
	switch typ {
	case "text", "character varying", "character", "name", "citext":
		return true
	}
	return false
}

// qualifiedTypeName is format_type_be_qualified for the types a user is
// likely to index: pgvector's types live in schema public.
func qualifiedTypeName(typ string) string {
	switch typ {
	case "vector", "halfvec", "sparsevec":
		return "public." + typ
	}
	return typ
}
