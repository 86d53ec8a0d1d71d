package fapilogslog_test

import (
	"log/slog"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"

	"github.com/fapilog/fapilog-go/fapilogslog"
)

// Through the slog handler too, no attribute turns redaction off: not a
// top-level "fapilog.redaction"="off", not one in a group, not one from
// WithAttrs or WithGroup.
func TestSlogAttributesCannotTurnRedactionOff(t *testing.T) {
	const pw = "hunter2-secret"
	for name, log := range map[string]func(*slog.Logger){
		"attribute": func(s *slog.Logger) { s.Info("request", "password", pw, "fapilog.redaction", "off") },
		"group": func(s *slog.Logger) {
			s.Info("request", slog.Group("form", "password", pw, "fapilog.redaction", "off"))
		},
		"WithAttrs":  func(s *slog.Logger) { s.With("fapilog.redaction", "off").Info("request", "password", pw) },
		"WithGroup":  func(s *slog.Logger) { s.WithGroup("form").Info("request", "password", pw, "fapilog.redaction", "off") },
		"URL in msg": func(s *slog.Logger) { s.Info("dial postgres://app:"+pw+"@db/app", "fapilog.redaction", "off") },
	} {
		t.Run(name, func(t *testing.T) {
			l, mem := newLogger(t)
			log(slog.New(fapilogslog.NewHandler(l)))
			r := only(t, l, mem)
			leak := strings.Contains(r.Body().AsString(), pw)
			r.WalkAttributes(func(kv attribute.KeyValue) bool {
				leak = leak || strings.Contains(kv.Value.String(), pw)
				return true
			})
			if leak {
				t.Errorf("the password left in clear: body %q", r.Body().AsString())
			}
		})
	}
}
