// Package fapilogslog is a [log/slog] Handler backed by a fapilog Logger, so
// that code which logs with log/slog (your own, or the libraries you use)
// feeds the same OpenTelemetry pipeline as fapilog calls: one level gate,
// one admission policy and one set of exact counts, one exporter, the same
// bound context and trace correlation.
//
//	logger := fapilog.GetLogger("checkout")
//	slog.SetDefault(slog.New(fapilogslog.NewHandler(logger)))
//
//	slog.InfoContext(ctx, "order placed", "order_id", 42)     // a fapilog INFO record
//	slog.Log(ctx, fapilogslog.LevelAudit, "refund approved")   // an AUDIT record
//
// The name follows zapslog (go.uber.org/zap/exp/zapslog) and otelslog
// (go.opentelemetry.io/contrib/bridges/otelslog): the back-end's name, then
// slog, for "a slog Handler backed by fapilog".
//
// # Levels
//
// slog levels map onto fapilog levels: [slog.LevelDebug] → DEBUG,
// [slog.LevelInfo] → INFO, [slog.LevelWarn] → WARNING, [slog.LevelError] →
// ERROR, and this package's [LevelCritical], [LevelAudit] and
// [LevelSecurity] → CRITICAL, AUDIT and SECURITY. They continue slog's steps
// of four, as slog's custom-levels example does. A level between two of
// these maps to the lower one (slog.LevelInfo+2 is INFO, LevelAudit+1 is
// AUDIT); a level below DEBUG is DEBUG and one above SECURITY is SECURITY.
// [MapLevel] is the mapping. Enabled consults the fapilog logger's level
// gate, so AUDIT and SECURITY always pass, as they do for fapilog calls.
//
// # Records
//
// A slog record becomes one OpenTelemetry log record, exactly as a fapilog
// call does: the message is the body, the level the severity (number and
// text), the record's time the timestamp (a zero time leaves it unset), and
// the attributes are converted by the same rules as fapilog key/values
// (package bridge): LogValuers are resolved, a group is a MAP, a group with
// an empty key is inlined, empty attributes and empty groups are left out.
// WithGroup nests every later attribute in a MAP under the group's name; a
// group that ends up empty is left out. WithAttrs converts its attributes
// once, when it is called, not per record.
//
// On a clash of keys the record's attributes win over WithAttrs, which win
// over the source location, bound fields (fapilog's Bind), baggage members
// (fapilog's WithBaggage) and With fields of the fapilog logger, in that
// order.
//
// # Context
//
// Handle reads ctx as fapilog's …Context methods do: the span in ctx gives
// the record its trace id, span id and flags, and the fields bound with
// Logger.Bind are added. Use slog's context-taking calls (InfoContext,
// Log, LogAttrs) to pass it.
//
// # Source location
//
// When source is on, the record's program counter (slog captures the
// caller's) becomes the code.function.name, code.file.path and
// code.line.number attributes; a record without one gets none. Source is
// on when the fapilog logger was built with fapilog.WithSource(true), or
// when the handler is built with [WithSource](true).
//
// # Delivery
//
// Handle takes the sync logger's policy: a record that finds the export
// queue full waits at most the backpressure wait (protected levels: the
// protected wait), then is dropped and counted. Handle then returns
// fapilog.ErrDropped; it returns fapilog.ErrStopped after the logger was
// drained. slog.Logger ignores these errors, as it does every handler
// error; the counts in the logger's DrainResult include slog records.
//
// # Performance
//
// An attribute is converted without reflection for the common kinds, the
// handler's own attributes are converted once, and the record's are
// assembled in a pooled buffer, so a call through slog costs the same
// allocations as a fapilog call with the same attributes, plus what the
// groups need (a MAP value per open group). See the benchmarks in
// handler_bench_test.go.
package fapilogslog
