//go:build linux

package tracestoretest

import (
	"os/exec"
	"syscall"
)

// setProcAttrs makes the kernel kill Jaeger if the test process dies
// without running its cleanups (a panic, a timeout, a SIGKILL).
func setProcAttrs(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
