package fapilogslog_test

import (
	"context"
	"fmt"
	"log/slog"

	"go.opentelemetry.io/otel/attribute"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/fapilogslog"
)

// Route log/slog, and every library that logs with it, into a fapilog
// logger's pipeline.
func Example() {
	mem := exporter.NewMemory() // in a service: logger := fapilog.GetLogger("checkout")
	logger := fapilog.GetLogger("checkout", fapilog.Reuse(false), fapilog.WithExporter(mem))
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(slog.New(fapilogslog.NewHandler(logger)))

	ctx := logger.Bind(context.Background(), "request_id", "req-7")
	slog.InfoContext(ctx, "order placed", "order_id", 42)
	slog.Log(ctx, fapilogslog.LevelAudit, "refund approved", slog.Group("by", "user", "alice"))

	res, _ := logger.StopAndDrain(ctx)
	for _, r := range mem.Records() {
		fmt.Print(r.SeverityText(), " ", r.Body().AsString())
		r.WalkAttributes(func(kv attribute.KeyValue) bool {
			switch kv.Key {
			case "request_id", "order_id", "by":
				fmt.Print(" ", kv.Key, "=", kv.Value.String())
			}
			return true
		})
		fmt.Println()
	}
	fmt.Println("exported", res.Exported)
	// Output:
	// INFO order placed request_id=req-7 order_id=42
	// AUDIT refund approved request_id=req-7 by={"user":"alice"}
	// exported 2
}
