// Command smallworld is the command-line front end of the smallworld library:
// kernel and index benchmarks, exact ground truth, and the pgvector tuning
// oracle.
//
// Run "smallworld help" for the list of commands and "smallworld CMD -h" for
// the flags of one.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes follow Go CLI habits.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// errUsage marks an error caused by how the command was called; main exits
// with code 2 for it.
var errUsage = errors.New("usage error")

// usageErrorf returns an error that wraps errUsage.
func usageErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
}

// env is what a command may touch of the outside world; tests substitute it.
type env struct {
	stdout io.Writer
	stderr io.Writer
}

// command is one sub-command of the CLI.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e env, args []string) error
}

// commands lists the sub-commands in the order help prints them.
func commands() []command {
	return []command{
		{"bench", "benchmarks: 'bench kernels' (distance kernels), 'bench ann' (HNSW recall and speed)", runBench},
		{"truth", "exact top-k ground truth by brute force", runTruth},
		{"export", "stream vectors from a file into PostgreSQL (pgvector) and build an HNSW index", runExport},
		{"tune", "recommend pgvector HNSW settings (m, ef_construction, hnsw.ef_search) for your data", runTune},
		{"size", "predict a pgvector HNSW index's size and build memory, without data", runSize},
		{"explain", "predict PostgreSQL's plan (Index Scan or Seq Scan) for a k-NN query", runExplain},
		{"drift", "compare embeddings from two model versions: update in place or rebuild?", runDrift},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, env{stdout: os.Stdout, stderr: os.Stderr}, os.Args[1:])
	stop()
	os.Exit(code)
}

// run executes one command line and returns the process exit code.
func run(ctx context.Context, e env, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		printHelp(e.stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, e, args[1:])
		switch {
		case err == nil:
			return exitOK
		case errors.Is(err, errHelp):
			return exitOK
		case errors.Is(err, errUsage):
			fmt.Fprintf(e.stderr, "smallworld %s: %v\n", c.name, err)
			return exitUsage
		default:
			fmt.Fprintf(e.stderr, "smallworld %s: %v\n", c.name, err)
			return exitFailure
		}
	}
	fmt.Fprintf(e.stderr, "smallworld: unknown command %q\n\n", args[0])
	printHelp(e.stderr)
	return exitUsage
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "smallworld: an embeddable HNSW vector index and a pgvector tuning oracle")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: smallworld <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'smallworld <command> -h' for a command's flags and examples.")
}
