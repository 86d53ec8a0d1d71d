//go:build linux

package integration

import (
	"os/exec"
	"syscall"
)

// setChildProcAttrs makes the kernel kill a child process (an example, a
// collector) if the test process dies without running its cleanups.
// Pdeathsig is Linux-only; elsewhere the cleanups alone stop children.
func setChildProcAttrs(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
