// Quickstart: the fapilog user guide's first steps, in Go.
//
//	go run ./examples/quickstart                                          # stdout: pretty on a terminal, else JSON lines
//	OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4317 go run ./examples/quickstart   # to a collector
package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	fapilog "github.com/fapilog/fapilog-go"
)

func main() {
	ctx := context.Background()

	// A sync logger, cached by name: a second GetLogger("quickstart") is the same logger.
	logger := fapilog.GetLogger("quickstart")
	logger.Info("Hello, world", "env", "prod")
	logger.Warning("Disk space low", "free_gb", 3.5)
	logger.Audit("User role changed", "user", "alice", "role", "admin")
	logger.Security("Failed login", "user", "mallory", "attempts", 5)
	logger.Exception("Payment failed", errors.New("card declined"), "order_id", 1234)

	// Bound context travels in ctx; With fields travel with the logger.
	reqCtx := logger.Bind(ctx, "request_id", "req-7")
	logger.With("component", "billing").InfoContext(reqCtx, "Invoice sent", "amount", 99.5)

	// A scoped run: its own logger, drained on the way out (even on panic or SIGTERM).
	err := fapilog.Runtime(ctx, func(log *fapilog.Logger) error {
		log.Error("Something happened", "code", 500)
		return nil
	}, fapilog.WithName("batch-job"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "runtime:", err)
	}

	// Drain before exit: every record exported, and the counts to prove it.
	res, err := logger.StopAndDrain(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "drain:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "quickstart: submitted=%d exported=%d dropped=%d failed=%d\n",
		res.Submitted, res.Exported, res.Dropped, res.Failed)
}
