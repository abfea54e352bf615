#!/usr/bin/env node
// A real pgvector (PostgreSQL 18 + pgvector 0.8.7 compiled to WebAssembly by
// PGlite) served over the PostgreSQL wire protocol on a loopback port, for
// smallworld's Go tests. See README.md for the protocol front end's rules.
//
// Usage:
//   node server.mjs [--host 127.0.0.1] [--port 0] [--seed FILE]
//                   [--exit-on-stdin-close] [--debug]
//
// Once it accepts connections it prints exactly one line on stdout:
//   PGLITE_READY {"host":"127.0.0.1","port":40749,...}
// and nothing else on stdout afterwards. Diagnostics go to stderr.

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { pageinspect } from '@electric-sql/pglite/contrib/pageinspect';
import { Frontend } from './frontend.mjs';

// Exit status when the WebAssembly backend dies: the session's state is lost,
// so the server stops rather than serve from a broken backend.
const EXIT_BACKEND_FAILED = 70;
const EXIT_USAGE = 64;

const started = performance.now();

function log(message) {
  process.stderr.write(`pgtest-oracle[${process.pid}]: ${message}\n`);
}

function parseCommandLine() {
  const usage =
    'usage: node server.mjs [--host ADDR] [--port N] [--seed FILE] [--exit-on-stdin-close]\n' +
    '                       [--soft-affinity-ms N] [--warn-after-ms N] [--debug]';
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '0' },
        seed: { type: 'string' },
        'exit-on-stdin-close': { type: 'boolean', default: false },
        'soft-affinity-ms': { type: 'string', default: '1000' },
        'warn-after-ms': { type: 'string', default: '5000' },
        debug: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`${err.message}\n${usage}\n`);
    process.exit(EXIT_USAGE);
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const integer = (name, min, max) => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < min || n > max) {
      process.stderr.write(`--${name} must be an integer in [${min}, ${max}], got ${values[name]}\n${usage}\n`);
      process.exit(EXIT_USAGE);
    }
    return n;
  };
  return {
    host: values.host,
    port: integer('port', 0, 65535),
    seed: values.seed,
    exitOnStdinClose: values['exit-on-stdin-close'],
    softAffinityMs: integer('soft-affinity-ms', 1, 3600000),
    warnAfterMs: integer('warn-after-ms', 1, 3600000),
    debug: values.debug,
  };
}

const extensions = { vector, pageinspect };

// openDatabase starts PGlite from the seed tarball when there is a usable one
// (skipping initdb, the slow part of startup) and otherwise initialises a fresh
// cluster, installs the extensions and writes the seed for next time.
async function openDatabase(seed) {
  if (seed && fs.existsSync(seed)) {
    try {
      const loadDataDir = new Blob([fs.readFileSync(seed)]);
      const db = await PGlite.create({ extensions, loadDataDir });
      await installExtensions(db);
      return { db, seedStatus: 'loaded' };
    } catch (err) {
      log(`seed ${seed} is unusable (${err.message}); initialising a fresh cluster`);
    }
  }
  const db = await PGlite.create({ extensions });
  await installExtensions(db);
  let seedStatus = 'none';
  if (seed) seedStatus = await writeSeed(db, seed);
  return { db, seedStatus };
}

async function installExtensions(db) {
  await db.exec('CREATE EXTENSION IF NOT EXISTS vector; CREATE EXTENSION IF NOT EXISTS pageinspect;');
}

// writeSeed dumps the data directory and renames it into place atomically, so
// servers started in parallel never read a half-written seed.
async function writeSeed(db, seed) {
  const tmp = `${seed}.${process.pid}.tmp`;
  try {
    const dump = await db.dumpDataDir('gzip');
    fs.mkdirSync(path.dirname(seed), { recursive: true });
    fs.writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
    fs.renameSync(tmp, seed);
    return 'written';
  } catch (err) {
    log(`could not write seed ${seed}: ${err.message}`);
    fs.rmSync(tmp, { force: true });
    return 'unwritable';
  }
}

function packageVersion(name) {
  try {
    const file = new URL(`./node_modules/${name}/package.json`, import.meta.url);
    return JSON.parse(fs.readFileSync(file, 'utf8')).version;
  } catch {
    return null;
  }
}

async function main() {
  const opts = parseCommandLine();

  process.on('uncaughtException', (err) => {
    log(`fatal: ${err.stack ?? err}`);
    process.exit(EXIT_BACKEND_FAILED);
  });

  const dbStart = performance.now();
  const { db, seedStatus } = await openDatabase(opts.seed);
  const dbInitMs = Math.round(performance.now() - dbStart);

  // Calling a vector function loads the extension's library, which defines the
  // hnsw.* settings; a SET before that would create a placeholder instead.
  const facts = (
    await db.query(`
      SELECT current_setting('server_version') AS server_version,
             (SELECT extversion FROM pg_extension WHERE extname = 'vector') AS vector_version,
             (SELECT extversion FROM pg_extension WHERE extname = 'pageinspect') AS pageinspect_version,
             current_setting('hnsw.ef_search') AS ef_search,
             '[3,4]'::vector <-> '[0,0]'::vector AS probe`)
  ).rows[0];
  if (facts.probe !== 5) throw new Error(`vector self-test returned ${facts.probe}, want 5`);

  let stopping = false;
  const frontend = new Frontend(db, {
    log,
    debug: opts.debug,
    softAffinityMs: opts.softAffinityMs,
    warnAfterMs: opts.warnAfterMs,
    onBackendFailure(err) {
      if (stopping) return;
      log(`backend failed, stopping: ${err.stack ?? err}`);
      process.exit(EXIT_BACKEND_FAILED);
    },
  });
  const server = net.createServer((socket) => frontend.accept(socket));

  async function shutdown(reason) {
    if (stopping) return;
    stopping = true;
    if (opts.debug) log(`stopping: ${reason}`);
    frontend.stop();
    server.close();
    // db.close can only wait for the backend to be idle; never hang on it.
    setTimeout(() => process.exit(0), 2000).unref();
    try {
      await db.close();
    } catch (err) {
      log(`closing PGlite: ${err.message}`);
    }
    process.exit(0);
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  if (opts.exitOnStdinClose) {
    // The parent keeps our stdin open for as long as it wants us; when it
    // exits for any reason the pipe closes and so do we.
    process.stdin.on('end', () => shutdown('stdin closed'));
    process.stdin.on('close', () => shutdown('stdin closed'));
    process.stdin.on('error', () => shutdown('stdin error'));
    process.stdin.resume();
  }

  server.on('error', (err) => {
    log(`listen on ${opts.host}:${opts.port}: ${err.message}`);
    process.exit(1);
  });
  server.listen({ host: opts.host, port: opts.port }, () => {
    const addr = server.address();
    const ready = {
      host: addr.address,
      port: addr.port,
      pid: process.pid,
      server_version: facts.server_version,
      vector_version: facts.vector_version,
      pageinspect_version: facts.pageinspect_version,
      pglite_version: packageVersion('@electric-sql/pglite'),
      pglite_pgvector_version: packageVersion('@electric-sql/pglite-pgvector'),
      node_version: process.versions.node,
      seed: seedStatus,
      db_init_ms: dbInitMs,
      startup_ms: Math.round(performance.now() - started),
    };
    process.stdout.write(`PGLITE_READY ${JSON.stringify(ready)}\n`);
  });
}

main().catch((err) => {
  log(`startup failed: ${err.stack ?? err}`);
  process.exit(1);
});
