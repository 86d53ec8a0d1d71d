package fapilog_test

import (
	"context"
	"errors"
	"fmt"

	sdklog "go.opentelemetry.io/otel/sdk/log"

	fapilog "github.com/fapilog/fapilog-go"
)

// downExporter is a collector that never answers.
type downExporter struct{}

func (downExporter) Export(context.Context, []sdklog.Record) error {
	return errors.New("collector down")
}
func (downExporter) Shutdown(context.Context) error   { return nil }
func (downExporter) ForceFlush(context.Context) error { return nil }

// A drain after which some record was neither exported nor spooled says so
// with an error wrapping ErrNotDelivered (the warning line on stderr says
// it too, at most once per 10 s).
func ExampleErrNotDelivered() {
	l := fapilog.GetLogger("example-down", fapilog.Reuse(false), fapilog.WithExporter(downExporter{}))
	l.Error("payment failed", "order_id", 1234)
	res, err := l.StopAndDrain(context.Background())
	fmt.Println(errors.Is(err, fapilog.ErrNotDelivered), res.Submitted, res.Failed)
	// Output: true 1 1
}
