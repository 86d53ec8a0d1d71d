package fapilog_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/attribute"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/levels"
)

func ExampleGetLogger() {
	mem := exporter.NewMemory() // in production: the console or OTLP exporter from the environment
	logger := fapilog.GetLogger("example-service", fapilog.WithExporter(mem))
	logger.Info("Hello, world", "env", "prod")

	res, _ := logger.StopAndDrain(context.Background())
	r := mem.Records()[0]
	fmt.Println(r.SeverityText(), r.Body().AsString(), r.InstrumentationScope().Name)
	fmt.Println("exported:", res.Exported)
	// Output:
	// INFO Hello, world example-service
	// exported: 1
}

func ExampleGetAsyncLogger() {
	ctx := context.Background()
	mem := exporter.NewMemory()
	alog, err := fapilog.GetAsyncLogger(ctx, "example-worker", fapilog.WithExporter(mem))
	if err != nil {
		panic(err)
	}
	_ = alog.Info(ctx, "Processing", "item", 1)
	_ = alog.Exception(ctx, "Oops", errors.New("disk full"))

	res, _ := alog.Drain(ctx)
	fmt.Println(res.Submitted, res.Exported, res.Dropped, res.Failed)
	if err := alog.Info(ctx, "too late"); errors.Is(err, fapilog.ErrStopped) {
		fmt.Println("stopped")
	}
	// Output:
	// 2 2 0 0
	// stopped
}

func ExampleLogger_Bind() {
	mem := exporter.NewMemory()
	logger := fapilog.GetLogger("example-bind", fapilog.Reuse(false), fapilog.WithExporter(mem))
	ctx := logger.Bind(context.Background(), "request_id", "r-42")
	logger.InfoContext(ctx, "handled", "status", 200)

	_, _ = logger.StopAndDrain(ctx)
	fmt.Println(mem.Records()[0].AttributesLen())
	// Output: 2
}

func ExampleRuntime() {
	mem := exporter.NewMemory()
	err := fapilog.Runtime(context.Background(), func(log *fapilog.Logger) error {
		log.Error("Something happened", "code", 500)
		return nil
	}, fapilog.WithName("batch-job"), fapilog.WithExporter(mem))
	fmt.Println(err, mem.Len())
	// Output: <nil> 1
}

func ExampleLogger_LogAttrs() {
	mem := exporter.NewMemory()
	logger := fapilog.GetLogger("example-typed", fapilog.Reuse(false), fapilog.WithExporter(mem))
	user, status := "alice", 200
	// Typed attributes are not boxed: below the level gate this call
	// allocates nothing, whatever its values.
	logger.LogAttrs(context.Background(), levels.Info, "request served",
		attribute.String("user", user), attribute.Int("status", status))

	_, _ = logger.StopAndDrain(context.Background())
	r := mem.Records()[0]
	fmt.Println(r.Body().AsString(), r.AttributesLen())
	// Output: request served 2
}

func ExampleLogger_SetLevel() {
	mem := exporter.NewMemory()
	logger := fapilog.GetLogger("example-level", fapilog.Reuse(false), fapilog.WithExporter(mem))
	child := logger.With("component", "db")
	child.Debug("not recorded")
	logger.SetLevel(levels.Debug) // the child shares the gate
	child.Debug("recorded")
	logger.SetLevel(levels.Error)
	child.Audit("AUDIT always passes")

	_, _ = logger.StopAndDrain(context.Background())
	fmt.Println(mem.Len(), child.Level())
	// Output: 2 ERROR
}

// A front-end of your own logs through a logger's Core, as the log/slog
// handler in package fapilogslog does: the logger's level gate, fields,
// stages, admission and counts apply.
func ExampleLogger_Core() {
	mem := exporter.NewMemory()
	logger := fapilog.GetLogger("example-core", fapilog.Reuse(false), fapilog.WithExporter(mem))
	core := logger.With("component", "bridge").Core()

	if core.Enabled(levels.Warning) {
		_ = core.Emit(context.Background(), levels.Warning, time.Now(), "from another front-end",
			[]attribute.KeyValue{attribute.Int("attempt", 2)})
	}

	res, _ := logger.StopAndDrain(context.Background())
	fmt.Println(mem.Records()[0].AttributesLen(), res.Exported)
	// Output: 2 1
}
