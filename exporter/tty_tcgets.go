//go:build aix || linux || solaris || zos

package exporter

import "golang.org/x/sys/unix"

const ioctlReadTermios = unix.TCGETS
