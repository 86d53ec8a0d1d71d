package exporter

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	collogpb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/fapilog/fapilog-go/internal/delivery"
)

// A failed attempt may have delivered its records unless the connection
// was never made or the collector answered (and so accepted nothing).
func TestWhichFailedAttemptsMayHaveDelivered(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	grpcCases := []struct {
		err  error
		want bool
	}{
		{status.Error(codes.Unavailable, `connection error: desc = "transport: Error while dialing: dial tcp 127.0.0.1:1: connect: connection refused"`), false},
		{status.Error(codes.Unavailable, "error reading from server: EOF"), true},
		{status.Error(codes.Unavailable, "transport is closing"), true},
		{status.Error(codes.DeadlineExceeded, "context deadline exceeded"), true},
		{status.Error(codes.ResourceExhausted, "memory limit"), false},
		{status.Error(codes.InvalidArgument, "bad"), false},
		{errors.New("not a status"), true},
	}
	for _, c := range grpcCases {
		if got := grpcMaybeDelivered(c.err); got != c.want {
			t.Errorf("gRPC %v: %v, want %v", c.err, got, c.want)
		}
	}
	httpCases := []struct {
		resp *http.Response
		err  error
		want bool
	}{
		{nil, dial, false},
		{nil, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, true},
		{nil, io.EOF, true},
		{nil, context.DeadlineExceeded, true},
		{&http.Response{StatusCode: http.StatusServiceUnavailable}, nil, false},
		{&http.Response{StatusCode: http.StatusBadRequest}, nil, false},
		{&http.Response{StatusCode: http.StatusGatewayTimeout}, nil, true},
		{&http.Response{StatusCode: http.StatusOK}, nil, false},
	}
	for _, c := range httpCases {
		if got := httpMaybeDelivered(c.resp, c.err); got != c.want {
			t.Errorf("HTTP %v / %v: %v, want %v", c.resp, c.err, got, c.want)
		}
	}
}

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
			ctx, rep := delivery.With(context.Background())
			var sends atomic.Int32
			rep.OnSend(func() { sends.Add(1) })
			err := b.Exporter.Export(ctx, oneRecord(t))
			stop := <-started
			defer stop()
			if err != nil {
				t.Fatalf("Export across a 300 ms gap in the server: %v", err)
			}
			if b.Retries() == 0 {
				t.Fatal("Retries() = 0: the refused attempts were not counted")
			}
			// Refused attempts delivered nothing: no possible duplicate.
			if maybe, observed := rep.MaybeDelivered(); maybe || !observed {
				t.Fatalf("after refused attempts: maybe delivered %v, reported %v; want false, true", maybe, observed)
			}
			// The attempt that got through was announced before it left.
			if sends.Load() != 1 {
				t.Fatalf("OnSend ran %d times, want once", sends.Load())
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
	ctx, rep := delivery.With(context.Background())
	if err := b.Exporter.Export(ctx, oneRecord(t)); err != nil {
		t.Fatalf("Export after one reset connection: %v", err)
	}
	if b.Retries() != 1 || calls.Load() != 2 {
		t.Fatalf("Retries() %d, server calls %d; want 1, 2", b.Retries(), calls.Load())
	}
	// The first attempt reached the server, which read it: the record may
	// be there twice, and the pipeline must be told.
	if maybe, _ := rep.MaybeDelivered(); !maybe {
		t.Fatal("an attempt cut after the server read it was not reported as maybe delivered")
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
			ctx, rep := delivery.With(context.Background())
			rep.OnSend(func() { t.Error("a request to a port nothing listens on was announced as leaving") })
			err := b.Exporter.Export(ctx, oneRecord(t))
			if err == nil {
				t.Fatal("Export to nothing succeeded")
			}
			if maybe, _ := rep.MaybeDelivered(); maybe {
				t.Fatalf("refused attempts reported as maybe delivered: %v", err)
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

// The gRPC side of TestHTTPConnectionResetIsRetried: the first attempt
// reaches the server, which answers Unavailable (as an overloaded collector
// does, and as a dying one's transport does: the two cannot be told
// apart), and the retry goes through. The record may be there twice, so
// the report must say so; a status that means "nothing accepted" must not.
func TestGRPCAttemptThatReachedTheServerIsReported(t *testing.T) {
	for _, tt := range []struct {
		code  codes.Code
		maybe bool
	}{
		{codes.Unavailable, true},
		{codes.ResourceExhausted, false}, // the collector refused it: not delivered
	} {
		t.Run(tt.code.String(), func(t *testing.T) {
			clearEnv(t, nil)
			srv := &logsServer{fail: 1, code: tt.code}
			addr := startGRPC(t, srv)
			b := build(t, Config{Kind: KindOTLP, Protocol: ProtocolGRPC, Endpoint: "http://" + addr, Retry: fastRetry})
			defer shutdown(t, b.Exporter)
			ctx, rep := delivery.With(context.Background())
			var sends atomic.Int32
			rep.OnSend(func() { sends.Add(1) })
			_ = b.Exporter.Export(ctx, oneRecord(t))
			if sends.Load() != 1 {
				t.Fatalf("OnSend ran %d times, want once (before the first request left)", sends.Load())
			}
			if maybe, _ := rep.MaybeDelivered(); maybe != tt.maybe {
				t.Fatalf("an attempt answered %s: maybe delivered %v, want %v", tt.code, maybe, tt.maybe)
			}
		})
	}
}
