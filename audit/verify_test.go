package audit_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/audit"
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/internal/collectortest"
	"github.com/fapilog/fapilog-go/internal/syncbuf"
)

// consoleLogger is a fresh logger writing console JSON lines to w.
func consoleLogger(t *testing.T, w *syncbuf.Buffer, opts ...fapilog.Option) *fapilog.Logger {
	t.Helper()
	l := fapilog.GetLogger(t.Name(), append([]fapilog.Option{fapilog.Reuse(false), fapilog.WithExporter(exporter.NewConsole(w))}, opts...)...)
	t.Cleanup(func() { _, _ = l.StopAndDrain(context.Background()) })
	return l
}

func drain(t *testing.T, l *fapilog.Logger) {
	t.Helper()
	if _, err := l.StopAndDrain(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// auditLines logs n AUDIT records (and INFO records between them) through
// the real console exporter and returns its output lines.
func auditLines(t *testing.T, n int) []string {
	t.Helper()
	var buf syncbuf.Buffer
	l := consoleLogger(t, &buf)
	for i := 1; i <= n; i++ {
		l.Audit("role changed", "user", fmt.Sprintf("user-%d", i), "role", "admin", "n", i)
		l.Info("noise", "i", i)
	}
	drain(t, l)
	return strings.Split(strings.TrimSpace(buf.String()), "\n")
}

func verify(t *testing.T, lines []string, opts audit.Options) *audit.Report {
	t.Helper()
	v := audit.NewVerifier(opts)
	skipped, err := audit.ReadJSON(strings.NewReader(strings.Join(lines, "\n")), "log", audit.FormatAuto, v.Add)
	if err != nil {
		t.Fatal(err)
	}
	v.Skipped(skipped)
	return v.Report()
}

func kinds(r *audit.Report) string {
	var out []string
	for _, c := range r.Chains {
		for _, f := range c.Faults {
			out = append(out, fmt.Sprintf("%s@%d", f.Kind, f.Seq))
		}
	}
	for _, f := range r.Faults {
		out = append(out, string(f.Kind))
	}
	return strings.Join(out, " ")
}

func text(r *audit.Report) string {
	var b strings.Builder
	_ = r.WriteText(&b)
	return b.String()
}

// auditOnly keeps the AUDIT lines.
func auditOnly(lines []string) []string {
	var out []string
	for _, l := range lines {
		if strings.Contains(l, `"severity_text":"AUDIT"`) {
			out = append(out, l)
		}
	}
	return out
}

func TestACleanConsoleStreamVerifies(t *testing.T) {
	lines := auditLines(t, 5)
	rep := verify(t, append([]string{"starting up (not JSON)"}, lines...), audit.Options{RequireChain: true})
	if !rep.OK() || len(rep.Chains) != 1 || rep.Chains[0].Verified != 5 || rep.Chains[0].LastSeq != 5 || rep.Skipped != 1 {
		t.Fatalf("clean stream:\n%s", text(rep))
	}
	if !strings.Contains(text(rep), "OK: every chain verifies") {
		t.Fatalf("summary:\n%s", text(rep))
	}
}

func TestTamperingIsDetectedAndNamed(t *testing.T) {
	clean := auditOnly(auditLines(t, 6))
	if len(clean) != 6 {
		t.Fatalf("%d audit lines", len(clean))
	}
	mod := func(f func([]string) []string) []string { return f(append([]string(nil), clean...)) }
	tests := []struct {
		name  string
		lines []string
		want  string
	}{
		{"alter a field", mod(func(l []string) []string {
			l[2] = strings.Replace(l[2], `"role":"admin"`, `"role":"viewer"`, 1)
			return l
		}), "ALTERED@3"},
		{"alter the message", mod(func(l []string) []string {
			l[1] = strings.Replace(l[1], `"body":"role changed"`, `"body":"nothing happened"`, 1)
			return l
		}), "ALTERED@2"},
		{"alter the timestamp", mod(func(l []string) []string {
			l[1] = strings.Replace(l[1], `"timestamp":"20`, `"timestamp":"19`, 1)
			return l
		}), "ALTERED@2"},
		{"alter and re-hash", mod(func(l []string) []string { return rehash(t, l, 2) }), "BROKEN-LINK@4"},
		{"delete a record", mod(func(l []string) []string { return append(l[:3], l[4:]...) }), "GAP@4"},
		{"delete the first record", mod(func(l []string) []string { return l[1:] }), "GAP@1"},
		{"swap two records", mod(func(l []string) []string { l[2], l[3] = l[3], l[2]; return l }), "REORDERED@3"},
		{"renumber a record", mod(func(l []string) []string {
			l[1] = strings.Replace(l[1], `"audit.seq":2`, `"audit.seq":9`, 1)
			return l
		}), "GAP@2 ALTERED@9"},
		{"replay a record", mod(func(l []string) []string { return append(l, l[1]) }), "REPLAYED@2"},
		{"strip the chain from a record", mod(func(l []string) []string {
			l[4] = strings.Replace(l[4], `"audit.chain_id"`, `"x"`, 1)
			return l
		}), "GAP@5 UNCHAINED"},
		{"forge a second record 2", mod(func(l []string) []string {
			return append(l, rehash(t, append([]string(nil), l...), 1)[1])
		}), "CONFLICT@2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := verify(t, tt.lines, audit.Options{RequireChain: true})
			if got := kinds(rep); got != tt.want {
				t.Fatalf("faults %q, want %q\n%s", got, tt.want, text(rep))
			}
			if rep.OK() {
				t.Fatal("a tampered stream verifies")
			}
		})
	}
}

// rehash alters record i (0-based) and recomputes its hash, as an attacker
// who knows the algorithm would: only the next record's link shows it.
func rehash(t *testing.T, lines []string, i int) []string {
	t.Helper()
	lines[i] = strings.Replace(lines[i], `"role":"admin"`, `"role":"root"`, 1)
	var e *audit.Entry
	if _, err := audit.ReadJSON(strings.NewReader(lines[i]), "x", audit.FormatConsole, func(x *audit.Entry) { e = x }); err != nil || e == nil {
		t.Fatalf("reading record %d: %v", i, err)
	}
	old, _ := e.Attr(audit.KeyHash)
	prev, _ := e.Attr(audit.KeyPrevHash)
	prevRaw, _ := hex.DecodeString(prev.AsString())
	var enc audit.Encoder
	sum := enc.Hash(prevRaw, &e.Record)
	lines[i] = strings.Replace(lines[i], old.AsString(), hex.EncodeToString(sum[:]), 1)
	return lines
}

func TestARestartStartsANewChain(t *testing.T) {
	first := auditLines(t, 3)
	second := auditLines(t, 2)
	rep := verify(t, append(first, second...), audit.Options{})
	if !rep.OK() || len(rep.Chains) != 2 || rep.Chains[0].ID == rep.Chains[1].ID ||
		rep.Chains[0].LastSeq != 3 || rep.Chains[1].FirstSeq != 1 || rep.Chains[1].LastSeq != 2 {
		t.Fatalf("two logger instances:\n%s", text(rep))
	}
}

func TestPartialAcceptsAChainThatStartsLate(t *testing.T) {
	lines := auditOnly(auditLines(t, 4))[2:]
	if rep := verify(t, lines, audit.Options{}); kinds(rep) != "GAP@1" {
		t.Fatalf("without Partial: %s", kinds(rep))
	}
	if rep := verify(t, lines, audit.Options{Partial: true}); !rep.OK() || rep.Chains[0].Verified != 2 {
		t.Fatalf("with Partial:\n%s", text(rep))
	}
}

// typedKV are values whose JSON form is ambiguous or nested: ints and
// integral floats, NaN and the infinities, -0, bytes, nested maps and
// slices, typed slices, empty values, escapes.
func typedKV() []any {
	return []any{
		"int", 42, "float", 1.5, "whole", 3.0, "neg0", math.Copysign(0, -1), "big", 1e300, "tiny", 1e-9,
		"nan", math.NaN(), "inf", math.Inf(1), "ninf", math.Inf(-1), "maxu", uint64(math.MaxUint64),
		"bytes", []byte{0, 1, 2, 255}, "emptybytes", []byte{}, "empty", nil, "yes", true,
		"text", "quote\" backslash\\ newline\n tab\t \u2028 é 🙂 \x01",
		"nested", map[string]any{"x": 1.0, "y": []any{2.0, "s", []byte("z"), map[string]any{"deep": math.Inf(-1)}}},
		attribute.Float64Slice("fs", []float64{1, 2.5}), attribute.Int64Slice("is", []int64{1, -2}),
		attribute.StringSlice("ss", []string{"a", ""}), attribute.BoolSlice("bs", []bool{true, false}),
		"dur", time.Second, "when", time.Unix(1700000000, 5).UTC(), "dup.key", 1,
	}
}

func TestTypedValuesVerifyFromConsoleJSON(t *testing.T) {
	var buf syncbuf.Buffer
	l := consoleLogger(t, &buf)
	l.Audit("typed", typedKV()...)
	l.Security("second", "k", 2.0)
	drain(t, l)
	rep := verify(t, strings.Split(strings.TrimSpace(buf.String()), "\n"), audit.Options{})
	if !rep.OK() || rep.Chains[0].Verified != 2 {
		t.Fatalf("typed values:\n%s\n%s", text(rep), buf.String())
	}
}

func TestRedactionHappensBeforeTheChain(t *testing.T) {
	var buf syncbuf.Buffer
	l := consoleLogger(t, &buf)
	l.Audit("login to https://admin:hunter2@db", "password", "hunter2")
	drain(t, l)
	out := buf.String()
	if strings.Contains(out, "hunter2") {
		t.Fatalf("a secret reached the exporter: %s", out)
	}
	if rep := verify(t, []string{strings.TrimSpace(out)}, audit.Options{}); !rep.OK() {
		t.Fatalf("redacted record:\n%s", text(rep))
	}
}

func TestConcurrentAuditRecordsAreExportedInSequence(t *testing.T) {
	var buf syncbuf.Buffer
	l := consoleLogger(t, &buf)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				l.Audit("concurrent", "g", g, "i", i)
			}
		}()
	}
	wg.Wait()
	drain(t, l)
	rep := verify(t, strings.Split(strings.TrimSpace(buf.String()), "\n"), audit.Options{})
	if !rep.OK() || rep.Chains[0].Verified != 400 {
		t.Fatalf("concurrent writers:\n%s", text(rep))
	}
}

// TestOTLPJSONFromTheRealCollectorVerifies sends chained records through a
// real OpenTelemetry Collector and verifies its file exporter's output
// (OTLP/JSON), then a tampered copy of it.
func TestOTLPJSONFromTheRealCollectorVerifies(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a collector")
	}
	c := collectortest.Start(t)
	l := fapilog.GetLogger(t.Name(), fapilog.Reuse(false), fapilog.WithExporterConfig(exporter.Config{
		Kind: exporter.KindOTLP, Protocol: exporter.ProtocolGRPC, Endpoint: "http://" + c.GRPCEndpoint,
	}))
	l.Audit("typed", typedKV()...)
	for i := 0; i < 4; i++ {
		l.Security("event", "i", i, "ratio", float64(i))
		l.Info("noise")
	}
	drain(t, l)
	if recs := c.WaitForLogs(t, 9, time.Minute); len(recs) < 9 {
		t.Fatalf("collector wrote %d records", len(recs))
	}
	data, err := os.ReadFile(c.LogsFile)
	if err != nil {
		t.Fatal(err)
	}
	v := audit.NewVerifier(audit.Options{RequireChain: true})
	if _, err := audit.ReadJSON(bytes.NewReader(data), "logs.jsonl", audit.FormatOTLP, v.Add); err != nil {
		t.Fatal(err)
	}
	rep := v.Report()
	if !rep.OK() || len(rep.Chains) != 1 || rep.Chains[0].Verified != 5 {
		t.Fatalf("collector output:\n%s\n%s", text(rep), data)
	}
	// The same records, one value changed in the OTLP/JSON: the ratio of
	// the third SECURITY record (seq 4), then its sequence number.
	for _, tt := range []struct{ old, new, want string }{
		{`"key":"ratio","value":{"doubleValue":2}`, `"key":"ratio","value":{"doubleValue":2.5}`, "ALTERED@4"},
		{`"key":"audit.seq","value":{"intValue":"2"}`, `"key":"audit.seq","value":{"intValue":"9"}`, "GAP@2 ALTERED@9"},
	} {
		tampered := bytes.Replace(data, []byte(tt.old), []byte(tt.new), 1)
		if bytes.Equal(tampered, data) {
			t.Fatalf("%s not found in the collector output", tt.old)
		}
		v = audit.NewVerifier(audit.Options{})
		if _, err := audit.ReadJSON(bytes.NewReader(tampered), "logs.jsonl", audit.FormatAuto, v.Add); err != nil {
			t.Fatal(err)
		}
		if rep := v.Report(); kinds(rep) != tt.want {
			t.Fatalf("tampered collector output: %q, want %q\n%s", kinds(rep), tt.want, text(rep))
		}
	}
}

func TestAttributesDroppedByAnSDKLimitAreExplained(t *testing.T) {
	t.Setenv("OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT", "5")
	var buf syncbuf.Buffer
	l := consoleLogger(t, &buf)
	l.Audit("many", "a", 1, "b", 2, "c", 3) // 3 chain attributes + 3: one is dropped
	drain(t, l)
	out := strings.TrimSpace(buf.String())
	if !strings.Contains(out, `"audit.hash"`) || !strings.Contains(out, `"dropped_attributes_count":1`) {
		t.Fatalf("the limit dropped a chain attribute, or nothing: %s", out)
	}
	rep := verify(t, []string{out}, audit.Options{})
	if kinds(rep) != "ALTERED@1" || !strings.Contains(text(rep), "OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT") {
		t.Fatalf("%s", text(rep))
	}
}

// At-least-once delivery (a spool resending after a crash) puts exact
// copies in the store. By default a copy is REPLAYED; with AllowDuplicates
// it is counted instead, and a different record with the same number is
// still a CONFLICT.
func TestExactCopiesAreCountedWithAllowDuplicates(t *testing.T) {
	clean := auditOnly(auditLines(t, 4))
	copies := append(append([]string(nil), clean...), clean[1], clean[2])
	if got := kinds(verify(t, copies, audit.Options{})); got != "REPLAYED@2 REPLAYED@3" {
		t.Fatalf("default: %q", got)
	}
	rep := verify(t, copies, audit.Options{AllowDuplicates: true})
	if !rep.OK() || rep.Chains[0].Duplicates != 2 || rep.Chains[0].Verified != 4 {
		t.Fatalf("with AllowDuplicates:\n%s", text(rep))
	}
	if !strings.Contains(text(rep), "exact copies") {
		t.Fatalf("the report does not show the copies:\n%s", text(rep))
	}
	forged := append(append([]string(nil), clean...), rehash(t, append([]string(nil), clean...), 1)[1])
	if got := kinds(verify(t, forged, audit.Options{AllowDuplicates: true})); got != "CONFLICT@2" {
		t.Fatalf("a different record 2 with AllowDuplicates: %q", got)
	}
}
