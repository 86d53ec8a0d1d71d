//go:build !(aix || darwin || dragonfly || freebsd || linux || netbsd || openbsd || solaris || zos)

package exporter

import (
	"io"
	"os"
)

// isTerminal treats an *os.File on a character device as a terminal:
// without the terminal ioctls of Unix this is the portable approximation
// (it also matches the null device, where the pretty format is harmless).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
