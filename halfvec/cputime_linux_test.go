//go:build linux

package halfvec

import (
	"syscall"
	"unsafe"
)

// threadCPUTime returns the CPU time the calling OS thread has used, in
// nanoseconds. On a shared, loaded machine it is a steadier clock than wall
// time for CPU-bound kernels: time spent descheduled is not counted.
func threadCPUTime() int64 {
	const clockThreadCPUTimeID = 3
	var ts syscall.Timespec
	_, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0)
	if errno != 0 {
		return -1
	}
	return ts.Nano()
}
