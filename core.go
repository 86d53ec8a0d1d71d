package fapilog

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/fapilog/fapilog-go/internal/core"
	"github.com/fapilog/fapilog-go/internal/record"
	"github.com/fapilog/fapilog-go/levels"
)

// Core is what a Logger logs through, for other front-ends built on it, as
// zap's Logger.Core: the log/slog handler in package fapilogslog uses it.
// It applies the logger's level gate, With fields, bound fields and
// baggage from ctx, stages (redaction, the audit chain), admission with the
// sync logger's wait policy, and counts the record in the logger's
// DrainResult.
//
// A Core is a small value, safe for concurrent use; copying it is cheap.
type Core struct {
	c      *core.Core
	fields []attribute.KeyValue
}

// Core returns the logger's core.
func (l *Logger) Core() Core { return Core{c: l.c, fields: l.fields} }

// Enabled reports whether a record at level would be recorded.
func (c Core) Enabled(level levels.Level) bool { return c.c.Enabled(level) }

// Source reports whether the logger was built with WithSource(true): a
// front-end that knows its caller's location then adds it to attrs itself.
func (c Core) Source() bool { return c.c.Source() }

// Emit logs one record with typed attributes (they win over bound and With
// fields on a clash). t is the time of the call; the zero time leaves the
// record without a timestamp (its observed timestamp is still set), as
// log/slog asks of a record with a zero time. Emit reads attrs and does not
// retain them. It returns nil once the record is accepted or when level is
// below the gate, ErrDropped when there was no room for it in time,
// ErrStopped once the logger is drained, or ctx.Err() when ctx ended while
// it waited. ctx must not be nil.
func (c Core) Emit(ctx context.Context, level levels.Level, t time.Time, msg string, attrs []attribute.KeyValue) error {
	if !c.c.Enabled(level) {
		return nil
	}
	return c.c.Emit(ctx, core.Entry{Level: level, Call: record.Call{Time: t, Msg: msg, Fields: c.fields}}, record.Args{Attrs: attrs})
}
