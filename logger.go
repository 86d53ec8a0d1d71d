package fapilog

import (
	"context"

	"go.opentelemetry.io/otel/attribute"

	"github.com/fapilog/fapilog-go/internal/core"
	"github.com/fapilog/fapilog-go/internal/record"
	"github.com/fapilog/fapilog-go/levels"
)

// Logger is the sync fapilog logger. Its methods return nothing and never
// block the caller for long: a record that finds the export queue full waits
// at most WithBackpressureWait (protected levels: WithProtectedWait), then is
// dropped and counted in DrainResult.
//
// A Logger is safe for concurrent use. Get one with GetLogger; loggers from
// With share their parent's pipeline.
type Logger struct {
	c      *core.Core
	fields []attribute.KeyValue
}

// Name returns the logger's name (its instrumentation scope; "" is the
// default logger, scope "fapilog").
func (l *Logger) Name() string { return l.c.Name() }

// Enabled reports whether a call at level would be recorded.
func (l *Logger) Enabled(level levels.Level) bool { return l.c.Enabled(level) }

// Debug logs at DEBUG. kv takes alternating key/value pairs, attribute.KeyValue
// and slog.Attr, mixed.
func (l *Logger) Debug(msg string, kv ...any) {
	if l.c.Enabled(levels.Debug) {
		l.log(background, levels.Debug, msg, kv)
	}
}

// Info logs at INFO.
func (l *Logger) Info(msg string, kv ...any) {
	if l.c.Enabled(levels.Info) {
		l.log(background, levels.Info, msg, kv)
	}
}

// Warning logs at WARNING.
func (l *Logger) Warning(msg string, kv ...any) {
	if l.c.Enabled(levels.Warning) {
		l.log(background, levels.Warning, msg, kv)
	}
}

// Error logs at ERROR.
func (l *Logger) Error(msg string, kv ...any) {
	if l.c.Enabled(levels.Error) {
		l.log(background, levels.Error, msg, kv)
	}
}

// Critical logs at CRITICAL.
func (l *Logger) Critical(msg string, kv ...any) {
	if l.c.Enabled(levels.Critical) {
		l.log(background, levels.Critical, msg, kv)
	}
}

// Audit logs at AUDIT; it always passes the level gate.
func (l *Logger) Audit(msg string, kv ...any) {
	l.log(background, levels.Audit, msg, kv)
}

// Security logs at SECURITY; it always passes the level gate.
func (l *Logger) Security(msg string, kv ...any) {
	l.log(background, levels.Security, msg, kv)
}

// Exception logs err at ERROR with exception.type, exception.message and
// exception.stacktrace (the caller's stack).
func (l *Logger) Exception(msg string, err error, kv ...any) {
	if l.c.Enabled(levels.Error) {
		l.exception(background, msg, err, kv)
	}
}

// DebugContext logs at DEBUG with ctx: its span's trace and span ids and
// its bound fields are added.
func (l *Logger) DebugContext(ctx context.Context, msg string, kv ...any) {
	if l.c.Enabled(levels.Debug) {
		l.log(ctx, levels.Debug, msg, kv)
	}
}

// InfoContext logs at INFO with ctx.
func (l *Logger) InfoContext(ctx context.Context, msg string, kv ...any) {
	if l.c.Enabled(levels.Info) {
		l.log(ctx, levels.Info, msg, kv)
	}
}

// WarningContext logs at WARNING with ctx.
func (l *Logger) WarningContext(ctx context.Context, msg string, kv ...any) {
	if l.c.Enabled(levels.Warning) {
		l.log(ctx, levels.Warning, msg, kv)
	}
}

// ErrorContext logs at ERROR with ctx.
func (l *Logger) ErrorContext(ctx context.Context, msg string, kv ...any) {
	if l.c.Enabled(levels.Error) {
		l.log(ctx, levels.Error, msg, kv)
	}
}

// CriticalContext logs at CRITICAL with ctx.
func (l *Logger) CriticalContext(ctx context.Context, msg string, kv ...any) {
	if l.c.Enabled(levels.Critical) {
		l.log(ctx, levels.Critical, msg, kv)
	}
}

// AuditContext logs at AUDIT with ctx.
func (l *Logger) AuditContext(ctx context.Context, msg string, kv ...any) {
	l.log(ctx, levels.Audit, msg, kv)
}

// SecurityContext logs at SECURITY with ctx.
func (l *Logger) SecurityContext(ctx context.Context, msg string, kv ...any) {
	l.log(ctx, levels.Security, msg, kv)
}

// ExceptionContext logs err at ERROR with ctx (see Exception).
func (l *Logger) ExceptionContext(ctx context.Context, msg string, err error, kv ...any) {
	if l.c.Enabled(levels.Error) {
		l.exception(ctx, msg, err, kv)
	}
}

// Log logs at any level, registered levels included.
func (l *Logger) Log(ctx context.Context, level levels.Level, msg string, kv ...any) {
	if l.c.Enabled(level) {
		l.log(ctx, level, msg, kv)
	}
}

// LogAttrs logs at level with typed attributes, as log/slog's LogAttrs: the
// attributes are not boxed, so a call below the level gate allocates
// nothing even with non-constant values, and an enabled one allocates no
// more than the OpenTelemetry SDK's own record.
func (l *Logger) LogAttrs(ctx context.Context, level levels.Level, msg string, attrs ...attribute.KeyValue) {
	if l.c.Enabled(level) {
		l.logAttrs(ctx, level, msg, attrs)
	}
}

// SetLevel sets the minimum level of the logger and of every logger
// derived from it with With (they share one gate), at once for calls that
// start after it returns. AUDIT and SECURITY always pass. It is safe to call
// while other goroutines log.
func (l *Logger) SetLevel(level levels.Level) { l.c.SetLevel(level) }

// Level returns the minimum level (see SetLevel).
func (l *Logger) Level() levels.Level { return l.c.Level() }

// background is the context of the methods without one. Read from a
// variable it costs the inliner less than a context.Background() call,
// which would push Info and its kin past the budget (83 > 80).
var background = context.Background()

// log is the enabled path of the methods above, out of line so that they
// stay within the inliner's budget: a disabled call costs its caller one
// comparison.
//
//go:noinline
func (l *Logger) log(ctx context.Context, level levels.Level, msg string, kv []any) {
	_ = l.c.Emit(ctx, core.NewEntry(level, core.WaitBounded, msg, l.fields), record.Args{KV: kv})
}

//go:noinline
func (l *Logger) logAttrs(ctx context.Context, level levels.Level, msg string, attrs []attribute.KeyValue) {
	_ = l.c.Emit(ctx, core.NewEntry(level, core.WaitBounded, msg, l.fields), record.Args{Attrs: attrs})
}

//go:noinline
func (l *Logger) exception(ctx context.Context, msg string, err error, kv []any) {
	e := core.NewEntry(levels.Error, core.WaitBounded, msg, l.fields)
	e.Exception, e.Err = true, err
	_ = l.c.Emit(ctx, e, record.Args{KV: kv})
}

// With returns a child logger that adds kv to every record. It shares the
// parent's pipeline: draining either drains both. The fields are converted
// once, here, so they cost no allocation per call.
func (l *Logger) With(kv ...any) *Logger {
	return &Logger{c: l.c, fields: core.WithFields(l.fields, kv)}
}

// Bind returns a ctx carrying kv as bound fields: every …Context call and
// every async call with that ctx (or one derived from it), on any fapilog
// logger, adds them. Later bindings win over earlier ones with the same key.
func (l *Logger) Bind(ctx context.Context, kv ...any) context.Context { return core.Bind(ctx, kv) }

// Unbind returns a ctx without the bound fields named by keys.
func (l *Logger) Unbind(ctx context.Context, keys ...string) context.Context {
	return core.Unbind(ctx, keys)
}

// ClearContext returns a ctx with no bound fields.
func (l *Logger) ClearContext(ctx context.Context) context.Context { return core.ClearBound(ctx) }

// Flush exports what is queued and keeps the logger running.
func (l *Logger) Flush(ctx context.Context) error { return l.c.Flush(ctx) }

// StopAndDrain stops the logger: it refuses new records (they are counted as
// submitted and dropped), exports what is queued, shuts the exporter down,
// removes this instance from the cache, and reports exact counts. Calling it
// again returns the updated totals and no error.
func (l *Logger) StopAndDrain(ctx context.Context) (DrainResult, error) { return drain(ctx, l.c) }

// Drain is StopAndDrain.
func (l *Logger) Drain(ctx context.Context) (DrainResult, error) { return drain(ctx, l.c) }

// Stats returns the counts so far without stopping the logger.
func (l *Logger) Stats() DrainResult { return drainResult(l.c.Stats()) }
