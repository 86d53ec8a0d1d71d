//go:build linux

package servertest

import (
	"os/exec"
	"syscall"
)

// SetProcAttrs makes the kernel kill the server if the test process dies
// without running its cleanups (a panic, a timeout, a SIGKILL).
func SetProcAttrs(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
