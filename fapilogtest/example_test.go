package fapilogtest_test

import (
	"context"
	"testing"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/fapilogtest"
	"github.com/fapilog/fapilog-go/levels"
)

// charge is code under test: it gets its logger by name.
func charge(ctx context.Context, order int) {
	fapilog.GetLogger("payments").AuditContext(ctx, "charge approved", "order", order)
}

// testCharge is how a test in your package uses Observe (name it
// TestCharge there).
func testCharge(t *testing.T) {
	obs := fapilogtest.Observe(t, "payments") // restored at t.Cleanup
	charge(context.Background(), 7)
	obs.AssertLogged(t, levels.Audit, "charge approved", "order", 7)
	obs.AssertCount(t, 1)
}

// Observe swaps the logger that GetLogger("payments") returns for one
// test; New gives a fresh observed logger to pass to the code under test.
func ExampleObserve() {
	_ = testCharge
}
