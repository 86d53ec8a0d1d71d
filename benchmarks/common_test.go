package benchmarks

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	fapilog "github.com/fapilog/fapilog-go"
)

// countingExporter is the no-op exporter every OpenTelemetry contender
// writes into: it counts the records the batch processor hands over.
type countingExporter struct{ n atomic.Uint64 }

func (e *countingExporter) Export(_ context.Context, recs []sdklog.Record) error {
	e.n.Add(uint64(len(recs)))
	return nil
}
func (e *countingExporter) Shutdown(context.Context) error   { return nil }
func (e *countingExporter) ForceFlush(context.Context) error { return nil }

// sdkProvider is the SDK pipeline with default settings: a BatchProcessor
// (queue 2048, batch 512, 1 s interval) over exp.
func sdkProvider(exp sdklog.Exporter) *sdklog.LoggerProvider {
	return sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewBatchProcessor(exp)))
}

// The log call every contender makes: one message and 3 or 10 attributes,
// written at the call site as literals (the common case, and what slog's
// own benchmarks do). The -vars contenders take the same values from
// package variables, which Go must box to pass as `any`.
const (
	msg       = "request served"
	method    = "GET"
	status    = 200
	path      = "/api/v1/users"
	userID    = "u-48213"
	latencyMS = 12.5
	nbytes    = 5120
	cacheHit  = true
	region    = "eu-west-1"
	attempt   = 1
	requestID = "7e3b3b2aaeff56a7"
	tenant    = "acme"
)

var (
	vMethod    = method
	vStatus    = status
	vPath      = path
	vUserID    = userID
	vLatencyMS = latencyMS
	vBytes     = nbytes
	vCacheHit  = cacheHit
	vRegion    = region
	vAttempt   = attempt
	vRequestID = requestID
)

// sdkRecord3 and sdkRecord10 build the record by hand, as a program using
// the SDK directly would.
func sdkRecord(n int) log.Record {
	var r log.Record
	r.SetTimestamp(time.Now())
	r.SetSeverity(log.SeverityInfo)
	r.SetSeverityText("INFO")
	r.SetBody(attribute.StringValue(msg))
	if n == 3 {
		r.AddAttributes(
			attribute.String("method", method),
			attribute.Int("status", status),
			attribute.String("path", path),
		)
		return r
	}
	r.AddAttributes(
		attribute.String("method", method),
		attribute.Int("status", status),
		attribute.String("path", path),
		attribute.String("user_id", userID),
		attribute.Float64("latency_ms", latencyMS),
		attribute.Int("bytes", nbytes),
		attribute.Bool("cache_hit", cacheHit),
		attribute.String("region", region),
		attribute.Int("attempt", attempt),
		attribute.String("request_id", requestID),
	)
	return r
}

// newFapilog returns an uncached sync logger exporting into exp with the
// library's defaults (redaction on) plus opts.
func newFapilog(tb testing.TB, exp sdklog.Exporter, opts ...fapilog.Option) *fapilog.Logger {
	tb.Helper()
	opts = append([]fapilog.Option{fapilog.Reuse(false), fapilog.WithExporter(exp)}, opts...)
	return fapilog.GetLogger("bench", opts...)
}

func newFapilogAsync(tb testing.TB, exp sdklog.Exporter, opts ...fapilog.Option) *fapilog.AsyncLogger {
	tb.Helper()
	opts = append([]fapilog.Option{fapilog.Reuse(false), fapilog.WithExporter(exp)}, opts...)
	l, err := fapilog.GetAsyncLogger(context.Background(), "bench", opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return l
}
