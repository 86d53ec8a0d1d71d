package pipeline

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/fapilog/fapilog-go/internal/record"
)

type discardExporter struct{}

func (discardExporter) Export(context.Context, []sdklog.Record) error { return nil }
func (discardExporter) Shutdown(context.Context) error                { return nil }
func (discardExporter) ForceFlush(context.Context) error              { return nil }

// BenchmarkLogPath is one call through the pipeline the way the facade makes
// it: Begin, Emit (through the batch processor to a discarding exporter),
// End. It is the path the spool and the metrics must not slow down.
func BenchmarkLogPath(b *testing.B) {
	p := New(Settings{Exporter: discardExporter{}, QueueSize: 2048, BatchSize: 512,
		Reserved: 512, ExportInterval: time.Second, Name: "bench", Warn: func(string) {}})
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c := record.Call{Severity: log.SeverityInfo, Msg: "hello"}
			_ = p.Emit(ctx, Admission{Severity: log.SeverityInfo, Wait: 50 * time.Millisecond}, &c, record.Args{})
		}
	})
	b.StopTimer()
	if _, err := p.Stop(ctx); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkBeginEnd is admission alone.
func BenchmarkBeginEnd(b *testing.B) {
	p := New(Settings{Exporter: discardExporter{}, QueueSize: 2048, Name: "bench", Warn: func(string) {}})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := p.admit(ctx, Admission{Severity: log.SeverityInfo}); err != nil {
			b.Fatal(err)
		}
		p.eng.gate.release(1)
	}
	if _, err := p.Stop(ctx); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCountingExport is the exporter wrapper on a batch of 512.
func BenchmarkCountingExport(b *testing.B) {
	p := New(Settings{Exporter: discardExporter{}, QueueSize: 2048, Name: "bench", Warn: func(string) {}})
	recs := make([]sdklog.Record, 512)
	for i := range recs {
		recs[i].SetSeverity(log.Severity(1 + i%24))
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		p.eng.gate.inflight.Add(int64(len(recs)))
		p.state.Add(int64(len(recs)) * inflightOne)
		if err := p.eng.exp.Export(ctx, recs); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := p.Stop(ctx); err != nil {
		b.Fatal(err)
	}
}
