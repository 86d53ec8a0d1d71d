package integration

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/log"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/levels"
)

// The severity table of API.md, written out rather than taken from the
// levels package: this is what a collector must receive.
var wantSeverity = []struct {
	text   string
	number int
	level  levels.Level
	log    func(l *fapilog.Logger, msg string, kv ...any)
}{
	{"DEBUG", 5, levels.Debug, (*fapilog.Logger).Debug},
	{"INFO", 9, levels.Info, (*fapilog.Logger).Info},
	{"WARNING", 13, levels.Warning, (*fapilog.Logger).Warning},
	{"ERROR", 17, levels.Error, (*fapilog.Logger).Error},
	{"CRITICAL", 21, levels.Critical, (*fapilog.Logger).Critical},
	{"AUDIT", 22, levels.Audit, (*fapilog.Logger).Audit},
	{"SECURITY", 23, levels.Security, (*fapilog.Logger).Security},
}

type point struct {
	X int    `json:"x"`
	Y string `json:"y"`
}

// TestRecordsSurviveTheWire sends one record per level and one record with
// every kind of value, and checks each field as the collector decoded it:
// severity number and text, body, timestamps, scope, resource and typed
// attributes (an int stays an int, maps and slices nest, bytes stay bytes).
func TestRecordsSurviveTheWire(t *testing.T) {
	for _, protocol := range protocols {
		t.Run(protoName(protocol), func(t *testing.T) {
			c := startCollector(t)
			setEnv(t, merge(otlpEnv(c, protocol), map[string]string{
				"OTEL_SERVICE_NAME":        "wire-test",
				"OTEL_RESOURCE_ATTRIBUTES": "deployment.environment.name=ci,team=observability",
				"FAPILOG_LEVEL":            "DEBUG",
			}))

			logger := freshLogger(t, "wire")
			before := time.Now()
			for _, s := range wantSeverity {
				s.log(logger, "level "+s.text, "level", s.text)
			}
			stamp := time.Date(2025, 11, 24, 22, 45, 1, 123456789, time.UTC)
			logger.Info("typed values",
				"int", 42,
				"int64_max", int64(math.MaxInt64),
				"negative", -7,
				"uint8", uint8(200),
				"float", 3.25,
				"bool", true,
				"string", "héllo",
				"bytes", []byte{0x00, 0x01, 0xfe, 0xff},
				"ints", []int{1, 2, 3},
				"mixed", []any{1, "two", 3.5, false},
				"map", map[string]any{"a": 1, "nested": map[string]any{"b": []string{"x", "y"}, "c": 2.5}},
				"struct", point{X: 7, Y: "seven"},
				"duration", 1500*time.Millisecond,
				"time", stamp,
				"error", errors.New("card declined"),
				"uint64_max", uint64(math.MaxUint64),
				"nil", nil,
			)
			logger.Exception("payment failed", errors.New("card declined"), "order_id", 1234)
			def := freshLogger(t, "")
			def.Info("default logger")
			res := drain(t, logger)
			drain(t, def)
			after := time.Now()
			if res.Submitted != uint64(len(wantSeverity)+2) {
				t.Errorf("Submitted = %d, want %d", res.Submitted, len(wantSeverity)+2)
			}

			recs := byBody(t, waitLogs(t, c, len(wantSeverity)+3))
			for body, r := range recs {
				if got := r.ResourceAttrs["service.name"]; got != "wire-test" {
					t.Errorf("%q: resource service.name = %v, want wire-test (OTEL_SERVICE_NAME)", body, got)
				}
				if got := r.ResourceAttrs["deployment.environment.name"]; got != "ci" {
					t.Errorf("%q: resource deployment.environment.name = %v, want ci (OTEL_RESOURCE_ATTRIBUTES)", body, got)
				}
				if got := r.ResourceAttrs["team"]; got != "observability" {
					t.Errorf("%q: resource team = %v, want observability", body, got)
				}
				if body == "default logger" {
					continue // another logger: checked below
				}
				if r.ScopeName != "wire" {
					t.Errorf("%q: scope %q, want wire", body, r.ScopeName)
				}
				if r.Time.Before(before) || r.Time.After(after) {
					t.Errorf("%q: time %v not within the call window [%v, %v]", body, r.Time, before, after)
				}
				if r.ObservedTime.IsZero() || r.ObservedTime.Before(r.Time) {
					t.Errorf("%q: observed time %v, want set and not before time %v", body, r.ObservedTime, r.Time)
				}
				if r.TraceID != "" || r.SpanID != "" {
					t.Errorf("%q: trace %q span %q, want none outside a span", body, r.TraceID, r.SpanID)
				}
			}

			for _, s := range wantSeverity {
				r, ok := recs["level "+s.text]
				if !ok {
					t.Errorf("level %s: no record at the collector", s.text)
					continue
				}
				if r.SeverityNumber != s.number || r.SeverityText != s.text {
					t.Errorf("level %s: severity %d %q, want %d %q", s.text, r.SeverityNumber, r.SeverityText, s.number, s.text)
				}
				if got := levels.FromSeverity(log.Severity(r.SeverityNumber), r.SeverityText); got != s.level {
					t.Errorf("level %s: FromSeverity(%d, %q) = %v, want the level back", s.text, r.SeverityNumber, r.SeverityText, got)
				}
				if r.Attrs["level"] != s.text {
					t.Errorf("level %s: attribute level = %v", s.text, r.Attrs["level"])
				}
			}

			typed := recs["typed values"]
			want := map[string]any{
				"int":        int64(42),
				"int64_max":  int64(math.MaxInt64),
				"negative":   int64(-7),
				"uint8":      int64(200),
				"float":      3.25,
				"bool":       true,
				"string":     "héllo",
				"bytes":      []byte{0x00, 0x01, 0xfe, 0xff},
				"ints":       []any{int64(1), int64(2), int64(3)},
				"mixed":      []any{int64(1), "two", 3.5, false},
				"map":        map[string]any{"a": int64(1), "nested": map[string]any{"b": []any{"x", "y"}, "c": 2.5}},
				"struct":     map[string]any{"x": int64(7), "y": "seven"},
				"duration":   int64(1500 * time.Millisecond),
				"time":       "2025-11-24T22:45:01.123456789Z",
				"error":      "card declined",
				"uint64_max": "18446744073709551615",
				"nil":        nil,
			}
			if typed.SeverityNumber != 9 {
				t.Errorf("typed values: severity %d, want 9", typed.SeverityNumber)
			}
			for k, v := range want {
				got, ok := typed.Attrs[k]
				if !ok {
					t.Errorf("typed values: attribute %q missing", k)
					continue
				}
				if !reflect.DeepEqual(got, v) {
					t.Errorf("typed values: %q = %#v (%T), want %#v (%T)", k, got, got, v, v)
				}
			}
			if len(typed.Attrs) != len(want) {
				t.Errorf("typed values: %d attributes, want %d: %v", len(typed.Attrs), len(want), typed.Attrs)
			}

			exc := recs["payment failed"]
			if exc.SeverityNumber != 17 || exc.SeverityText != "ERROR" {
				t.Errorf("exception: severity %d %q, want 17 ERROR", exc.SeverityNumber, exc.SeverityText)
			}
			if exc.Attrs["exception.message"] != "card declined" || exc.Attrs["order_id"] != int64(1234) {
				t.Errorf("exception: attributes %v", exc.Attrs)
			}
			if typ, _ := exc.Attrs["exception.type"].(string); typ == "" {
				t.Errorf("exception: exception.type = %v, want the error's type", exc.Attrs["exception.type"])
			}
			if st, _ := exc.Attrs["exception.stacktrace"].(string); !strings.Contains(st, "TestRecordsSurviveTheWire") {
				t.Errorf("exception: stacktrace does not show the caller:\n%v", st)
			}

			if def := recs["default logger"]; def.ScopeName != "fapilog" {
				t.Errorf("default logger: scope %q, want fapilog", def.ScopeName)
			}
		})
	}
}
