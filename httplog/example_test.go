package httplog_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/httplog"
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
