package fapilog

import (
	"context"
	"testing"

	"github.com/fapilog/fapilog-go/exporter"
)

// BenchmarkInfoNoSpool is the common call path of the facade with the spool
// off: the spool and the metrics must not make it slower.
func BenchmarkInfoNoSpool(b *testing.B) {
	l := GetLogger("bench-info", Reuse(false), WithExporter(exporter.NewNone()))
	b.ReportAllocs()
	for b.Loop() {
		l.Info("request served", "status", 200, "path", "/x")
	}
	if _, err := l.StopAndDrain(context.Background()); err != nil {
		b.Fatal(err)
	}
}
