//go:build !unix

package spool

import (
	"errors"
	"strings"
	"testing"
)

// TestOpenWithoutFlockSaysSo: where flock(2) is missing the spool is not
// offered, and Open says why instead of the build failing.
func TestOpenWithoutFlockSaysSo(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err == nil {
		s.Close()
		t.Fatal("Open succeeded without flock(2)")
	}
	if !errors.Is(err, errors.ErrUnsupported) || !strings.Contains(err.Error(), "flock") {
		t.Fatalf("Open: %v, want an error wrapping errors.ErrUnsupported that names flock(2)", err)
	}
}
