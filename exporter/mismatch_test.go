package exporter

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
)

// errorHandler records what the OTel SDK reports through otel.Handle.
type errorHandler struct {
	mu   sync.Mutex
	errs []error
}

func (h *errorHandler) Handle(err error) { h.mu.Lock(); h.errs = append(h.errs, err); h.mu.Unlock() }

func captureOTelErrors(t *testing.T) *errorHandler {
	t.Helper()
	h := &errorHandler{}
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(h)
	t.Cleanup(func() { otel.SetErrorHandler(prev) })
	return h
}

// A host:port endpoint (no scheme) with protocol grpc means TLS unless
// OTEL_EXPORTER_OTLP_INSECURE says otherwise (the specification's rule).
// It used to print a URL parse error (the SDK reading the variable again)
// and then fail after the whole timeout with a bare TLS error. Now: no
// parse error, one attempt, and a hint; with INSECURE=true it works.
func TestGRPCHostPortEndpointWithoutScheme(t *testing.T) {
	addr := startGRPC(t, &logsServer{}) // plaintext, as a local collector
	errs := captureOTelErrors(t)
	clearEnv(t, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": addr, "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"})
	b := build(t, Config{Timeout: 20 * time.Second})
	err := b.Exporter.Export(context.Background(), oneRecord(t))
	shutdown(t, b.Exporter)
	if err == nil || !strings.Contains(err.Error(), "OTEL_EXPORTER_OTLP_INSECURE=true") || !strings.Contains(err.Error(), "http://") {
		t.Errorf("export: %v; want a hint to use http:// or OTEL_EXPORTER_OTLP_INSECURE=true", err)
	}
	if n := b.Retries(); n != 0 {
		t.Errorf("%d retries: a TLS handshake with a plaintext server never succeeds, it must fail at once", n)
	}
	if len(errs.errs) != 0 {
		t.Errorf("the SDK reported %v", errs.errs)
	}

	t.Setenv("OTEL_EXPORTER_OTLP_INSECURE", "true")
	b = build(t, Config{Timeout: 20 * time.Second})
	if err := b.Exporter.Export(context.Background(), oneRecord(t)); err != nil {
		t.Errorf("with OTEL_EXPORTER_OTLP_INSECURE=true: %v", err)
	}
	shutdown(t, b.Exporter)
}

// gRPC sent to an HTTP/1.1 server (an OTLP/HTTP port) fails at once with a
// hint, instead of retrying until the timeout.
func TestGRPCToAnHTTPEndpointSaysSo(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	clearEnv(t, nil)
	b := build(t, Config{Kind: KindOTLP, Protocol: ProtocolGRPC, Endpoint: srv.URL, Timeout: 20 * time.Second})
	err := b.Exporter.Export(context.Background(), oneRecord(t))
	shutdown(t, b.Exporter)
	if err == nil || !strings.Contains(err.Error(), "OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf") {
		t.Errorf("export: %v; want a hint to set the protocol", err)
	}
	if n := b.Retries(); n != 0 {
		t.Errorf("%d retries, want none", n)
	}
}

// HTTP/protobuf with TLS to a plaintext server says how to turn TLS off.
func TestHTTPSToAPlaintextEndpointSaysSo(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	clearEnv(t, nil)
	b := build(t, Config{Kind: KindOTLP, Protocol: ProtocolHTTP, Endpoint: strings.TrimPrefix(srv.URL, "http://"), Timeout: 20 * time.Second})
	err := b.Exporter.Export(context.Background(), oneRecord(t))
	shutdown(t, b.Exporter)
	if err == nil || !strings.Contains(err.Error(), "OTEL_EXPORTER_OTLP_INSECURE=true") {
		t.Errorf("export: %v; want a hint", err)
	}
}
