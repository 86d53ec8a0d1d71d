package fapilog

import (
	"context"

	"go.opentelemetry.io/otel/attribute"

	"github.com/fapilog/fapilog-go/internal/core"
	"github.com/fapilog/fapilog-go/internal/record"
	"github.com/fapilog/fapilog-go/levels"
)

// AsyncLogger is the async fapilog logger: every method takes ctx first and
// returns an error, the Go form of fapilog's "must be awaited". A method
// returns
//
//   - nil once the record is accepted into the export pipeline;
//   - ctx.Err() when ctx ended while the record waited for room;
//   - ErrDropped when a non-protected record found no room in time;
//   - ErrStopped once the logger is stopped;
//   - ErrNotDurable when, with a spool, a protected record was accepted
//     but could not be written ahead to disk (it is still sent).
//
// Protected levels (default ERROR, CRITICAL, AUDIT, SECURITY) wait for room
// until ctx is done, so with a live ctx they are never dropped. With a spool
// (WithSpool), a protected record that finds no room before ctx ends is
// written to disk instead and the call returns nil; it is replayed when the
// collector is back. A call below
// the minimum level returns nil and records nothing.
//
// An AsyncLogger is safe for concurrent use. Get one with GetAsyncLogger.
type AsyncLogger struct {
	c      *core.Core
	fields []attribute.KeyValue
}

// Name returns the logger's name.
func (l *AsyncLogger) Name() string { return l.c.Name() }

// Enabled reports whether a call at level would be recorded.
func (l *AsyncLogger) Enabled(level levels.Level) bool { return l.c.Enabled(level) }

// Debug logs at DEBUG.
func (l *AsyncLogger) Debug(ctx context.Context, msg string, kv ...any) error {
	if !l.c.Enabled(levels.Debug) {
		return nil
	}
	return l.log(ctx, levels.Debug, msg, kv)
}

// Info logs at INFO.
func (l *AsyncLogger) Info(ctx context.Context, msg string, kv ...any) error {
	if !l.c.Enabled(levels.Info) {
		return nil
	}
	return l.log(ctx, levels.Info, msg, kv)
}

// Warning logs at WARNING.
func (l *AsyncLogger) Warning(ctx context.Context, msg string, kv ...any) error {
	if !l.c.Enabled(levels.Warning) {
		return nil
	}
	return l.log(ctx, levels.Warning, msg, kv)
}

// Error logs at ERROR.
func (l *AsyncLogger) Error(ctx context.Context, msg string, kv ...any) error {
	if !l.c.Enabled(levels.Error) {
		return nil
	}
	return l.log(ctx, levels.Error, msg, kv)
}

// Critical logs at CRITICAL.
func (l *AsyncLogger) Critical(ctx context.Context, msg string, kv ...any) error {
	if !l.c.Enabled(levels.Critical) {
		return nil
	}
	return l.log(ctx, levels.Critical, msg, kv)
}

// Audit logs at AUDIT; it always passes the level gate.
func (l *AsyncLogger) Audit(ctx context.Context, msg string, kv ...any) error {
	return l.Log(ctx, levels.Audit, msg, kv...)
}

// Security logs at SECURITY; it always passes the level gate.
func (l *AsyncLogger) Security(ctx context.Context, msg string, kv ...any) error {
	return l.Log(ctx, levels.Security, msg, kv...)
}

// Exception logs err at ERROR with exception.type, exception.message and
// exception.stacktrace (the caller's stack).
func (l *AsyncLogger) Exception(ctx context.Context, msg string, err error, kv ...any) error {
	if !l.c.Enabled(levels.Error) {
		return nil
	}
	return l.exception(ctx, msg, err, kv)
}

//go:noinline
func (l *AsyncLogger) exception(ctx context.Context, msg string, err error, kv []any) error {
	e := core.NewEntry(levels.Error, core.WaitForCtx, msg, l.fields)
	e.Exception, e.Err = true, err
	return l.c.Emit(ctx, e, record.Args{KV: kv})
}

// Log logs at any level, registered levels included.
func (l *AsyncLogger) Log(ctx context.Context, level levels.Level, msg string, kv ...any) error {
	if !l.c.Enabled(level) {
		return nil
	}
	return l.log(ctx, level, msg, kv)
}

// LogAttrs logs at level with typed attributes (see Logger.LogAttrs): a
// call below the level gate allocates nothing and returns nil.
func (l *AsyncLogger) LogAttrs(ctx context.Context, level levels.Level, msg string, attrs ...attribute.KeyValue) error {
	if !l.c.Enabled(level) {
		return nil
	}
	return l.logAttrs(ctx, level, msg, attrs)
}

// SetLevel sets the minimum level of the logger and of its With children
// (see Logger.SetLevel). It is safe to call while other goroutines log.
func (l *AsyncLogger) SetLevel(level levels.Level) { l.c.SetLevel(level) }

// Level returns the minimum level (see SetLevel).
func (l *AsyncLogger) Level() levels.Level { return l.c.Level() }

//go:noinline
func (l *AsyncLogger) logAttrs(ctx context.Context, level levels.Level, msg string, attrs []attribute.KeyValue) error {
	return l.c.Emit(ctx, core.NewEntry(level, core.WaitForCtx, msg, l.fields), record.Args{Attrs: attrs})
}

// log is Log's enabled path, out of line so that Log stays within the
// inliner's budget: a disabled call costs its caller one comparison.
//
//go:noinline
func (l *AsyncLogger) log(ctx context.Context, level levels.Level, msg string, kv []any) error {
	return l.c.Emit(ctx, core.NewEntry(level, core.WaitForCtx, msg, l.fields), record.Args{KV: kv})
}

// With returns a child logger that adds kv to every record and shares the
// parent's pipeline.
func (l *AsyncLogger) With(kv ...any) *AsyncLogger {
	return &AsyncLogger{c: l.c, fields: core.WithFields(l.fields, kv)}
}

// Bind returns a ctx carrying kv as bound fields (see Logger.Bind).
func (l *AsyncLogger) Bind(ctx context.Context, kv ...any) context.Context { return core.Bind(ctx, kv) }

// Unbind returns a ctx without the bound fields named by keys.
func (l *AsyncLogger) Unbind(ctx context.Context, keys ...string) context.Context {
	return core.Unbind(ctx, keys)
}

// ClearContext returns a ctx with no bound fields.
func (l *AsyncLogger) ClearContext(ctx context.Context) context.Context { return core.ClearBound(ctx) }

// Flush exports what is queued and keeps the logger running.
func (l *AsyncLogger) Flush(ctx context.Context) error { return l.c.Flush(ctx) }

// StopAndDrain stops the logger and reports exact counts (see
// Logger.StopAndDrain).
func (l *AsyncLogger) StopAndDrain(ctx context.Context) (DrainResult, error) {
	return drain(ctx, l.c)
}

// Drain is StopAndDrain, as in fapilog.
func (l *AsyncLogger) Drain(ctx context.Context) (DrainResult, error) { return drain(ctx, l.c) }

// Stats returns the counts so far without stopping the logger.
func (l *AsyncLogger) Stats() DrainResult { return drainResult(l.c.Stats()) }
