package fapilog

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/internal/syncbuf"
	"github.com/fapilog/fapilog-go/levels"
)

// TestConsoleWritesBeforeTheCallReturns: with the console exporter, a
// record is on the writer when the call returns, as with slog and zap, so
// a panic or os.Exit right after it cannot lose it (a batch waits up to
// a second).
func TestConsoleWritesBeforeTheCallReturns(t *testing.T) {
	for _, format := range []exporter.ConsoleFormat{exporter.ConsoleJSON, exporter.ConsolePretty} {
		t.Run(string(format), func(t *testing.T) {
			var out syncbuf.Buffer
			cfg := exporter.Config{Kind: exporter.KindConsole, Console: &out, ConsoleFormat: format}
			l := GetLogger(t.Name(), Reuse(false), WithExporterConfig(cfg), WithLevel(levels.Debug))
			defer func() { _, _ = l.StopAndDrain(context.Background()) }()
			a, err := GetAsyncLogger(context.Background(), t.Name(), Reuse(false), WithExporterConfig(cfg))
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _, _ = a.StopAndDrain(context.Background()) }()

			l.Error("written at once", "n", 1)
			if got := out.String(); !strings.Contains(got, "written at once") {
				t.Fatalf("sync Error returned before its record was written: output %q", got)
			}
			if err := a.Info(context.Background(), "async written at once"); err != nil {
				t.Fatal(err)
			}
			if got := out.String(); !strings.Contains(got, "async written at once") {
				t.Fatalf("async Info returned nil before its record was written: output %q", got)
			}
			res, err := l.StopAndDrain(context.Background())
			if err != nil || res.Submitted != 1 || res.Exported != 1 {
				t.Fatalf("drain: %+v, %v", res, err)
			}
		})
	}
}

// TestConsoleCallAllocatesNoMoreThanTheSDKRecord pins the synchronous
// console path: no allocation of its own (the SDK's record is counted by
// the baseline, as in alloc_test.go).
func TestConsoleCallAllocatesNoMoreThanTheSDKRecord(t *testing.T) {
	none := GetLogger(t.Name()+"-none", Reuse(false), WithExporter(exporter.NewNone()))
	defer func() { _, _ = none.StopAndDrain(context.Background()) }()
	cfg := exporter.Config{Kind: exporter.KindConsole, Console: io.Discard, ConsoleFormat: exporter.ConsoleJSON}
	con := GetLogger(t.Name(), Reuse(false), WithExporterConfig(cfg))
	defer func() { _, _ = con.StopAndDrain(context.Background()) }()
	call := func(l *Logger) func() {
		return func() { l.Info("request served", "method", "GET", "status", 200, "path", "/api/v1/users") }
	}
	call(con)() // warm the encoding buffer
	base := testing.AllocsPerRun(allocRuns, call(none))
	got := testing.AllocsPerRun(allocRuns, call(con))
	if got > base {
		t.Fatalf("console call: %.1f allocations, the batched none exporter %.1f", got, base)
	}
}

// BenchmarkConsoleCall measures a console call writing before it returns
// (the default) against the same console exporter behind the batch
// processor (as WithExporter builds it, and as the console was before):
// the cost of never losing the last lines to a crash.
//
//	go test -run XXX -bench BenchmarkConsoleCall -benchmem .
func BenchmarkConsoleCall(b *testing.B) {
	for _, tc := range []struct {
		name string
		opt  func() Option
	}{
		{"sync-write", func() Option {
			return WithExporterConfig(exporter.Config{Kind: exporter.KindConsole, Console: io.Discard, ConsoleFormat: exporter.ConsoleJSON})
		}},
		{"batched", func() Option { return WithExporter(exporter.NewConsole(io.Discard)) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			l := GetLogger(b.Name(), Reuse(false), tc.opt(), WithBackpressureWait(-1))
			defer func() { _, _ = l.StopAndDrain(context.Background()) }()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				l.Info("request served", "method", "GET", "status", 200, "path", "/api/v1/users")
			}
		})
	}
}
