//go:build linux

package main

import (
	"time"

	"golang.org/x/sys/unix"
)

// newBenchClock returns the clock "bench kernels" times with and its name.
// On Linux that is the CPU time of the calling OS thread (the caller locks
// its goroutine to the thread): on a shared, loaded machine it is a far
// steadier clock than wall time for a CPU-bound kernel, because time spent
// descheduled is not counted. If the clock cannot be read it falls back to
// wall time.
func newBenchClock() (func() time.Duration, string) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return wallClock, "wall time"
	}
	return func() time.Duration {
		var ts unix.Timespec
		_ = unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts) // worked above; cannot fail later
		return time.Duration(ts.Nano())
	}, "thread CPU time"
}
