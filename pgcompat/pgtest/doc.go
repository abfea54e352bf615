// Package pgtest runs a real pgvector for tests: PostgreSQL 18 with pgvector
// 0.8.7, compiled to WebAssembly by PGlite, served by a small Node.js program
// (oracle/server.mjs) over the PostgreSQL wire protocol on a loopback port.
// Tests talk to it with pgx like to any PostgreSQL server; pageinspect is
// installed, so an index's pages can be read back ([ReadHNSW]).
//
// # Setup
//
// Node.js 20 or later must be on PATH, and the pinned npm packages installed
// once per checkout:
//
//	cd pgcompat/pgtest/oracle && npm ci
//
// Without them, tests that ask for the oracle are skipped with a message
// saying what is missing. Set SMALLWORLD_REQUIRE_PGVECTOR=1 (CI does) to make
// that a failure instead.
//
// # Use from tests
//
// One server per test binary, shared by its tests:
//
//	var oracle pgtest.Shared
//
//	func TestMain(m *testing.M) { os.Exit(oracle.Run(m)) }
//
//	func TestDistance(t *testing.T) {
//		conn := oracle.Server(t).Conn(t) // pgx connection, vector types registered
//		var d float64
//		err := conn.QueryRow(ctx, "SELECT $1 <-> '[0,0]'::vector",
//			pgvector.NewVector([]float32{3, 4})).Scan(&d)
//		...
//	}
//
// [New] gives a test a server of its own instead, and [Start] works outside
// tests. A start takes about 2 s on an idle machine once the initialised
// database is cached (see [Options].SeedFile); the first start runs initdb
// and takes 5 to 17 s.
//
// # One session behind many connections
//
// PGlite is a single PostgreSQL backend. The front end lets many connections
// share it safely: it runs one request (a simple query, an extended-protocol
// exchange up to Sync, a whole COPY) at a time, keeps the backend with a
// connection while that connection has a transaction open, prefixes
// prepared-statement and portal names per connection, and saves and restores
// each connection's SET values when it switches between them. So connections
// behave as separate sessions, except that:
//
//   - while one connection has a transaction open, every other connection
//     waits (do not hold a transaction on one connection while waiting for
//     another);
//   - statements cannot be cancelled and statement_timeout is not enforced;
//   - temporary tables, advisory locks, LISTEN/NOTIFY and SQL-level
//     PREPARE/EXECUTE are shared by all connections;
//   - there is one database, postgres, and one superuser, whatever the
//     connection string says; TLS is not offered.
//
// When the last connection closes, the session is reset (DISCARD ALL), so
// tests that run one after another start clean; tables persist until the
// server stops, so give them names unique to the test. Vector maths runs
// 10-20 times slower than native code: keep datasets small.
package pgtest
