package exporter

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
	collogpb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// fastRetry keeps retry tests short.
var fastRetry = &RetryConfig{Enabled: true, InitialInterval: 5 * time.Millisecond, MaxInterval: 20 * time.Millisecond, MaxElapsedTime: 10 * time.Second}

func oneRecord(t testing.TB) []sdklog.Record {
	return makeRecords(t, resource.NewSchemaless(attribute.String("service.name", "svc")), "otlp-test",
		func(ctx context.Context, l log.Logger) {
			var r log.Record
			r.SetBody(attribute.StringValue("hello"))
			r.AddAttributes(attribute.Int("n", 1))
			l.Emit(ctx, r)
		})
}

// freeAddr returns a loopback address where nothing listens.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

func build(t *testing.T, cfg Config) *Built {
	t.Helper()
	b, err := Build(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return b
}

func shutdown(t *testing.T, e sdklog.Exporter) {
	t.Helper()
	if err := e.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

func wantNoConnections(t *testing.T) {
	t.Helper()
	if n := OpenConnections(); n != 0 {
		t.Fatalf("OpenConnections() = %d, want 0", n)
	}
}

// logsServer is the official OTLP logs service: it fails the first
// `fail` calls with `code`, then accepts.
type logsServer struct {
	collogpb.UnimplementedLogsServiceServer
	mu      sync.Mutex
	fail    int
	code    codes.Code
	calls   int
	records int
	md      []metadata.MD
	block   chan struct{} // when set, Export waits for it to close
}

func (s *logsServer) Export(ctx context.Context, req *collogpb.ExportLogsServiceRequest) (*collogpb.ExportLogsServiceResponse, error) {
	s.mu.Lock()
	s.calls++
	md, _ := metadata.FromIncomingContext(ctx)
	s.md = append(s.md, md)
	fail := s.calls <= s.fail
	block := s.block
	s.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if fail {
		return nil, status.Error(s.code, "not now")
	}
	n := 0
	for _, rl := range req.ResourceLogs {
		for _, sl := range rl.ScopeLogs {
			n += len(sl.LogRecords)
		}
	}
	s.mu.Lock()
	s.records += n
	s.mu.Unlock()
	return &collogpb.ExportLogsServiceResponse{}, nil
}

func (s *logsServer) stats() (calls, records int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls, s.records
}

// compressionSeen records the grpc-encoding of each request.
type compressionSeen struct {
	mu   sync.Mutex
	seen []string
}

func (c *compressionSeen) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context {
	return ctx
}
func (c *compressionSeen) HandleRPC(_ context.Context, s stats.RPCStats) {
	if h, ok := s.(*stats.InHeader); ok {
		c.mu.Lock()
		c.seen = append(c.seen, h.Compression)
		c.mu.Unlock()
	}
}
func (c *compressionSeen) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}
func (c *compressionSeen) HandleConn(context.Context, stats.ConnStats) {}

// startGRPC serves s on a loopback port and returns its address.
func startGRPC(t *testing.T, s *logsServer, opts ...grpc.ServerOption) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(opts...)
	collogpb.RegisterLogsServiceServer(srv, s)
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(l) }()
	t.Cleanup(func() { srv.Stop(); <-done })
	return l.Addr().String()
}

func TestBuildIsLazyAndExportFailsFastWhenNothingListens(t *testing.T) {
	for _, proto := range []Protocol{ProtocolGRPC, ProtocolHTTP} {
		t.Run(string(proto), func(t *testing.T) {
			clearEnv(t, nil)
			addr := freeAddr(t)
			b := build(t, Config{Kind: KindOTLP, Protocol: proto, Endpoint: "http://" + addr, Timeout: 200 * time.Millisecond})
			if b.Kind != KindOTLP || b.Protocol != proto {
				t.Fatalf("Built %+v", b)
			}
			wantEP := "http://" + addr
			if proto == ProtocolHTTP {
				wantEP += "/v1/logs"
			}
			if b.Endpoint != wantEP {
				t.Fatalf("Endpoint %q, want %q", b.Endpoint, wantEP)
			}
			start := time.Now()
			err := b.Exporter.Export(context.Background(), oneRecord(t))
			if err == nil {
				t.Fatal("Export to nothing succeeded")
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("Export took %v with a 200ms timeout", d)
			}
			if !strings.HasPrefix(err.Error(), "exporter: otlp "+string(proto)+" export to "+wantEP+": ") {
				t.Fatalf("error %q", err)
			}
			shutdown(t, b.Exporter)
			wantNoConnections(t)
			if err := b.Exporter.Export(context.Background(), oneRecord(t)); !errors.Is(err, sdklog.ErrExporterShutdown) {
				t.Fatalf("Export after Shutdown: %v", err)
			}
		})
	}
}

func TestExportersShareOneConnectionPerEndpoint(t *testing.T) {
	for _, proto := range []Protocol{ProtocolGRPC, ProtocolHTTP} {
		t.Run(string(proto), func(t *testing.T) {
			clearEnv(t, nil)
			wantNoConnections(t)
			a, b := "http://"+freeAddr(t), "http://"+freeAddr(t)
			var built []*Built
			for i := range 200 {
				// Per-exporter settings do not split the connection.
				built = append(built, build(t, Config{Kind: KindOTLP, Protocol: proto, Endpoint: a,
					Headers: map[string]string{"x-n": strconv.Itoa(i)}, Compression: []string{"gzip", "none"}[i%2],
					Timeout: time.Duration(i+1) * time.Millisecond}))
			}
			if n := OpenConnections(); n != 1 {
				t.Fatalf("200 exporters to one endpoint: OpenConnections() = %d, want 1", n)
			}
			other := build(t, Config{Kind: KindOTLP, Protocol: proto, Endpoint: b})
			secure := build(t, Config{Kind: KindOTLP, Protocol: proto, Endpoint: a, Insecure: boolp(false)})
			if n := OpenConnections(); n != 3 {
				t.Fatalf("other endpoint and other TLS setting: OpenConnections() = %d, want 3", n)
			}
			shutdown(t, other.Exporter)
			shutdown(t, other.Exporter) // idempotent: releases once
			shutdown(t, secure.Exporter)
			if n := OpenConnections(); n != 1 {
				t.Fatalf("after shutting the others down: OpenConnections() = %d, want 1", n)
			}
			for i, b := range built {
				shutdown(t, b.Exporter)
				shutdown(t, b.Exporter)
				if want := 1; i < len(built)-1 && OpenConnections() != want {
					t.Fatalf("connection closed after %d of 200 shutdowns", i+1)
				}
			}
			wantNoConnections(t)
		})
	}
}

func TestGRPCRetriesAreCountedExactly(t *testing.T) {
	clearEnv(t, nil)
	tests := []struct {
		name        string
		fail        int
		code        codes.Code
		wantErr     bool
		wantCalls   int
		wantRetries uint64
	}{
		{name: "success first time", fail: 0, wantCalls: 1, wantRetries: 0},
		{name: "unavailable three times then ok", fail: 3, code: codes.Unavailable, wantCalls: 4, wantRetries: 3},
		{name: "non-retryable code is not retried", fail: 1, code: codes.InvalidArgument, wantErr: true, wantCalls: 1, wantRetries: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := &logsServer{fail: tt.fail, code: tt.code}
			addr := startGRPC(t, srv)
			b := build(t, Config{Kind: KindOTLP, Protocol: ProtocolGRPC, Endpoint: "http://" + addr, Retry: fastRetry})
			defer shutdown(t, b.Exporter)
			err := b.Exporter.Export(context.Background(), oneRecord(t))
			if (err != nil) != tt.wantErr {
				t.Fatalf("Export: %v", err)
			}
			calls, _ := srv.stats()
			if calls != tt.wantCalls || b.Retries() != tt.wantRetries {
				t.Fatalf("calls %d, Retries() %d; want %d, %d", calls, b.Retries(), tt.wantCalls, tt.wantRetries)
			}
			// A later clean export adds no retry.
			srv.mu.Lock()
			srv.fail = 0
			srv.mu.Unlock()
			if err := b.Exporter.Export(context.Background(), oneRecord(t)); err != nil {
				t.Fatal(err)
			}
			if b.Retries() != tt.wantRetries {
				t.Fatalf("Retries() %d after a clean export, want %d", b.Retries(), tt.wantRetries)
			}
		})
	}
}

func TestGRPCSettingsStayPerExporterOnASharedConnection(t *testing.T) {
	clearEnv(t, map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "from-env=leak"})
	seen := &compressionSeen{}
	srv := &logsServer{fail: 2, code: codes.Unavailable}
	addr := startGRPC(t, srv, grpc.StatsHandler(seen))
	ep := "http://" + addr
	plain := build(t, Config{Kind: KindOTLP, Protocol: ProtocolGRPC, Endpoint: ep, Retry: fastRetry,
		Headers: map[string]string{"Authorization": "Bearer t1"}})
	zipped := build(t, Config{Kind: KindOTLP, Protocol: ProtocolGRPC, Endpoint: ep, Retry: fastRetry,
		Headers: map[string]string{"authorization": "Bearer t2"}, Compression: "gzip"})
	defer shutdown(t, plain.Exporter)
	defer shutdown(t, zipped.Exporter)
	if OpenConnections() != 1 {
		t.Fatalf("OpenConnections() = %d, want 1", OpenConnections())
	}
	if err := plain.Exporter.Export(context.Background(), oneRecord(t)); err != nil {
		t.Fatal(err)
	}
	if err := zipped.Exporter.Export(context.Background(), oneRecord(t)); err != nil {
		t.Fatal(err)
	}
	if plain.Retries() != 2 || zipped.Retries() != 0 {
		t.Fatalf("Retries: plain %d, zipped %d; want 2, 0", plain.Retries(), zipped.Retries())
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	var auth []string
	for _, md := range srv.md {
		auth = append(auth, strings.Join(md.Get("authorization"), "|"))
		if len(md.Get("from-env")) > 0 {
			t.Error("a header from the environment was sent although Config.Headers was set")
		}
	}
	if got, want := strings.Join(auth, ","), "Bearer t1,Bearer t1,Bearer t1,Bearer t2"; got != want {
		t.Fatalf("authorization per call %q, want %q", got, want)
	}
	seen.mu.Lock()
	defer seen.mu.Unlock()
	if got, want := strings.Join(seen.seen, ","), ",,,gzip"; got != want {
		t.Fatalf("compression per call %q, want %q", got, want)
	}
}

func TestExportTimeoutIsPerExporter(t *testing.T) {
	clearEnv(t, nil)
	srv := &logsServer{block: make(chan struct{})}
	addr := startGRPC(t, srv)
	defer close(srv.block)
	short := build(t, Config{Kind: KindOTLP, Protocol: ProtocolGRPC, Endpoint: "http://" + addr, Timeout: 100 * time.Millisecond})
	defer shutdown(t, short.Exporter)
	start := time.Now()
	err := short.Exporter.Export(context.Background(), oneRecord(t))
	if err == nil || time.Since(start) > 2*time.Second {
		t.Fatalf("Export: %v after %v, want a timeout after ~100ms", err, time.Since(start))
	}
	if !errors.Is(err, context.DeadlineExceeded) && status.Code(errors.Unwrap(err)) != codes.DeadlineExceeded &&
		!strings.Contains(err.Error(), "deadline") && !strings.Contains(err.Error(), "timeout") {
		t.Fatalf("Export error %v does not say it timed out", err)
	}
}

func TestShutdownReleasesTheConnectionAfterTheExportInFlight(t *testing.T) {
	clearEnv(t, nil)
	srv := &logsServer{block: make(chan struct{})}
	addr := startGRPC(t, srv)
	b := build(t, Config{Kind: KindOTLP, Protocol: ProtocolGRPC, Endpoint: "http://" + addr})
	exported := make(chan error, 1)
	go func() { exported <- b.Exporter.Export(context.Background(), oneRecord(t)) }()
	for {
		if calls, _ := srv.stats(); calls == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := b.Exporter.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown with an export in flight: %v, want a deadline error", err)
	}
	if OpenConnections() != 1 {
		t.Fatal("connection released under an export in flight")
	}
	close(srv.block)
	if err := <-exported; err != nil {
		t.Fatalf("export in flight: %v", err)
	}
	wantNoConnections(t) // released by the last export out
	if err := b.Exporter.Shutdown(context.Background()); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
	wantNoConnections(t)
}

func TestShutdownWaitsForTheExportInFlight(t *testing.T) {
	clearEnv(t, nil)
	srv := &logsServer{block: make(chan struct{})}
	addr := startGRPC(t, srv)
	b := build(t, Config{Kind: KindOTLP, Protocol: ProtocolGRPC, Endpoint: "http://" + addr})
	exported := make(chan error, 1)
	go func() { exported <- b.Exporter.Export(context.Background(), oneRecord(t)) }()
	for {
		if calls, _ := srv.stats(); calls == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	time.AfterFunc(30*time.Millisecond, func() { close(srv.block) })
	if err := b.Exporter.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	wantNoConnections(t)
	if err := <-exported; err != nil {
		t.Fatalf("export in flight: %v", err)
	}
	if _, records := srv.stats(); records != 1 {
		t.Fatalf("server got %d records, want 1", records)
	}
}

// otlpHTTPServer fails the first `fail` requests with 503.
type otlpHTTPServer struct {
	mu       sync.Mutex
	fail     int
	calls    int
	records  int
	paths    []string
	auth     []string
	encoding []string
}

func (s *otlpHTTPServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.calls++
	s.paths = append(s.paths, r.URL.Path)
	s.auth = append(s.auth, r.Header.Get("Authorization"))
	s.encoding = append(s.encoding, r.Header.Get("Content-Encoding"))
	fail := s.calls <= s.fail
	s.mu.Unlock()
	if fail {
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = zr
	}
	raw, _ := io.ReadAll(body)
	var req collogpb.ExportLogsServiceRequest
	if err := proto.Unmarshal(raw, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	for _, rl := range req.ResourceLogs {
		for _, sl := range rl.ScopeLogs {
			s.records += len(sl.LogRecords)
		}
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-protobuf")
	out, _ := proto.Marshal(&collogpb.ExportLogsServiceResponse{})
	_, _ = w.Write(out)
}

func TestHTTPRetriesHeadersAndCompressionPerExporter(t *testing.T) {
	clearEnv(t, nil)
	s := &otlpHTTPServer{fail: 2}
	srv := httptest.NewServer(s)
	defer srv.Close()
	plain := build(t, Config{Kind: KindOTLP, Protocol: ProtocolHTTP, Endpoint: srv.URL, Retry: fastRetry,
		Headers: map[string]string{"Authorization": "Bearer t1"}})
	zipped := build(t, Config{Kind: KindOTLP, Protocol: ProtocolHTTP, Endpoint: srv.URL + "/custom", Retry: fastRetry,
		Headers: map[string]string{"Authorization": "Bearer t2"}, Compression: "gzip"})
	if OpenConnections() != 1 {
		t.Fatalf("OpenConnections() = %d, want 1", OpenConnections())
	}
	if err := plain.Exporter.Export(context.Background(), oneRecord(t)); err != nil {
		t.Fatal(err)
	}
	if err := zipped.Exporter.Export(context.Background(), oneRecord(t)); err != nil {
		t.Fatal(err)
	}
	if plain.Retries() != 2 || zipped.Retries() != 0 {
		t.Fatalf("Retries: plain %d, zipped %d; want 2, 0", plain.Retries(), zipped.Retries())
	}
	shutdown(t, plain.Exporter)
	shutdown(t, zipped.Exporter)
	wantNoConnections(t)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.records != 2 {
		t.Fatalf("server got %d records, want 2", s.records)
	}
	for name, got := range map[string][]string{
		"paths":    s.paths,
		"auth":     s.auth,
		"encoding": s.encoding,
	} {
		want := map[string]string{
			"paths":    "/v1/logs,/v1/logs,/v1/logs,/custom",
			"auth":     "Bearer t1,Bearer t1,Bearer t1,Bearer t2",
			"encoding": ",,,gzip",
		}[name]
		if g := strings.Join(got, ","); g != want {
			t.Errorf("%s per request %q, want %q", name, g, want)
		}
	}
}

func TestHTTPRetriesStopAtMaxElapsed(t *testing.T) {
	clearEnv(t, nil)
	s := &otlpHTTPServer{fail: 1 << 30}
	srv := httptest.NewServer(s)
	defer srv.Close()
	b := build(t, Config{Kind: KindOTLP, Protocol: ProtocolHTTP, Endpoint: srv.URL,
		Retry: &RetryConfig{Enabled: true, InitialInterval: 5 * time.Millisecond, MaxInterval: 5 * time.Millisecond, MaxElapsedTime: 100 * time.Millisecond}})
	defer shutdown(t, b.Exporter)
	if err := b.Exporter.Export(context.Background(), oneRecord(t)); err == nil {
		t.Fatal("Export succeeded against a server that always fails")
	}
	s.mu.Lock()
	calls := s.calls
	s.mu.Unlock()
	if calls < 2 || b.Retries() != uint64(calls-1) {
		t.Fatalf("server saw %d requests, Retries() = %d; want calls-1", calls, b.Retries())
	}
}

func TestRetryDisabledMakesOneAttempt(t *testing.T) {
	clearEnv(t, nil)
	s := &otlpHTTPServer{fail: 5}
	srv := httptest.NewServer(s)
	defer srv.Close()
	b := build(t, Config{Kind: KindOTLP, Protocol: ProtocolHTTP, Endpoint: srv.URL, Retry: &RetryConfig{}})
	defer shutdown(t, b.Exporter)
	if err := b.Exporter.Export(context.Background(), oneRecord(t)); err == nil {
		t.Fatal("Export succeeded")
	}
	s.mu.Lock()
	calls := s.calls
	s.mu.Unlock()
	if calls != 1 || b.Retries() != 0 {
		t.Fatalf("calls %d, Retries %d; want 1, 0", calls, b.Retries())
	}
}

// writeCA writes the certificate of a TLS test server as a PEM file.
func writeCA(t *testing.T, der []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTLSWithCertificateFile(t *testing.T) {
	clearEnv(t, nil)
	t.Run("http", func(t *testing.T) {
		s := &otlpHTTPServer{}
		srv := httptest.NewTLSServer(s)
		defer srv.Close()
		ca := writeCA(t, srv.Certificate().Raw)
		b := build(t, Config{Kind: KindOTLP, Protocol: ProtocolHTTP, Endpoint: srv.URL, Certificate: ca})
		defer shutdown(t, b.Exporter)
		if !strings.HasPrefix(b.Endpoint, "https://") {
			t.Fatalf("Endpoint %q", b.Endpoint)
		}
		if err := b.Exporter.Export(context.Background(), oneRecord(t)); err != nil {
			t.Fatalf("Export over TLS: %v", err)
		}
		// Without the CA the server is not trusted.
		untrusted := build(t, Config{Kind: KindOTLP, Protocol: ProtocolHTTP, Endpoint: srv.URL, Retry: &RetryConfig{}})
		defer shutdown(t, untrusted.Exporter)
		if err := untrusted.Exporter.Export(context.Background(), oneRecord(t)); err == nil {
			t.Fatal("Export trusted an unknown CA")
		}
	})
	t.Run("grpc", func(t *testing.T) {
		// Borrow httptest's certificate for the gRPC server.
		hs := httptest.NewUnstartedServer(http.NotFoundHandler())
		hs.StartTLS()
		cert := hs.TLS.Certificates[0]
		ca := writeCA(t, hs.Certificate().Raw)
		hs.Close()
		srv := &logsServer{}
		addr := startGRPC(t, srv, grpc.Creds(credentials.NewServerTLSFromCert(&cert)))
		b := build(t, Config{Kind: KindOTLP, Protocol: ProtocolGRPC, Endpoint: "https://" + addr, Certificate: ca,
			Timeout: 5 * time.Second})
		defer shutdown(t, b.Exporter)
		if err := b.Exporter.Export(context.Background(), oneRecord(t)); err != nil {
			t.Fatalf("Export over TLS: %v", err)
		}
		if _, records := srv.stats(); records != 1 {
			t.Fatalf("server got %d records", records)
		}
	})
}

func TestBuildFailsOnBadCertificateFiles(t *testing.T) {
	clearEnv(t, nil)
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewTLSServer(http.NotFoundHandler())
	certPEM := writeCA(t, hs.Certificate().Raw)
	keyDER, err := x509.MarshalPKCS8PrivateKey(hs.TLS.Certificates[0].PrivateKey)
	hs.Close()
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := filepath.Join(dir, "key.pem")
	if err := os.WriteFile(keyPEM, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pem")

	for _, proto := range []Protocol{ProtocolGRPC, ProtocolHTTP} {
		tests := []struct {
			name    string
			cfg     Config
			wantErr string // "" = Build succeeds
		}{
			{"missing CA file", Config{Certificate: missing}, `exporter: certificate "` + missing + `": no such file or directory`},
			{"CA file without PEM", Config{Certificate: notPEM}, `exporter: certificate "` + notPEM + `": no PEM certificate in it`},
			{"missing client certificate", Config{ClientCertificate: missing, ClientKey: keyPEM}, `exporter: client certificate "` + missing + `"`},
			{"missing client key", Config{ClientCertificate: certPEM, ClientKey: missing}, `exporter: client key "` + missing + `"`},
			{"key that does not match", Config{ClientCertificate: certPEM, ClientKey: notPEM}, `exporter: client certificate "` + certPEM + `" and key "` + notPEM + `"`},
			{"valid client pair", Config{Certificate: certPEM, ClientCertificate: certPEM, ClientKey: keyPEM}, ""},
			{"certificates are not read for plaintext", Config{Certificate: missing, Insecure: boolp(true)}, ""},
		}
		for _, tt := range tests {
			t.Run(string(proto)+"/"+tt.name, func(t *testing.T) {
				cfg := tt.cfg
				cfg.Kind, cfg.Protocol, cfg.Endpoint = KindOTLP, proto, "127.0.0.1:1"
				b, err := Build(context.Background(), cfg)
				if tt.wantErr == "" {
					if err != nil {
						t.Fatalf("Build: %v", err)
					}
					shutdown(t, b.Exporter)
					wantNoConnections(t)
					return
				}
				if err == nil {
					shutdown(t, b.Exporter)
					t.Fatal("Build succeeded")
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %q, want it to contain %q", err, tt.wantErr)
				}
				if tt.name == "missing CA file" && !errors.Is(err, os.ErrNotExist) {
					t.Fatalf("error %v does not wrap fs.ErrNotExist", err)
				}
				wantNoConnections(t)
			})
		}
	}
}

func TestBuildFromEnvironment(t *testing.T) {
	addr := freeAddr(t)
	tests := []struct {
		name  string
		env   map[string]string
		kind  Kind
		proto Protocol
		ep    string
	}{
		{"nothing set is the console", nil, KindConsole, "", ""},
		{"none", map[string]string{"OTEL_LOGS_EXPORTER": "none"}, KindNone, "", ""},
		{"grpc by port", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317"}, KindOTLP, ProtocolGRPC, "http://127.0.0.1:4317"},
		{"http with generic endpoint", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://" + addr}, KindOTLP, ProtocolHTTP, "http://" + addr + "/v1/logs"},
		{"https host:port from insecure=false", map[string]string{"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": addr,
			"OTEL_EXPORTER_OTLP_LOGS_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_INSECURE": "false"}, KindOTLP, ProtocolGRPC, "https://" + addr},
		{"http user info is not shown", map[string]string{"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": "http://user:pw@" + addr + "/x"}, KindOTLP, ProtocolHTTP, "http://" + addr + "/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t, tt.env)
			b := build(t, Config{})
			defer shutdown(t, b.Exporter)
			if b.Kind != tt.kind || b.Protocol != tt.proto || b.Endpoint != tt.ep {
				t.Fatalf("Built kind %q protocol %q endpoint %q; want %q %q %q", b.Kind, b.Protocol, b.Endpoint, tt.kind, tt.proto, tt.ep)
			}
			if b.Retries() != 0 {
				t.Fatal("Retries before any export")
			}
		})
	}
}

func TestBuildConsoleWritesToConfigConsole(t *testing.T) {
	clearEnv(t, nil)
	var buf bytes.Buffer
	b := build(t, Config{Console: &buf})
	if err := b.Exporter.Export(context.Background(), oneRecord(t)); err != nil {
		t.Fatal(err)
	}
	shutdown(t, b.Exporter)
	if !strings.Contains(buf.String(), `"body":"hello"`) {
		t.Fatalf("console output %q", buf.String())
	}
}

func TestErrorsNeverContainHeaderValues(t *testing.T) {
	clearEnv(t, map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "authorization=Bearer%20s3cr3t"})
	for _, proto := range []Protocol{ProtocolGRPC, ProtocolHTTP} {
		b := build(t, Config{Kind: KindOTLP, Protocol: proto, Endpoint: "http://" + freeAddr(t), Timeout: 100 * time.Millisecond})
		err := b.Exporter.Export(context.Background(), oneRecord(t))
		shutdown(t, b.Exporter)
		if err == nil || strings.Contains(err.Error(), "s3cr3t") || strings.Contains(fmt.Sprintf("%+v", b), "s3cr3t") {
			t.Fatalf("%s: %v", proto, err)
		}
	}
}

func TestHTTPToAGRPCEndpointSaysSo(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	defer srv.Stop()
	go func() { _ = srv.Serve(lis) }()
	b, err := Build(context.Background(), Config{Kind: KindOTLP, Protocol: ProtocolHTTP,
		Endpoint: "http://" + lis.Addr().String(), Retry: &RetryConfig{}, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = b.Exporter.Shutdown(context.Background()) }()
	err = b.Exporter.Export(context.Background(), []sdklog.Record{{}})
	if err == nil || !strings.Contains(err.Error(), "OTEL_EXPORTER_OTLP_PROTOCOL=grpc") {
		t.Fatalf("HTTP export to a gRPC server: %v; want a hint to set the protocol", err)
	}
}
