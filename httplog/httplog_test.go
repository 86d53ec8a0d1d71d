package httplog

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.uber.org/goleak"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/exporter"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func attrs(r sdklog.Record) map[string]attribute.Value {
	m := map[string]attribute.Value{}
	r.WalkAttributes(func(kv attribute.KeyValue) bool { m[string(kv.Key)] = kv.Value; return true })
	return m
}

func TestMiddleware(t *testing.T) {
	tests := []struct {
		name      string
		handler   http.HandlerFunc
		requestID string
		wantMsg   string
		wantSev   string
		wantCode  int64
	}{
		{"ok", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("hi")) }, "", "request_completed", "INFO", 200},
		{"client error is info", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, "abc", "request_completed", "INFO", 404},
		{"5xx is an error", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }, "", "request_failed", "ERROR", 503},
		{"panic is an error", func(w http.ResponseWriter, r *http.Request) { panic("boom") }, "", "request_failed", "ERROR", 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := exporter.NewMemory()
			logger := fapilog.GetLogger("http", fapilog.Reuse(false), fapilog.WithExporter(mem))
			var seenID string
			h := Middleware(logger)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				logger.InfoContext(r.Context(), "inside")
				tt.handler(w, r)
			}))
			req := httptest.NewRequest("GET", "/orders/7", nil)
			req.Header.Set("User-Agent", "test-agent")
			if tt.requestID != "" {
				req.Header.Set(RequestIDHeader, tt.requestID)
			}
			rw := httptest.NewRecorder()
			func() {
				defer func() { _ = recover() }()
				h.ServeHTTP(rw, req)
			}()
			seenID = rw.Header().Get(RequestIDHeader)
			if seenID == "" || (tt.requestID != "" && seenID != tt.requestID) {
				t.Fatalf("X-Request-ID echoed %q, sent %q", seenID, tt.requestID)
			}
			if _, err := logger.StopAndDrain(context.Background()); err != nil {
				t.Fatal(err)
			}
			recs := mem.Records()
			if len(recs) != 2 {
				t.Fatalf("%d records", len(recs))
			}
			if got := attrs(recs[0])[KeyRequestID].AsString(); got != seenID {
				t.Errorf("handler's record request_id = %q, want %q", got, seenID)
			}
			r := recs[1]
			a := attrs(r)
			if r.Body().AsString() != tt.wantMsg || r.SeverityText() != tt.wantSev {
				t.Errorf("%q at %s, want %q at %s", r.Body().AsString(), r.SeverityText(), tt.wantMsg, tt.wantSev)
			}
			if a[KeyStatus].AsInt64() != tt.wantCode || a[KeyMethod].AsString() != "GET" || a[KeyPath].AsString() != "/orders/7" ||
				a[KeyUserAgent].AsString() != "test-agent" || a[KeyClient].AsString() != "192.0.2.1" || a[KeyRequestID].AsString() != seenID {
				t.Errorf("attributes %v", a)
			}
			if a[KeyLatencyMS].Type() != attribute.FLOAT64 {
				t.Errorf("latency type %v", a[KeyLatencyMS].Type())
			}
		})
	}
}
