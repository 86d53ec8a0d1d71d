//go:build unix

package topologytest

import "syscall"

// sigStop and sigCont pause and resume a process (Pause, Resume).
const (
	sigStop = syscall.SIGSTOP
	sigCont = syscall.SIGCONT
)
