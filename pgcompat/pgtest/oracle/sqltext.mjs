// A small SQL lexer, just good enough to recognise the statements the front
// end must treat specially (COPY ... FROM STDIN, DEALLOCATE ALL) without being
// fooled by comments, string literals, quoted identifiers or dollar quotes.

// tokenize splits sql into tokens {kind, text}: kind is 'word' (lower-cased
// keyword or bare identifier), 'ident' (double-quoted identifier, unquoted),
// 'string' (literal contents), 'punct' (one character) or 'other'.
export function tokenize(sql) {
  const tokens = [];
  const n = sql.length;
  let i = 0;
  while (i < n) {
    const c = sql[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? n : end + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      // Block comments nest in PostgreSQL.
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (sql[i] === '/' && sql[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (sql[i] === '*' && sql[i + 1] === '/') {
          depth--;
          i += 2;
        } else {
          i++;
        }
      }
    } else if (c === "'" || ((c === 'e' || c === 'E') && sql[i + 1] === "'")) {
      const backslashEscapes = c !== "'";
      i += backslashEscapes ? 2 : 1;
      let text = '';
      while (i < n) {
        if (backslashEscapes && sql[i] === '\\') {
          text += sql[i + 1] ?? '';
          i += 2;
        } else if (sql[i] === "'" && sql[i + 1] === "'") {
          text += "'";
          i += 2;
        } else if (sql[i] === "'") {
          i++;
          break;
        } else {
          text += sql[i++];
        }
      }
      tokens.push({ kind: 'string', text });
    } else if (c === '"') {
      i++;
      let text = '';
      while (i < n) {
        if (sql[i] === '"' && sql[i + 1] === '"') {
          text += '"';
          i += 2;
        } else if (sql[i] === '"') {
          i++;
          break;
        } else {
          text += sql[i++];
        }
      }
      tokens.push({ kind: 'ident', text });
    } else if (c === '$' && /^\$([A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/.test(sql.slice(i, i + 64))) {
      const tag = /^\$([A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/.exec(sql.slice(i, i + 64))[0];
      const end = sql.indexOf(tag, i + tag.length);
      const stop = end < 0 ? n : end;
      tokens.push({ kind: 'string', text: sql.slice(i + tag.length, stop) });
      i = end < 0 ? n : end + tag.length;
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      let j = i + 1;
      while (j < n && /[\w$\u0080-\uffff]/.test(sql[j])) j++;
      tokens.push({ kind: 'word', text: sql.slice(i, j).toLowerCase() });
      i = j;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      let j = i + 1;
      while (j < n && /[\w.]/.test(sql[j])) j++;
      tokens.push({ kind: 'other', text: sql.slice(i, j) });
      i = j;
    } else {
      tokens.push({ kind: 'punct', text: c });
      i++;
    }
  }
  return tokens;
}

// statements splits a token list at top-level semicolons, dropping empty
// statements.
export function statements(tokens) {
  const out = [];
  let current = [];
  for (const t of tokens) {
    if (t.kind === 'punct' && t.text === ';') {
      if (current.length) out.push(current);
      current = [];
    } else {
      current.push(t);
    }
  }
  if (current.length) out.push(current);
  return out;
}

function isWord(t, ...words) {
  return t !== undefined && t.kind === 'word' && words.includes(t.text);
}

// copyFromStdin reports whether one statement is COPY <table> [(cols)] FROM
// STDIN, and whether it uses the binary format.
function copyFromStdin(stmt) {
  if (!isWord(stmt[0], 'copy')) return null;
  let i = 1;
  let binary = false;
  if (isWord(stmt[i], 'binary')) {
    binary = true; // pre-9.0 syntax: COPY BINARY table FROM STDIN
    i++;
  }
  // The table name: identifiers joined by dots.
  if (!stmt[i] || (stmt[i].kind !== 'word' && stmt[i].kind !== 'ident')) return null;
  i++;
  while (stmt[i]?.kind === 'punct' && stmt[i].text === '.') i += 2;
  if (stmt[i]?.kind === 'punct' && stmt[i].text === '(') {
    while (i < stmt.length && !(stmt[i].kind === 'punct' && stmt[i].text === ')')) i++;
    i++;
  }
  if (!isWord(stmt[i], 'from') || !isWord(stmt[i + 1], 'stdin')) return null;
  for (const t of stmt.slice(i + 2)) {
    if ((t.kind === 'word' || t.kind === 'string' || t.kind === 'ident') && t.text.toLowerCase() === 'binary') {
      binary = true;
    }
  }
  return { binary };
}

// classifyQuery inspects the text of a simple Query message.
//   copies: the COPY ... FROM STDIN statements it contains ({binary} each);
//   deallocateAll: true when the whole query is DEALLOCATE [PREPARE] ALL.
export function classifyQuery(sql) {
  const stmts = statements(tokenize(sql));
  const copies = [];
  for (const s of stmts) {
    const copy = copyFromStdin(s);
    if (copy) copies.push(copy);
  }
  const deallocateAll =
    stmts.length === 1 &&
    isWord(stmts[0][0], 'deallocate') &&
    ((stmts[0].length === 2 && isWord(stmts[0][1], 'all')) ||
      (stmts[0].length === 3 && isWord(stmts[0][1], 'prepare') && isWord(stmts[0][2], 'all')));
  return { copies, deallocateAll };
}

// raiseStatement returns a statement that fails inside the backend with the
// given SQLSTATE and message, so that the backend itself applies PostgreSQL's
// error semantics (aborting an open transaction, skipping to Sync).
export function raiseStatement(sqlstate, text) {
  const quoted = "'" + text.replaceAll("'", "''") + "'";
  return `DO $pgtest$BEGIN RAISE EXCEPTION USING ERRCODE = '${sqlstate}', MESSAGE = ${quoted}; END$pgtest$`;
}
