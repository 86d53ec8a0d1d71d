package exporter_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	sdklog "go.opentelemetry.io/otel/sdk/log"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/levels"
)

type brokenDisk struct{}

func (brokenDisk) Export(context.Context, []sdklog.Record) error { return errors.New("disk full") }
func (brokenDisk) Shutdown(context.Context) error                { return nil }
func (brokenDisk) ForceFlush(context.Context) error              { return nil }

// TestFanoutCountsThroughALogger checks the documented semantics end to
// end: a record counts as exported only when every destination that takes
// it accepted it, and the equation of DrainResult holds.
func TestFanoutCountsThroughALogger(t *testing.T) {
	console := exporter.NewMemory()
	logger := fapilog.GetLogger("fanout-counts", fapilog.Reuse(false), fapilog.WithExporter(exporter.NewFanout(
		exporter.To("console", console),
		exporter.ToLevels("audit file", brokenDisk{}, levels.Audit),
	)))
	for range 3 {
		logger.Info("info")
	}
	logger.Audit("audit 1")
	logger.Audit("audit 2")
	// The drain reports the failed export (the stderr line says it too).
	res, err := logger.StopAndDrain(context.Background())
	if err == nil || !strings.Contains(err.Error(), "audit file") {
		t.Errorf("drain error %v, want the failing destination named", err)
	}
	if res.Submitted != 5 || res.Exported != 3 || res.Failed != 2 || res.Dropped != 0 {
		t.Errorf("submitted=%d exported=%d failed=%d dropped=%d; want 5, 3, 2, 0", res.Submitted, res.Exported, res.Failed, res.Dropped)
	}
	if console.Len() != 5 {
		t.Errorf("console got %d records: the failing file must not keep them from it", console.Len())
	}
}
