//go:build linux

package logstoretest

import (
	"os/exec"
	"syscall"
)

// setProcAttrs makes the kernel kill VictoriaLogs if the test process dies
// without running its cleanups (a panic, a timeout, a SIGKILL).
func setProcAttrs(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
