package collectortest_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploggrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"
	"google.golang.org/grpc/credentials"

	"github.com/fapilog/fapilog-go/internal/collectortest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const waitTimeout = 10 * time.Second

// syncProcessor exports each record as it is emitted and keeps the export
// errors, which the SDK would otherwise hand to the global error handler.
type syncProcessor struct {
	exp  sdklog.Exporter
	mu   sync.Mutex
	errs []error
}

func (p *syncProcessor) Enabled(context.Context, sdklog.EnabledParameters) bool { return true }

func (p *syncProcessor) OnEmit(ctx context.Context, r *sdklog.Record) error {
	err := p.exp.Export(ctx, []sdklog.Record{*r})
	if err != nil {
		p.mu.Lock()
		p.errs = append(p.errs, err)
		p.mu.Unlock()
	}
	return err
}

func (p *syncProcessor) Shutdown(ctx context.Context) error   { return p.exp.Shutdown(ctx) }
func (p *syncProcessor) ForceFlush(ctx context.Context) error { return p.exp.ForceFlush(ctx) }

// takeErrs returns and clears the export errors seen so far.
func (p *syncProcessor) takeErrs() []error {
	p.mu.Lock()
	defer p.mu.Unlock()
	errs := p.errs
	p.errs = nil
	return errs
}

type testLogger struct {
	log.Logger
	proc *syncProcessor
}

// newLogger returns a logger whose records are exported synchronously by
// exp; the provider is shut down when the test ends.
func newLogger(t *testing.T, exp sdklog.Exporter) testLogger {
	t.Helper()
	proc := &syncProcessor{exp: exp}
	res := resource.NewSchemaless(
		attribute.String("service.name", "collectortest"),
		attribute.Int64("res.int", 42),
	)
	lp := sdklog.NewLoggerProvider(sdklog.WithResource(res), sdklog.WithProcessor(proc))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := lp.Shutdown(ctx); err != nil {
			t.Errorf("logger provider shutdown: %v", err)
		}
	})
	return testLogger{
		Logger: lp.Logger("collectortest/test", log.WithInstrumentationVersion("1.2.3")),
		proc:   proc,
	}
}

func grpcExporter(t *testing.T, opts ...otlploggrpc.Option) sdklog.Exporter {
	t.Helper()
	opts = append([]otlploggrpc.Option{
		otlploggrpc.WithTimeout(5 * time.Second),
		otlploggrpc.WithRetry(otlploggrpc.RetryConfig{Enabled: false}),
	}, opts...)
	exp, err := otlploggrpc.New(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return exp
}

func httpExporter(t *testing.T, opts ...otlploghttp.Option) sdklog.Exporter {
	t.Helper()
	opts = append([]otlploghttp.Option{
		otlploghttp.WithTimeout(5 * time.Second),
		otlploghttp.WithRetry(otlploghttp.RetryConfig{Enabled: false}),
	}, opts...)
	exp, err := otlploghttp.New(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return exp
}

// emit sends one record with body and attrs and fails the test if the
// export failed.
func emit(t *testing.T, l testLogger, body string, attrs ...attribute.KeyValue) {
	t.Helper()
	var r log.Record
	r.SetBody(attribute.StringValue(body))
	r.SetSeverity(log.SeverityInfo)
	r.AddAttributes(attrs...)
	l.Emit(context.Background(), r)
	if errs := l.proc.takeErrs(); len(errs) > 0 {
		t.Fatalf("export of %q failed: %v", body, errs)
	}
}

func bodies(recs []collectortest.LogRecord) []any {
	out := make([]any, len(recs))
	for i, r := range recs {
		out[i] = r.Body
	}
	return out
}

func TestGRPCTypedRecord(t *testing.T) {
	t.Parallel()
	c := collectortest.Start(t)
	l := newLogger(t, grpcExporter(t, otlploggrpc.WithEndpoint(c.GRPCEndpoint), otlploggrpc.WithInsecure()))

	traceID := trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36}
	spanID := trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7}
	ctx := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: traceID, SpanID: spanID, TraceFlags: trace.FlagsSampled,
	}))
	ts := time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC)

	var r log.Record
	r.SetTimestamp(ts)
	r.SetObservedTimestamp(ts.Add(time.Second))
	r.SetSeverity(log.SeverityWarn2)
	r.SetSeverityText("WARN")
	r.SetEventName("order.placed")
	r.SetBody(attribute.MapValue(attribute.String("msg", "hello"), attribute.Int("n", 3)))
	r.AddAttributes(
		attribute.String("s", "text"),
		attribute.Int64("big", 1<<62+1), // not representable as float64
		attribute.Int64("neg", -7),
		attribute.Float64("f", 1.5),
		attribute.Bool("b", true),
		attribute.ByteSlice("bytes", []byte{0, 1, 2, 0xff}),
		attribute.StringSlice("strs", []string{"a", "b"}),
		attribute.Slice("mixed", attribute.IntValue(1), attribute.StringValue("x"), attribute.BoolValue(false)),
		attribute.Map("m",
			attribute.String("k", "v"),
			attribute.Int("n", 7),
			attribute.Map("inner", attribute.Bool("deep", true), attribute.Float64Slice("fs", []float64{0.25})),
		),
	)
	l.Emit(ctx, r)
	if errs := l.proc.takeErrs(); len(errs) > 0 {
		t.Fatalf("export failed: %v", errs)
	}

	recs := c.WaitForLogs(t, 1, waitTimeout)
	if len(recs) != 1 {
		t.Fatalf("got %d records, want 1", len(recs))
	}
	got := recs[0]

	wantAttrs := map[string]any{
		"s":     "text",
		"big":   int64(1<<62 + 1),
		"neg":   int64(-7),
		"f":     1.5,
		"b":     true,
		"bytes": []byte{0, 1, 2, 0xff},
		"strs":  []any{"a", "b"},
		"mixed": []any{int64(1), "x", false},
		"m": map[string]any{
			"k": "v",
			"n": int64(7),
			"inner": map[string]any{
				"deep": true,
				"fs":   []any{0.25},
			},
		},
	}
	if !reflect.DeepEqual(got.Attrs, wantAttrs) {
		t.Errorf("Attrs =\n%#v\nwant\n%#v", got.Attrs, wantAttrs)
	}
	if want := map[string]any{"msg": "hello", "n": int64(3)}; !reflect.DeepEqual(got.Body, want) {
		t.Errorf("Body = %#v, want %#v", got.Body, want)
	}
	if got.ResourceAttrs["service.name"] != "collectortest" || got.ResourceAttrs["res.int"] != int64(42) {
		t.Errorf("ResourceAttrs = %#v", got.ResourceAttrs)
	}
	if got.ScopeName != "collectortest/test" || got.ScopeVersion != "1.2.3" {
		t.Errorf("scope = %q %q", got.ScopeName, got.ScopeVersion)
	}
	if !got.Time.Equal(ts) || !got.ObservedTime.Equal(ts.Add(time.Second)) {
		t.Errorf("Time = %v, ObservedTime = %v, want %v and +1s", got.Time, got.ObservedTime, ts)
	}
	if got.SeverityNumber != int(log.SeverityWarn2) || got.SeverityText != "WARN" {
		t.Errorf("severity = %d %q", got.SeverityNumber, got.SeverityText)
	}
	if got.EventName != "order.placed" {
		t.Errorf("EventName = %q", got.EventName)
	}
	if got.TraceID != traceID.String() || got.SpanID != spanID.String() || got.Flags != uint32(trace.FlagsSampled) {
		t.Errorf("trace context = %q %q %d, want %s %s 1", got.TraceID, got.SpanID, got.Flags, traceID, spanID)
	}
}

func TestHTTPRecords(t *testing.T) {
	t.Parallel()
	c := collectortest.Start(t)
	l := newLogger(t, httpExporter(t, otlploghttp.WithEndpoint(c.HTTPEndpoint), otlploghttp.WithInsecure()))

	for i := range 3 {
		emit(t, l, "record", attribute.Int("i", i), attribute.Map("nested", attribute.Int64("n", int64(i))))
	}
	recs := c.WaitForLogs(t, 3, waitTimeout)
	if len(recs) != 3 {
		t.Fatalf("got %d records, want 3", len(recs))
	}
	for i, r := range recs {
		if r.Attrs["i"] != int64(i) {
			t.Errorf("record %d: i = %#v (%T), want int64 %d", i, r.Attrs["i"], r.Attrs["i"], i)
		}
		if want := map[string]any{"n": int64(i)}; !reflect.DeepEqual(r.Attrs["nested"], want) {
			t.Errorf("record %d: nested = %#v", i, r.Attrs["nested"])
		}
		if r.TraceID != "" || r.SpanID != "" {
			t.Errorf("record %d: trace context %q %q without a span", i, r.TraceID, r.SpanID)
		}
		if r.Body != "record" {
			t.Errorf("record %d: body %#v", i, r.Body)
		}
	}
}

func TestBearerToken(t *testing.T) {
	t.Parallel()
	const token = "s3cret-token"
	c := collectortest.Start(t, collectortest.WithBearerToken(token))
	auth := map[string]string{"Authorization": "Bearer " + token}

	good := newLogger(t, grpcExporter(t, otlploggrpc.WithEndpoint(c.GRPCEndpoint), otlploggrpc.WithInsecure(), otlploggrpc.WithHeaders(auth)))
	emit(t, good, "grpc-with-token")
	goodHTTP := newLogger(t, httpExporter(t, otlploghttp.WithEndpoint(c.HTTPEndpoint), otlploghttp.WithInsecure(), otlploghttp.WithHeaders(auth)))
	emit(t, goodHTTP, "http-with-token")

	bad := newLogger(t, grpcExporter(t, otlploggrpc.WithEndpoint(c.GRPCEndpoint), otlploggrpc.WithInsecure()))
	var r log.Record
	r.SetBody(attribute.StringValue("grpc-without-token"))
	bad.Emit(context.Background(), r)
	if errs := bad.proc.takeErrs(); len(errs) == 0 || !strings.Contains(errs[0].Error(), "Unauthenticated") {
		t.Errorf("gRPC export without token: errors %v, want Unauthenticated", errs)
	}
	badHTTP := newLogger(t, httpExporter(t, otlploghttp.WithEndpoint(c.HTTPEndpoint), otlploghttp.WithInsecure(),
		otlploghttp.WithHeaders(map[string]string{"Authorization": "Bearer wrong"})))
	r.SetBody(attribute.StringValue("http-wrong-token"))
	badHTTP.Emit(context.Background(), r)
	if errs := badHTTP.proc.takeErrs(); len(errs) == 0 || !strings.Contains(errs[0].Error(), "401") {
		t.Errorf("HTTP export with a wrong token: errors %v, want 401", errs)
	}

	c.WaitForLogs(t, 2, waitTimeout)
	time.Sleep(2 * collectortest.FlushInterval) // let a wrongly accepted record show up too
	recs := c.Logs(t)
	got := map[any]bool{}
	for _, b := range bodies(recs) {
		got[b] = true
	}
	if len(recs) != 2 || !got["grpc-with-token"] || !got["http-with-token"] {
		t.Errorf("received %v, want exactly the two records with the token", bodies(recs))
	}
}

func TestTLS(t *testing.T) {
	t.Parallel()
	pki := newPKI(t)

	t.Run("server", func(t *testing.T) {
		t.Parallel()
		c := collectortest.Start(t, collectortest.WithTLS(pki.serverCert, pki.serverKey, ""))
		creds := credentials.NewTLS(&tls.Config{RootCAs: pki.pool, MinVersion: tls.VersionTLS12})
		l := newLogger(t, grpcExporter(t, otlploggrpc.WithEndpoint(c.GRPCEndpoint), otlploggrpc.WithTLSCredentials(creds)))
		emit(t, l, "over-tls")
		if recs := c.WaitForLogs(t, 1, waitTimeout); len(recs) != 1 || recs[0].Body != "over-tls" {
			t.Errorf("received %v", bodies(recs))
		}
	})

	t.Run("mutual", func(t *testing.T) {
		t.Parallel()
		c := collectortest.Start(t, collectortest.WithTLS(pki.serverCert, pki.serverKey, pki.caFile))
		withCert := newLogger(t, httpExporter(t, otlploghttp.WithEndpoint(c.HTTPEndpoint), otlploghttp.WithTLSClientConfig(&tls.Config{
			RootCAs: pki.pool, Certificates: []tls.Certificate{pki.client}, MinVersion: tls.VersionTLS12,
		})))
		emit(t, withCert, "with-client-cert")

		noCert := newLogger(t, httpExporter(t, otlploghttp.WithEndpoint(c.HTTPEndpoint), otlploghttp.WithTLSClientConfig(&tls.Config{
			RootCAs: pki.pool, MinVersion: tls.VersionTLS12,
		})))
		var r log.Record
		r.SetBody(attribute.StringValue("without-client-cert"))
		noCert.Emit(context.Background(), r)
		if errs := noCert.proc.takeErrs(); len(errs) == 0 {
			t.Error("export without a client certificate succeeded")
		}
		if recs := c.WaitForLogs(t, 1, waitTimeout); len(recs) != 1 || recs[0].Body != "with-client-cert" {
			t.Errorf("received %v", bodies(recs))
		}
	})
}

func TestKillRestartSamePorts(t *testing.T) {
	t.Parallel()
	c := collectortest.Start(t)
	grpcEP, httpEP := c.GRPCEndpoint, c.HTTPEndpoint

	emit(t, newLogger(t, grpcExporter(t, otlploggrpc.WithEndpoint(grpcEP), otlploggrpc.WithInsecure())), "before")
	if recs := c.WaitForLogs(t, 1, waitTimeout); len(recs) != 1 {
		t.Fatalf("before kill: got %v", bodies(recs))
	}

	c.Kill()
	if c.Running() {
		t.Fatal("Running() after Kill")
	}
	down := newLogger(t, httpExporter(t, otlploghttp.WithEndpoint(httpEP), otlploghttp.WithInsecure()))
	var r log.Record
	r.SetBody(attribute.StringValue("while-down"))
	down.Emit(context.Background(), r)
	if errs := down.proc.takeErrs(); len(errs) == 0 {
		t.Error("export to a killed collector succeeded")
	}

	c.Restart(t)
	if !c.Running() || c.GRPCEndpoint != grpcEP || c.HTTPEndpoint != httpEP {
		t.Fatalf("after restart: running=%v endpoints %s %s, want %s %s", c.Running(), c.GRPCEndpoint, c.HTTPEndpoint, grpcEP, httpEP)
	}
	emit(t, newLogger(t, grpcExporter(t, otlploggrpc.WithEndpoint(grpcEP), otlploggrpc.WithInsecure())), "after-grpc")
	emit(t, newLogger(t, httpExporter(t, otlploghttp.WithEndpoint(httpEP), otlploghttp.WithInsecure())), "after-http")

	recs := c.WaitForLogs(t, 3, waitTimeout)
	if want := []any{"before", "after-grpc", "after-http"}; !reflect.DeepEqual(bodies(recs), want) {
		t.Errorf("bodies = %v, want %v (file appended across restart)", bodies(recs), want)
	}

	if err := c.Stop(); err != nil {
		t.Errorf("Stop: %v", err)
	}
	if c.Running() {
		t.Error("Running() after Stop")
	}
}

// TestSpansOverHTTPJSON posts an OTLP/JSON trace request with net/http (the
// root module has no trace exporter) and reads it back.
func TestSpansOverHTTPJSON(t *testing.T) {
	t.Parallel()
	c := collectortest.Start(t)
	const body = `{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"spans-test"}}]},
"scopeSpans":[{"scope":{"name":"tracer"},"spans":[{"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"EEE19B7EC3C1B174",
"parentSpanId":"EEE19B7EC3C1B173","name":"GET /x","kind":2,"startTimeUnixNano":"1544712660000000000",
"endTimeUnixNano":"1544712661000000000","attributes":[{"key":"http.status_code","value":{"intValue":"200"}}],
"status":{"code":2,"message":"boom"}}]}]}]}`
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: 5 * time.Second}).Post(
		"http://"+c.HTTPEndpoint+"/v1/traces", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /v1/traces: %s", resp.Status)
	}

	spans := c.WaitForSpans(t, 1, waitTimeout)
	if len(spans) != 1 {
		t.Fatalf("got %d spans, want 1", len(spans))
	}
	want := collectortest.Span{
		ResourceAttrs: map[string]any{"service.name": "spans-test"},
		ScopeName:     "tracer",
		TraceID:       "5b8efff798038103d269b633813fc60c",
		SpanID:        "eee19b7ec3c1b174",
		ParentSpanID:  "eee19b7ec3c1b173",
		Name:          "GET /x",
		Kind:          2,
		StartTime:     time.Unix(1544712660, 0).UTC(),
		EndTime:       time.Unix(1544712661, 0).UTC(),
		Attrs:         map[string]any{"http.status_code": int64(200)},
		StatusCode:    2,
		StatusMsg:     "boom",
	}
	if !reflect.DeepEqual(spans[0], want) {
		t.Errorf("span =\n%#v\nwant\n%#v", spans[0], want)
	}
	if logs := c.Logs(t); len(logs) != 0 {
		t.Errorf("logs file has %d records", len(logs))
	}
}

// TestWithConfig adds a batch processor to the logs pipeline through the
// escape hatch.
func TestWithConfig(t *testing.T) {
	t.Parallel()
	c := collectortest.Start(t, collectortest.WithConfig(`
processors:
  batch:
    timeout: 10ms
service:
  pipelines:
    logs:
      processors: [batch]
`))
	emit(t, newLogger(t, grpcExporter(t, otlploggrpc.WithEndpoint(c.GRPCEndpoint), otlploggrpc.WithInsecure())), "batched")
	if recs := c.WaitForLogs(t, 1, waitTimeout); len(recs) != 1 || recs[0].Body != "batched" {
		t.Errorf("received %v", bodies(recs))
	}
}

// TestBuildScriptAgrees checks that tools/otelcol/build.sh computes the
// same cache path as Binary.
func TestBuildScriptAgrees(t *testing.T) {
	for _, tool := range []string{"bash", "sha256sum"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not available", tool)
		}
	}
	bin := collectortest.Binary(t)
	root, err := collectortest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", filepath.Join(root, "tools", "otelcol", "build.sh"))
	cmd.Env = append(os.Environ(), collectortest.CacheEnv+"="+filepath.Dir(bin))
	cmd.Stderr = &strings.Builder{}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("build.sh: %v\n%s", err, cmd.Stderr)
	}
	if got := strings.TrimSpace(string(out)); got != bin {
		t.Errorf("build.sh printed %q, Binary returned %q", got, bin)
	}
}

// TestDeployCollectorConfig validates the docker-compose stack's collector
// configuration with the project's collector, which has the same
// components as the contrib image used there.
func TestDeployCollectorConfig(t *testing.T) {
	root, err := collectortest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(root, "deploy", "otel-collector.yaml")
	// Read it here too: go test's result cache tracks files the test
	// process opens, not those the collector opens.
	if _, err := os.ReadFile(cfg); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(collectortest.Binary(t), "validate", "--config", cfg).CombinedOutput()
	if err != nil {
		t.Fatalf("validate %s: %v\n%s", cfg, err, out)
	}
}

type pki struct {
	caFile                string
	pool                  *x509.CertPool
	serverCert, serverKey string
	client                tls.Certificate
}

// newPKI makes a CA, a server certificate for 127.0.0.1 and a client
// certificate, written as PEM files in a temp dir.
func newPKI(t *testing.T) pki {
	t.Helper()
	dir := t.TempDir()
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	writePEM := func(name, typ string, der []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	now := time.Now()
	caKey := newKey()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "collectortest CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	issue := func(serial int64, name string, usage x509.ExtKeyUsage) ([]byte, *ecdsa.PrivateKey) {
		key := newKey()
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      pkix.Name{CommonName: name},
			NotBefore:    now.Add(-time.Hour),
			NotAfter:     now.Add(time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{usage},
			IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return der, key
	}
	marshalKey := func(k *ecdsa.PrivateKey) []byte {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}

	p := pki{pool: x509.NewCertPool()}
	p.pool.AddCert(ca)
	p.caFile = writePEM("ca.pem", "CERTIFICATE", caDER)
	srvDER, srvKey := issue(2, "127.0.0.1", x509.ExtKeyUsageServerAuth)
	p.serverCert = writePEM("server.pem", "CERTIFICATE", srvDER)
	p.serverKey = writePEM("server-key.pem", "PRIVATE KEY", marshalKey(srvKey))
	cliDER, cliKey := issue(3, "client", x509.ExtKeyUsageClientAuth)
	p.client = tls.Certificate{Certificate: [][]byte{cliDER}, PrivateKey: cliKey}
	return p
}
