//go:build aix || darwin || dragonfly || freebsd || linux || netbsd || openbsd || solaris || zos

package exporter

import (
	"io"
	"syscall"

	"golang.org/x/sys/unix"
)

// isTerminal reports whether w writes to a terminal, as isatty(3) does: by
// asking the terminal driver for the descriptor's settings. Only a writer
// that exposes its descriptor (an *os.File) can be one. The descriptor is
// reached through syscall.Conn, so it is not switched to blocking mode as
// os.File.Fd would.
func isTerminal(w io.Writer) bool {
	sc, ok := w.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	tty := false
	if err := rc.Control(func(fd uintptr) {
		_, err := unix.IoctlGetTermios(int(fd), ioctlReadTermios)
		tty = err == nil
	}); err != nil {
		return false
	}
	return tty
}
