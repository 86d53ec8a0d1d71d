package fapilog

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/fapilog/fapilog-go/audit"
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/internal/settings"
	"github.com/fapilog/fapilog-go/levels"
	"github.com/fapilog/fapilog-go/redact"
)

func attrStr(r sdklog.Record, key string) (string, bool) {
	v, ok := attrs(r)[key]
	return v.String(), ok
}

func TestRedactionIsOnByDefault(t *testing.T) {
	l, mem := newMem(t)
	l.Info("connect postgres://app:s3cret@db/app", "api_key", "k1", "nested", map[string]any{"password": "p", "ok": "v"})
	r := flushed(t, l, mem)[0]
	if body := r.Body().AsString(); body != "connect postgres://app:***@db/app" {
		t.Errorf("body %q", body)
	}
	if v, _ := attrStr(r, "api_key"); v != "***" {
		t.Errorf("api_key %q", v)
	}
	if v, _ := attrStr(r, "nested"); !strings.Contains(v, `"password":"***"`) || !strings.Contains(v, `"ok":"v"`) {
		t.Errorf("nested %s", v)
	}
}

func TestRedactionOptionsAndVariables(t *testing.T) {
	secret := func(l *Logger) {
		l.Info("m", "password", "p", "url", "custom://u:p@h", "cvv", "123", "note", "token=abc")
	}
	tests := []struct {
		name                     string
		env                      map[string]string
		opts                     []Option
		password, url, cvv, note string
	}{
		{"default", nil, nil, "***", "custom://u:p@h", "123", "token=abc"},
		{"off by option", nil, []Option{WithoutRedaction()}, "p", "custom://u:p@h", "123", "token=abc"},
		{"off by variable", map[string]string{EnvRedaction: "off"}, nil, "p", "custom://u:p@h", "123", "token=abc"},
		{"strict by variable", map[string]string{EnvRedaction: "STRICT"}, nil, "***", "custom://***:***@h", "***", "token=***"},
		{"option beats variable", map[string]string{EnvRedaction: "off"}, []Option{WithRedaction(redact.Config{Keys: []string{"note"}})}, "***", "custom://u:p@h", "123", "***"},
		{"bad variable keeps default", map[string]string{EnvRedaction: "maybe"}, nil, "***", "custom://u:p@h", "123", "token=abc"},
		{"hardened preset is strict", map[string]string{EnvPreset: "hardened"}, nil, "***", "custom://***:***@h", "***", "token=***"},
		{"variable beats preset", map[string]string{EnvPreset: "hardened", EnvRedaction: "default"}, nil, "***", "custom://u:p@h", "123", "token=abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var problems []string
			l, mem := newMem(t, append(tt.opts, optionFunc(func(o *settings.Options) { o.Warn = func(s string) { problems = append(problems, s) } }))...)
			secret(l)
			r := flushed(t, l, mem)[0]
			for key, want := range map[string]string{"password": tt.password, "url": tt.url, "cvv": tt.cvv, "note": tt.note} {
				if got, _ := attrStr(r, key); got != want {
					t.Errorf("%s = %q, want %q", key, got, want)
				}
			}
		})
	}
}

func TestBadRedactionConfigIsReportedAndFallsBackToDefault(t *testing.T) {
	_, err := GetAsyncLogger(context.Background(), "bad-redaction", Reuse(false), WithExporter(exporter.NewMemory()),
		WithRedaction(redact.Config{Paths: []string{"a..b"}}))
	if err == nil || !strings.Contains(err.Error(), "WithRedaction") {
		t.Fatalf("err = %v", err)
	}
	c, _ := resolve([]Option{WithRedaction(redact.Config{Paths: []string{"a..b"}})})
	if c.Redactor == nil || c.Redactor.Mode() != redact.ModeDefault {
		t.Fatal("a bad redaction config turned redaction off")
	}
}

func chained(r sdklog.Record) bool { _, ok := attrStr(r, audit.KeyHash); return ok }

func TestAuditChainIsOnByDefaultForAuditAndSecurity(t *testing.T) {
	l, mem := newMem(t, WithLevel(levels.Debug))
	l.Info("i")
	l.Audit("a")
	l.Security("s")
	l.Critical("c")
	recs := flushed(t, l, mem)
	if chained(recs[0]) || !chained(recs[1]) || !chained(recs[2]) || chained(recs[3]) {
		t.Fatal("only AUDIT and SECURITY records are chained")
	}
	if id1, _ := attrStr(recs[1], audit.KeyChainID); id1 != func() string { s, _ := attrStr(recs[2], audit.KeyChainID); return s }() {
		t.Fatal("one logger, two chains")
	}
	// A child logger shares the chain; another instance has its own.
	l.With("k", "v").Audit("child")
	recs = flushed(t, l, mem)
	if s, _ := attrStr(recs[4], audit.KeySeq); s != "3" {
		t.Fatalf("child seq %s", s)
	}
	l2, mem2 := newMem(t)
	l2.Audit("other")
	r2 := flushed(t, l2, mem2)[0]
	id, _ := attrStr(r2, audit.KeyChainID)
	id1, _ := attrStr(recs[1], audit.KeyChainID)
	if s, _ := attrStr(r2, audit.KeySeq); s != "1" || id == id1 {
		t.Fatal("a new logger instance does not start a new chain")
	}
}

func TestAuditChainSwitches(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		opts []Option
		on   bool
	}{
		{"off by option", nil, []Option{WithAuditChain(false)}, false},
		{"off by variable", map[string]string{EnvAuditChain: "off"}, nil, false},
		{"option beats variable", map[string]string{EnvAuditChain: "0"}, []Option{WithAuditChain(true)}, true},
		{"dev preset is off", map[string]string{EnvPreset: "dev"}, nil, false},
		{"variable beats preset", map[string]string{EnvPreset: "dev", EnvAuditChain: "true"}, nil, true},
		{"bad variable keeps it on", map[string]string{EnvAuditChain: "perhaps"}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			l, mem := newMem(t, append(tt.opts, optionFunc(func(o *settings.Options) { o.Warn = func(string) {} }))...)
			l.Audit("a")
			if got := chained(flushed(t, l, mem)[0]); got != tt.on {
				t.Fatalf("chained = %v, want %v", got, tt.on)
			}
		})
	}
}

func TestAuditChainFollowsTheSeverityMapping(t *testing.T) {
	l, mem := newMem(t, WithSeverityMapping(func(lv levels.Level) (log.Severity, string) {
		if lv == levels.Audit {
			return log.SeverityInfo4, "AUDIT"
		}
		return levels.DefaultMapping(lv)
	}))
	l.Audit("a")
	if !chained(flushed(t, l, mem)[0]) {
		t.Fatal("a remapped AUDIT record is not chained")
	}
}

func TestPresetsAreDefaultsThatOptionsAndVariablesBeat(t *testing.T) {
	tests := []struct {
		name      string
		env       map[string]string
		opts      []Option
		level     levels.Level
		kind      exporter.Kind
		protected int
		mode      string // "off", "default", "strict"
		chain     bool
	}{
		{"none", nil, nil, levels.Info, exporter.KindUnset, 4, "default", true},
		{"dev", map[string]string{EnvPreset: "dev"}, nil, levels.Debug, exporter.KindConsole, 4, "default", false},
		{"production", map[string]string{EnvPreset: "Production"}, nil, levels.Info, exporter.KindOTLP, 4, "default", true},
		{"hardened by option", nil, []Option{WithPreset("hardened")}, levels.Info, exporter.KindOTLP, 5, "strict", true},
		{"option beats variable preset", map[string]string{EnvPreset: "dev"}, []Option{WithPreset("hardened")}, levels.Info, exporter.KindOTLP, 5, "strict", true},
		{"level option beats preset", nil, []Option{WithPreset("dev"), WithLevel(levels.Error)}, levels.Error, exporter.KindConsole, 4, "default", false},
		{"level variable beats preset", map[string]string{EnvPreset: "dev", EnvLevel: "warning"}, nil, levels.Warning, exporter.KindConsole, 4, "default", false},
		{"protected variable beats preset", map[string]string{EnvPreset: "hardened", EnvProtectedLevels: "AUDIT"}, nil, levels.Info, exporter.KindOTLP, 1, "strict", true},
		{"exporter variable beats preset", map[string]string{EnvPreset: "production", "OTEL_LOGS_EXPORTER": "console"}, nil, levels.Info, exporter.KindUnset, 4, "default", true},
		{"endpoint variable beats preset", map[string]string{EnvPreset: "dev", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, nil, levels.Debug, exporter.KindUnset, 4, "default", false},
		{"exporter option beats preset", nil, []Option{WithPreset("production"), WithExporterConfig(exporter.Config{Kind: exporter.KindNone})}, levels.Info, exporter.KindNone, 4, "default", true},
		{"unknown preset is reported", map[string]string{EnvPreset: "paranoid"}, nil, levels.Info, exporter.KindUnset, 4, "default", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			c, err := resolve(tt.opts)
			if (err != nil) != (tt.name == "unknown preset is reported") {
				t.Fatalf("err = %v", err)
			}
			mode := "off"
			if r := c.Redactor; r != nil {
				mode = r.Mode().String()
			}
			if c.Level != tt.level || c.ExporterConfig.Kind != tt.kind || len(c.Protected) != tt.protected || mode != tt.mode || c.AuditChain != tt.chain {
				t.Errorf("level %v kind %v protected %v redaction %s chain %v", c.Level, c.ExporterConfig.Kind, c.Protected, mode, c.AuditChain)
			}
		})
	}
}

func TestRedactorsAreSharedAcrossLoggers(t *testing.T) {
	a, _ := resolve(nil)
	b, _ := resolve(nil)
	if a.Redactor != b.Redactor {
		t.Fatal("every logger builds its own default redactor")
	}
}

func TestOnlyAuditAndSecurityRecordsAreChained(t *testing.T) {
	l, mem := newMem(t, WithLevel(levels.Debug))
	for _, lv := range levels.Standard() {
		l.Log(context.Background(), lv, lv.String())
	}
	for _, r := range flushed(t, l, mem) {
		want := r.SeverityText() == "AUDIT" || r.SeverityText() == "SECURITY"
		if got := chained(r); got != want {
			t.Errorf("%s: chained = %v, want %v", r.SeverityText(), got, want)
		}
	}
}
