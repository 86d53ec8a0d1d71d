// Package frontend is the seam between the fapilog facade and the module's
// other logging front-ends (the log/slog handler in package fapilogslog).
// Through it a front-end logs through a *fapilog.Logger with attributes,
// a time and a source location it computed itself, without the facade's
// public API growing a method that only a handler needs.
//
// The root package installs the hooks in its init function; nothing else
// may set them. A package that imports both this one and the root package
// (directly or not) always sees them installed.
package frontend

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/fapilog/fapilog-go/levels"
)

// Entry is one call from a front-end.
type Entry struct {
	Level levels.Level
	// Time is the time of the call. The zero time leaves the record without
	// a timestamp (its observed timestamp is still set, to the time of
	// emission), as log/slog asks of a record with a zero time.
	Time time.Time
	Msg  string
	// Attrs are the call's attributes, converted, the source location
	// among them. They win over bound fields and With fields on a clash.
	// Emit reads them and does not retain them.
	Attrs []attribute.KeyValue
}

var (
	// Emit logs e through logger, which must be a *fapilog.Logger, as the
	// sync Logger's methods do: the level gate, bound fields and baggage
	// from ctx, the trace of the span in ctx, admission with the sync wait
	// policy, the logger's stages. Where a sync method has nothing to
	// report, Emit returns what the async logger would: nil when the
	// record was accepted or is below the level gate, fapilog.ErrDropped,
	// fapilog.ErrStopped, or ctx.Err(). ctx must not be nil.
	Emit func(ctx context.Context, logger any, e Entry) error

	// Source reports whether logger, a *fapilog.Logger, was built with
	// WithSource(true).
	Source func(logger any) bool
)
