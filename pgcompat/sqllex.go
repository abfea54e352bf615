package pgcompat

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file is a lexer for the part of PostgreSQL's SQL the statement parser
// reads, following the rules of PostgreSQL 18's scan.l: identifiers and
// keywords (case-folded), "quoted identifiers", 'strings' (also E'' and
// $$dollar$$ quoting), integers in decimal, hex, octal and binary with
// underscores, decimals and reals, operators, comments, and the lexer's own
// errors ("trailing junk after numeric literal at or near …").

type tokKind int

const (
	tkEOF    tokKind = iota
	tkIdent          // identifier or keyword
	tkQIdent         // "quoted identifier"
	tkString         // string constant
	tkIConst         // integer constant that fits in int32
	tkFConst         // other numeric constant
	tkParam          // $1
	tkOp             // operator of two or more characters
	tkSelf           // single-character token: , ( ) ; . = etc.
)

// kwCat is a keyword category of PostgreSQL's grammar.
type kwCat int

const (
	kwNone       kwCat = iota // an ordinary identifier
	kwUnreserved              // usable as a name anywhere
	kwColName                 // usable as a column name, not a function or type
	kwTypeFunc                // usable as a type or function name
	kwReserved                // never usable as a name
)

type token struct {
	kind tokKind
	text string // source text of the token
	val  string // identifier: folded name; string: its value; number: canonical text
	pos  int    // byte offset in the statement
	kw   kwCat
}

// reservedWords etc. are the keywords of PostgreSQL 18 that are not
// unreserved. Any other keyword is unreserved and behaves as an identifier in
// every position this parser handles, so it needs no entry.
var keywordCats = func() map[string]kwCat {
	m := map[string]kwCat{}
	for _, w := range strings.Fields(`all analyse analyze and any array as asc asymmetric both case cast check
		collate column constraint create current_catalog current_date current_role current_time
		current_timestamp current_user default deferrable desc distinct do else end except false
		fetch for foreign from grant group having in initially intersect into lateral leading limit
		localtime localtimestamp not null offset on only or order placing primary references
		returning select session_user some symmetric system_user table then to trailing true union
		unique user using variadic when where window with`) {
		m[w] = kwReserved
	}
	for _, w := range strings.Fields(`authorization binary collation concurrently cross current_schema
		freeze full ilike inner is isnull join left like natural notnull outer overlaps right similar
		tablesample verbose`) {
		m[w] = kwTypeFunc
	}
	for _, w := range strings.Fields(`between bigint bit boolean char character coalesce dec decimal exists
		extract float greatest grouping inout int integer interval json json_array json_arrayagg
		json_exists json_object json_objectagg json_query json_scalar json_serialize json_table
		json_value least merge_action national nchar none normalize nullif numeric out overlay position
		precision real row setof smallint substring time timestamp treat trim values varchar
		xmlattributes xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot
		xmlserialize xmltable`) {
		m[w] = kwColName
	}
	// Unreserved keywords the parser tests for by name.
	for _, w := range strings.Fields(`index if exists include nulls first last distinct tablespace
		session local reset set all zone transaction authorization characteristics names role schema
		catalog xml option snapshot current isolation level`) {
		if _, ok := m[w]; !ok {
			m[w] = kwUnreserved
		}
	}
	return m
}()

const namedatalen = 64

func isIdentStart(c byte) bool {
	return c == '_' || c >= 0x80 || (c|0x20) >= 'a' && (c|0x20) <= 'z'
}

func isIdentCont(c byte) bool { return isIdentStart(c) || isDigit(c) || c == '$' }

func isSQLSpace(c byte) bool { return cIsSpace(c) }

const opChars = "~!@#^&|`?+-*/%<>="

// selfChars are returned as single-character tokens.
const selfChars = ",()[].;:+-*/%^<>="

type lexer struct {
	src  string
	pos  int
	toks []token
}

// charPos converts a byte offset into PostgreSQL's 1-based character
// position.
func charPos(src string, off int) int {
	if off > len(src) {
		off = len(src)
	}
	return utf8.RuneCountInString(src[:off]) + 1
}

// lexError is a scanner error at a byte offset, reported "at or near" the
// text from there.
func (l *lexer) lexError(msg string, off int, near string) *Error {
	return &Error{Code: SyntaxError, Message: msg + " at or near \"" + near + "\"", Position: charPos(l.src, off)}
}

// lex splits src into tokens. The last token is tkEOF at len(src).
func lex(src string) ([]token, error) {
	l := &lexer{src: src}
	for {
		t, err := l.next()
		if err != nil {
			return nil, err
		}
		l.toks = append(l.toks, t)
		if t.kind == tkEOF {
			return l.toks, nil
		}
	}
}

func (l *lexer) next() (token, error) {
	s := l.src
	// Whitespace and comments.
	for l.pos < len(s) {
		c := s[l.pos]
		switch {
		case isSQLSpace(c):
			l.pos++
		case c == '-' && l.pos+1 < len(s) && s[l.pos+1] == '-':
			for l.pos < len(s) && s[l.pos] != '\n' && s[l.pos] != '\r' {
				l.pos++
			}
		case c == '/' && l.pos+1 < len(s) && s[l.pos+1] == '*':
			start := l.pos
			depth := 0
			for {
				if l.pos+1 >= len(s) {
					return token{}, l.lexError("unterminated /* comment", start, s[start:])
				}
				if s[l.pos] == '/' && s[l.pos+1] == '*' {
					depth++
					l.pos += 2
				} else if s[l.pos] == '*' && s[l.pos+1] == '/' {
					depth--
					l.pos += 2
					if depth == 0 {
						break
					}
				} else {
					l.pos++
				}
			}
		default:
			goto tokenStart
		}
	}
tokenStart:
	start := l.pos
	if start >= len(s) {
		return token{kind: tkEOF, pos: len(s)}, nil
	}
	c := s[start]
	switch {
	case c == '\'':
		return l.quoted(start, start+1, false)
	case (c == 'e' || c == 'E') && start+1 < len(s) && s[start+1] == '\'':
		return l.quoted(start, start+2, true)
	case (c == 'u' || c == 'U') && start+2 < len(s) && s[start+1] == '&' && s[start+2] == '\'':
		t, err := l.quoted(start, start+3, false)
		if err != nil {
			return t, err
		}
		v, bad := unicodeUnescape(t.val)
		if bad >= 0 {
			// Point at the escape: skip "U&'" and count a doubled quote
			// before it as the two characters it is in the source.
			off, k := start+3, 0
			for k < bad && off < len(s) {
				if s[off] == '\'' {
					off++
				}
				off++
				k++
			}
			return token{}, &Error{Code: SyntaxError, Message: "invalid Unicode escape",
				Hint: "Unicode escapes must be \\XXXX or \\+XXXXXX.", Position: charPos(s, off)}
		}
		t.val = v
		return t, nil
	case c == '"':
		return l.quotedIdent(start)
	case c == '$' && start+1 < len(s) && isDigit(s[start+1]):
		i := start + 1
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i < len(s) && isIdentCont(s[i]) {
			for i < len(s) && isIdentCont(s[i]) {
				i++
			}
			return token{}, l.lexError("trailing junk after parameter", start, s[start:i])
		}
		l.pos = i
		return token{kind: tkParam, text: s[start:i], val: s[start+1 : i], pos: start}, nil
	case c == '$':
		if t, ok, err := l.dollarQuoted(start); ok || err != nil {
			return t, err
		}
	case isDigit(c) || c == '.' && start+1 < len(s) && isDigit(s[start+1]):
		return l.number(start)
	case isIdentStart(c):
		i := start
		for i < len(s) && isIdentCont(s[i]) {
			i++
		}
		l.pos = i
		text := s[start:i]
		folded := foldIdent(text)
		return token{kind: tkIdent, text: text, val: folded, pos: start, kw: keywordCats[folded]}, nil
	}
	// Two-character tokens of the grammar that are not operators.
	if start+1 < len(s) {
		switch s[start : start+2] {
		case "..", "::", ":=":
			l.pos = start + 2
			return token{kind: tkOp, text: s[start : start+2], val: s[start : start+2], pos: start}, nil
		}
	}
	if strings.IndexByte(opChars, c) >= 0 {
		i := start
		for i < len(s) && strings.IndexByte(opChars, s[i]) >= 0 {
			// A comment start inside an operator ends it.
			if i > start && (s[i] == '-' && i+1 < len(s) && s[i+1] == '-' || s[i] == '/' && i+1 < len(s) && s[i+1] == '*') {
				break
			}
			i++
		}
		op := s[start:i]
		// PostgreSQL drops trailing + and - from a multi-character operator
		// unless it contains one of ~!@#^&|`?%, so "=-5" is "=" then "-5".
		if len(op) > 1 && !strings.ContainsAny(op, "~!@#^&|`?%") {
			for len(op) > 1 && (op[len(op)-1] == '+' || op[len(op)-1] == '-') {
				op = op[:len(op)-1]
			}
		}
		l.pos = start + len(op)
		if len(op) == 1 {
			return token{kind: tkSelf, text: op, val: op, pos: start}, nil
		}
		return token{kind: tkOp, text: op, val: op, pos: start}, nil
	}
	if strings.IndexByte(selfChars, c) >= 0 {
		l.pos = start + 1
		return token{kind: tkSelf, text: s[start : start+1], val: s[start : start+1], pos: start}, nil
	}
	// Anything else is a one-character token the grammar rejects.
	_, n := utf8.DecodeRuneInString(s[start:])
	l.pos = start + n
	return token{kind: tkSelf, text: s[start : start+n], val: s[start : start+n], pos: start}, nil
}

// foldIdent is downcase_truncate_identifier: ASCII letters to lower case,
// then truncation to NAMEDATALEN-1 bytes on a character boundary.
func foldIdent(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return truncateIdent(string(b))
}

func truncateIdent(s string) string {
	if len(s) < namedatalen {
		return s
	}
	n := namedatalen - 1
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// quoted scans a '…' string starting at body (after the quote); escapes
// enables E” backslash escapes.
func (l *lexer) quoted(start, body int, escapes bool) (token, error) {
	s := l.src
	var b strings.Builder
	i := body
	for {
		if i >= len(s) {
			return token{}, l.lexError("unterminated quoted string", start, s[start:])
		}
		c := s[i]
		if c == '\'' {
			if i+1 < len(s) && s[i+1] == '\'' {
				b.WriteByte('\'')
				i += 2
				continue
			}
			i++
			break
		}
		if escapes && c == '\\' && i+1 < len(s) {
			i++
			switch e := s[i]; e {
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			default:
				if e >= '0' && e <= '7' {
					v, j := 0, i
					for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
						v = v*8 + int(s[j]-'0')
						j++
					}
					b.WriteByte(byte(v))
					i = j
					continue
				}
				if e == 'x' && i+1 < len(s) && isHexDigit(s[i+1]) {
					v, j := 0, i+1
					for j < len(s) && j < i+3 && isHexDigit(s[j]) {
						d, _ := strconv.ParseUint(s[j:j+1], 16, 8)
						v = v*16 + int(d)
						j++
					}
					b.WriteByte(byte(v))
					i = j
					continue
				}
				b.WriteByte(e)
			}
			i++
			continue
		}
		b.WriteByte(c)
		i++
	}
	l.pos = i
	return token{kind: tkString, text: s[start:i], val: b.String(), pos: start}, nil
}

// unicodeUnescape decodes the escapes of a U&'…' string with the default
// escape character: \\, \XXXX and \+XXXXXX. It returns the byte index of
// a malformed escape, or −1.
func unicodeUnescape(s string) (string, int) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		n := 4
		j := i + 1
		switch {
		case j < len(s) && s[j] == '\\':
			b.WriteByte('\\')
			i = j
			continue
		case j < len(s) && s[j] == '+':
			n = 6
			j++
		}
		if j+n > len(s) {
			return "", i
		}
		v, err := strconv.ParseUint(s[j:j+n], 16, 32)
		if err != nil || v > utf8.MaxRune || v == 0 {
			return "", i
		}
		b.WriteRune(rune(v))
		i = j + n - 1
	}
	return b.String(), -1
}

// quotedIdent scans a "quoted identifier".
func (l *lexer) quotedIdent(start int) (token, error) {
	s := l.src
	var b strings.Builder
	i := start + 1
	for {
		if i >= len(s) {
			return token{}, l.lexError("unterminated quoted identifier", start, s[start:])
		}
		if s[i] == '"' {
			if i+1 < len(s) && s[i+1] == '"' {
				b.WriteByte('"')
				i += 2
				continue
			}
			i++
			break
		}
		b.WriteByte(s[i])
		i++
	}
	if b.Len() == 0 {
		return token{}, l.lexError("zero-length delimited identifier", start, s[start:i])
	}
	l.pos = i
	return token{kind: tkQIdent, text: s[start:i], val: truncateIdent(b.String()), pos: start}, nil
}

// dollarQuoted scans $tag$…$tag$. ok is false when the text at start is not
// a dollar-quote opener.
func (l *lexer) dollarQuoted(start int) (token, bool, error) {
	s := l.src
	i := start + 1
	if i < len(s) && isIdentStart(s[i]) {
		for i < len(s) && isIdentCont(s[i]) && s[i] != '$' {
			i++
		}
	}
	if i >= len(s) || s[i] != '$' {
		return token{}, false, nil
	}
	delim := s[start : i+1]
	end := strings.Index(s[i+1:], delim)
	if end < 0 {
		return token{}, false, l.lexError("unterminated dollar-quoted string", start, s[start:])
	}
	body := s[i+1 : i+1+end]
	l.pos = i + 1 + end + len(delim)
	return token{kind: tkString, text: s[start:l.pos], val: body, pos: start}, true, nil
}

// number scans a numeric constant with PostgreSQL's junk rules.
func (l *lexer) number(start int) (token, error) {
	s := l.src
	i := start
	digitsWith := func(i int, ok func(byte) bool) int {
		// digit (_? digit)*
		if i >= len(s) || !ok(s[i]) {
			return i
		}
		i++
		for i < len(s) {
			if ok(s[i]) {
				i++
			} else if s[i] == '_' && i+1 < len(s) && ok(s[i+1]) {
				i += 2
			} else {
				break
			}
		}
		return i
	}
	junk := func(end int) (token, error) {
		j := end
		for j < len(s) && isIdentCont(s[j]) {
			j++
		}
		return token{}, l.lexError("trailing junk after numeric literal", start, s[start:j])
	}
	if s[i] == '0' && i+1 < len(s) && strings.IndexByte("xXoObB", s[i+1]) >= 0 {
		var ok func(byte) bool
		var name string
		base := 0
		switch s[i+1] | 0x20 {
		case 'x':
			ok, name, base = isHexDigit, "hexadecimal", 16
		case 'o':
			ok, name, base = func(c byte) bool { return c >= '0' && c <= '7' }, "octal", 8
		default:
			ok, name, base = func(c byte) bool { return c == '0' || c == '1' }, "binary", 2
		}
		j := i + 2
		if j < len(s) && s[j] == '_' && j+1 < len(s) && ok(s[j+1]) {
			j++
		}
		e := digitsWith(j, ok)
		if e == j {
			// Flex takes the longest match: "0x" alone is an invalid hex
			// integer, but "0xg" is the integer 0 followed by junk.
			end := i + 2
			if end < len(s) && s[end] == '_' {
				end++
			}
			identEnd := i + 1
			for identEnd < len(s) && isIdentCont(s[identEnd]) {
				identEnd++
			}
			if identEnd > end {
				return token{}, l.lexError("trailing junk after numeric literal", start, s[start:identEnd])
			}
			return token{}, l.lexError("invalid "+name+" integer", start, s[start:end])
		}
		if e < len(s) && isIdentCont(s[e]) {
			return junk(e)
		}
		l.pos = e
		return intToken(s[start:e], strings.ReplaceAll(s[i+2:e], "_", ""), base, start), nil
	}
	intEnd := digitsWith(i, isDigit)
	e := intEnd
	isFloat := false
	if e < len(s) && s[e] == '.' && !(e+1 < len(s) && s[e+1] == '.') {
		isFloat = true
		e = digitsWith(e+1, isDigit)
	}
	if e < len(s) && (s[e] == 'e' || s[e] == 'E') {
		j := e + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		k := digitsWith(j, isDigit)
		if k == j {
			if j > e+1 {
				// "1e+" with no digits.
				return token{}, l.lexError("trailing junk after numeric literal", start, s[start:j])
			}
			return junk(e)
		}
		isFloat = true
		e = k
	}
	if e < len(s) && isIdentCont(s[e]) {
		return junk(e)
	}
	l.pos = e
	text := s[start:e]
	if isFloat {
		return token{kind: tkFConst, text: text, val: text, pos: start}, nil
	}
	return intToken(text, strings.ReplaceAll(text, "_", ""), 10, start), nil
}

// intToken makes an ICONST, or an FCONST holding the text as written when
// the value does not fit in int32 (process_integer_literal).
func intToken(text, digits string, base, pos int) token {
	v, err := strconv.ParseInt(digits, base, 32)
	if err != nil {
		return token{kind: tkFConst, text: text, val: text, pos: pos}
	}
	return token{kind: tkIConst, text: text, val: strconv.FormatInt(v, 10), pos: pos}
}
