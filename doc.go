// Package fapilog gives Go services the fapilog logger API and makes every
// call a real OpenTelemetry log record, exported over OTLP to collectors and
// correlated with traces.
//
// # Getting loggers
//
// GetLogger returns a sync logger cached by name; GetAsyncLogger an async
// one, cached separately. The first call for a name builds the logger from
// its options and the environment; later calls return the same pointer and
// ignore their options. Reuse(false) builds a fresh, uncached instance that
// the caller drains.
//
//	logger := fapilog.GetLogger("checkout")
//	logger.Info("order placed", "order_id", 42, "total", 99.5)
//
//	alog, err := fapilog.GetAsyncLogger(ctx, "worker")
//	err = alog.Audit(ctx, "refund approved", "by", "alice")
//
// # Levels
//
// DEBUG, INFO, WARNING, ERROR, CRITICAL, AUDIT and SECURITY (package
// levels). AUDIT and SECURITY export as OTel severities 22 (FATAL2) and 23
// (FATAL3) with their own severity text, so a "severity >= X" filter keeps
// them, and they always pass the level gate.
//
// # Records
//
// A call is one record: body = message, severity number and text, the call
// time, the logger name as instrumentation scope, the trace and span ids of
// the span in ctx, and attributes from With, then bound context, then the
// call (later wins on a clash). Key/values are converted faithfully: see
// package bridge for the table.
//
// # The pipeline and what it promises
//
//	call → level gate → admission → sdklog.Logger → BatchProcessor → exporter
//
// SetLevel changes the level gate of a logger and its With children while
// they run.
//
// The SDK BatchProcessor is the asynchronous engine. It overwrites its
// oldest record when its queue is full and tells no one; the library admits
// a record only while fewer than the queue size are in flight, so that never
// happens. Protected levels (ERROR, CRITICAL, AUDIT, SECURITY by default)
// have a reserved share of the queue and wait for room: the sync logger up
// to WithProtectedWait (5s), the async logger until its ctx is done. Other
// levels wait up to WithBackpressureWait (50ms), then are dropped and
// counted. StopAndDrain reports exact counts:
// Submitted == Exported + Dropped + Failed.
//
// # Configuration
//
// Options beat variables, variables beat defaults. The standard OTel
// variables work (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES,
// OTEL_EXPORTER_OTLP_*, OTEL_LOGS_EXPORTER, OTEL_BLRP_*); with none set,
// records go to the console exporter on stdout. See the README for the
// full table.
//
// # Concurrency
//
// Loggers, their With children and every package-level function are safe
// for concurrent use. Bound fields live in the context.Context, so
// concurrent requests never see each other's fields.
//
// # Performance
//
// A call below the level gate costs one comparison and allocates nothing;
// with non-constant values, ...any boxes them at the call site before the
// library runs (as log/slog does), and LogAttrs takes typed attributes that
// need no boxing. An enabled call converts its key/values without
// reflection for common types, assembles up to 16 attributes without
// allocating (in a stack buffer, or in a pooled one when stages such as
// redaction run), de-duplicates keys itself and builds providers that skip
// the SDK's per-record map.
//
// Named loggers are cheap: loggers built from one configuration share one
// provider and batch processor (one goroutine, one queue), each with its
// own exact counts, and a cached GetLogger is a map lookup.
package fapilog
