// Package levelreg holds whether the level table of package levels is still
// open to Register: loggers close it when they are built, so that the hot
// path reads the table without locks. It is a package of its own so that
// closing it is not public API of package levels.
package levelreg

import "sync/atomic"

var frozen atomic.Bool

// Freeze closes the table to Register.
func Freeze() { frozen.Store(true) }

// Frozen reports whether Freeze was called.
func Frozen() bool { return frozen.Load() }
