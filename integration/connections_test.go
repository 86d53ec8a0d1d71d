package integration

import (
	"context"
	"fmt"
	"testing"
	"time"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/internal/tcpconns"
)

// TestTwoHundredLoggersShareOneConnection creates 200 named loggers
// configured for one gRPC endpoint, makes each of them export, and counts
// connections two ways: the library's exporter.OpenConnections, and the
// kernel's table of ESTABLISHED TCP sockets whose remote end is the
// collector's gRPC port (/proc/net/tcp). Both must be 1; once every logger
// is drained both must drop to 0.
func TestTwoHundredLoggersShareOneConnection(t *testing.T) {
	if _, err := tcpconns.ReadTCPConns(); err != nil {
		t.Skipf("no kernel TCP table to count connections: %v", err)
	}
	const loggers = 200
	c := startCollector(t)
	setEnv(t, merge(otlpEnv(c, "grpc"), map[string]string{"OTEL_SERVICE_NAME": "connections-test"}))
	if n := exporter.OpenConnections(); n != 0 {
		t.Fatalf("OpenConnections() = %d before the test, want 0", n)
	}
	if n := established(t, c.GRPCEndpoint); n != 0 {
		t.Fatalf("%d connections to the collector before the test, want 0", n)
	}

	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	all := make([]*fapilog.Logger, loggers)
	for i := range all {
		all[i] = fapilog.GetLogger(fmt.Sprintf("conn-%03d", i))
		all[i].Info("hello from one of many", "logger", i)
	}
	if got := len(fapilog.GetCachedLoggers()); got != loggers {
		t.Fatalf("%d cached loggers, want %d", got, loggers)
	}
	for i, l := range all {
		if err := l.Flush(ctx); err != nil { // each logger has exported
			t.Fatalf("logger %d: Flush: %v", i, err)
		}
	}

	recs := waitLogs(t, c, loggers)
	scopes := map[string]bool{}
	for _, r := range recs {
		scopes[r.ScopeName] = true
	}
	if len(recs) != loggers || len(scopes) != loggers {
		t.Fatalf("collector: %d records from %d scopes, want %d from %d", len(recs), len(scopes), loggers, loggers)
	}

	open := exporter.OpenConnections()
	tcp := established(t, c.GRPCEndpoint)
	t.Logf("%d loggers exported: exporter.OpenConnections() = %d, ESTABLISHED TCP connections to %s = %d", loggers, open, c.GRPCEndpoint, tcp)
	if open != 1 {
		t.Errorf("exporter.OpenConnections() = %d with %d loggers on one endpoint, want 1", open, loggers)
	}
	if tcp != 1 {
		t.Errorf("%d ESTABLISHED TCP connections to the collector's gRPC port, want 1", tcp)
	}

	if err := fapilog.ClearLoggerCache(ctx); err != nil {
		t.Fatalf("ClearLoggerCache: %v", err)
	}
	if n := exporter.OpenConnections(); n != 0 {
		t.Errorf("exporter.OpenConnections() = %d after every logger drained, want 0", n)
	}
	// Closing a socket is immediate, but give the kernel table a moment.
	deadline := time.Now().Add(waitTimeout)
	for tcp = established(t, c.GRPCEndpoint); tcp != 0 && time.Now().Before(deadline); tcp = established(t, c.GRPCEndpoint) {
		time.Sleep(20 * time.Millisecond)
	}
	if tcp != 0 {
		t.Errorf("%d ESTABLISHED TCP connections to the collector after every logger drained, want 0", tcp)
	}
}

// TestHTTPLoggersShareOneClient is the HTTP/protobuf side: 200 loggers to
// one endpoint hold one shared HTTP client (its keep-alive pool may hold
// more than one TCP connection when exports overlap, so only the library's
// count is checked; the kernel's count is logged).
func TestHTTPLoggersShareOneClient(t *testing.T) {
	const loggers = 200
	c := startCollector(t)
	setEnv(t, otlpEnv(c, "http/protobuf"))
	if n := exporter.OpenConnections(); n != 0 {
		t.Fatalf("OpenConnections() = %d before the test, want 0", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	all := make([]*fapilog.Logger, loggers)
	for i := range all {
		all[i] = freshLogger(t, fmt.Sprintf("http-conn-%03d", i))
		all[i].Info("hello over http", "logger", i)
		if err := all[i].Flush(ctx); err != nil {
			t.Fatalf("logger %d: Flush: %v", i, err)
		}
	}
	waitLogs(t, c, loggers)
	open := exporter.OpenConnections()
	tcp, _ := tcpconns.CountEstablished(c.HTTPEndpoint)
	t.Logf("%d HTTP loggers exported: exporter.OpenConnections() = %d, ESTABLISHED TCP connections to %s = %d", loggers, open, c.HTTPEndpoint, tcp)
	if open != 1 {
		t.Errorf("exporter.OpenConnections() = %d with %d loggers on one endpoint, want 1", open, loggers)
	}
	for _, l := range all {
		drain(t, l)
	}
	if n := exporter.OpenConnections(); n != 0 {
		t.Errorf("exporter.OpenConnections() = %d after every logger drained, want 0", n)
	}
}

func established(t *testing.T, addr string) int {
	t.Helper()
	n, err := tcpconns.CountEstablished(addr)
	if err != nil {
		t.Fatalf("counting TCP connections to %s: %v", addr, err)
	}
	return n
}
