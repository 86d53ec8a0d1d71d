package httplog

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
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

// serve runs n requests to path through m and returns the drained records.
func serveAll(t *testing.T, opts []Option, reqs []*http.Request, handler http.HandlerFunc) ([]sdklog.Record, []*httptest.ResponseRecorder, *Logger) {
	t.Helper()
	mem := exporter.NewMemory()
	logger := fapilog.GetLogger("http", fapilog.Reuse(false), fapilog.WithExporter(mem))
	m := New(logger, opts...)
	h := m.Wrap(handler)
	var rws []*httptest.ResponseRecorder
	for _, req := range reqs {
		rw := httptest.NewRecorder()
		h.ServeHTTP(rw, req)
		rws = append(rws, rw)
	}
	res, err := logger.StopAndDrain(context.Background())
	if err != nil || res.Exported != res.Submitted {
		t.Fatalf("drain %+v %v", res, err)
	}
	return mem.Records(), rws, m
}

func TestSkipPaths(t *testing.T) {
	var ids []string
	recs, rws, _ := serveAll(t, []Option{WithSkipPaths("/healthz", "/readyz")},
		[]*http.Request{httptest.NewRequest("GET", "/healthz", nil), httptest.NewRequest("GET", "/readyz", nil),
			httptest.NewRequest("GET", "/healthz/deep", nil), httptest.NewRequest("GET", "/orders", nil)},
		func(w http.ResponseWriter, r *http.Request) {
			ids = append(ids, fapilogBound(r))
		})
	if len(recs) != 2 || attrs(recs[0])[KeyPath].AsString() != "/healthz/deep" || attrs(recs[1])[KeyPath].AsString() != "/orders" {
		var paths []string
		for _, r := range recs {
			paths = append(paths, attrs(r)[KeyPath].AsString())
		}
		t.Fatalf("logged %v, want /healthz/deep and /orders only", paths)
	}
	for i, rw := range rws {
		if rw.Header().Get(RequestIDHeader) == "" {
			t.Errorf("request %d: no request id echoed", i)
		}
	}
}

// fapilogBound returns the request id the middleware bound, as a handler
// sees it (by logging through a throwaway logger).
func fapilogBound(r *http.Request) string {
	mem := exporter.NewMemory()
	l := fapilog.GetLogger("probe", fapilog.Reuse(false), fapilog.WithExporter(mem))
	l.InfoContext(r.Context(), "probe")
	_, _ = l.StopAndDrain(context.Background())
	return attrs(mem.Records()[0])[KeyRequestID].AsString()
}

func TestHeaderAllowList(t *testing.T) {
	req := httptest.NewRequest("GET", "/x", nil)
	req.Header.Set("Authorization", "Bearer abc.def.ghi")
	req.Header.Set("X-Tenant", "acme")
	req.Header.Add("Accept", "text/html")
	req.Header.Add("Accept", "application/json")
	req.Header.Set("X-Secret-Not-Allowed", "nope")
	recs, _, _ := serveAll(t, []Option{WithHeaders("authorization", "x-tenant", "Accept", "X-Missing")},
		[]*http.Request{req}, func(http.ResponseWriter, *http.Request) {})
	a := attrs(recs[0])
	if got := a[KeyHeaderPrefix+"x-tenant"].AsStringSlice(); len(got) != 1 || got[0] != "acme" {
		t.Errorf("x-tenant %v", got)
	}
	if got := a[KeyHeaderPrefix+"accept"].AsStringSlice(); len(got) != 2 || got[1] != "application/json" {
		t.Errorf("accept %v", got)
	}
	auth := a[KeyHeaderPrefix+"authorization"].String()
	if strings.Contains(auth, "abc") || auth == "" {
		t.Errorf("authorization logged as %q, want it masked", auth)
	}
	for k := range a {
		if strings.Contains(k, "not-allowed") || strings.Contains(k, "missing") {
			t.Errorf("header %s logged", k)
		}
	}
}

func TestRequestIDHeader(t *testing.T) {
	req := httptest.NewRequest("GET", "/x", nil)
	req.Header.Set("X-Correlation-ID", "corr-1")
	req.Header.Set(RequestIDHeader, "ignored")
	recs, rws, _ := serveAll(t, []Option{WithRequestIDHeader("X-Correlation-ID")}, []*http.Request{req},
		func(http.ResponseWriter, *http.Request) {})
	if got := attrs(recs[0])[KeyRequestID].AsString(); got != "corr-1" {
		t.Errorf("request_id %q", got)
	}
	if rws[0].Header().Get("X-Correlation-ID") != "corr-1" || rws[0].Header().Get(RequestIDHeader) != "" {
		t.Errorf("response headers %v", rws[0].Header())
	}
}

func TestSuccessSampling(t *testing.T) {
	var reqs []*http.Request
	for i := range 100 {
		path := "/ok"
		if i%10 == 9 {
			path = "/fail"
		}
		reqs = append(reqs, httptest.NewRequest("GET", path, nil))
	}
	recs, _, m := serveAll(t, []Option{WithSuccessSampling(0.25)}, reqs, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fail" {
			w.WriteHeader(500)
		}
	})
	var ok, failed int
	for _, r := range recs {
		if attrs(r)[KeyStatus].AsInt64() == 500 {
			failed++
		} else {
			ok++
		}
	}
	// 90 successes: a quarter logged (22), every failure logged.
	if failed != 10 || ok != 22 || m.SampledOut() != 68 {
		t.Errorf("logged %d ok, %d failed, sampled out %d; want 22, 10, 68", ok, failed, m.SampledOut())
	}
}

func TestSuccessSamplingBounds(t *testing.T) {
	for _, tt := range []struct {
		share float64
		want  int
	}{{0, 0}, {-3, 0}, {1, 10}, {7, 10}, {0.5, 5}} {
		var reqs []*http.Request
		for range 10 {
			reqs = append(reqs, httptest.NewRequest("GET", "/", nil))
		}
		recs, _, _ := serveAll(t, []Option{WithSuccessSampling(tt.share)}, reqs, func(http.ResponseWriter, *http.Request) {})
		if len(recs) != tt.want {
			t.Errorf("share %v: %d of 10 logged, want %d", tt.share, len(recs), tt.want)
		}
	}
}
