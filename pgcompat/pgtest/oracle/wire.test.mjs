// Unit tests for the wire-protocol framing; run with `node --test`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as wire from './wire.mjs';
import { parseOptions } from './frontend.mjs';

function startupPacket(params) {
  const body = Buffer.concat([
    ...Object.entries(params).map(([k, v]) => Buffer.from(`${k}\0${v}\0`)),
    Buffer.from([0]),
  ]);
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + body.length, 0);
  head.writeInt32BE(wire.PROTOCOL_3_0, 4);
  return Buffer.concat([head, body]);
}

test('frames messages split across arbitrary chunks', () => {
  const stream = Buffer.concat([
    startupPacket({ user: 'u', database: 'd' }),
    wire.queryMessage('SELECT 1'),
    wire.syncMessage(),
  ]);
  for (let chunk = 1; chunk <= stream.length; chunk++) {
    const r = new wire.FrameReader();
    const got = [];
    for (let off = 0; off < stream.length; off += chunk) {
      r.push(stream.subarray(off, off + chunk));
      let m;
      while ((m = r.next()) !== null) {
        if (m.startup) {
          assert.deepEqual([...wire.parseStartupParams(m.raw)], [['user', 'u'], ['database', 'd']]);
          r.startupPhase = false;
          got.push('startup');
        } else {
          got.push(m.type);
        }
      }
    }
    assert.deepEqual(got, ['startup', 'Q', 'S'], `chunk ${chunk}`);
  }
});

test('rejects impossible lengths', () => {
  const r = new wire.FrameReader();
  r.push(Buffer.from([0, 0, 0, 4, 0, 0, 0, 0]));
  assert.throws(() => r.next(), wire.ProtocolError);
  const r2 = new wire.FrameReader();
  r2.startupPhase = false;
  r2.push(Buffer.from([0x51, 0, 0, 0, 2]));
  assert.throws(() => r2.next(), wire.ProtocolError);
});

test('renames statements and portals in extended-protocol messages', () => {
  const rename = (n) => (n === '' ? '' : `c1_${n}`);
  const parse = wire.message('P', 'stmt', 'SELECT $1', Buffer.from([0, 1, 0, 0, 0, 23]));
  const p = wire.rewriteParse(parse, rename, (q) => q);
  assert.equal(p.name, 'stmt');
  assert.deepEqual(p.raw, wire.message('P', 'c1_stmt', 'SELECT $1', Buffer.from([0, 1, 0, 0, 0, 23])));

  const bind = wire.message('B', '', 'stmt', Buffer.from([0, 0, 0, 0, 0, 0]));
  const b = wire.rewriteBind(bind, rename, rename);
  assert.deepEqual(b.raw, wire.message('B', '', 'c1_stmt', Buffer.from([0, 0, 0, 0, 0, 0])));

  const d = wire.rewriteTarget(wire.message('D', Buffer.from('S'), 'stmt'), rename, rename);
  assert.deepEqual(d.raw, wire.message('D', Buffer.from('S'), 'c1_stmt'));
  assert.throws(() => wire.rewriteTarget(wire.message('C', Buffer.from('X'), 'a'), rename, rename), wire.ProtocolError);

  const e = wire.rewriteExecute(wire.message('E', 'portal', Buffer.from([0, 0, 0, 5])), rename);
  assert.deepEqual(e.raw, wire.message('E', 'c1_portal', Buffer.from([0, 0, 0, 5])));
});

test('splits backend output and reads rows and errors', () => {
  const row = wire.message('D', Buffer.from([0, 2, 0, 0, 0, 1, 0x78, 0xff, 0xff, 0xff, 0xff]));
  const err = wire.errorResponse({ code: '22000', message: 'bad', detail: 'why' });
  const out = Buffer.concat([row, err, wire.readyForQuery('I')]);
  const msgs = [...wire.splitBackend(out)];
  assert.deepEqual(msgs.map((m) => m.type), ['D', 'E', 'Z']);
  assert.deepEqual(wire.parseDataRow(msgs[0].raw), ['x', null]);
  assert.deepEqual(wire.parseErrorFields(msgs[1].raw), { S: 'ERROR', V: 'ERROR', C: '22000', M: 'bad', D: 'why' });
  assert.throws(() => [...wire.splitBackend(out.subarray(0, out.length - 1))]);
});

test('parses the options startup parameter', () => {
  assert.deepEqual(parseOptions('-c a=1 -cb=2 --c-d=3 -c e=x\\ y'), [
    ['a', '1'],
    ['b', '2'],
    ['c_d', '3'],
    ['e', 'x y'],
  ]);
  assert.deepEqual(parseOptions(''), []);
  assert.deepEqual(parseOptions('-c novalue'), []);
});
