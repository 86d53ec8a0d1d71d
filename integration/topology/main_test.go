// Package topology runs the agent → gateway topology that the README's
// "Running in production" recommends, for real, on loopback, and proves
// the library's counts against the log store at its end.
package topology

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// longTests skips t unless FAPILOG_LONG_TESTS=1 (which .ci/run sets): the
// topology tests run for minutes on a 2-core machine.
func longTests(t *testing.T) {
	t.Helper()
	if os.Getenv("FAPILOG_LONG_TESTS") != "1" {
		t.Skip("set FAPILOG_LONG_TESTS=1 to run the topology tests (minutes)")
	}
}
