//go:build !unix

package topologytest

import "syscall"

// Windows has no SIGSTOP: Pause and Resume fail there (signal 0 is refused).
const (
	sigStop = syscall.Signal(0)
	sigCont = syscall.Signal(0)
)
