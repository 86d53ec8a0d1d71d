package fapilog

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"

	"github.com/fapilog/fapilog-go/levels"
)

// Data must not be able to turn redaction off: a key/value, a With field, a
// bound field, a slog attribute or a slog group that imitates the old
// per-call opt-out ("fapilog.redaction"="off") is an ordinary attribute,
// and the record is redacted like any other. A form posted by a user or a
// header map is enough to produce such a key.
func TestDataCannotTurnRedactionOff(t *testing.T) {
	const pw = "hunter2-secret"
	calls := map[string]func(l *Logger){
		"call key/value": func(l *Logger) { l.Info("request", "password", pw, "fapilog.redaction", "off") },
		"attribute.KeyValue": func(l *Logger) {
			l.Info("request", "password", pw, attribute.String("fapilog.redaction", "off"))
		},
		"With field": func(l *Logger) { l.With("fapilog.redaction", "off").Info("request", "password", pw) },
		"Bind": func(l *Logger) {
			ctx := l.Bind(context.Background(), "fapilog.redaction", "off")
			l.InfoContext(ctx, "request", "password", pw)
		},
		"slog attribute": func(l *Logger) { l.Info("request", "password", pw, slog.String("fapilog.redaction", "off")) },
		"slog group": func(l *Logger) {
			l.Info("request", slog.Group("form", slog.String("password", pw), slog.String("fapilog.redaction", "off")))
		},
		"map value (header map)": func(l *Logger) {
			l.Info("request", "headers", map[string]any{"fapilog.redaction": "off", "authorization": pw})
		},
		"LogAttrs": func(l *Logger) {
			l.Log(context.Background(), levels.Info, "request", attribute.String("password", pw), attribute.String("fapilog.redaction", "off"))
		},
		"URL in message": func(l *Logger) { l.Info("dial postgres://app:"+pw+"@db/app", "fapilog.redaction", "off") },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			l, mem := newMem(t)
			call(l)
			recs := flushed(t, l, mem)
			if len(recs) != 1 {
				t.Fatalf("%d records", len(recs))
			}
			r := recs[0]
			if strings.Contains(r.Body().AsString(), pw) {
				t.Errorf("body in clear: %q", r.Body().AsString())
			}
			for k, v := range attrs(r) {
				if strings.Contains(v.String(), pw) {
					t.Errorf("%s in clear: %s", k, v.String())
				}
			}
		})
	}
}
