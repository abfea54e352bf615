package pgcompat

import (
	"errors"
	"strconv"
	"strings"
)

// ErrUnsupportedStatement is returned (wrapped) for SQL that may well be
// valid PostgreSQL but is not one of the statements this parser reads:
// CREATE INDEX, SET and RESET.
var ErrUnsupportedStatement = errors.New("pgcompat: unsupported statement")

// statementStarters are the first words of PostgreSQL statements this
// parser does not read; a statement starting with any other word is a
// syntax error, as in PostgreSQL.
var statementStarters = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`abort alter analyse analyze begin call checkpoint close cluster
		comment commit copy create deallocate declare delete discard do drop end execute explain
		fetch grant import insert listen load lock merge move notify prepare reassign refresh
		reindex release revoke rollback savepoint security select show start table truncate
		unlisten update vacuum values with`) {
		statementStarters[w] = true
	}
}

// ParseStatements parses SQL text holding CREATE INDEX, SET and RESET
// statements separated by semicolons, the way a user pastes them. Syntax
// errors are PostgreSQL's ("syntax error at or near "X"", "syntax error at
// end of input", the lexer's "trailing junk after numeric literal …"), with
// the character Position PostgreSQL reports. Semantic checks (option values,
// setting ranges, column types) are left to CreateIndex.Validate,
// ParseHNSWOptions and Settings.Exec, which run them in PostgreSQL's order.
func ParseStatements(sql string) ([]Statement, error) {
	toks, err := lex(sql)
	if err != nil {
		return nil, err
	}
	p := &parser{src: sql, toks: toks}
	var out []Statement
	for {
		for p.isSelf(";") {
			p.i++
		}
		if p.peek().kind == tkEOF {
			return out, nil
		}
		st, err := p.statement()
		if err != nil {
			return nil, err
		}
		out = append(out, st)
		if t := p.peek(); t.kind != tkEOF && !p.isSelf(";") {
			return nil, p.syntaxError(t)
		}
	}
}

// ParseStatement parses exactly one statement (a trailing semicolon is
// allowed).
func ParseStatement(sql string) (Statement, error) {
	sts, err := ParseStatements(sql)
	if err != nil {
		return nil, err
	}
	if len(sts) != 1 {
		return nil, errors.New("pgcompat: expected one statement, found " + strconv.Itoa(len(sts)))
	}
	return sts[0], nil
}

// ParseCreateIndex parses one CREATE INDEX statement.
func ParseCreateIndex(sql string) (*CreateIndex, error) {
	st, err := ParseStatement(sql)
	if err != nil {
		return nil, err
	}
	ci, ok := st.(*CreateIndex)
	if !ok {
		return nil, errors.New("pgcompat: not a CREATE INDEX statement")
	}
	return ci, nil
}

type parser struct {
	src  string
	toks []token
	i    int
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) peekAt(k int) token {
	if p.i+k < len(p.toks) {
		return p.toks[p.i+k]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tkEOF {
		p.i++
	}
	return t
}

func (p *parser) isSelf(s string) bool {
	t := p.peek()
	return t.kind == tkSelf && t.text == s
}

// isKw reports whether the next token is the (unquoted) keyword kw.
func (p *parser) isKw(kw string) bool {
	t := p.peek()
	return t.kind == tkIdent && t.val == kw
}

func (p *parser) acceptKw(kw string) bool {
	if p.isKw(kw) {
		p.i++
		return true
	}
	return false
}

func (p *parser) expectKw(kw string) error {
	if !p.acceptKw(kw) {
		return p.syntaxError(p.peek())
	}
	return nil
}

func (p *parser) expectSelf(s string) error {
	if !p.isSelf(s) {
		return p.syntaxError(p.peek())
	}
	p.i++
	return nil
}

// syntaxError is bison's error at token t.
func (p *parser) syntaxError(t token) *Error {
	if t.kind == tkEOF {
		return &Error{Code: SyntaxError, Message: "syntax error at end of input", Position: charPos(p.src, len(p.src))}
	}
	return &Error{Code: SyntaxError, Message: "syntax error at or near \"" + t.text + "\"", Position: charPos(p.src, t.pos)}
}

// colID accepts an identifier usable as a column or relation name: not a
// reserved or type/function-name keyword.
func (p *parser) colID() (string, bool) {
	t := p.peek()
	switch {
	case t.kind == tkQIdent:
		p.i++
		return t.val, true
	case t.kind == tkIdent && (t.kw == kwNone || t.kw == kwUnreserved || t.kw == kwColName):
		p.i++
		return t.val, true
	}
	return "", false
}

// colLabel accepts any identifier or keyword.
func (p *parser) colLabel() (string, bool) {
	t := p.peek()
	if t.kind == tkQIdent || t.kind == tkIdent {
		p.i++
		return t.val, true
	}
	return "", false
}

func (p *parser) statement() (Statement, error) {
	t := p.peek()
	if t.kind == tkIdent {
		switch t.val {
		case "create":
			if p.peekAt(1).kind == tkIdent && (p.peekAt(1).val == "index" || p.peekAt(1).val == "unique") {
				return p.createIndex()
			}
			return nil, unsupported(t)
		case "set":
			return p.set()
		case "reset":
			return p.reset()
		}
		if statementStarters[t.val] {
			return nil, unsupported(t)
		}
	}
	return nil, p.syntaxError(t)
}

func unsupported(t token) error {
	return errors.Join(ErrUnsupportedStatement, errors.New("pgcompat: cannot parse a statement starting with "+strings.ToUpper(t.val)))
}

// qualifiedName reads ColId [. ColLabel [. ColLabel]].
func (p *parser) qualifiedName() (QualifiedName, error) {
	startTok := p.peek()
	first, ok := p.colID()
	if !ok {
		return QualifiedName{}, p.syntaxError(p.peek())
	}
	parts := []string{first}
	for p.isSelf(".") {
		p.i++
		n, ok := p.colLabel()
		if !ok {
			return QualifiedName{}, p.syntaxError(p.peek())
		}
		parts = append(parts, n)
	}
	switch len(parts) {
	case 1:
		return QualifiedName{Name: parts[0]}, nil
	case 2:
		return QualifiedName{Schema: parts[0], Name: parts[1]}, nil
	case 3:
		return QualifiedName{Catalog: parts[0], Schema: parts[1], Name: parts[2]}, nil
	}
	return QualifiedName{}, &Error{
		Code:     SyntaxError,
		Message:  "improper qualified name (too many dotted names): " + strings.Join(parts, "."),
		Position: charPos(p.src, startTok.pos),
	}
}

// anyName reads ColId {. ColLabel} as a dotted name.
func (p *parser) anyName() (string, bool) {
	first, ok := p.colID()
	if !ok {
		return "", false
	}
	parts := []string{first}
	for p.isSelf(".") {
		p.i++
		n, ok := p.colLabel()
		if !ok {
			p.i--
			break
		}
		parts = append(parts, n)
	}
	return strings.Join(parts, "."), true
}

func (p *parser) createIndex() (*CreateIndex, error) {
	ci := &CreateIndex{Method: "btree"}
	p.next() // CREATE
	if p.acceptKw("unique") {
		ci.Unique = true
	}
	if err := p.expectKw("index"); err != nil {
		return nil, err
	}
	if p.acceptKw("concurrently") {
		ci.Concurrently = true
	}
	if p.isKw("if") && p.peekAt(1).kind == tkIdent && p.peekAt(1).val == "not" {
		p.i += 2
		if err := p.expectKw("exists"); err != nil {
			return nil, err
		}
		ci.IfNotExists = true
		n, ok := p.colID()
		if !ok {
			return nil, p.syntaxError(p.peek())
		}
		ci.Name = n
	} else if !p.isKw("on") {
		n, ok := p.colID()
		if !ok {
			return nil, p.syntaxError(p.peek())
		}
		ci.Name = n
	}
	if err := p.expectKw("on"); err != nil {
		return nil, err
	}
	if p.acceptKw("only") {
		ci.Only = true
		if p.isSelf("(") {
			p.i++
			q, err := p.qualifiedName()
			if err != nil {
				return nil, err
			}
			ci.Table = q
			if err := p.expectSelf(")"); err != nil {
				return nil, err
			}
		} else {
			q, err := p.qualifiedName()
			if err != nil {
				return nil, err
			}
			ci.Table = q
		}
	} else {
		q, err := p.qualifiedName()
		if err != nil {
			return nil, err
		}
		ci.Table = q
		if p.isSelf("*") {
			p.i++
		}
	}
	if p.acceptKw("using") {
		m, ok := p.colID()
		if !ok {
			return nil, p.syntaxError(p.peek())
		}
		ci.Method = m
	}
	if err := p.expectSelf("("); err != nil {
		return nil, err
	}
	for {
		col, err := p.indexElem()
		if err != nil {
			return nil, err
		}
		ci.Columns = append(ci.Columns, col)
		if p.isSelf(",") {
			p.i++
			continue
		}
		break
	}
	if err := p.expectSelf(")"); err != nil {
		return nil, err
	}
	if p.acceptKw("include") {
		if err := p.expectSelf("("); err != nil {
			return nil, err
		}
		for {
			n, ok := p.colID()
			if !ok {
				return nil, p.syntaxError(p.peek())
			}
			ci.Include = append(ci.Include, n)
			if p.isSelf(",") {
				p.i++
				continue
			}
			break
		}
		if err := p.expectSelf(")"); err != nil {
			return nil, err
		}
	}
	if p.isKw("nulls") {
		p.i++
		if p.acceptKw("not") {
			ci.NullsNotDistinct = true
		}
		if err := p.expectKw("distinct"); err != nil {
			return nil, err
		}
	}
	if p.acceptKw("with") {
		opts, err := p.relOptions()
		if err != nil {
			return nil, err
		}
		ci.With = opts
	}
	if p.acceptKw("tablespace") {
		n, ok := p.colID()
		if !ok {
			return nil, p.syntaxError(p.peek())
		}
		ci.Tablespace = n
	}
	if p.acceptKw("where") {
		w, err := p.rawUntilEnd()
		if err != nil {
			return nil, err
		}
		ci.Where = w
	}
	return ci, nil
}

// indexElem reads one element of an index's column list.
func (p *parser) indexElem() (IndexColumn, error) {
	var col IndexColumn
	t := p.peek()
	switch {
	case p.isSelf("("):
		e, err := p.rawParens()
		if err != nil {
			return col, err
		}
		col.Expression = e
	case t.kind == tkIdent && t.kw == kwTypeFunc && p.peekAt(1).kind == tkSelf && p.peekAt(1).text == "(":
		// A function-name keyword used as a function: left(x, 1).
		p.i++
		e, err := p.rawParens()
		if err != nil {
			return col, err
		}
		col.Expression = t.text + e
	default:
		name, ok := p.colID()
		if !ok {
			return col, p.syntaxError(p.peek())
		}
		if p.isSelf("(") || p.isSelf(".") {
			// A (possibly qualified) function call.
			start := t.pos
			for p.isSelf(".") {
				p.i++
				if _, ok := p.colLabel(); !ok {
					return col, p.syntaxError(p.peek())
				}
			}
			if !p.isSelf("(") {
				return col, p.syntaxError(p.peek())
			}
			if _, err := p.rawParens(); err != nil {
				return col, err
			}
			col.Expression = p.src[start : p.toks[p.i-1].pos+len(p.toks[p.i-1].text)]
		} else {
			col.Column = name
		}
	}
	if p.acceptKw("collate") {
		n, ok := p.anyName()
		if !ok {
			return col, p.syntaxError(p.peek())
		}
		col.Collation = n
	}
	if t := p.peek(); (t.kind == tkIdent || t.kind == tkQIdent) && !(t.kind == tkIdent && t.val == "nulls" && p.peekAt(1).kind == tkIdent && (p.peekAt(1).val == "first" || p.peekAt(1).val == "last")) {
		if n, ok := p.anyName(); ok {
			col.OpClass = n
			if p.isSelf("(") {
				// Operator class parameters: not accepted by pgvector's
				// classes, but valid syntax.
				opts, err := p.relOptions()
				if err != nil {
					return col, err
				}
				col.OpClassOptions = opts
			}
		}
	}
	if p.acceptKw("asc") {
		col.Ordering = "ASC"
	} else if p.acceptKw("desc") {
		col.Ordering = "DESC"
	}
	if p.isKw("nulls") && p.peekAt(1).kind == tkIdent && (p.peekAt(1).val == "first" || p.peekAt(1).val == "last") {
		p.i++
		col.NullsOrder = strings.ToUpper(p.next().val)
	}
	return col, nil
}

// rawParens consumes a balanced parenthesised group and returns its source
// text, parentheses included.
func (p *parser) rawParens() (string, error) {
	start := p.peek()
	if err := p.expectSelf("("); err != nil {
		return "", err
	}
	depth := 1
	for depth > 0 {
		t := p.next()
		switch {
		case t.kind == tkEOF:
			return "", p.syntaxError(t)
		case t.kind == tkSelf && (t.text == "(" || t.text == "["):
			depth++
		case t.kind == tkSelf && (t.text == ")" || t.text == "]"):
			depth--
		case t.kind == tkSelf && t.text == ";":
			return "", p.syntaxError(t)
		}
	}
	if depth == 1 {
		// "()" alone is not an expression.
		return "", p.syntaxError(p.toks[p.i-1])
	}
	end := p.toks[p.i-1]
	text := p.src[start.pos : end.pos+len(end.text)]
	if strings.TrimSpace(text[1:len(text)-1]) == "" {
		return "", p.syntaxError(end)
	}
	return text, nil
}

// rawUntilEnd returns the source text up to the next top-level ';' or the
// end, which must not be empty.
func (p *parser) rawUntilEnd() (string, error) {
	first := p.peek()
	if first.kind == tkEOF || p.isSelf(";") {
		return "", p.syntaxError(first)
	}
	depth := 0
	last := first
	for {
		t := p.peek()
		if t.kind == tkEOF || depth == 0 && t.kind == tkSelf && t.text == ";" {
			break
		}
		if t.kind == tkSelf && t.text == "(" {
			depth++
		} else if t.kind == tkSelf && t.text == ")" {
			if depth == 0 {
				return "", p.syntaxError(t)
			}
			depth--
		}
		last = p.next()
	}
	if depth > 0 {
		return "", p.syntaxError(p.peek())
	}
	return p.src[first.pos : last.pos+len(last.text)], nil
}

// relOptions reads '(' reloption_elem [, ...] ')'.
func (p *parser) relOptions() ([]RelOption, error) {
	if err := p.expectSelf("("); err != nil {
		return nil, err
	}
	var out []RelOption
	for {
		var o RelOption
		n, ok := p.colLabel()
		if !ok {
			return nil, p.syntaxError(p.peek())
		}
		o.Name = n
		if p.isSelf(".") {
			p.i++
			n2, ok := p.colLabel()
			if !ok {
				return nil, p.syntaxError(p.peek())
			}
			o.Namespace, o.Name = n, n2
		}
		if p.isSelf("=") {
			p.i++
			v, err := p.defArg()
			if err != nil {
				return nil, err
			}
			o.Value, o.HasValue = v, true
		}
		out = append(out, o)
		if p.isSelf(",") {
			p.i++
			continue
		}
		break
	}
	if err := p.expectSelf(")"); err != nil {
		return nil, err
	}
	return out, nil
}

// numericOnly reads [+|-] number and returns it as text the way PostgreSQL
// turns the constant into a string: an integer printed in decimal, any
// other number as written, negated by a leading '-'.
func (p *parser) numericOnly() (string, bool) {
	sign := ""
	k := 0
	if t := p.peek(); t.kind == tkSelf && (t.text == "+" || t.text == "-") {
		if t.text == "-" {
			sign = "-"
		}
		k = 1
	}
	t := p.peekAt(k)
	switch t.kind {
	case tkIConst:
		p.i += k + 1
		if sign == "-" && t.val == "0" {
			return "0", true
		}
		return sign + t.val, true
	case tkFConst:
		p.i += k + 1
		return sign + t.val, true
	}
	return "", false
}

// defArg reads a reloption value (def_arg).
func (p *parser) defArg() (string, error) {
	if v, ok := p.numericOnly(); ok {
		return v, nil
	}
	t := p.peek()
	switch t.kind {
	case tkString:
		p.i++
		return t.val, nil
	case tkQIdent:
		n, _ := p.anyName()
		return n, nil
	case tkIdent:
		if t.kw == kwReserved {
			p.i++
			return t.val, nil
		}
		if t.kw == kwTypeFunc {
			p.i++
			return t.val, nil
		}
		if sys, ok := builtinTypeNames[t.val]; ok && p.peekAt(1).text != "." {
			// A built-in type keyword is a TypeName, which prints as its
			// catalog name.
			p.i++
			return sys, nil
		}
		n, _ := p.anyName()
		return n, nil
	}
	return "", p.syntaxError(t)
}

// builtinTypeNames maps the type keywords of SQL to the names
// TypeNameToString prints for them.
var builtinTypeNames = map[string]string{
	"int": "pg_catalog.int4", "integer": "pg_catalog.int4", "smallint": "pg_catalog.int2",
	"bigint": "pg_catalog.int8", "real": "pg_catalog.float4", "float": "pg_catalog.float8",
	"boolean": "pg_catalog.bool", "numeric": "pg_catalog.numeric", "decimal": "pg_catalog.numeric",
	"dec": "pg_catalog.numeric", "char": "pg_catalog.bpchar", "character": "pg_catalog.bpchar",
	"varchar": "pg_catalog.varchar", "bit": "pg_catalog.bit", "time": "pg_catalog.time",
	"timestamp": "pg_catalog.timestamp", "interval": "pg_catalog.interval",
}

// set reads a SET statement.
func (p *parser) set() (Statement, error) {
	p.next() // SET
	st := &SetStatement{}
	if p.isKw("local") {
		p.i++
		st.Local = true
	} else if p.isKw("session") && !(p.peekAt(1).kind == tkIdent && (p.peekAt(1).val == "authorization" || p.peekAt(1).val == "characteristics")) {
		p.i++
	}
	if t := p.peek(); t.kind == tkIdent {
		switch t.val {
		case "transaction", "role", "names", "schema", "catalog", "xml", "session":
			return nil, unsupported(t)
		case "time":
			if n := p.peekAt(1); n.kind == tkIdent && n.val == "zone" {
				return nil, unsupported(t)
			}
		}
	}
	name, err := p.varName()
	if err != nil {
		return nil, err
	}
	st.Name = name
	if !p.acceptKw("to") {
		if p.isKw("from") {
			return nil, unsupported(p.peek())
		}
		if err := p.expectSelf("="); err != nil {
			return nil, err
		}
	}
	if p.acceptKw("default") {
		st.Default = true
		return st, nil
	}
	for {
		v, err := p.varValue()
		if err != nil {
			return nil, err
		}
		st.Values = append(st.Values, v)
		if p.isSelf(",") {
			p.i++
			continue
		}
		return st, nil
	}
}

// varName reads ColId {'.' ColId}.
func (p *parser) varName() (string, error) {
	first, ok := p.colID()
	if !ok {
		return "", p.syntaxError(p.peek())
	}
	parts := []string{first}
	for p.isSelf(".") {
		p.i++
		n, ok := p.colID()
		if !ok {
			return "", p.syntaxError(p.peek())
		}
		parts = append(parts, n)
	}
	return strings.Join(parts, "."), nil
}

// varValue reads opt_boolean_or_string | NumericOnly.
func (p *parser) varValue() (string, error) {
	if v, ok := p.numericOnly(); ok {
		return v, nil
	}
	t := p.peek()
	switch t.kind {
	case tkString:
		p.i++
		return t.val, nil
	case tkQIdent:
		p.i++
		return t.val, nil
	case tkIdent:
		switch {
		case t.val == "true" || t.val == "false" || t.val == "on":
			p.i++
			return t.val, nil
		case t.kw != kwReserved:
			p.i++
			return t.val, nil
		}
	}
	return "", p.syntaxError(t)
}

// reset reads a RESET statement.
func (p *parser) reset() (Statement, error) {
	p.next() // RESET
	if p.acceptKw("all") {
		return &ResetStatement{All: true}, nil
	}
	if t := p.peek(); t.kind == tkIdent {
		switch t.val {
		case "transaction", "session":
			return nil, unsupported(t)
		case "time":
			if n := p.peekAt(1); n.kind == tkIdent && n.val == "zone" {
				return nil, unsupported(t)
			}
		}
	}
	name, err := p.varName()
	if err != nil {
		return nil, err
	}
	return &ResetStatement{Name: name}, nil
}
