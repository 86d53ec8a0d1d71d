package fapilog

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"go.opentelemetry.io/otel/attribute"

	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/internal/pipeline"
	"github.com/fapilog/fapilog-go/internal/settings"
	"github.com/fapilog/fapilog-go/levels"
)

// Named loggers: what a cached lookup costs, and what idle names hold.
//
//	go test -run '^$' -bench 'GetLogger|IdleNamedLoggers|LogAttrs|InfoAny' -benchmem -count 6 .

// clearSettingsEnv makes the benchmarks measure the defaults.
func clearSettingsEnv(b *testing.B) {
	for _, k := range settings.Variables {
		b.Setenv(k, "")
	}
	for _, k := range []string{"OTEL_LOGS_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"} {
		b.Setenv(k, "")
	}
}

func BenchmarkGetLoggerCached(b *testing.B) {
	clearSettingsEnv(b)
	l := GetLogger("bench-cached")
	b.Cleanup(func() { _, _ = l.StopAndDrain(context.Background()) })
	b.ReportAllocs()
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			if GetLogger("bench-cached") != l {
				b.Fatal("not cached")
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if GetLogger("bench-cached") != l {
					b.Fatal("not cached")
				}
			}
		})
	})
}

// BenchmarkIdleNamedLoggers creates n cached named loggers with the default
// settings and reports the live heap and the goroutines they hold, per
// logger, after a GC.
func BenchmarkIdleNamedLoggers(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("names=%d", n), func(b *testing.B) {
			clearSettingsEnv(b)
			var heap, gor, engines float64
			for i := range b.N {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				g0, e0 := runtime.NumGoroutine(), pipeline.Engines()
				ls := make([]*Logger, n)
				for k := range ls {
					ls[k] = GetLogger(fmt.Sprintf("idle-%d-%d", i, k))
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				heap += float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
				gor += float64(runtime.NumGoroutine()-g0) / float64(n)
				engines += float64(pipeline.Engines() - e0)
				b.StopTimer()
				for _, l := range ls {
					_, _ = l.StopAndDrain(context.Background())
				}
				b.StartTimer()
			}
			b.ReportMetric(heap/float64(b.N), "heapB/logger")
			b.ReportMetric(gor/float64(b.N), "goroutines/logger")
			b.ReportMetric(engines/float64(b.N), "engines")
		})
	}
}

// BenchmarkLogAttrs is a call with 3 variable attributes, typed (LogAttrs)
// and through ...any (Info, which boxes them at the call site), disabled
// (DEBUG below INFO) and enabled, over the none exporter.
func BenchmarkLogAttrs(b *testing.B) {
	user, status, latency := userID, status, latency
	ctx := context.Background()
	for _, enabled := range []bool{false, true} {
		mode := map[bool]string{false: "disabled", true: "enabled"}[enabled]
		lv := map[bool]levels.Level{false: levels.Debug, true: levels.Info}[enabled]
		l := GetLogger(b.Name()+mode, Reuse(false), WithExporter(exporter.NewNone()), WithAuditChain(false))
		b.Run(mode+"/LogAttrs", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				l.LogAttrs(ctx, lv, "request served", attribute.String("user", user),
					attribute.Int("status", status), attribute.Float64("latency_ms", latency))
			}
		})
		b.Run(mode+"/InfoAny", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				l.Log(ctx, lv, "request served", "user", user, "status", status, "latency_ms", latency)
			}
		})
		_, _ = l.StopAndDrain(ctx)
	}
}
