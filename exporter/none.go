package exporter

import (
	"context"
	"sync/atomic"

	sdklog "go.opentelemetry.io/otel/sdk/log"
)

// none discards records (OTEL_LOGS_EXPORTER=none).
type none struct{ stopped atomic.Bool }

// NewNone returns an exporter that discards every record and reports
// success, so a pipeline's counts stay exact (discarded records count as
// exported). After Shutdown its Export returns
// [sdklog.ErrExporterShutdown].
func NewNone() sdklog.Exporter { return &none{} }

func (n *none) Export(context.Context, []sdklog.Record) error {
	if n.stopped.Load() {
		return sdklog.ErrExporterShutdown
	}
	return nil
}

func (n *none) Shutdown(context.Context) error { n.stopped.Store(true); return nil }

func (n *none) ForceFlush(context.Context) error { return nil }
