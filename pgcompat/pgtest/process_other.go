//go:build !unix

package pgtest

import "os/exec"

// configureProcess has nothing to add where there are no process groups; the
// server exits when its stdin closes, which happens when we exit.
func configureProcess(*exec.Cmd) {}

func startProcess(cmd *exec.Cmd, _ <-chan struct{}) error {
	return cmd.Start()
}

// terminateProcess relies on the closed stdin: there is no SIGTERM here.
func terminateProcess(*exec.Cmd) {}

func killProcess(cmd *exec.Cmd) {
	_ = cmd.Process.Kill()
}
