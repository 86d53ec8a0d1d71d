// Package topology runs the agent → gateway topology that the README's
// "Running in production" recommends, for real, on loopback, and proves
// the library's counts against the log store at its end.
package topology

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/fapilog/fapilog-go/internal/longtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// longTests skips t unless FAPILOG_LONG_TESTS=1 (which .ci/run sets): the
// fault test runs for minutes on a 2-core machine, and has no meaningful
// short form (its faults need a stream long enough to hit).
// internal/topologytest's TestAgentBalancesOverGateways runs the same
// chain in every run.
func longTests(t *testing.T) {
	t.Helper()
	longtest.Require(t)
}
