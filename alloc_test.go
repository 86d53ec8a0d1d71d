package fapilog

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/levels"
)

// Allocation pins: counts, not timings, so a regression on the hot path
// fails CI. The values are literals, as at most call sites; a non-constant
// value passed through ...any is boxed by Go at the call site, before the
// library runs (as with log/slog), and is not counted here.
//
// The OpenTelemetry SDK allocates on every Emit (the record it hands to the
// batch processor escapes; beyond 5 attributes it also grows and clones a
// slice). What is pinned is what is ours: a fapilog call allocates no more
// than building the same log.Record by hand and emitting it on a provider
// configured as the library's.

const allocRuns = 200

// allocLogger is an uncached sync logger over the none exporter with the
// library's defaults (redaction and the audit chain on), drained at the end.
func allocLogger(t *testing.T, opts ...Option) *Logger {
	t.Helper()
	l := GetLogger(t.Name(), append([]Option{Reuse(false), WithExporter(exporter.NewNone())}, opts...)...)
	t.Cleanup(func() { _, _ = l.StopAndDrain(context.Background()) })
	return l
}

func allocAsyncLogger(t *testing.T, opts ...Option) *AsyncLogger {
	t.Helper()
	l, err := GetAsyncLogger(context.Background(), t.Name(),
		append([]Option{Reuse(false), WithExporter(exporter.NewNone())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = l.StopAndDrain(context.Background()) })
	return l
}

// sdkProvider is an SDK pipeline like the library's (BatchProcessor over a
// discarding exporter); allowDup selects WithAllowKeyDuplication, which the
// library sets, against the SDK's default.
func allocSDKProvider(t *testing.T, allowDup bool) log.Logger {
	t.Helper()
	opts := []sdklog.LoggerProviderOption{sdklog.WithProcessor(sdklog.NewBatchProcessor(exporter.NewNone()))}
	if allowDup {
		opts = append(opts, sdklog.WithAllowKeyDuplication())
	}
	p := sdklog.NewLoggerProvider(opts...)
	t.Cleanup(func() { _ = p.Shutdown(context.Background()) })
	return p.Logger("alloc")
}

// byHand builds the record a program using the SDK directly would, with n
// (3 or 10) attributes, and emits it.
func byHand(lg log.Logger, n int) {
	var r log.Record
	now := time.Now()
	r.SetTimestamp(now)
	r.SetObservedTimestamp(now)
	r.SetSeverity(log.SeverityInfo)
	r.SetSeverityText("INFO")
	r.SetBody(attribute.StringValue("request served"))
	if n == 3 {
		r.AddAttributes(attribute.String("method", "GET"), attribute.Int("status", 200),
			attribute.String("path", "/api/v1/users"))
	} else {
		r.AddAttributes(attribute.String("method", "GET"), attribute.Int("status", 200),
			attribute.String("path", "/api/v1/users"), attribute.String("user_id", "u-48213"),
			attribute.Float64("latency_ms", 12.5), attribute.Int("bytes", 5120),
			attribute.Bool("cache_hit", true), attribute.String("region", "eu-west-1"),
			attribute.Int("attempt", 1), attribute.String("request_id", "7e3b3b2aaeff56a7"))
	}
	lg.Emit(context.Background(), r)
}

func info3(l *Logger) {
	l.Info("request served", "method", "GET", "status", 200, "path", "/api/v1/users")
}

func info10(l *Logger) {
	l.Info("request served", "method", "GET", "status", 200, "path", "/api/v1/users",
		"user_id", "u-48213", "latency_ms", 12.5, "bytes", 5120, "cache_hit", true,
		"region", "eu-west-1", "attempt", 1, "request_id", "7e3b3b2aaeff56a7")
}

func TestDisabledCallsAllocateNothing(t *testing.T) {
	l := allocLogger(t, WithLevel(levels.Warning))
	a := allocAsyncLogger(t, WithLevel(levels.Warning))
	ctx := l.Bind(context.Background(), "request_id", "r-1")
	with := l.With("tenant", "acme")
	tests := []struct {
		name string
		call func()
	}{
		{"sync 3 kv", func() { l.Info("m", "k1", "v1", "k2", 2, "k3", true) }},
		{"sync 10 kv", func() {
			l.Debug("m", "k1", "v1", "k2", 2, "k3", true, "k4", 4.5, "k5", "v5",
				"k6", 6, "k7", "v7", "k8", 8, "k9", "v9", "k10", 10)
		}},
		{"async 3 kv", func() { _ = a.Info(ctx, "m", "k1", "v1", "k2", 2, "k3", true) }},
		{"async 10 kv", func() {
			_ = a.Debug(ctx, "m", "k1", "v1", "k2", 2, "k3", true, "k4", 4.5, "k5", "v5",
				"k6", 6, "k7", "v7", "k8", 8, "k9", "v9", "k10", 10)
		}},
		{"sync context 3 kv", func() { l.InfoContext(ctx, "m", "k1", "v1", "k2", 2, "k3", true) }},
		{"sync With 3 kv", func() { with.Info("m", "k1", "v1", "k2", 2, "k3", true) }},
		{"sync Log 3 kv", func() { l.Log(ctx, levels.Info, "m", "k1", "v1", "k2", 2, "k3", true) }},
		{"async Log 3 kv", func() { _ = a.Log(ctx, levels.Info, "m", "k1", "v1", "k2", 2, "k3", true) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n := testing.AllocsPerRun(allocRuns, tt.call); n != 0 {
				t.Errorf("%v allocations per disabled call, want 0", n)
			}
		})
	}
}

func TestInfoAllocatesNoMoreThanTheRawSDK(t *testing.T) {
	raw := allocSDKProvider(t, false)
	sdk := testing.AllocsPerRun(allocRuns, func() { byHand(raw, 3) })
	l := allocLogger(t)
	got := testing.AllocsPerRun(allocRuns, func() { info3(l) })
	if got > sdk {
		t.Errorf("Info with 3 kv: %v allocations, the raw SDK (default provider, record by hand): %v", got, sdk)
	}
	t.Logf("Info with 3 kv: %v allocations; raw SDK: %v", got, sdk)
}

func TestInfoAllocatesNothingOfItsOwn(t *testing.T) {
	for _, n := range []int{3, 10} {
		t.Run(map[int]string{3: "3 kv", 10: "10 kv"}[n], func(t *testing.T) {
			lg := allocSDKProvider(t, true)
			sdk := testing.AllocsPerRun(allocRuns, func() { byHand(lg, n) })
			l := allocLogger(t)
			call := func() { info3(l) }
			if n == 10 {
				call = func() { info10(l) }
			}
			if got := testing.AllocsPerRun(allocRuns, call); got > sdk {
				t.Errorf("%v allocations, the same record built by hand and emitted on the same kind of provider: %v", got, sdk)
			}
			async := allocAsyncLogger(t)
			ctx := context.Background()
			acall := func() {
				_ = async.Info(ctx, "request served", "method", "GET", "status", 200, "path", "/api/v1/users")
			}
			if n == 10 {
				acall = func() {
					_ = async.Info(ctx, "request served", "method", "GET", "status", 200, "path", "/api/v1/users",
						"user_id", "u-48213", "latency_ms", 12.5, "bytes", 5120, "cache_hit", true,
						"region", "eu-west-1", "attempt", 1, "request_id", "7e3b3b2aaeff56a7")
				}
			}
			if got := testing.AllocsPerRun(allocRuns, acall); got > sdk {
				t.Errorf("async: %v allocations, by hand: %v", got, sdk)
			}
		})
	}
}

// TestBoundContextAndWithFieldsAddNoAllocation compares calls that produce
// the same number of attributes, some from the context or the logger.
func TestBoundContextAndWithFieldsAddNoAllocation(t *testing.T) {
	l := allocLogger(t)
	ctx := l.Bind(context.Background(), "request_id", "r-1", "tenant", "acme")
	with := l.With("request_id", "r-1", "tenant", "acme")
	tests := []struct {
		name       string
		plain, got func()
	}{
		{"bound context, 3 attributes",
			func() { l.Info("m", "k1", "v1", "k2", 2, "k3", true) },
			func() { l.InfoContext(ctx, "m", "k1", "v1") }},
		{"With fields, 3 attributes",
			func() { l.Info("m", "k1", "v1", "k2", 2, "k3", true) },
			func() { with.Info("m", "k1", "v1") }},
		{"bound context and With fields, 5 attributes",
			func() { l.Info("m", "k1", "v1", "k2", 2, "k3", true, "k4", 4, "k5", "v5") },
			func() { with.InfoContext(ctx, "m", "k1", "v1") }},
		{"bound context, 10 attributes",
			func() { info10(l) },
			func() {
				l.InfoContext(ctx, "m", "k1", "v1", "k2", 2, "k3", true, "k4", 4.5, "k5", "v5",
					"k6", 6, "k7", "v7", "k8", 8)
			}},
		{"With fields, 10 attributes",
			func() { info10(l) },
			func() {
				with.Info("m", "k1", "v1", "k2", 2, "k3", true, "k4", 4.5, "k5", "v5",
					"k6", 6, "k7", "v7", "k8", 8)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plain := testing.AllocsPerRun(allocRuns, tt.plain)
			if got := testing.AllocsPerRun(allocRuns, tt.got); got > plain {
				t.Errorf("%v allocations, the same number of attributes given in the call: %v", got, plain)
			}
		})
	}
}
