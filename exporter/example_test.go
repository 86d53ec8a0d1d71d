package exporter_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/fapilog/fapilog-go/exporter"
)

// NewMemory captures records for assertions in a test.
func ExampleNewMemory() {
	mem := exporter.NewMemory()
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(mem)))

	var r log.Record
	r.SetSeverity(log.SeverityInfo)
	r.SetBody(attribute.StringValue("Hello, world"))
	r.AddAttributes(attribute.String("env", "prod"))
	lp.Logger("my-service").Emit(context.Background(), r)
	_ = lp.Shutdown(context.Background())

	for _, rec := range mem.Records() {
		fmt.Println(rec.InstrumentationScope().Name, rec.Severity(), rec.Body().AsString())
	}
	fmt.Println("records:", mem.Len(), "stopped:", mem.Stopped())
	// Output:
	// my-service INFO Hello, world
	// records: 1 stopped: true
}

// Build with a Config: fields set here beat the OTEL_* variables. Nothing
// needs to listen yet: the connection is opened on the first export.
func ExampleBuild() {
	insecure := true
	built, err := exporter.Build(context.Background(), exporter.Config{
		Kind:        exporter.KindOTLP,
		Protocol:    exporter.ProtocolGRPC,
		Endpoint:    "127.0.0.1:4317",
		Insecure:    &insecure,
		Headers:     map[string]string{"authorization": "Bearer token"},
		Compression: "gzip",
		Timeout:     5 * time.Second,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(built.Kind, built.Protocol, built.Endpoint, "shared connections:", exporter.OpenConnections())

	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewBatchProcessor(built.Exporter)))
	_ = lp.Shutdown(context.Background()) // shuts the exporter down and releases the connection
	fmt.Println("shared connections:", exporter.OpenConnections(), "retries:", built.Retries())
	// Output:
	// otlp grpc http://127.0.0.1:4317 shared connections: 1
	// shared connections: 0 retries: 0
}

// The console exporter writes one JSON object per line.
func ExampleNewConsole() {
	lp := sdklog.NewLoggerProvider(
		sdklog.WithResource(resource.NewSchemaless(attribute.String("service.name", "disk-monitor"))),
		sdklog.WithProcessor(sdklog.NewSimpleProcessor(exporter.NewConsole(os.Stdout))),
	)
	var r log.Record
	r.SetTimestamp(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	r.SetObservedTimestamp(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	r.SetSeverity(log.SeverityWarn)
	r.SetSeverityText("WARNING")
	r.SetBody(attribute.StringValue("disk almost full"))
	r.AddAttributes(attribute.Int("free_mb", 512), attribute.Float64("ratio", 0.95))
	lp.Logger("disk").Emit(context.Background(), r)
	_ = lp.Shutdown(context.Background())
	// Output:
	// {"timestamp":"2026-01-02T03:04:05Z","observed_timestamp":"2026-01-02T03:04:05Z","severity_number":13,"severity_text":"WARNING","body":"disk almost full","attributes":{"free_mb":512,"ratio":0.95},"resource":{"service.name":"disk-monitor"},"scope":"disk"}
}
