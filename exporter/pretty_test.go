package exporter

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.opentelemetry.io/otel/trace"
)

var updatePretty = flag.Bool("update-pretty", false, "rewrite the pretty console golden files")

// prettyRecords is one record of each kind the pretty format must render.
func prettyRecords(t testing.TB) []sdklog.Record {
	res := resource.NewSchemaless(attribute.String("service.name", "svc"))
	emit := func(ctx context.Context, l log.Logger, sev log.Severity, text, msg string, kvs ...attribute.KeyValue) {
		var r log.Record
		r.SetTimestamp(testTime)
		r.SetSeverity(sev)
		r.SetSeverityText(text)
		r.SetBody(attribute.StringValue(msg))
		r.AddAttributes(kvs...)
		l.Emit(ctx, r)
	}
	return makeRecords(t, res, "checkout", func(ctx context.Context, l log.Logger) {
		emit(ctx, l, log.SeverityDebug, "DEBUG", "Cache lookup", attribute.String("key", "user:42"), attribute.Bool("hit", false))
		emit(ctx, l, log.SeverityInfo, "INFO", "Hello, world", attribute.String("env", "prod"), attribute.Int("attempt", 1))
		emit(ctx, l, log.SeverityWarn, "WARNING", "Disk space low",
			attribute.Float64("free_gb", 3.5),
			attribute.KeyValue{Key: "disk", Value: attribute.MapValue(
				attribute.String("path", "/var/lib"),
				attribute.KeyValue{Key: "usage", Value: attribute.MapValue(attribute.Float64("ratio", 0.97), attribute.Int("inodes", 12))},
			)},
			attribute.KeyValue{Key: "labels", Value: attribute.MapValue()},
		)
		sctx := trace.ContextWithSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{
			TraceID: testTraceID, SpanID: testSpanID, TraceFlags: trace.FlagsSampled}))
		emit(sctx, l, log.SeverityError, "ERROR", "Payment failed",
			attribute.String("exception.type", "*errors.errorString"),
			attribute.String("exception.message", "card declined"),
			attribute.String("exception.stacktrace", "main.pay()\n\t/src/main.go:12\nmain.main()\n\t/src/main.go:30\n"),
			attribute.Int("order_id", 1234),
		)
		emit(sctx, l, log.SeverityFatal, "CRITICAL", "Database unreachable", attribute.String("db", "orders"))
		emit(ctx, l, log.SeverityFatal2, "AUDIT", "User role changed", attribute.String("user", "alice"), attribute.String("role", "admin"))
		emit(ctx, l, log.SeverityFatal3, "SECURITY", "Failed login", attribute.String("user", "mallory"), attribute.Int("attempts", 5))
		emit(ctx, l, log.SeverityInfo, "INFO", "Quoting",
			attribute.String("empty", ""),
			attribute.String("space", "two words"),
			attribute.String("quote", `say "hi"`),
			attribute.String("equals", "a=b"),
			attribute.String("unicode", "héllo wörld"),
			attribute.String("plain_unicode", "héllo"),
			attribute.String("escape", "\x1b[31mred\x1b[0m"),
			attribute.String("newline", "line1\nline2"),
			attribute.String("url", "https://example.com/a?b=c"),
			attribute.String("path", "/var/log/app.log"),
		)
		emit(ctx, l, log.SeverityInfo, "INFO", "Values",
			attribute.Int64("big", math.MaxInt64),
			attribute.Int("negative", -7),
			attribute.Float64("third", 1.0/3),
			attribute.Float64("whole", 3),
			attribute.Float64("tiny", 1e-7),
			attribute.Float64("nan", math.NaN()),
			attribute.Float64("inf", math.Inf(-1)),
			attribute.Bool("ok", true),
			attribute.KeyValue{Key: "bytes", Value: attribute.ByteSliceValue([]byte("hi?"))},
			attribute.KeyValue{Key: "nil", Value: attribute.Value{}},
			attribute.KeyValue{Key: "ids", Value: attribute.SliceValue(attribute.IntValue(1), attribute.IntValue(2))},
			attribute.KeyValue{Key: "tags", Value: attribute.SliceValue(attribute.StringValue("a"), attribute.StringValue("b,c"), attribute.StringValue("d e"))},
			attribute.KeyValue{Key: "items", Value: attribute.SliceValue(attribute.MapValue(attribute.String("sku", "X1"), attribute.Int("qty", 2)))},
			attribute.StringSlice("typed", []string{"x", "y"}),
		)
		emit(ctx, l, log.SeverityInfo, "INFO", "Forged\nline \x1b[2Jclear\x07 and \u2028 separator")
		emit(ctx, l, log.SeverityInfo2, "NOTICE", "A custom level", attribute.String("k", "v"))

		var r log.Record // no timestamp, no text, a map body
		r.SetObservedTimestamp(testObserved)
		r.SetSeverity(log.SeverityWarn2)
		r.SetBody(attribute.MapValue(attribute.String("event", "rotated"), attribute.Int("files", 3)))
		r.SetEventName("log.rotated")
		l.Emit(ctx, r)
	})
}

func prettyOutput(t *testing.T, color bool) string {
	t.Helper()
	var buf bytes.Buffer
	exp := NewPretty(&buf, color)
	exp.(*lineExporter).enc.(*pretty).loc = time.UTC
	if err := exp.Export(context.Background(), prettyRecords(t)); err != nil {
		t.Fatal(err)
	}
	if err := exp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestPrettyMatchesGoldenFiles(t *testing.T) {
	for _, tt := range []struct {
		name  string
		color bool
	}{{"pretty.golden", false}, {"pretty_color.golden", true}} {
		t.Run(tt.name, func(t *testing.T) {
			got := prettyOutput(t, tt.color)
			path := filepath.Join("testdata", tt.name)
			if *updatePretty {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestPrettyMatchesGoldenFiles -update-pretty to create it)", err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s (rerun with -update-pretty after checking it):\n got:\n%s\nwant:\n%s", path, got, want)
			}
		})
	}
}

func TestPrettyWritesOneLinePerRecordWithoutColourEscapes(t *testing.T) {
	out := prettyOutput(t, false)
	if strings.ContainsRune(out, 0x1b) {
		t.Fatalf("uncoloured output holds an ESC byte:\n%q", out)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	records := 0
	for _, line := range lines {
		if strings.HasPrefix(line, "    ") { // stack trace lines
			continue
		}
		records++
	}
	if want := len(prettyRecords(t)); records != want {
		t.Fatalf("%d record lines, want %d:\n%s", records, want, out)
	}
}

func TestPrettyColoursLevelsDistinctly(t *testing.T) {
	seen := map[string]string{}
	for name, sev := range map[string]log.Severity{
		"DEBUG": log.SeverityDebug, "INFO": log.SeverityInfo, "WARNING": log.SeverityWarn, "ERROR": log.SeverityError,
		"CRITICAL": log.SeverityFatal, "AUDIT": log.SeverityFatal2, "SECURITY": log.SeverityFatal3,
	} {
		recs := makeRecords(t, resource.Empty(), "s", func(ctx context.Context, l log.Logger) {
			var r log.Record
			r.SetSeverity(sev)
			r.SetSeverityText(name)
			l.Emit(ctx, r)
		})
		var buf bytes.Buffer
		if err := NewPretty(&buf, true).Export(context.Background(), recs); err != nil {
			t.Fatal(err)
		}
		i := strings.Index(buf.String(), name)
		if i < 0 {
			t.Fatalf("%s: %q", name, buf.String())
		}
		j := strings.LastIndex(buf.String()[:i], "\x1b[")
		sgr := buf.String()[j:i]
		if other, dup := seen[sgr]; dup {
			t.Fatalf("%s and %s share the colour %q", name, other, sgr)
		}
		seen[sgr] = name
	}
}

func TestPrettyNeverLetsAValueBreakTheLine(t *testing.T) {
	for _, s := range []string{"a\nb", "\x1b]0;title\x07", "\r\n", "\u0085", "\u2028", "bad\xffutf8", "\x00", "\x7f", "\u202e"} {
		recs := makeRecords(t, resource.Empty(), s, func(ctx context.Context, l log.Logger) {
			var r log.Record
			r.SetSeverity(log.SeverityInfo)
			r.SetSeverityText(s)
			r.SetBody(attribute.StringValue(s))
			r.AddAttributes(attribute.String(s, s), attribute.KeyValue{Key: "m", Value: attribute.MapValue(attribute.String(s, s))})
			l.Emit(ctx, r)
		})
		var buf bytes.Buffer
		if err := NewPretty(&buf, false).Export(context.Background(), recs); err != nil {
			t.Fatal(err)
		}
		out := strings.TrimSuffix(buf.String(), "\n")
		if strings.ContainsAny(out, "\n\r\x1b\x00\x07\x7f\u0085\u2028\u202e") {
			t.Errorf("%q printed raw: %q", s, out)
		}
	}
}

func TestPrettyLifecycle(t *testing.T) {
	recs := scalarBatch(t, 3)
	w := &countingWriter{}
	exp := NewPretty(w, false)
	ctx := context.Background()
	if err := exp.Export(ctx, recs); err != nil {
		t.Fatal(err)
	}
	if w.writes != 1 || bytes.Count(w.buf.Bytes(), []byte("\n")) != 3 {
		t.Fatalf("%d writes, output %q; want one write of 3 lines", w.writes, w.buf.String())
	}
	if err := exp.Export(ctx, nil); err != nil || w.writes != 1 {
		t.Fatalf("empty batch: %v, %d writes", err, w.writes)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := exp.Export(cctx, recs); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled ctx: %v", err)
	}
	if err := NewPretty(failingWriter{errors.New("disk full")}, false).Export(ctx, recs); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("write error: %v", err)
	}
	if err := exp.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := exp.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := exp.Export(ctx, recs); !errors.Is(err, sdklog.ErrExporterShutdown) {
		t.Fatalf("after shutdown: %v", err)
	}
	if err := exp.Shutdown(ctx); err != nil {
		t.Fatal("second shutdown:", err)
	}
	if NewPretty(nil, false).(*lineExporter).w != os.Stdout {
		t.Fatal("nil writer is not stdout")
	}
}

func TestIsTerminal(t *testing.T) {
	var buf bytes.Buffer
	if isTerminal(&buf) {
		t.Fatal("a bytes.Buffer is a terminal")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if isTerminal(w) {
		t.Fatal("a pipe is a terminal")
	}
	f, err := os.CreateTemp(t.TempDir(), "log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) {
		t.Fatal("a regular file is a terminal")
	}
	if pty := openPTY(t); pty != nil && !isTerminal(pty) {
		t.Fatal("a pseudo-terminal is not a terminal")
	}
}

// openPTY returns the master side of a new pseudo-terminal, or nil (the
// test then checks less) where there is none.
func openPTY(t *testing.T) *os.File {
	t.Helper()
	f, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Logf("no pseudo-terminal: %v", err)
		return nil
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func BenchmarkPrettyExport(b *testing.B) {
	recs := scalarBatch(b, 64)
	exp := NewPretty(io.Discard, true)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := exp.Export(ctx, recs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/record")
}
