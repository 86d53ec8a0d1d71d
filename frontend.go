package fapilog

import (
	"context"

	"github.com/fapilog/fapilog-go/bridge"
	"github.com/fapilog/fapilog-go/internal/core"
	"github.com/fapilog/fapilog-go/internal/frontend"
)

// The hooks of internal/frontend, through which the slog handler
// (package fapilogslog) logs without a public method on Logger.
func init() {
	frontend.Emit = func(ctx context.Context, logger any, e frontend.Entry) error {
		l := logger.(*Logger)
		if !l.c.Enabled(e.Level) {
			return nil
		}
		ce := core.Entry{Level: e.Level, Time: e.Time, Msg: e.Msg, Fields: l.fields}
		return l.c.Emit(ctx, &ce, bridge.Args{Attrs: e.Attrs})
	}
	frontend.Source = func(logger any) bool { return logger.(*Logger).c.Source() }
}
