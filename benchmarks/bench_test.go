package benchmarks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/contrib/bridges/otelslog"
	"go.opentelemetry.io/contrib/bridges/otelzap"
	"go.opentelemetry.io/otel/attribute"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/levels"
)

var errDeclined = errors.New("card declined")

// A contender sets up one logger for n attributes and returns the call to
// measure and, for the OpenTelemetry contenders, finish: it flushes the
// pipeline and returns how many records the counting exporter received.
type contender struct {
	name  string
	start func(b *testing.B, n int) (call func(), finish func() uint64)
}

// otel contenders: each writes into a BatchProcessor over a counting
// exporter. The raw SDK, otelslog and otelzap use the SDK's default
// provider settings; fapilog builds its own provider (same processor,
// WithAllowKeyDuplication, its admission in front).
var otelContenders = []contender{
	{"sdk", startSDK},
	{"otelslog", startOtelslog},
	{"otelslog-attrs", startOtelslogAttrs},
	{"otelzap", startOtelzap},
	{"fapilog", func(b *testing.B, n int) (func(), func() uint64) { return startFapilog(b, n) }},
	{"fapilog-noredact", func(b *testing.B, n int) (func(), func() uint64) {
		return startFapilog(b, n, fapilog.WithoutRedaction())
	}},
	{"fapilog-attr", startFapilogAttr},
	{"fapilog-async", startFapilogAsync},
	{"fapilog-ctx", startFapilogCtx},
	{"fapilog-with", startFapilogWith},
	{"fapilog-exception", startFapilogException},
	{"fapilog-vars", startFapilogVars},
	{"otelslog-vars", startOtelslogVars},
}

// JSON references outside OpenTelemetry, writing to io.Discard.
var jsonContenders = []contender{
	{"zap-json", startZapJSON},
	{"zerolog-json", startZerolog},
	{"slog-json", startSlogJSON},
}

// Disabled calls: DEBUG below an INFO minimum.
var disabledContenders = []contender{
	{"fapilog", startFapilogDisabled},
	{"fapilog-async", startFapilogAsyncDisabled},
	{"zerolog", startZerologDisabled},
	{"zap", startZapDisabled},
	{"slog", startSlogDisabled},
}

// BenchmarkLog is one enabled INFO call with 3 or 10 attributes, from one
// goroutine (serial) and from GOMAXPROCS goroutines (parallel).
func BenchmarkLog(b *testing.B) {
	for _, n := range []int{3, 10} {
		for _, mode := range []string{"serial", "parallel"} {
			for _, c := range append(append([]contender{}, otelContenders...), jsonContenders...) {
				b.Run(fmt.Sprintf("attrs=%d/mode=%s/impl=%s", n, mode, c.name), func(b *testing.B) {
					measure(b, mode, n, c)
				})
			}
		}
	}
}

// BenchmarkDisabled is a call below the minimum level.
func BenchmarkDisabled(b *testing.B) {
	for _, n := range []int{3, 10} {
		for _, mode := range []string{"serial", "parallel"} {
			for _, c := range disabledContenders {
				b.Run(fmt.Sprintf("attrs=%d/mode=%s/impl=%s", n, mode, c.name), func(b *testing.B) {
					measure(b, mode, n, c)
				})
			}
		}
	}
}

func measure(b *testing.B, mode string, n int, c contender) {
	call, finish := c.start(b, n)
	b.ReportAllocs()
	b.ResetTimer()
	if mode == "parallel" {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				call()
			}
		})
	} else {
		for i := 0; i < b.N; i++ {
			call()
		}
	}
	b.StopTimer()
	if finish != nil {
		exported := finish()
		b.ReportMetric(dropRate(uint64(b.N), exported), "drop%")
	}
}

// dropRate is the share of emitted records the exporter never received, in
// percent.
func dropRate(emitted, exported uint64) float64 {
	if emitted == 0 || exported >= emitted {
		return 0
	}
	return 100 * float64(emitted-exported) / float64(emitted)
}

// ---- raw SDK, otelslog, otelzap

func startSDK(b *testing.B, n int) (func(), func() uint64) {
	exp := &countingExporter{}
	p := sdkProvider(exp)
	lg := p.Logger("bench")
	ctx := context.Background()
	finish := func() uint64 {
		if err := p.ForceFlush(ctx); err != nil {
			b.Fatal(err)
		}
		got := exp.n.Load()
		_ = p.Shutdown(ctx)
		return got
	}
	return func() { lg.Emit(ctx, sdkRecord(n)) }, finish
}

func otelslogLogger(b *testing.B) (*slog.Logger, func() uint64) {
	exp := &countingExporter{}
	p := sdkProvider(exp)
	ctx := context.Background()
	return otelslog.NewLogger("bench", otelslog.WithLoggerProvider(p)), func() uint64 {
		if err := p.ForceFlush(ctx); err != nil {
			b.Fatal(err)
		}
		got := exp.n.Load()
		_ = p.Shutdown(ctx)
		return got
	}
}

func startOtelslog(b *testing.B, n int) (func(), func() uint64) {
	l, finish := otelslogLogger(b)
	ctx := context.Background()
	if n == 3 {
		return func() {
			l.InfoContext(ctx, msg, "method", method, "status", status, "path", path)
		}, finish
	}
	return func() {
		l.InfoContext(ctx, msg, "method", method, "status", status, "path", path,
			"user_id", userID, "latency_ms", latencyMS, "bytes", nbytes, "cache_hit", cacheHit,
			"region", region, "attempt", attempt, "request_id", requestID)
	}, finish
}

func startOtelslogAttrs(b *testing.B, n int) (func(), func() uint64) {
	l, finish := otelslogLogger(b)
	ctx := context.Background()
	if n == 3 {
		return func() {
			l.LogAttrs(ctx, slog.LevelInfo, msg,
				slog.String("method", method), slog.Int("status", status), slog.String("path", path))
		}, finish
	}
	return func() {
		l.LogAttrs(ctx, slog.LevelInfo, msg,
			slog.String("method", method), slog.Int("status", status), slog.String("path", path),
			slog.String("user_id", userID), slog.Float64("latency_ms", latencyMS), slog.Int("bytes", nbytes),
			slog.Bool("cache_hit", cacheHit), slog.String("region", region), slog.Int("attempt", attempt),
			slog.String("request_id", requestID))
	}, finish
}

func startOtelslogVars(b *testing.B, n int) (func(), func() uint64) {
	l, finish := otelslogLogger(b)
	ctx := context.Background()
	if n == 3 {
		return func() {
			l.InfoContext(ctx, msg, "method", vMethod, "status", vStatus, "path", vPath)
		}, finish
	}
	return func() {
		l.InfoContext(ctx, msg, "method", vMethod, "status", vStatus, "path", vPath,
			"user_id", vUserID, "latency_ms", vLatencyMS, "bytes", vBytes, "cache_hit", vCacheHit,
			"region", vRegion, "attempt", vAttempt, "request_id", vRequestID)
	}, finish
}

func startOtelzap(b *testing.B, n int) (func(), func() uint64) {
	exp := &countingExporter{}
	p := sdkProvider(exp)
	ctx := context.Background()
	z := zap.New(otelzap.NewCore("bench", otelzap.WithLoggerProvider(p)))
	finish := func() uint64 {
		if err := p.ForceFlush(ctx); err != nil {
			b.Fatal(err)
		}
		got := exp.n.Load()
		_ = p.Shutdown(ctx)
		return got
	}
	if n == 3 {
		return func() {
			z.Info(msg, zap.String("method", method), zap.Int("status", status), zap.String("path", path))
		}, finish
	}
	return func() {
		z.Info(msg, zap.String("method", method), zap.Int("status", status), zap.String("path", path),
			zap.String("user_id", userID), zap.Float64("latency_ms", latencyMS), zap.Int("bytes", nbytes),
			zap.Bool("cache_hit", cacheHit), zap.String("region", region), zap.Int("attempt", attempt),
			zap.String("request_id", requestID))
	}, finish
}

// ---- fapilog-go

func fapilogFinish(b *testing.B, exp *countingExporter, flush func(context.Context) error, drain func(context.Context) (fapilog.DrainResult, error)) func() uint64 {
	return func() uint64 {
		ctx := context.Background()
		if err := flush(ctx); err != nil {
			b.Fatal(err)
		}
		got := exp.n.Load()
		if _, err := drain(ctx); err != nil {
			b.Fatal(err)
		}
		return got
	}
}

func startFapilog(b *testing.B, n int, opts ...fapilog.Option) (func(), func() uint64) {
	exp := &countingExporter{}
	l := newFapilog(b, exp, opts...)
	finish := fapilogFinish(b, exp, l.Flush, l.Drain)
	if n == 3 {
		return func() {
			l.Info(msg, "method", method, "status", status, "path", path)
		}, finish
	}
	return func() {
		l.Info(msg, "method", method, "status", status, "path", path,
			"user_id", userID, "latency_ms", latencyMS, "bytes", nbytes, "cache_hit", cacheHit,
			"region", region, "attempt", attempt, "request_id", requestID)
	}, finish
}

func startFapilogAttr(b *testing.B, n int) (func(), func() uint64) {
	exp := &countingExporter{}
	l := newFapilog(b, exp)
	finish := fapilogFinish(b, exp, l.Flush, l.Drain)
	if n == 3 {
		return func() {
			l.Info(msg, attribute.String("method", method), attribute.Int("status", status),
				attribute.String("path", path))
		}, finish
	}
	return func() {
		l.Info(msg, attribute.String("method", method), attribute.Int("status", status),
			attribute.String("path", path), attribute.String("user_id", userID),
			attribute.Float64("latency_ms", latencyMS), attribute.Int("bytes", nbytes),
			attribute.Bool("cache_hit", cacheHit), attribute.String("region", region),
			attribute.Int("attempt", attempt), attribute.String("request_id", requestID))
	}, finish
}

func startFapilogVars(b *testing.B, n int) (func(), func() uint64) {
	exp := &countingExporter{}
	l := newFapilog(b, exp)
	finish := fapilogFinish(b, exp, l.Flush, l.Drain)
	if n == 3 {
		return func() {
			l.Info(msg, "method", vMethod, "status", vStatus, "path", vPath)
		}, finish
	}
	return func() {
		l.Info(msg, "method", vMethod, "status", vStatus, "path", vPath,
			"user_id", vUserID, "latency_ms", vLatencyMS, "bytes", vBytes, "cache_hit", vCacheHit,
			"region", vRegion, "attempt", vAttempt, "request_id", vRequestID)
	}, finish
}

func startFapilogAsync(b *testing.B, n int) (func(), func() uint64) {
	exp := &countingExporter{}
	l := newFapilogAsync(b, exp)
	finish := fapilogFinish(b, exp, l.Flush, l.Drain)
	ctx := context.Background()
	if n == 3 {
		return func() {
			_ = l.Info(ctx, msg, "method", method, "status", status, "path", path)
		}, finish
	}
	return func() {
		_ = l.Info(ctx, msg, "method", method, "status", status, "path", path,
			"user_id", userID, "latency_ms", latencyMS, "bytes", nbytes, "cache_hit", cacheHit,
			"region", region, "attempt", attempt, "request_id", requestID)
	}, finish
}

// startFapilogCtx: 2 of the n attributes are bound to the context.
func startFapilogCtx(b *testing.B, n int) (func(), func() uint64) {
	exp := &countingExporter{}
	l := newFapilog(b, exp)
	finish := fapilogFinish(b, exp, l.Flush, l.Drain)
	ctx := l.Bind(context.Background(), "request_id", requestID, "tenant", tenant)
	if n == 3 {
		return func() {
			l.InfoContext(ctx, msg, "status", status)
		}, finish
	}
	return func() {
		l.InfoContext(ctx, msg, "method", method, "status", status, "path", path,
			"user_id", userID, "latency_ms", latencyMS, "bytes", nbytes, "cache_hit", cacheHit,
			"region", region)
	}, finish
}

// startFapilogWith: 2 of the n attributes are With fields.
func startFapilogWith(b *testing.B, n int) (func(), func() uint64) {
	exp := &countingExporter{}
	root := newFapilog(b, exp)
	finish := fapilogFinish(b, exp, root.Flush, root.Drain)
	l := root.With("request_id", requestID, "tenant", tenant)
	if n == 3 {
		return func() {
			l.Info(msg, "status", status)
		}, finish
	}
	return func() {
		l.Info(msg, "method", method, "status", status, "path", path,
			"user_id", userID, "latency_ms", latencyMS, "bytes", nbytes, "cache_hit", cacheHit,
			"region", region)
	}, finish
}

// startFapilogException: ERROR with exception.type, exception.message and
// exception.stacktrace, plus the n attributes.
func startFapilogException(b *testing.B, n int) (func(), func() uint64) {
	exp := &countingExporter{}
	l := newFapilog(b, exp)
	finish := fapilogFinish(b, exp, l.Flush, l.Drain)
	if n == 3 {
		return func() {
			l.Exception("payment failed", errDeclined, "method", method, "status", status, "path", path)
		}, finish
	}
	return func() {
		l.Exception("payment failed", errDeclined, "method", method, "status", status, "path", path,
			"user_id", userID, "latency_ms", latencyMS, "bytes", nbytes, "cache_hit", cacheHit,
			"region", region, "attempt", attempt, "request_id", requestID)
	}, finish
}

// ---- JSON references

func startZapJSON(_ *testing.B, n int) (func(), func() uint64) {
	z := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()),
		zapcore.AddSync(io.Discard), zap.InfoLevel))
	if n == 3 {
		return func() {
			z.Info(msg, zap.String("method", method), zap.Int("status", status), zap.String("path", path))
		}, nil
	}
	return func() {
		z.Info(msg, zap.String("method", method), zap.Int("status", status), zap.String("path", path),
			zap.String("user_id", userID), zap.Float64("latency_ms", latencyMS), zap.Int("bytes", nbytes),
			zap.Bool("cache_hit", cacheHit), zap.String("region", region), zap.Int("attempt", attempt),
			zap.String("request_id", requestID))
	}, nil
}

func startZerolog(_ *testing.B, n int) (func(), func() uint64) {
	z := zerolog.New(io.Discard).With().Timestamp().Logger()
	if n == 3 {
		return func() {
			z.Info().Str("method", method).Int("status", status).Str("path", path).Msg(msg)
		}, nil
	}
	return func() {
		z.Info().Str("method", method).Int("status", status).Str("path", path).
			Str("user_id", userID).Float64("latency_ms", latencyMS).Int("bytes", nbytes).
			Bool("cache_hit", cacheHit).Str("region", region).Int("attempt", attempt).
			Str("request_id", requestID).Msg(msg)
	}, nil
}

func startSlogJSON(_ *testing.B, n int) (func(), func() uint64) {
	l := slog.New(slog.NewJSONHandler(io.Discard, nil))
	if n == 3 {
		return func() {
			l.Info(msg, "method", method, "status", status, "path", path)
		}, nil
	}
	return func() {
		l.Info(msg, "method", method, "status", status, "path", path,
			"user_id", userID, "latency_ms", latencyMS, "bytes", nbytes, "cache_hit", cacheHit,
			"region", region, "attempt", attempt, "request_id", requestID)
	}, nil
}

// ---- disabled calls (DEBUG below INFO)

func startFapilogDisabled(b *testing.B, n int) (func(), func() uint64) {
	l := newFapilog(b, &countingExporter{}, fapilog.WithLevel(levels.Info))
	b.Cleanup(func() { _, _ = l.Drain(context.Background()) })
	if n == 3 {
		return func() {
			l.Debug(msg, "method", method, "status", status, "path", path)
		}, nil
	}
	return func() {
		l.Debug(msg, "method", method, "status", status, "path", path,
			"user_id", userID, "latency_ms", latencyMS, "bytes", nbytes, "cache_hit", cacheHit,
			"region", region, "attempt", attempt, "request_id", requestID)
	}, nil
}

func startFapilogAsyncDisabled(b *testing.B, n int) (func(), func() uint64) {
	l := newFapilogAsync(b, &countingExporter{}, fapilog.WithLevel(levels.Info))
	b.Cleanup(func() { _, _ = l.Drain(context.Background()) })
	ctx := context.Background()
	if n == 3 {
		return func() {
			_ = l.Debug(ctx, msg, "method", method, "status", status, "path", path)
		}, nil
	}
	return func() {
		_ = l.Debug(ctx, msg, "method", method, "status", status, "path", path,
			"user_id", userID, "latency_ms", latencyMS, "bytes", nbytes, "cache_hit", cacheHit,
			"region", region, "attempt", attempt, "request_id", requestID)
	}, nil
}

func startZerologDisabled(_ *testing.B, n int) (func(), func() uint64) {
	z := zerolog.New(io.Discard).Level(zerolog.InfoLevel).With().Timestamp().Logger()
	if n == 3 {
		return func() {
			z.Debug().Str("method", method).Int("status", status).Str("path", path).Msg(msg)
		}, nil
	}
	return func() {
		z.Debug().Str("method", method).Int("status", status).Str("path", path).
			Str("user_id", userID).Float64("latency_ms", latencyMS).Int("bytes", nbytes).
			Bool("cache_hit", cacheHit).Str("region", region).Int("attempt", attempt).
			Str("request_id", requestID).Msg(msg)
	}, nil
}

func startZapDisabled(_ *testing.B, n int) (func(), func() uint64) {
	z := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()),
		zapcore.AddSync(io.Discard), zap.InfoLevel))
	if n == 3 {
		return func() {
			z.Debug(msg, zap.String("method", method), zap.Int("status", status), zap.String("path", path))
		}, nil
	}
	return func() {
		z.Debug(msg, zap.String("method", method), zap.Int("status", status), zap.String("path", path),
			zap.String("user_id", userID), zap.Float64("latency_ms", latencyMS), zap.Int("bytes", nbytes),
			zap.Bool("cache_hit", cacheHit), zap.String("region", region), zap.Int("attempt", attempt),
			zap.String("request_id", requestID))
	}, nil
}

func startSlogDisabled(_ *testing.B, n int) (func(), func() uint64) {
	l := slog.New(slog.NewJSONHandler(io.Discard, nil))
	if n == 3 {
		return func() {
			l.Debug(msg, "method", method, "status", status, "path", path)
		}, nil
	}
	return func() {
		l.Debug(msg, "method", method, "status", status, "path", path,
			"user_id", userID, "latency_ms", latencyMS, "bytes", nbytes, "cache_hit", cacheHit,
			"region", region, "attempt", attempt, "request_id", requestID)
	}, nil
}
