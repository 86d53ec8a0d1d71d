//go:build !unix

package spool

import (
	"errors"
	"os"
)

// tryLock: without flock(2) two processes could replay one spool, so the
// spool is not offered.
func tryLock(string) (*os.File, bool, error) {
	return nil, false, errors.ErrUnsupported
}

func unlock(f *os.File) { f.Close() }
