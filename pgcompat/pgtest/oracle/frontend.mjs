// The wire-protocol front end: many client sockets, one PGlite backend.
//
// PGlite is a single PostgreSQL backend session. Feeding it each socket's
// messages as they arrive breaks in three ways (see the package README):
// COPY FROM STDIN needs its data in the same call as the Query, clients'
// prepared-statement names collide, and messages from different sockets
// interleave inside one another's extended-protocol exchanges. So the front
// end frames every connection's messages into units that must run without
// interruption, runs units one at a time from a FIFO, and keeps the session
// with one connection for as long as that connection has state in flight
// (an open transaction, a Flush without Sync, a freshly parsed unnamed
// statement). Per-connection state that would otherwise leak between
// connections is virtualised: statement and portal names are prefixed, and
// session settings (SET) are saved and restored when the session switches
// connections.

import * as wire from './wire.mjs';
import { classifyQuery, raiseStatement } from './sqltext.mjs';

// Statement name a connection's unnamed-statement references are redirected to
// once another connection has had to discard its unnamed statement; the backend
// then reports "prepared statement ... does not exist" instead of silently
// using another connection's statement.
const LOST_UNNAMED = 'pgtest: unnamed statement discarded for another connection';

const COPY_EXTENDED_UNSUPPORTED =
  'pgtest oracle: COPY FROM STDIN is supported only through the simple query protocol';
const COPY_MULTIPLE_UNSUPPORTED =
  'pgtest oracle: at most one COPY FROM STDIN per query string is supported';

// Startup-packet parameters that are not run-time settings.
const NON_SETTING_PARAMS = new Set(['user', 'database', 'replication', 'options']);

function literal(s) {
  return "'" + String(s).replaceAll("'", "''") + "'";
}

// parseOptions extracts settings from the "options" startup parameter
// (-c name=value, --name=value; a backslash escapes the next character).
export function parseOptions(options) {
  const words = [];
  let word = null;
  for (let i = 0; i < options.length; i++) {
    const ch = options[i];
    if (ch === '\\' && i + 1 < options.length) {
      word = (word ?? '') + options[++i];
    } else if (/\s/.test(ch)) {
      if (word !== null) words.push(word);
      word = null;
    } else {
      word = (word ?? '') + ch;
    }
  }
  if (word !== null) words.push(word);
  const settings = [];
  for (let i = 0; i < words.length; i++) {
    let assignment = null;
    if (words[i] === '-c' && i + 1 < words.length) assignment = words[++i];
    else if (words[i].startsWith('-c')) assignment = words[i].slice(2);
    else if (words[i].startsWith('--')) assignment = words[i].slice(2);
    if (assignment === null) continue;
    const eq = assignment.indexOf('=');
    if (eq <= 0) continue;
    settings.push([assignment.slice(0, eq).replaceAll('-', '_'), assignment.slice(eq + 1)]);
  }
  return settings;
}

class Client {
  constructor(id, socket) {
    this.id = id;
    this.socket = socket;
    this.reader = new wire.FrameReader();
    this.prefix = `c${id.toString(36)}_`;
    this.closed = false; // no more input will be read; cleanup is queued
    this.started = false; // the startup packet has run in the backend
    this.group = null; // extended-protocol messages waiting for Sync or Flush
    this.copy = null; // COPY FROM STDIN being collected
    this.queued = 0; // units of this client in the scheduler queue
    this.running = false;
    // Backend state this client is responsible for.
    this.txStatus = 'I';
    this.midExtended = false; // last extended group ended with Flush, not Sync
    this.pendingUnnamed = false; // parsed the unnamed statement, not bound yet
    this.unnamedLost = false;
    this.statements = new Set(); // backend names of named statements
    this.settings = []; // [name, value] session settings saved while others run
  }

  renameStatement = (name) => (name === '' ? '' : this.prefix + name);
  renamePortal = (name) => (name === '' ? '' : this.prefix + name);
}

export class Frontend {
  constructor(db, { log, onBackendFailure, softAffinityMs = 1000, warnAfterMs = 5000, debug = false }) {
    this.db = db;
    this.log = log;
    this.onBackendFailure = onBackendFailure;
    this.softAffinityMs = softAffinityMs;
    this.warnAfterMs = warnAfterMs;
    this.debug = debug;
    this.clients = new Set();
    this.queue = [];
    this.pumping = false;
    this.stopped = false;
    this.current = null; // client whose unit ran last: it may hold the session
    this.settingsOwner = null; // client whose settings are applied; null = defaults
    this.nextId = 1;
    this.waitTimer = null;
  }

  // accept takes ownership of a newly connected socket.
  accept(socket) {
    if (this.stopped) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const c = new Client(this.nextId++, socket);
    this.clients.add(c);
    socket.on('data', (chunk) => this.onData(c, chunk));
    socket.on('error', () => {}); // 'close' follows and does the work
    socket.on('close', () => this.disconnect(c));
  }

  // stop refuses further work and closes every client socket.
  stop() {
    this.stopped = true;
    clearTimeout(this.waitTimer);
    for (const c of this.clients) c.socket.destroy();
  }

  onData(c, chunk) {
    if (c.closed) return;
    c.reader.push(chunk);
    try {
      let m;
      while (!c.closed && (m = c.reader.next()) !== null) {
        if (m.startup) this.onStartupPacket(c, m);
        else if (c.copy) this.onCopyMessage(c, m.type, m.raw);
        else this.onMessage(c, m.type, m.raw);
      }
    } catch (err) {
      if (!(err instanceof wire.ProtocolError)) this.log(`connection ${c.id}: ${err.stack ?? err}`);
      this.fail(c, err.code ?? 'XX000', err.message);
    }
    this.pump();
  }

  // fail sends a FATAL error and drops the connection, as PostgreSQL does for
  // protocol violations.
  fail(c, code, message) {
    if (!c.socket.destroyed) {
      c.socket.end(wire.errorResponse({ severity: 'FATAL', code, message }));
    }
    this.disconnect(c);
  }

  onStartupPacket(c, m) {
    switch (m.code) {
      case wire.SSL_REQUEST:
      case wire.GSSENC_REQUEST:
        c.socket.write('N'); // no encryption; the client continues in plain text
        return;
      case wire.CANCEL_REQUEST:
        // The backend runs synchronously and cannot be interrupted; PostgreSQL
        // also answers a cancel request with nothing but a closed socket.
        c.socket.end();
        this.disconnect(c);
        return;
    }
    const major = m.code >> 16;
    if (major !== 3) {
      throw new wire.ProtocolError(
        `unsupported frontend protocol ${major}.${m.code & 0xffff}: server supports 3.0 to 3.2`,
        '0A000',
      );
    }
    c.reader.startupPhase = false;
    this.enqueue({ kind: 'startup', client: c, raw: m.raw, params: wire.parseStartupParams(m.raw) });
  }

  onMessage(c, type, raw) {
    switch (type) {
      case 'P':
      case 'B':
      case 'D':
      case 'E':
      case 'C':
        this.addToGroup(c, type, raw);
        return;
      case 'H':
      case 'S':
        this.addToGroup(c, type, raw);
        this.finishGroup(c, type === 'S');
        return;
      case 'Q':
        this.finishGroup(c, false);
        this.onQuery(c, raw);
        return;
      case 'F':
        this.finishGroup(c, false);
        this.enqueue({ kind: 'simple', client: c, data: raw, query: false });
        return;
      case 'd':
      case 'c':
      case 'f':
        // COPY data after a COPY that failed to start; PostgreSQL ignores it too.
        return;
      case 'X':
        this.finishGroup(c, false);
        c.socket.end();
        this.disconnect(c);
        return;
      default:
        throw new wire.ProtocolError(`invalid frontend message type ${raw[0]}`);
    }
  }

  onQuery(c, raw) {
    const [sql] = wire.readCString(raw, 5);
    const { copies, deallocateAll } = classifyQuery(sql);
    if (copies.length > 1) {
      const replaced = wire.queryMessage(raiseStatement('0A000', COPY_MULTIPLE_UNSUPPORTED));
      this.enqueue({ kind: 'simple', client: c, data: replaced, query: true });
    } else if (copies.length === 1) {
      c.copy = { parts: [raw], binary: copies[0].binary, announced: false };
      this.announceCopy(c);
    } else if (deallocateAll) {
      this.enqueue({ kind: 'deallocateAll', client: c, data: raw });
    } else {
      this.enqueue({ kind: 'simple', client: c, data: raw, query: true });
    }
  }

  // announceCopy sends CopyInResponse for a COPY FROM STDIN that is being
  // collected, once every earlier reply to this client has been sent. The
  // backend can only run the COPY with all of its data in one call, but libpq
  // clients (psql) send no data until they see CopyInResponse.
  announceCopy(c) {
    if (!c.copy || c.copy.announced || c.queued > 0 || c.running || c.socket.destroyed) return;
    c.copy.announced = true;
    c.socket.write(wire.copyInResponse(c.copy.binary));
  }

  onCopyMessage(c, type, raw) {
    const copy = c.copy;
    if (type === 'X') {
      // Terminate must never reach the backend (it would end the only
      // session); the COPY is abandoned as PostgreSQL abandons it on EOF.
      c.copy = null;
      this.onMessage(c, type, raw);
      return;
    }
    copy.parts.push(raw);
    // Flush and Sync are ignored inside COPY; any other message ends it (the
    // backend reports an unexpected message and fails the COPY).
    if (type === 'd' || type === 'H' || type === 'S') return;
    c.copy = null;
    this.enqueue({ kind: 'copy', client: c, data: Buffer.concat(copy.parts), copy });
  }

  addToGroup(c, type, raw) {
    if (!c.group) c.group = [];
    const msg = { type, raw, original: raw };
    switch (type) {
      case 'P': {
        const r = wire.rewriteParse(raw, c.renameStatement, (query) =>
          classifyQuery(query).copies.length ? raiseStatement('0A000', COPY_EXTENDED_UNSUPPORTED) : query,
        );
        Object.assign(msg, { raw: r.raw, name: r.name });
        break;
      }
      case 'B': {
        const r = wire.rewriteBind(raw, c.renamePortal, c.renameStatement);
        Object.assign(msg, { raw: r.raw, statement: r.statement });
        break;
      }
      case 'D':
      case 'C': {
        const r = wire.rewriteTarget(raw, c.renamePortal, c.renameStatement);
        Object.assign(msg, { raw: r.raw, kind: r.kind, name: r.name });
        break;
      }
      case 'E':
        msg.raw = wire.rewriteExecute(raw, c.renamePortal).raw;
        break;
    }
    c.group.push(msg);
  }

  finishGroup(c, endsWithSync) {
    if (!c.group) return;
    this.enqueue({ kind: 'extended', client: c, msgs: c.group, endsWithSync });
    c.group = null;
  }

  // disconnect marks a client gone. Units it already sent still run (the
  // backend would have executed them before noticing EOF); then its backend
  // state is cleaned up. Unfinished groups and COPYs are dropped, as an
  // implicit transaction is never committed without Sync.
  disconnect(c) {
    if (c.closed) return;
    c.closed = true;
    c.group = null;
    c.copy = null;
    if (!c.socket.destroyed) c.socket.destroy();
    this.enqueue({ kind: 'cleanup', client: c });
  }

  enqueue(unit) {
    this.queue.push(unit);
    unit.client.queued++;
    this.pump();
  }

  // holder returns the client the session is reserved for, if any. A hard
  // hold (transaction, Flush without Sync) lasts until the client finishes; a
  // soft hold (unnamed statement parsed, not yet bound) is broken when others
  // have waited softAffinityMs.
  holder() {
    const c = this.current;
    if (!c) return null;
    if (c.midExtended || c.txStatus !== 'I') return { client: c, hard: true };
    if (c.pendingUnnamed) return { client: c, hard: false };
    return null;
  }

  nextUnit() {
    if (this.queue.length === 0) return -1;
    const h = this.holder();
    if (!h) return 0;
    return this.queue.findIndex((u) => u.client === h.client);
  }

  async pump() {
    if (this.pumping || this.stopped) return;
    this.pumping = true;
    clearTimeout(this.waitTimer);
    try {
      for (;;) {
        if (this.stopped) return;
        const idx = this.nextUnit();
        if (idx < 0) break;
        const [unit] = this.queue.splice(idx, 1);
        const c = unit.client;
        c.queued--;
        c.running = true;
        this.current = c;
        try {
          await this.run(unit);
        } catch (err) {
          if (this.stopped) return;
          this.onBackendFailure(err);
          return;
        } finally {
          c.running = false;
        }
        this.announceCopy(c);
      }
    } finally {
      this.pumping = false;
    }
    this.armWaitTimer();
  }

  armWaitTimer() {
    clearTimeout(this.waitTimer);
    if (this.queue.length === 0) return;
    const h = this.holder();
    if (!h) return;
    const delay = h.hard ? this.warnAfterMs : this.softAffinityMs;
    this.waitTimer = setTimeout(() => this.onWaitTimeout(h.client, h.hard, delay), delay);
  }

  onWaitTimeout(c, hard, waited) {
    const h = this.holder();
    if (!h || h.client !== c || h.hard !== hard || this.queue.length === 0 || this.pumping) return;
    const waiting = this.queue.filter((u) => u.client !== c).length;
    if (!hard) {
      c.pendingUnnamed = false;
      c.unnamedLost = true;
      if (this.debug) {
        this.log(`connection ${c.id}: unnamed statement left unbound for ${waited} ms; released the session`);
      }
      this.pump();
      return;
    }
    const why = c.midExtended ? 'an extended-protocol exchange without Sync' : 'an open transaction';
    this.log(
      `connection ${c.id} has held the session for ${Math.round(waited / 1000)} s with ${why}; ` +
        `${waiting} request(s) from other connections are waiting (PGlite is a single session)`,
    );
    const next = waited + 30000;
    this.waitTimer = setTimeout(() => this.onWaitTimeout(c, hard, next), 30000);
  }

  // exec runs protocol bytes in the backend and returns everything it wrote.
  async exec(data) {
    const out = [];
    await this.db.execProtocolRawStream(data, {
      syncToFs: false,
      // The chunk is a view of WebAssembly memory: copy it before it is reused.
      onRawData: (chunk) => out.push(Buffer.from(chunk)),
    });
    return Buffer.concat(out);
  }

  // query runs one simple Query for the front end itself.
  async query(sql) {
    const out = await this.exec(wire.queryMessage(sql));
    const result = { rows: [], error: null, messages: [] };
    for (const m of wire.splitBackend(out)) {
      result.messages.push(m);
      if (m.type === 'D') result.rows.push(wire.parseDataRow(m.raw));
      else if (m.type === 'E' && !result.error) result.error = wire.parseErrorFields(m.raw);
    }
    return result;
  }

  send(c, buf) {
    if (buf.length && !c.socket.destroyed) c.socket.write(buf);
  }

  // settle records the transaction status from the last ReadyForQuery of a
  // reply and drops the first CopyInResponse when one was already sent.
  settle(c, out, dropCopyIn) {
    const keep = [];
    let dropped = !dropCopyIn;
    for (const m of wire.splitBackend(out)) {
      if (m.type === 'Z') c.txStatus = String.fromCharCode(m.raw[5]);
      if (!dropped && m.type === 'G') {
        dropped = true;
        continue;
      }
      keep.push(m.raw);
    }
    return dropCopyIn ? Buffer.concat(keep) : out;
  }

  async run(unit) {
    const c = unit.client;
    if (this.debug) this.log(`connection ${c.id}: ${unit.kind}`);
    if (unit.kind === 'cleanup') {
      await this.cleanup(c);
      return;
    }
    await this.switchSettings(c);
    switch (unit.kind) {
      case 'startup':
        await this.runStartup(c, unit);
        return;
      case 'simple': {
        const out = await this.exec(unit.data);
        if (unit.query) c.pendingUnnamed = false; // a simple Query drops the unnamed statement
        c.midExtended = false;
        this.send(c, this.settle(c, out, false));
        return;
      }
      case 'copy': {
        const out = await this.exec(unit.data);
        c.pendingUnnamed = false;
        c.midExtended = false;
        this.send(c, this.settle(c, out, unit.copy.announced));
        return;
      }
      case 'extended': {
        const out = await this.exec(this.assemble(c, unit.msgs));
        c.midExtended = !unit.endsWithSync;
        this.send(c, this.settle(c, out, false));
        return;
      }
      case 'deallocateAll':
        await this.runDeallocateAll(c, unit);
        return;
      default:
        throw new Error(`unknown unit kind ${unit.kind}`);
    }
  }

  // assemble concatenates an extended-protocol group for the backend, keeping
  // track of the statements the client creates and drops.
  assemble(c, msgs) {
    const parts = [];
    for (const m of msgs) {
      let raw = m.raw;
      if (m.type === 'P') {
        if (m.name === '') {
          c.pendingUnnamed = true;
          c.unnamedLost = false;
        } else {
          c.statements.add(c.renameStatement(m.name));
        }
      } else if (m.type === 'B' && m.statement === '') {
        if (c.unnamedLost) raw = wire.rewriteBind(m.original, c.renamePortal, () => LOST_UNNAMED).raw;
        c.pendingUnnamed = false;
      } else if (m.type === 'D' && m.kind === 'S' && m.name === '' && c.unnamedLost) {
        raw = wire.rewriteTarget(m.original, c.renamePortal, () => LOST_UNNAMED).raw;
      } else if (m.type === 'C' && m.kind === 'S') {
        if (m.name === '') {
          c.pendingUnnamed = false;
          c.unnamedLost = false;
        } else {
          c.statements.delete(c.renameStatement(m.name));
        }
      }
      parts.push(raw);
    }
    return Buffer.concat(parts);
  }

  // runStartup passes the startup packet to PGlite, which answers with
  // AuthenticationOk, ParameterStatus, BackendKeyData and ReadyForQuery but
  // ignores run-time parameters; those are applied here as session settings.
  async runStartup(c, unit) {
    let out = await this.exec(unit.raw);
    c.started = true;
    const settings = [];
    for (const [name, value] of unit.params) {
      if (name === 'options') settings.push(...parseOptions(value));
      else if (!NON_SETTING_PARAMS.has(name) && !name.startsWith('_pq_.')) settings.push([name, value]);
    }
    const reports = [];
    for (const [name, value] of settings) {
      const r = await this.query(`SELECT pg_catalog.set_config(${literal(name)}, ${literal(value)}, false)`);
      if (r.error) {
        this.fail(c, r.error.C ?? '22023', r.error.M ?? `invalid value for parameter "${name}"`);
        return;
      }
      for (const m of r.messages) if (m.type === 'S') reports.push(m.raw);
    }
    const z = out.length - 6;
    if (reports.length && z >= 0 && out[z] === 0x5a /* Z */) {
      // Insert the ParameterStatus reports before the final ReadyForQuery.
      out = Buffer.concat([out.subarray(0, z), ...reports, out.subarray(z)]);
    }
    this.send(c, this.settle(c, out, false));
  }

  // runDeallocateAll gives DEALLOCATE ALL per-connection meaning: it closes this
  // connection's protocol-level statements, not every connection's.
  async runDeallocateAll(c, unit) {
    if (c.txStatus === 'E') {
      // The backend rejects it in an aborted transaction; let it say so.
      this.send(c, this.settle(c, await this.exec(unit.data), false));
      return;
    }
    const closes = [...c.statements].map((n) => wire.closeMessage('S', n));
    closes.push(wire.closeMessage('S', ''));
    const out = await this.exec(Buffer.concat([...closes, wire.syncMessage()]));
    c.statements.clear();
    c.pendingUnnamed = false;
    c.unnamedLost = false;
    c.midExtended = false;
    const messages = [...wire.splitBackend(out)];
    const error = messages.find((m) => m.type === 'E');
    const z = messages.findLast((m) => m.type === 'Z');
    if (z) c.txStatus = String.fromCharCode(z.raw[5]);
    this.send(c, Buffer.concat([error ? error.raw : wire.commandComplete('DEALLOCATE ALL'), wire.readyForQuery(c.txStatus)]));
  }

  // switchSettings saves the session settings (SET) of the client that ran
  // last and applies those of c, so that each connection sees only its own.
  async switchSettings(c) {
    if (this.settingsOwner === c) return;
    const prev = this.settingsOwner;
    let prevChanged = false;
    if (prev) {
      const r = await this.query("SELECT name, setting FROM pg_catalog.pg_settings WHERE source = 'session'");
      prev.settings = r.rows;
      prevChanged = r.rows.length > 0;
    }
    if (prevChanged) await this.query('RESET ALL');
    if (c.settings.length) {
      const calls = c.settings.map(([n, v]) => `pg_catalog.set_config(${literal(n)}, ${literal(v)}, false)`);
      await this.query(`SELECT ${calls.join(', ')}`);
    }
    this.settingsOwner = c;
  }

  // cleanup releases what a departed client left in the session: a half-done
  // extended exchange or transaction is rolled back and its statements are
  // closed. When the last client leaves, DISCARD ALL returns the session to a
  // fresh state so that tests run one after another see no leftovers.
  async cleanup(c) {
    this.clients.delete(c);
    if (c.started && (c.midExtended || c.txStatus !== 'I')) {
      // A Query is skipped while the backend discards messages after an
      // error, so Sync follows; a second ROLLBACK ends a failed transaction.
      const out = await this.exec(Buffer.concat([wire.queryMessage('ROLLBACK'), wire.syncMessage()]));
      this.settle(c, out, false);
      if (c.txStatus !== 'I') await this.query('ROLLBACK');
    }
    c.midExtended = false;
    c.txStatus = 'I';
    if (c.started && (c.statements.size || c.pendingUnnamed)) {
      const closes = [...c.statements].map((n) => wire.closeMessage('S', n));
      if (c.pendingUnnamed) closes.push(wire.closeMessage('S', ''));
      await this.exec(Buffer.concat([...closes, wire.syncMessage()]));
    }
    c.statements.clear();
    c.pendingUnnamed = false;
    if (this.clients.size === 0) {
      if (c.started || this.settingsOwner) await this.query('DISCARD ALL');
      this.settingsOwner = null;
    } else if (this.settingsOwner === c) {
      await this.query('RESET ALL');
      this.settingsOwner = null;
    }
    if (this.current === c) this.current = null;
  }
}
