// Package pgcompat reproduces what users of pgvector 0.8.7 see, to the
// letter, so that smallworld can stand in for a PostgreSQL server when an
// index is tuned offline.
//
// It covers:
//
//   - the types vector, halfvec, sparsevec and PostgreSQL's bit, with their
//     text input (C strtof number syntax, whitespace, the exact error
//     messages and SQLSTATEs), their text output (shortest float32 digits
//     with PostgreSQL's switch to exponent form) and binary send/receive
//     formats (Vector, HalfVec, SparseVec, Bit);
//   - the operators <-> <#> <=> <+> <~> <%> and pgvector's functions and
//     aggregates, with pgvector's numerics, so that results are bit-identical
//     to a real server's (L2Distance, CosineDistance, Avg, …);
//   - the HNSW operator classes, index options and settings, and a parser
//     for the CREATE INDEX, SET and RESET statements users paste, which
//     reports PostgreSQL's and pgvector's errors in their order
//     (ParseStatements, CreateIndex.Validate, Settings);
//   - models of an HNSW index's size on disk (IndexSize), of the
//     maintenance_work_mem a build needs (BuildMemory) and of the planner's
//     choice between the index and a sequential scan (Plan).
//
// Errors are *Error values carrying the SQLSTATE, message, DETAIL and HINT a
// server would send; errors.Is(err, pgcompat.DataException) tests the code.
//
// The behaviour is checked against a real pgvector (PGlite + pgvector
// 0.8.7) by the conformance tests in this package, which run when Node.js
// and the oracle's npm packages are installed (see package pgtest).
package pgcompat
