package benchmarks

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/levels"
)

// BenchmarkTyped is one call with 3 or 10 attributes whose values come from
// variables (so ...any must box them), disabled (DEBUG below INFO) and
// enabled (INFO), through each library's typed path beside its key/value
// path: fapilog-go LogAttrs and Info, log/slog LogAttrs and Info, zap typed
// fields. fapilog-go exports over OpenTelemetry (batch processor, counting
// exporter); slog and zap write JSON to io.Discard.
//
//	go test -run '^$' -bench Typed -benchmem -count 6 .
func BenchmarkTyped(b *testing.B) {
	for _, mode := range []string{"disabled", "enabled"} {
		for _, n := range []int{3, 10} {
			for _, c := range typedContenders {
				b.Run(fmt.Sprintf("mode=%s/attrs=%d/impl=%s", mode, n, c.name), func(b *testing.B) {
					call := c.start(b, mode == "enabled", n)
					b.ReportAllocs()
					for b.Loop() {
						call()
					}
				})
			}
		}
	}
}

type typedContender struct {
	name  string
	start func(b *testing.B, enabled bool, n int) func()
}

var typedContenders = []typedContender{
	{"fapilog-logattrs", startFapilogLogAttrs},
	{"fapilog-any", startFapilogAny},
	{"slog-logattrs", startSlogLogAttrs},
	{"slog-any", startSlogAny},
	{"zap-fields", startZapFields},
}

func typedFapilog(b *testing.B) *fapilog.Logger {
	l := newFapilog(b, &countingExporter{}, fapilog.WithLevel(levels.Info))
	b.Cleanup(func() { _, _ = l.Drain(context.Background()) })
	return l
}

func typedLevel(enabled bool) levels.Level {
	if enabled {
		return levels.Info
	}
	return levels.Debug
}

func startFapilogLogAttrs(b *testing.B, enabled bool, n int) func() {
	l, lv, ctx := typedFapilog(b), typedLevel(enabled), context.Background()
	if n == 3 {
		return func() {
			l.LogAttrs(ctx, lv, msg, attribute.String("method", vMethod), attribute.Int("status", vStatus),
				attribute.String("path", vPath))
		}
	}
	return func() {
		l.LogAttrs(ctx, lv, msg, attribute.String("method", vMethod), attribute.Int("status", vStatus),
			attribute.String("path", vPath), attribute.String("user_id", vUserID),
			attribute.Float64("latency_ms", vLatencyMS), attribute.Int("bytes", vBytes),
			attribute.Bool("cache_hit", vCacheHit), attribute.String("region", vRegion),
			attribute.Int("attempt", vAttempt), attribute.String("request_id", vRequestID))
	}
}

func startFapilogAny(b *testing.B, enabled bool, n int) func() {
	l, lv, ctx := typedFapilog(b), typedLevel(enabled), context.Background()
	if n == 3 {
		return func() { l.Log(ctx, lv, msg, "method", vMethod, "status", vStatus, "path", vPath) }
	}
	return func() {
		l.Log(ctx, lv, msg, "method", vMethod, "status", vStatus, "path", vPath,
			"user_id", vUserID, "latency_ms", vLatencyMS, "bytes", vBytes, "cache_hit", vCacheHit,
			"region", vRegion, "attempt", vAttempt, "request_id", vRequestID)
	}
}

func slogLevel(enabled bool) slog.Level {
	if enabled {
		return slog.LevelInfo
	}
	return slog.LevelDebug
}

func startSlogLogAttrs(_ *testing.B, enabled bool, n int) func() {
	l, lv, ctx := slog.New(slog.NewJSONHandler(io.Discard, nil)), slogLevel(enabled), context.Background()
	if n == 3 {
		return func() {
			l.LogAttrs(ctx, lv, msg, slog.String("method", vMethod), slog.Int("status", vStatus), slog.String("path", vPath))
		}
	}
	return func() {
		l.LogAttrs(ctx, lv, msg, slog.String("method", vMethod), slog.Int("status", vStatus),
			slog.String("path", vPath), slog.String("user_id", vUserID), slog.Float64("latency_ms", vLatencyMS),
			slog.Int("bytes", vBytes), slog.Bool("cache_hit", vCacheHit), slog.String("region", vRegion),
			slog.Int("attempt", vAttempt), slog.String("request_id", vRequestID))
	}
}

func startSlogAny(_ *testing.B, enabled bool, n int) func() {
	l, lv, ctx := slog.New(slog.NewJSONHandler(io.Discard, nil)), slogLevel(enabled), context.Background()
	if n == 3 {
		return func() { l.Log(ctx, lv, msg, "method", vMethod, "status", vStatus, "path", vPath) }
	}
	return func() {
		l.Log(ctx, lv, msg, "method", vMethod, "status", vStatus, "path", vPath,
			"user_id", vUserID, "latency_ms", vLatencyMS, "bytes", vBytes, "cache_hit", vCacheHit,
			"region", vRegion, "attempt", vAttempt, "request_id", vRequestID)
	}
}

func startZapFields(_ *testing.B, enabled bool, n int) func() {
	z := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()),
		zapcore.AddSync(io.Discard), zap.InfoLevel))
	lv := zap.DebugLevel
	if enabled {
		lv = zap.InfoLevel
	}
	if n == 3 {
		return func() {
			z.Log(lv, msg, zap.String("method", vMethod), zap.Int("status", vStatus), zap.String("path", vPath))
		}
	}
	return func() {
		z.Log(lv, msg, zap.String("method", vMethod), zap.Int("status", vStatus), zap.String("path", vPath),
			zap.String("user_id", vUserID), zap.Float64("latency_ms", vLatencyMS), zap.Int("bytes", vBytes),
			zap.Bool("cache_hit", vCacheHit), zap.String("region", vRegion), zap.Int("attempt", vAttempt),
			zap.String("request_id", vRequestID))
	}
}
