// OTLP: the smallest program that sends logs to an OpenTelemetry Collector.
// Everything is configured by the standard variables:
//
//	OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4317 OTEL_SERVICE_NAME=otlp-example go run ./examples/otlp
//	OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 go run ./examples/otlp   # OTLP HTTP/protobuf
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	fapilog "github.com/fapilog/fapilog-go"
)

func main() {
	if os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") == "" && os.Getenv("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT") == "" {
		fmt.Fprintln(os.Stderr, `otlp example: OTEL_EXPORTER_OTLP_ENDPOINT is not set, so the records go to stdout.
  Start a collector (docker compose up, see the README) and run
  OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4317 go run ./examples/otlp`)
	}

	logger := fapilog.GetLogger("otlp-example")
	logger.Info("Hello, collector", "attempt", 1)
	logger.Audit("Config changed", "user", "alice", "setting", "retention_days")

	// Drain before exit: what is still queued would otherwise be lost.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := logger.StopAndDrain(ctx)
	fmt.Fprintf(os.Stderr, "otlp example: submitted=%d exported=%d dropped=%d failed=%d\n",
		res.Submitted, res.Exported, res.Dropped, res.Failed)
	if err != nil || res.Failed > 0 {
		fmt.Fprintln(os.Stderr, "otlp example: not every record was delivered; is the collector running?", err)
		os.Exit(1)
	}
}
