//go:build !linux

package servertest

import "os/exec"

// SetProcAttrs does nothing where the kernel cannot kill a child with its
// parent; the harnesses' cleanups stop their servers.
func SetProcAttrs(*exec.Cmd) {}
