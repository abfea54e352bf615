//go:build linux

package pgtest

import (
	"os/exec"
	"runtime"
	"syscall"
)

// configureProcess puts the server in its own process group, so that a
// terminal's Ctrl-C reaches only the test binary (which then stops the server
// in order), and asks the kernel to kill the server if we die without closing
// it.
func configureProcess(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// startProcess starts cmd from a goroutine locked to its OS thread that stays
// blocked until the process exits. Pdeathsig fires when the *thread* that
// forked the child ends (go.dev/issue/27505), so that thread must outlive the
// child; the goroutine never unlocks, and the runtime retires the thread when
// it returns.
func startProcess(cmd *exec.Cmd, exited <-chan struct{}) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		err := cmd.Start()
		errc <- err
		if err == nil {
			<-exited
		}
	}()
	return <-errc
}

func terminateProcess(cmd *exec.Cmd) {
	_ = syscall.Kill(cmd.Process.Pid, syscall.SIGTERM)
}

func killProcess(cmd *exec.Cmd) {
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	_ = cmd.Process.Kill()
}
