//go:build !linux

package main

import "time"

// newBenchClock returns the clock "bench kernels" times with and its name:
// wall time; only Linux gets the thread CPU clock.
func newBenchClock() (func() time.Duration, string) {
	return wallClock, "wall time"
}
