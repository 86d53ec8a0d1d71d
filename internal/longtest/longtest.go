// Package longtest lets the test suite keep its soaks without making every
// run long: with FAPILOG_LONG_TESTS=1 (which .ci/run sets) soak tests run
// their full load; without it they run the same checks on a smaller load,
// so that ./scripts/test.sh stays fast on a laptop.
package longtest

import (
	"os"
	"testing"
)

// Env is the variable that turns the full soaks on.
const Env = "FAPILOG_LONG_TESTS"

// Enabled reports whether FAPILOG_LONG_TESTS is "1".
func Enabled() bool { return os.Getenv(Env) == "1" }

// Scale returns long when long tests are enabled, short otherwise: a soak
// keeps its assertions and changes only its load.
func Scale(short, long int) int {
	if Enabled() {
		return long
	}
	return short
}

// Require skips tb unless long tests are enabled, for a test that has no
// meaningful short form.
func Require(tb testing.TB) {
	tb.Helper()
	if !Enabled() {
		tb.Skipf("a long soak: set %s=1 to run it (CI does)", Env)
	}
}
