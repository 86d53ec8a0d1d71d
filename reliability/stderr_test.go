//go:build linux

package reliability

import (
	"bytes"
	"io"
	"os"
	"sync"
	"syscall"
	"testing"
)

// captureStderr redirects file descriptor 2 of this process to a pipe until
// the returned function is called, which restores it and returns what was
// written: everything the library, the OTel SDK and gRPC print on standard
// error, whoever holds os.Stderr. The captured text is also copied to the
// real standard error afterwards, so nothing (a race report, say) is hidden.
func captureStderr(t *testing.T) func() string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved, err := syscall.Dup(2)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Dup3(int(w.Fd()), 2, 0); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(&buf, r)
	}()
	var once sync.Once
	var out string
	restore := func() string {
		once.Do(func() {
			_ = syscall.Dup3(saved, 2, 0)
			_ = syscall.Close(saved)
			_ = w.Close()
			<-done
			_ = r.Close()
			out = buf.String()
			_, _ = os.Stderr.WriteString(out)
		})
		return out
	}
	t.Cleanup(func() { restore() })
	return restore
}
