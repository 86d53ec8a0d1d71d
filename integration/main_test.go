package integration

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/internal/collectortest"
)

// The audit file keeps lumberjack's goroutine per path (see
// exporter.FileGoroutine).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction(exporter.FileGoroutine))
}

// waitTimeout bounds every wait for the collector to write what was sent.
// It is a deadline for a slow, shared machine, never a speed assertion.
const waitTimeout = 60 * time.Second

// protocols are the two OTLP transports every test runs over.
var protocols = []string{"grpc", "http/protobuf"}

// protoName makes a protocol usable as a subtest name.
func protoName(p string) string { return strings.ReplaceAll(p, "/", "-") }

// startCollector starts a real collector for t and registers, after it, a
// cleanup that drains every cached logger: cleanups run last-in first-out,
// so the loggers drain while the collector still listens.
func startCollector(t *testing.T, opts ...collectortest.Option) *collectortest.Collector {
	t.Helper()
	c := collectortest.Start(t, opts...)
	t.Cleanup(func() {
		if err := fapilog.ClearLoggerCache(context.Background()); err != nil {
			t.Errorf("ClearLoggerCache: %v", err)
		}
	})
	return c
}

// setEnv blanks every OTEL_* and FAPILOG_* variable the test process has
// (OpenTelemetry reads an empty variable as unset), then sets vars, all with
// t.Setenv so that they are restored when t ends. The collector cache
// variable is kept.
func setEnv(t *testing.T, vars map[string]string) {
	t.Helper()
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if (strings.HasPrefix(k, "OTEL_") || strings.HasPrefix(k, "FAPILOG_")) && k != collectortest.CacheEnv {
			t.Setenv(k, "")
		}
	}
	for k, v := range vars {
		t.Setenv(k, v)
	}
}

// otlpEnv returns the variables that point the OTLP exporters at c over
// protocol, in plain text.
func otlpEnv(c *collectortest.Collector, protocol string) map[string]string {
	addr := c.GRPCEndpoint
	if protocol != "grpc" {
		addr = c.HTTPEndpoint
	}
	return map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT": "http://" + addr,
		"OTEL_EXPORTER_OTLP_PROTOCOL": protocol,
	}
}

// merge returns the union of maps, later ones winning.
func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// freshLogger returns an uncached logger that t drains when it ends (if the
// test has not drained it already; a second drain does nothing).
func freshLogger(t *testing.T, name string, opts ...fapilog.Option) *fapilog.Logger {
	t.Helper()
	l := fapilog.GetLogger(name, append([]fapilog.Option{fapilog.Reuse(false)}, opts...)...)
	t.Cleanup(func() { _, _ = l.StopAndDrain(context.Background()) })
	return l
}

// drain drains l and fails t unless every record was exported.
func drain(t *testing.T, l interface {
	StopAndDrain(context.Context) (fapilog.DrainResult, error)
}) fapilog.DrainResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	res, err := l.StopAndDrain(ctx)
	if err != nil {
		t.Fatalf("StopAndDrain: %v", err)
	}
	if res.Exported != res.Submitted || res.Dropped != 0 || res.Failed != 0 {
		t.Fatalf("drain: submitted=%d exported=%d dropped=%d failed=%d, want everything exported",
			res.Submitted, res.Exported, res.Dropped, res.Failed)
	}
	return res
}

// waitLogs waits until the collector has written at least n records and
// fails t if it has not by waitTimeout.
func waitLogs(t *testing.T, c *collectortest.Collector, n int) []collectortest.LogRecord {
	t.Helper()
	recs := c.WaitForLogs(t, n, waitTimeout)
	if len(recs) < n {
		t.Fatalf("collector wrote %d log records, want at least %d", len(recs), n)
	}
	return recs
}

// byBody indexes records by their string body; a body seen twice fails t.
func byBody(t *testing.T, recs []collectortest.LogRecord) map[string]collectortest.LogRecord {
	t.Helper()
	out := make(map[string]collectortest.LogRecord, len(recs))
	for _, r := range recs {
		body, _ := r.Body.(string)
		if _, dup := out[body]; dup {
			t.Errorf("body %q arrived twice", body)
		}
		out[body] = r
	}
	return out
}
