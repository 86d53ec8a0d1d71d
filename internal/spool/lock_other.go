//go:build !unix

package spool

import (
	"errors"
	"fmt"
	"os"
	"runtime"
)

// tryLock: without flock(2) two processes could replay one spool, so the
// spool is not offered: Open fails with this error (wrapping
// errors.ErrUnsupported) rather than the build.
func tryLock(string) (*os.File, bool, error) {
	return nil, false, fmt.Errorf("the durable spool needs flock(2), which %s lacks, to keep two processes off one spool file: %w",
		runtime.GOOS, errors.ErrUnsupported)
}

func unlock(f *os.File) { f.Close() }
