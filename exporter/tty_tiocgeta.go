//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package exporter

import "golang.org/x/sys/unix"

const ioctlReadTermios = unix.TIOCGETA
