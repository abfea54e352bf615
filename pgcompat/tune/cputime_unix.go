//go:build unix

package tune

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time (user and system) this process has used,
// so a report can show the work done apart from the wall time, which on a
// shared machine depends on everyone else's load.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
