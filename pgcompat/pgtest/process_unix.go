//go:build unix && !linux

package pgtest

import (
	"os/exec"
	"syscall"
)

// configureProcess puts the server in its own process group, so that a
// terminal's Ctrl-C reaches only the test binary, which then stops the server
// in order. If we die without closing it, the server sees its stdin close and
// exits.
func configureProcess(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

func startProcess(cmd *exec.Cmd, _ <-chan struct{}) error {
	return cmd.Start()
}

func terminateProcess(cmd *exec.Cmd) {
	_ = syscall.Kill(cmd.Process.Pid, syscall.SIGTERM)
}

func killProcess(cmd *exec.Cmd) {
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	_ = cmd.Process.Kill()
}
