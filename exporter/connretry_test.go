package exporter

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	collogpb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	"google.golang.org/grpc"
)

// TestConnectionErrorsAreRetriedOverBothProtocols points an exporter at a
// port nothing listens on and starts the server there 300 ms into the
// export: the same retry policy must carry the export over the gap with
// gRPC and with HTTP/protobuf (otlploghttp v0.23.0 alone returns
// "connection refused" at once), and count the attempts in Retries.
func TestConnectionErrorsAreRetriedOverBothProtocols(t *testing.T) {
	for _, proto := range []Protocol{ProtocolGRPC, ProtocolHTTP} {
		t.Run(string(proto), func(t *testing.T) {
			clearEnv(t, nil)
			addr := freeAddr(t)
			b := build(t, Config{Kind: KindOTLP, Protocol: proto, Endpoint: "http://" + addr, Retry: fastRetry})
			defer shutdown(t, b.Exporter)

			started := make(chan func(), 1)
			go func() {
				time.Sleep(300 * time.Millisecond)
				started <- serveLate(t, proto, addr)
			}()
			err := b.Exporter.Export(context.Background(), oneRecord(t))
			stop := <-started
			defer stop()
			if err != nil {
				t.Fatalf("Export across a 300 ms gap in the server: %v", err)
			}
			if b.Retries() == 0 {
				t.Fatal("Retries() = 0: the refused attempts were not counted")
			}
		})
	}
}

// TestHTTPConnectionResetIsRetried serves one request by closing the
// connection without an answer (a collector that dies mid-request), then
// answers normally: the export succeeds on the retry.
func TestHTTPConnectionResetIsRetried(t *testing.T) {
	clearEnv(t, nil)
	var calls atomic.Int32
	ok := &otlpHTTPServer{}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				if tc, ok := conn.(*net.TCPConn); ok {
					_ = tc.SetLinger(0) // RST, not FIN
				}
				_ = conn.Close()
			}
			return
		}
		ok.ServeHTTP(w, r)
	}), ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(lis) }()
	defer func() { _ = srv.Close(); <-done }()

	b := build(t, Config{Kind: KindOTLP, Protocol: ProtocolHTTP, Endpoint: "http://" + lis.Addr().String(), Retry: fastRetry})
	defer shutdown(t, b.Exporter)
	if err := b.Exporter.Export(context.Background(), oneRecord(t)); err != nil {
		t.Fatalf("Export after one reset connection: %v", err)
	}
	if b.Retries() != 1 || calls.Load() != 2 {
		t.Fatalf("Retries() %d, server calls %d; want 1, 2", b.Retries(), calls.Load())
	}
}

// TestConnectionRefusedStopsAtTheRetryWindow: the retry of connection
// errors is bounded by MaxElapsedTime like any other retry.
func TestConnectionRefusedStopsAtTheRetryWindow(t *testing.T) {
	for _, proto := range []Protocol{ProtocolGRPC, ProtocolHTTP} {
		t.Run(string(proto), func(t *testing.T) {
			clearEnv(t, nil)
			b := build(t, Config{Kind: KindOTLP, Protocol: proto, Endpoint: "http://" + freeAddr(t),
				Retry: &RetryConfig{Enabled: true, InitialInterval: 5 * time.Millisecond, MaxInterval: 10 * time.Millisecond, MaxElapsedTime: 200 * time.Millisecond}})
			defer shutdown(t, b.Exporter)
			start := time.Now()
			err := b.Exporter.Export(context.Background(), oneRecord(t))
			if err == nil {
				t.Fatal("Export to nothing succeeded")
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("Export took %v with a 200 ms retry window", d)
			}
			if b.Retries() == 0 {
				t.Fatalf("no retry within the window: %v", err)
			}
		})
	}
}

// serveLate serves OTLP on addr (gRPC or HTTP) and returns its stop.
func serveLate(t *testing.T, proto Protocol, addr string) func() {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		t.Errorf("listen on %s: %v", addr, err)
		return func() {}
	}
	done := make(chan struct{})
	if proto == ProtocolGRPC {
		srv := grpc.NewServer()
		collogpb.RegisterLogsServiceServer(srv, &logsServer{})
		go func() { defer close(done); _ = srv.Serve(lis) }()
		return func() { srv.Stop(); <-done }
	}
	srv := &http.Server{Handler: &otlpHTTPServer{}, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		defer close(done)
		if err := srv.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	}()
	return func() { _ = srv.Close(); <-done }
}
