// PostgreSQL v3 wire-protocol framing and message builders.
//
// Only what the front end needs: splitting a client's byte stream into
// messages, reading and rewriting the few fields it renames, and building the
// handful of backend messages it sends on its own.

// Request codes carried in the version field of length-prefixed startup-phase
// packets.
export const PROTOCOL_3_0 = 196608;
export const SSL_REQUEST = 80877103;
export const GSSENC_REQUEST = 80877104;
export const CANCEL_REQUEST = 80877102;

// PostgreSQL refuses startup packets longer than this (MAX_STARTUP_PACKET_LENGTH).
const MAX_STARTUP_PACKET = 10000;
// PostgreSQL's limit for one regular message (PQ_LARGE_MESSAGE_LIMIT, ~1 GiB).
const MAX_MESSAGE = 0x3fffffff;

// ProtocolError is raised for a byte stream no PostgreSQL server would accept.
// The front end answers it with a FATAL ErrorResponse and closes the socket.
export class ProtocolError extends Error {
  constructor(message, code = '08P01') {
    super(message);
    this.code = code;
  }
}

// FrameReader accumulates a socket's bytes and hands out whole messages. It
// starts in the startup phase (untyped, length-prefixed packets) and switches to
// regular typed messages once the caller says the startup packet was seen.
export class FrameReader {
  constructor() {
    this.chunks = [];
    this.length = 0;
    this.startupPhase = true;
  }

  push(chunk) {
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  // next returns the next complete message, or null when more bytes are needed.
  // Startup-phase packets come back as {startup: true, code, raw}; regular
  // messages as {type, raw} where raw includes the type byte and length.
  next() {
    const headerSize = this.startupPhase ? 4 : 5;
    if (this.length < headerSize) return null;
    const head = this.peek(headerSize);
    if (this.startupPhase) {
      const len = head.readInt32BE(0);
      if (len < 8 || len > MAX_STARTUP_PACKET) {
        throw new ProtocolError(`invalid length of startup packet: ${len}`);
      }
      if (this.length < len) return null;
      const raw = this.take(len);
      return { startup: true, code: raw.readInt32BE(4), raw };
    }
    const len = head.readInt32BE(1);
    if (len < 4 || len > MAX_MESSAGE) {
      throw new ProtocolError(`invalid message length ${len} for message type 0x${head[0].toString(16)}`);
    }
    if (this.length < len + 1) return null;
    const raw = this.take(len + 1);
    return { type: String.fromCharCode(raw[0]), raw };
  }

  peek(n) {
    if (this.chunks[0].length < n) this.coalesce();
    return this.chunks[0];
  }

  take(n) {
    if (this.chunks[0].length < n) this.coalesce();
    const first = this.chunks[0];
    const out = first.subarray(0, n);
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.length -= n;
    return out;
  }

  coalesce() {
    this.chunks = [Buffer.concat(this.chunks, this.length)];
  }
}

// readCString reads a NUL-terminated UTF-8 string at off and returns it with
// the offset just past the terminator.
export function readCString(buf, off) {
  const end = buf.indexOf(0, off);
  if (end < 0) throw new ProtocolError('invalid string in message');
  return [buf.toString('utf8', off, end), end + 1];
}

// parseStartupParams returns the name/value pairs of a protocol 3 startup packet.
export function parseStartupParams(raw) {
  const params = new Map();
  let off = 8;
  while (off < raw.length && raw[off] !== 0) {
    let name, value;
    [name, off] = readCString(raw, off);
    [value, off] = readCString(raw, off);
    params.set(name, value);
  }
  return params;
}

function cstr(s) {
  return Buffer.from(s + '\0', 'utf8');
}

// message frames body parts as one backend or frontend message of type t.
export function message(type, ...parts) {
  const body = Buffer.concat(parts.map((p) => (typeof p === 'string' ? cstr(p) : p)));
  const head = Buffer.alloc(5);
  head[0] = type.charCodeAt(0);
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function int16(n) {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n, 0);
  return b;
}

function int32(n) {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n, 0);
  return b;
}

export function queryMessage(sql) {
  return message('Q', sql);
}

export function syncMessage() {
  return message('S');
}

// closeMessage builds Close for a prepared statement ('S') or portal ('P').
export function closeMessage(kind, name) {
  return message('C', Buffer.from(kind), name);
}

export function readyForQuery(status) {
  return message('Z', Buffer.from(status));
}

export function commandComplete(tag) {
  return message('C', tag);
}

// copyInResponse announces COPY FROM STDIN. The column count is not known
// before the statement runs, so it is sent as zero: pgx ignores the message and
// libpq clients only look at the overall format.
export function copyInResponse(binary) {
  return message('G', Buffer.from([binary ? 1 : 0]), int16(0));
}

// errorResponse builds an ErrorResponse with the usual S/V/C/M/D fields.
export function errorResponse({ severity = 'ERROR', code, message: text, detail }) {
  const fields = [
    Buffer.from('S'), cstr(severity),
    Buffer.from('V'), cstr(severity),
    Buffer.from('C'), cstr(code),
    Buffer.from('M'), cstr(text),
  ];
  if (detail) fields.push(Buffer.from('D'), cstr(detail));
  fields.push(Buffer.from([0]));
  return message('E', ...fields);
}

// parseErrorFields decodes the body of an ErrorResponse or NoticeResponse.
export function parseErrorFields(raw) {
  const fields = {};
  let off = 5;
  while (off < raw.length && raw[off] !== 0) {
    const key = String.fromCharCode(raw[off]);
    let value;
    [value, off] = readCString(raw, off + 1);
    fields[key] = value;
  }
  return fields;
}

// splitBackend splits a complete backend output buffer into messages.
export function* splitBackend(buf) {
  let off = 0;
  while (off + 5 <= buf.length) {
    const len = buf.readInt32BE(off + 1);
    const end = off + 1 + len;
    if (len < 4 || end > buf.length) break;
    yield { type: String.fromCharCode(buf[off]), raw: buf.subarray(off, end) };
    off = end;
  }
  if (off !== buf.length) {
    throw new Error(`backend produced a truncated message at byte ${off} of ${buf.length}`);
  }
}

// parseDataRow returns the column values of a DataRow as strings (text format)
// or null.
export function parseDataRow(raw) {
  const n = raw.readInt16BE(5);
  const values = [];
  let off = 7;
  for (let i = 0; i < n; i++) {
    const len = raw.readInt32BE(off);
    off += 4;
    if (len < 0) {
      values.push(null);
    } else {
      values.push(raw.toString('utf8', off, off + len));
      off += len;
    }
  }
  return values;
}

// The frontend messages below carry statement or portal names that the front
// end prefixes per connection. Each rewrite returns the new raw message and the
// client's original names.

export function rewriteParse(raw, renameStatement, replaceQuery) {
  let off = 5;
  let name, query;
  [name, off] = readCString(raw, off);
  [query, off] = readCString(raw, off);
  let rest = raw.subarray(off);
  const newQuery = replaceQuery(query);
  if (newQuery !== query) rest = int16(0); // the replacement takes no parameters
  return { raw: message('P', renameStatement(name), newQuery, rest), name, query };
}

export function rewriteBind(raw, renamePortal, renameStatement) {
  let off = 5;
  let portal, statement;
  [portal, off] = readCString(raw, off);
  [statement, off] = readCString(raw, off);
  const rest = raw.subarray(off);
  return {
    raw: message('B', renamePortal(portal), renameStatement(statement), rest),
    portal,
    statement,
  };
}

// rewriteTarget handles Describe ('D') and Close ('C'): a kind byte, S or P,
// followed by a name.
export function rewriteTarget(raw, renamePortal, renameStatement) {
  const kind = String.fromCharCode(raw[5]);
  const [name] = readCString(raw, 6);
  if (kind !== 'S' && kind !== 'P') {
    throw new ProtocolError(`invalid ${raw[0] === 0x44 ? 'DESCRIBE' : 'CLOSE'} message subtype ${raw[5]}`);
  }
  const renamed = kind === 'S' ? renameStatement(name) : renamePortal(name);
  return { raw: message(String.fromCharCode(raw[0]), Buffer.from(kind), renamed), kind, name };
}

export function rewriteExecute(raw, renamePortal) {
  const [portal, off] = readCString(raw, 5);
  const maxRows = raw.subarray(off);
  return { raw: message('E', renamePortal(portal), maxRows), portal };
}


