package audit_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"

	"github.com/fapilog/fapilog-go/audit"
	"github.com/fapilog/fapilog-go/bridge"
	"github.com/fapilog/fapilog-go/internal/syncbuf"
)

// nestedLines logs three AUDIT records with a nested map through the real
// console exporter and returns their lines.
func nestedLines(t *testing.T) []string {
	t.Helper()
	var buf syncbuf.Buffer
	l := consoleLogger(t, &buf)
	for i := 1; i <= 3; i++ {
		l.Audit("role changed", "user", map[string]any{"name": "bob", "id": i}, "role", "admin")
	}
	drain(t, l)
	return strings.Split(strings.TrimSpace(buf.String()), "\n")
}

// insertBeforeEnd puts s before the line's closing brace, as an attacker who
// appends members to a record does.
func insertBeforeEnd(line, s string) string { return line[:len(line)-1] + s + "}" }

// Every JSON line that two readers could read differently is MALFORMED:
// the verifier must not vouch for one reading while jq, encoding/json or
// Python show another.
func TestParserDifferentialsAreMalformed(t *testing.T) {
	clean := nestedLines(t)
	if rep := verify(t, clean, audit.Options{}); !rep.OK() || rep.Chains[0].Verified != 3 {
		t.Fatalf("clean:\n%s", text(rep))
	}
	tests := []struct {
		name   string
		tamper func(string) string
	}{
		{"appended body (encoding/json and jq read the last)", func(l string) string {
			return insertBeforeEnd(l, `,"body":"nothing happened"`)
		}},
		{"appended severity", func(l string) string {
			return insertBeforeEnd(l, `,"severity_text":"INFO","severity_number":9`)
		}},
		{"duplicate attribute", func(l string) string {
			return strings.Replace(l, `"role":"admin"`, `"role":"admin","role":"viewer"`, 1)
		}},
		{"duplicate key in a nested map", func(l string) string {
			return strings.Replace(l, `"name":"bob"`, `"name":"bob","name":"eve"`, 1)
		}},
		{"key differing only in case (encoding/json matches it)", func(l string) string {
			return insertBeforeEnd(l, `,"Body":"nothing happened"`)
		}},
		{"key differing by the Kelvin sign (folds to k)", func(l string) string {
			return insertBeforeEnd(l, `,"kind":"a","\u212aind":"b"`)
		}},
		{"escaped duplicate key", func(l string) string {
			return insertBeforeEnd(l, `,"bo\u0064y":"nothing happened"`)
		}},
		{"trailing garbage", func(l string) string { return l + ` trailing` }},
		{"a second JSON value", func(l string) string { return l + `{"body":"nothing happened"}` }},
		{"lone surrogate escape", func(l string) string {
			return strings.Replace(l, `"role":"admin"`, `"role":"adm\ud800in"`, 1)
		}},
		{"invalid UTF-8", func(l string) string {
			return strings.Replace(l, `"role":"admin"`, "\"role\":\"adm\xffin\"", 1)
		}},
		{"NaN literal (Python reads it)", func(l string) string {
			return insertBeforeEnd(l, `,"x":NaN`)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := append([]string(nil), clean...)
			lines[1] = tt.tamper(lines[1])
			if lines[1] == clean[1] {
				t.Fatal("tamper changed nothing")
			}
			rep := verify(t, lines, audit.Options{})
			if rep.OK() || !strings.Contains(kinds(rep), "MALFORMED") || rep.Chains[0].Verified != 2 {
				t.Fatalf("faults %q\n%s", kinds(rep), text(rep))
			}
			if !strings.Contains(text(rep), "log:2") {
				t.Fatalf("the fault does not name the line:\n%s", text(rep))
			}
		})
	}
}

// otlpLine writes chained console records as one OTLP/JSON line, the
// collector file exporter's form.
func otlpLine(t *testing.T, lines []string) string {
	t.Helper()
	var recs []string
	for _, l := range lines {
		var e *audit.Entry
		if _, err := audit.ReadJSON(strings.NewReader(l), "x", audit.FormatConsole, func(x *audit.Entry) { e = x }); err != nil || e == nil || e.Malformed != "" {
			t.Fatalf("reading %s: %v", l, err)
		}
		var attrs []string
		for _, kv := range e.Attrs {
			attrs = append(attrs, otlpKV(string(kv.Key), kv.Value))
		}
		recs = append(recs, fmt.Sprintf(`{"timeUnixNano":"%d","severityNumber":%d,"severityText":%q,"body":%s,"attributes":[%s]}`,
			e.Time.UnixNano(), e.SeverityNumber, e.SeverityText, otlpValue(e.Body), strings.Join(attrs, ",")))
	}
	return `{"resourceLogs":[{"resource":{},"scopeLogs":[{"scope":{"name":"s"},"logRecords":[` + strings.Join(recs, ",") + `]}]}]}`
}

func otlpKV(k string, v attribute.Value) string {
	kb, _ := json.Marshal(k)
	return `{"key":` + string(kb) + `,"value":` + otlpValue(v) + `}`
}

func otlpValue(v attribute.Value) string {
	switch v.Type() {
	case attribute.BOOL:
		return fmt.Sprintf(`{"boolValue":%t}`, v.AsBool())
	case attribute.INT64:
		return `{"intValue":"` + strconv.FormatInt(v.AsInt64(), 10) + `"}`
	case attribute.FLOAT64:
		return `{"doubleValue":` + strconv.FormatFloat(v.AsFloat64(), 'g', -1, 64) + `}`
	case attribute.STRING:
		b, _ := json.Marshal(v.AsString())
		return `{"stringValue":` + string(b) + `}`
	case attribute.BYTESLICE:
		return `{"bytesValue":"` + base64.StdEncoding.EncodeToString([]byte(v.AsString())) + `"}`
	case attribute.SLICE:
		var xs []string
		for _, x := range bridge.SliceView(v) {
			xs = append(xs, otlpValue(x))
		}
		return `{"arrayValue":{"values":[` + strings.Join(xs, ",") + `]}}`
	case attribute.MAP:
		var xs []string
		for _, kv := range bridge.MapView(v) {
			xs = append(xs, otlpKV(string(kv.Key), kv.Value))
		}
		return `{"kvlistValue":{"values":[` + strings.Join(xs, ",") + `]}}`
	}
	return `{}`
}

func TestOTLPParserDifferentialsAreMalformed(t *testing.T) {
	line := otlpLine(t, nestedLines(t))
	if rep := verify(t, []string{line}, audit.Options{}); !rep.OK() || rep.Chains[0].Verified != 3 {
		t.Fatalf("clean OTLP:\n%s\n%s", text(rep), line)
	}
	tests := []struct{ name, old, new string }{
		{"AnyValue with two members", `{"stringValue":"admin"}`, `{"stringValue":"admin","intValue":"1"}`},
		{"stringValue that is not a string", `{"stringValue":"admin"}`, `{"stringValue":7}`},
		{"unknown AnyValue member", `{"stringValue":"admin"}`, `{"string_value":"admin"}`},
		{"snake_case log record member (protobuf JSON reads it)", `"severityText":"AUDIT"`, `"severityText":"AUDIT","severity_text":"INFO"`},
		{"duplicate key in the attribute list", `{"key":"role","value":{"stringValue":"admin"}}`, `{"key":"role","value":{"stringValue":"admin"}},{"key":"role","value":{"stringValue":"viewer"}}`},
		{"duplicate key in a kvlist", `{"key":"name","value":{"stringValue":"bob"}}`, `{"key":"name","value":{"stringValue":"bob"}},{"key":"name","value":{"stringValue":"eve"}}`},
		{"duplicate JSON member", `"severityText":"AUDIT"`, `"severityText":"AUDIT","severityText":"INFO"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tampered := strings.Replace(line, tt.old, tt.new, 1)
			if tampered == line {
				t.Fatalf("%s not found", tt.old)
			}
			rep := verify(t, []string{tampered}, audit.Options{})
			if rep.OK() || !strings.Contains(kinds(rep), "MALFORMED") {
				t.Fatalf("faults %q\n%s", kinds(rep), text(rep))
			}
		})
	}
}
