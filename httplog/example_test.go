package httplog_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/httplog"
	"go.opentelemetry.io/otel/attribute"
)

func ExampleMiddleware() {
	mem := exporter.NewMemory() // in a service: the exporter from the environment
	logger := fapilog.GetLogger("http-example", fapilog.Reuse(false), fapilog.WithExporter(mem))

	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		logger.InfoContext(r.Context(), "saying hello") // carries request_id
		fmt.Fprintln(w, "hello")
	})
	// In a service, wrap this in otelhttp.NewHandler so records carry the span.
	handler := httplog.Middleware(logger)(mux)

	req := httptest.NewRequest("GET", "/hello", nil)
	req.Header.Set(httplog.RequestIDHeader, "req-1")
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)

	_, _ = logger.StopAndDrain(context.Background())
	fmt.Println(rec.Header().Get(httplog.RequestIDHeader))
	for _, r := range mem.Records() {
		fmt.Println(r.SeverityText(), r.Body().AsString())
	}
	// Output:
	// req-1
	// INFO saying hello
	// INFO request_completed
}

func ExampleNew() {
	mem := exporter.NewMemory()
	logger := fapilog.GetLogger("http-options", fapilog.Reuse(false), fapilog.WithExporter(mem))
	m := httplog.New(logger,
		httplog.WithSkipPaths("/healthz"),                // probes are not logged
		httplog.WithHeaders("X-Tenant", "Authorization"), // logged, values redacted
		httplog.WithRequestIDHeader("X-Correlation-ID"),
		httplog.WithSuccessSampling(0.5), // half of the 2xx/3xx; errors always
	)
	handler := m.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/boom" {
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	for _, path := range []string{"/healthz", "/a", "/b", "/boom"} {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("X-Tenant", "acme")
		req.Header.Set("Authorization", "Bearer secret-token")
		handler.ServeHTTP(httptest.NewRecorder(), req)
	}
	_, _ = logger.StopAndDrain(context.Background())
	for _, r := range mem.Records() {
		var path, auth string
		r.WalkAttributes(func(kv attribute.KeyValue) bool {
			switch string(kv.Key) {
			case httplog.KeyPath:
				path = kv.Value.AsString()
			case httplog.KeyHeaderPrefix + "authorization":
				auth = kv.Value.String()
			}
			return true
		})
		fmt.Println(r.SeverityText(), path, auth)
	}
	fmt.Println("sampled out:", m.SampledOut())
	// Output:
	// INFO /b ***
	// ERROR /boom ***
	// sampled out: 1
}
