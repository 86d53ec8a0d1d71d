//go:build !linux

package integration

import "os/exec"

// setChildProcAttrs does nothing off Linux, which has no Pdeathsig: the
// tests' cleanups stop their children.
func setChildProcAttrs(*exec.Cmd) {}
