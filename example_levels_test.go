package fapilog_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"time"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/levels"
)

// LevelHandler changes a running service's levels by logger name; serve it
// on an internal port (mux.Handle("/debug/levels", fapilog.LevelHandler())).
func ExampleLevelHandler() {
	logger := fapilog.GetLogger("example-db", fapilog.WithExporterConfig(exporter.Config{Kind: exporter.KindNone}))
	defer logger.StopAndDrain(context.Background())
	h := fapilog.LevelHandler()

	req := httptest.NewRequest("PUT", "/debug/levels", strings.NewReader(`{"name":"example-db","level":"DEBUG"}`))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Print(rec.Code, " ", rec.Body.String())
	fmt.Println(logger.Enabled(levels.Debug))

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/debug/levels?name=example-db", nil))
	fmt.Print(rec.Body.String())
	// Output:
	// 200 {"loggers":[{"name":"example-db","kind":"sync","level":"DEBUG"}]}
	// true
	// {"loggers":[{"name":"example-db","kind":"sync","level":"DEBUG"}]}
}

// Filters leave records out on purpose and count them; protected levels
// (ERROR and above by default) always pass.
func ExampleWithDedup() {
	mem := exporter.NewMemory()
	logger := fapilog.GetLogger("example-dedup", fapilog.Reuse(false), fapilog.WithExporter(mem),
		fapilog.WithDedup(time.Minute), fapilog.WithRateLimit(1000, 100))
	for range 5 {
		logger.Warning("disk almost full", "free_mb", 120)
		logger.Error("write failed") // never filtered
	}
	res, _ := logger.StopAndDrain(context.Background())
	fmt.Printf("submitted=%d exported=%d deduplicated=%d\n", res.Submitted, res.Exported, res.Deduplicated)
	// Output:
	// submitted=10 exported=6 deduplicated=4
}
