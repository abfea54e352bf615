// Package bench is smallworld's measuring kit: dataset readers and writers,
// exact ground truth by brute force, recall and latency statistics, and a
// small real dataset (SIFT-small) built into the package.
//
// # Datasets
//
// Vectors are held in a [Matrix], one row per vector. [Load] reads a file
// whose format it infers from the name; [Open] returns a [VectorReader] that
// yields one vector at a time, so a file larger than memory can be streamed.
// Supported formats:
//
//   - TEXMEX .fvecs, .ivecs and .bvecs, plain or gzip-compressed (.gz);
//   - NumPy .npy (float32, float64, float16, and integer dtypes; C order; 2-D);
//   - CSV (.csv) and TSV (.tsv) of numbers, with an optional header line;
//   - JSON lines (.jsonl, .ndjson): one array of numbers per line, or one
//     object per line with a "vector", "embedding" or "values" field;
//   - pgvector's text format (.txt, .pgvector): "[1,2,3]" on each line, as
//     COPY ... TO writes a vector column;
//   - IDX (files named *-idx*-ubyte, optionally .gz), as used by MNIST and
//     the Debian package dataset-fashion-mnist.
//
// Every reader rejects bad input with a [*FormatError] that names the file,
// the record and the problem (mixed dimensions, NaN or Inf, a truncated
// record, a header that claims more data than the file holds, a field that
// is not a number). The sentinel errors ([ErrDimension], [ErrNonFinite],
// [ErrTruncated], [ErrHeader], [ErrSyntax], [ErrRange]) tell the kinds apart
// with errors.Is. No reader allocates memory on the word of a header: buffers
// grow as data actually arrives, or are sized from the file's real length.
//
// # Ground truth
//
// [GroundTruth] computes the exact k nearest base vectors of every query by
// brute force, in parallel, with the SIMD kernels of package distance. Ties are
// broken by the lower id and the reported distances are exact (computed in
// float64 and rounded once), so the result does not depend on the machine,
// the kernel tier or the number of workers. Results can be cached on disk.
//
// Data whose components are all integers in [0, 255] (SIFT, MNIST,
// Fashion-MNIST, uint8 embeddings) is scored in exact integer arithmetic
// instead, on CPUs with AVX-512 VNNI, for L2, inner product and cosine: the
// base is packed into bytes block by block (a check of every value on the
// way; any other value sends the computation to the float path) and the
// byte kernels do 64 multiply-adds per instruction on a quarter of the
// data. For L2 and inner product most rows are not scored at all: the
// norms of their 64-component segments bound their keys from below, and a
// row is scored only if its bound is within some query's current k-th.
// The answer is the same, bit for bit; on Fashion-MNIST (100 queries ×
// 60,000 × 784, top 100) it comes about three times as fast, within 3× the
// time of one single-threaded pass of the L2 kernel over the base.
//
// # Measurement
//
// [Recall] scores an index's results against a [Truth]; [NewLatencyStats]
// summarises per-query timings as percentiles and QPS; [EvalStats] and
// [BytesPerVector] report the cost side.
package bench
