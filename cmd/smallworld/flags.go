package main

import (
	"errors"
	"flag"
	"fmt"
)

// errHelp is returned when the user asked for -h; main exits 0 for it.
var errHelp = flag.ErrHelp

// newFlagSet returns a FlagSet that reports errors instead of exiting, and
// whose usage text shows the command line, a description and examples.
func newFlagSet(e env, name, synopsis, examples string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: smallworld %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
		if examples != "" {
			fmt.Fprintf(fs.Output(), "\nExamples:\n%s\n", examples)
		}
	}
	return fs
}

// parseFlags parses args and turns flag errors into usage errors; -h becomes
// errHelp. Positional arguments left over are an error unless allowed.
func parseFlags(fs *flag.FlagSet, args []string, allowArgs bool) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return usageErrorf("%v", err)
	}
	if !allowArgs && fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q", fs.Arg(0))
	}
	return nil
}
