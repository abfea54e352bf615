package main

import (
	"context"
	"fmt"
)

// runBench dispatches "smallworld bench <what>".
func runBench(ctx context.Context, e env, args []string) error {
	subs := map[string]func(context.Context, env, []string) error{
		"kernels": runBenchKernels,
		"ann":     runBenchANN,
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(e.stderr, "Usage: smallworld bench kernels [flags]   distance-kernel speed per tier")
		fmt.Fprintln(e.stderr, "       smallworld bench ann [flags]       HNSW build speed, recall, QPS and latency")
		if len(args) == 0 {
			return usageErrorf("bench needs a sub-command")
		}
		return errHelp
	}
	f, ok := subs[args[0]]
	if !ok {
		return usageErrorf("unknown bench sub-command %q", args[0])
	}
	return f(ctx, e, args[1:])
}
