package fapilog

import (
	"context"

	"github.com/fapilog/fapilog-go/bridge"
	"github.com/fapilog/fapilog-go/internal/frontend"
)

// The hooks of internal/frontend, through which the slog handler
// (package fapilogslog) logs without a public method on Logger.
func init() {
	frontend.Emit = func(ctx context.Context, logger any, e frontend.Entry) error {
		l := logger.(*Logger)
		if !l.c.enabled(e.Level) {
			return nil
		}
		return l.c.emitEntry(ctx, l, &e)
	}
	frontend.Source = func(logger any) bool { return logger.(*Logger).c.source }
}

// emitEntry is emit for a front-end's entry: its attributes are converted
// already, its time and source location are its own, and it takes the sync
// logger's wait policy.
func (c *core) emitEntry(ctx context.Context, l *Logger, e *frontend.Entry) error {
	sev, text, lg, err := c.admit(ctx, false, e.Level)
	if err != nil {
		return err
	}
	call := bridge.Call{
		Time:     e.Time,
		Severity: sev,
		Text:     text,
		Msg:      e.Msg,
		Fields:   l.fields,
		Bound:    c.contextFields(ctx),
		Attrs:    e.Attrs,
		Stages:   c.stagesFor(e.Level),
	}
	bridge.Emit(ctx, lg, &call, nil)
	return c.end(lg)
}
