// Package integration holds fapilog-go's end-to-end tests: every test talks
// to a real OpenTelemetry Collector (the project's own build, tools/otelcol)
// started on loopback ports by internal/collectortest, over OTLP gRPC and
// OTLP HTTP/protobuf, and checks what the collector wrote to its file
// exporter.
//
//	go test -race ./integration/            # about 20 s once the collector is built
//	go test -race -run TestExamples ./integration/ -v
//
// The first run builds the collector (about a minute on a cold build cache;
// cached by source hash afterwards, see collectortest.Binary). The tests
// configure loggers through the environment (t.Setenv), so they never run
// in parallel with each other.
//
// Connections to the collector are counted from the kernel's TCP socket
// table by internal/tcpconns.
package integration
