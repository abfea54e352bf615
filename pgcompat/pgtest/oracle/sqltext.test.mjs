// Unit tests for the front end's SQL classification; run with
// `node --test` (the Go test TestNodeUnitTests does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyQuery, raiseStatement, statements, tokenize } from './sqltext.mjs';

test('recognises COPY FROM STDIN and its format', () => {
  const cases = [
    ['COPY t FROM STDIN', [{ binary: false }]],
    ['copy "My Table" (a, b) from stdin binary', [{ binary: true }]],
    ['COPY s.t FROM STDIN WITH (FORMAT binary)', [{ binary: true }]],
    ["COPY t FROM STDIN WITH (FORMAT 'binary')", [{ binary: true }]],
    ['COPY t FROM STDIN (FORMAT csv, HEADER)', [{ binary: false }]],
    ['COPY BINARY t FROM STDIN', [{ binary: true }]],
    ['  -- comment\n /* nested /* comment */ */ COPY t FROM stdin;', [{ binary: false }]],
    ['copy "public"."t" from stdin', [{ binary: false }]],
    ['BEGIN; COPY t FROM STDIN; COMMIT', [{ binary: false }]],
    ['COPY a FROM STDIN; COPY b FROM STDIN', [{ binary: false }, { binary: false }]],
  ];
  for (const [sql, copies] of cases) {
    assert.deepEqual(classifyQuery(sql).copies, copies, sql);
  }
});

test('is not fooled by look-alikes', () => {
  for (const sql of [
    "SELECT 'COPY t FROM STDIN'",
    'SELECT 1 -- COPY t FROM STDIN',
    '/* COPY t FROM STDIN */ SELECT 1',
    'SELECT $$; COPY t FROM STDIN; $$',
    'SELECT $tag$ COPY t FROM STDIN $tag$',
    'COPY t TO STDOUT',
    "COPY t FROM '/tmp/stdin'",
    'COPY (SELECT * FROM stdin) TO STDOUT',
    'SELECT * FROM "copy" WHERE x = \'from stdin\'',
    "SELECT E'\\' ; COPY t FROM STDIN'",
    'COPY t FROM STDOUT',
  ]) {
    assert.deepEqual(classifyQuery(sql).copies, [], sql);
  }
});

test('recognises DEALLOCATE ALL only on its own', () => {
  assert.equal(classifyQuery('deallocate all').deallocateAll, true);
  assert.equal(classifyQuery('DEALLOCATE PREPARE ALL;').deallocateAll, true);
  assert.equal(classifyQuery('DEALLOCATE foo').deallocateAll, false);
  assert.equal(classifyQuery('DEALLOCATE ALL; SELECT 1').deallocateAll, false);
  assert.equal(classifyQuery("SELECT 'deallocate all'").deallocateAll, false);
});

test('tokenizer handles quoting and positional parameters', () => {
  const tokens = tokenize(`SELECT "a""b", 'it''s', E'x\\'y', $1, $q$ ; $q$, 1.5e3;`);
  assert.deepEqual(
    tokens.map((t) => [t.kind, t.text]),
    [
      ['word', 'select'],
      ['ident', 'a"b'],
      ['punct', ','],
      ['string', "it's"],
      ['punct', ','],
      ['string', "x'y"],
      ['punct', ','],
      ['punct', '$'],
      ['other', '1'],
      ['punct', ','],
      ['string', ' ; '],
      ['punct', ','],
      ['other', '1.5e3'],
      ['punct', ';'],
    ],
  );
  assert.equal(statements(tokens).length, 1);
  // Unterminated constructs end the text instead of throwing.
  assert.doesNotThrow(() => tokenize("SELECT 'open"));
  assert.doesNotThrow(() => tokenize('SELECT /* open'));
  assert.doesNotThrow(() => tokenize('SELECT $a$ open'));
});

test('raiseStatement quotes its message', () => {
  assert.equal(
    raiseStatement('0A000', "it's"),
    "DO $pgtest$BEGIN RAISE EXCEPTION USING ERRCODE = '0A000', MESSAGE = 'it''s'; END$pgtest$",
  );
});
