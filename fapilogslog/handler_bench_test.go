package fapilogslog_test

import (
	"context"
	"log/slog"
	"testing"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/fapilogslog"
)

// The same five attributes through fapilog directly and through slog and
// the handler, over the full pipeline (admission, batch processor) and an
// exporter that discards.
//
//	go test -run '^$' -bench . -benchmem ./fapilogslog

func benchLogger(b *testing.B) *fapilog.Logger {
	l := fapilog.GetLogger(b.Name(), fapilog.Reuse(false), fapilog.WithExporter(exporter.NewNone()),
		fapilog.WithQueueSize(1<<16), fapilog.WithBatchSize(4096))
	b.Cleanup(func() {
		res, err := l.StopAndDrain(context.Background())
		if err != nil || res.Dropped+res.Failed > 0 {
			b.Errorf("drain: %v %+v", err, res)
		}
	})
	return l
}

func BenchmarkInfo5Attrs(b *testing.B) {
	ctx := context.Background()
	b.Run("fapilog", func(b *testing.B) {
		l := benchLogger(b)
		b.ReportAllocs()
		for b.Loop() {
			l.InfoContext(ctx, "request handled", "method", "GET", "status", 200, "latency_ms", 12.5, "cached", false, "user", "u-123")
		}
	})
	b.Run("slog", func(b *testing.B) {
		s := slog.New(fapilogslog.NewHandler(benchLogger(b)))
		b.ReportAllocs()
		for b.Loop() {
			s.InfoContext(ctx, "request handled", "method", "GET", "status", 200, "latency_ms", 12.5, "cached", false, "user", "u-123")
		}
	})
	b.Run("slog-LogAttrs", func(b *testing.B) {
		s := slog.New(fapilogslog.NewHandler(benchLogger(b)))
		b.ReportAllocs()
		for b.Loop() {
			s.LogAttrs(ctx, slog.LevelInfo, "request handled", slog.String("method", "GET"), slog.Int("status", 200),
				slog.Float64("latency_ms", 12.5), slog.Bool("cached", false), slog.String("user", "u-123"))
		}
	})
}

func BenchmarkWith5Attrs(b *testing.B) {
	ctx := context.Background()
	b.Run("fapilog", func(b *testing.B) {
		l := benchLogger(b).With("service", "billing", "region", "eu", "version", 3, "canary", false, "pod", "p-1")
		b.ReportAllocs()
		for b.Loop() {
			l.InfoContext(ctx, "request handled", "status", 200)
		}
	})
	b.Run("slog", func(b *testing.B) {
		s := slog.New(fapilogslog.NewHandler(benchLogger(b))).With("service", "billing", "region", "eu", "version", 3, "canary", false, "pod", "p-1")
		b.ReportAllocs()
		for b.Loop() {
			s.InfoContext(ctx, "request handled", "status", 200)
		}
	})
	b.Run("slog-WithGroup", func(b *testing.B) {
		s := slog.New(fapilogslog.NewHandler(benchLogger(b))).With("service", "billing").WithGroup("http")
		b.ReportAllocs()
		for b.Loop() {
			s.InfoContext(ctx, "request handled", "status", 200, "method", "GET")
		}
	})
}

func BenchmarkDisabled(b *testing.B) {
	ctx := context.Background()
	b.Run("fapilog", func(b *testing.B) {
		l := benchLogger(b)
		b.ReportAllocs()
		for b.Loop() {
			l.DebugContext(ctx, "not logged", "status", 200)
		}
	})
	b.Run("slog", func(b *testing.B) {
		s := slog.New(fapilogslog.NewHandler(benchLogger(b)))
		b.ReportAllocs()
		for b.Loop() {
			s.DebugContext(ctx, "not logged", "status", 200)
		}
	})
}
