package fapilogtest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"go.uber.org/goleak"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/levels"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeT records failures instead of failing the test, to test assertions.
type fakeT struct {
	testing.TB
	errs []string
}

func (f *fakeT) Helper()                        {}
func (f *fakeT) Errorf(format string, a ...any) { f.errs = append(f.errs, fmt.Sprintf(format, a...)) }

func TestNewRecordsWhatTheLoggerExports(t *testing.T) {
	logger, obs := New(t)
	logger.With("svc", "pay").Info("charge approved", "order", 7, "password", "hunter2")
	logger.Debug("below the level")
	logger.Error("charge failed", "order", 8)

	// Visible without a drain: reading flushes.
	r := obs.AssertLogged(t, levels.Info, "charge approved", "order", 7, "svc", "pay")
	if v, _ := r.Attr("password"); v.AsString() == "hunter2" {
		t.Error("records skipped redaction: they must pass through the pipeline")
	}
	if r.Scope != t.Name() {
		t.Errorf("scope %q", r.Scope)
	}
	obs.AssertNotLogged(t, levels.Debug, "below the level")
	obs.AssertCount(t, 2)
	if got := obs.FilterAttrs("order", 8); len(got) != 1 || got[0].Level != levels.Error {
		t.Errorf("FilterAttrs: %v", got)
	}
	if got := obs.FilterLevel(levels.Error); len(got) != 1 {
		t.Errorf("FilterLevel: %v", got)
	}
	if got := obs.FilterMessage("charge approved"); len(got) != 1 {
		t.Errorf("FilterMessage: %v", got)
	}
	if got := obs.TakeAll(); len(got) != 2 || obs.Len() != 0 {
		t.Errorf("TakeAll: %d, then %d", len(got), obs.Len())
	}
}

func TestAssertionsFail(t *testing.T) {
	logger, obs := New(t)
	logger.Info("hello", "n", 1)
	ft := &fakeT{}
	obs.AssertLogged(ft, levels.Info, "hello", "n", 2)       // wrong value
	obs.AssertLogged(ft, levels.Warning, "hello")            // wrong level
	obs.AssertLogged(ft, levels.Info, "hello", "missing", 1) // missing key
	obs.AssertNotLogged(ft, levels.Info, "hello")
	obs.AssertCount(ft, 3)
	if len(ft.errs) != 5 {
		t.Fatalf("%d failures, want 5: %q", len(ft.errs), ft.errs)
	}
	if !strings.Contains(ft.errs[0], `INFO "hello" n=1`) {
		t.Errorf("failure does not list the records: %s", ft.errs[0])
	}
	ft = &fakeT{}
	obs.AssertLogged(ft, levels.Info, "hello", "n", 1)
	if len(ft.errs) != 0 {
		t.Errorf("a matching record failed: %q", ft.errs)
	}
}

// payments stands for code under test that gets its loggers by name.
func payments(ctx context.Context, order int) error {
	fapilog.GetLogger("fapilogtest-payments").Audit("charge approved", "order", order)
	a, err := fapilog.GetAsyncLogger(ctx, "fapilogtest-payments")
	if err != nil {
		return err
	}
	return a.Info(ctx, "receipt sent", "order", order)
}

func TestObserveReplacesNamedLoggersForOneTest(t *testing.T) {
	none := fapilog.WithExporterConfig(exporter.Config{Kind: exporter.KindNone})
	before := fapilog.GetLogger("fapilogtest-payments", none)
	t.Cleanup(func() { _, _ = before.StopAndDrain(context.Background()) })

	t.Run("observed", func(t *testing.T) {
		obs := Observe(t, "fapilogtest-payments")
		if err := payments(context.Background(), 7); err != nil {
			t.Fatal(err)
		}
		obs.AssertLogged(t, levels.Audit, "charge approved", "order", 7)
		obs.AssertLogged(t, levels.Info, "receipt sent", "order", 7)
		obs.AssertCount(t, 2)
	})

	if got := fapilog.GetLogger("fapilogtest-payments"); got != before {
		t.Error("the cached logger was not restored at the end of the test")
	}
	if _, ok := fapilog.GetCachedLoggers()["fapilogtest-payments"]; !ok {
		t.Error("restored name missing")
	}
	a, err := fapilog.GetAsyncLogger(context.Background(), "fapilogtest-payments", none)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = a.Drain(context.Background()) })
	if a.Level() != levels.Info {
		t.Errorf("a fresh async logger after the test: %s", a.Level())
	}
}

func TestNewAsync(t *testing.T) {
	a, obs := NewAsync(t, fapilog.WithLevel(levels.Debug))
	if err := a.Debug(context.Background(), "step", "i", 1); err != nil {
		t.Fatal(err)
	}
	obs.AssertLogged(t, levels.Debug, "step", "i", 1)
}
