package fapilog

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/internal/pipeline"
	"github.com/fapilog/fapilog-go/internal/syncbuf"
)

// sharedConsole is an exporter configuration loggers can share an engine
// over: the console exporter writing JSON to buf.
func sharedConsole(buf *syncbuf.Buffer) Option {
	return WithExporterConfig(exporter.Config{Kind: exporter.KindConsole, Console: buf, ConsoleFormat: exporter.ConsoleJSON})
}

func drained(t *testing.T, l interface {
	StopAndDrain(context.Context) (DrainResult, error)
}) DrainResult {
	t.Helper()
	r, err := l.StopAndDrain(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r.Submitted != r.Exported+r.Dropped+r.Failed+r.Spooled {
		t.Fatalf("not exact: %+v", r)
	}
	return r
}

func TestNamedLoggersWithOneConfigurationShareOneEngineWithTheirOwnCounts(t *testing.T) {
	var buf syncbuf.Buffer
	before := pipeline.Engines()
	a := GetLogger("shared-a", sharedConsole(&buf))
	b := GetLogger("shared-b", sharedConsole(&buf))
	if got := pipeline.Engines() - before; got != 1 {
		t.Fatalf("engines for two loggers of one configuration: %d, want 1", got)
	}
	for range 3 {
		a.Info("from a")
	}
	for range 5 {
		b.Warning("from b")
	}
	ra := drained(t, a)
	if ra.Submitted != 3 || ra.Exported != 3 {
		t.Fatalf("a: %+v, want exactly its 3 records", ra)
	}
	// Draining a leaves b running on the engine.
	b.Info("after a drained")
	if pipeline.Engines()-before != 1 {
		t.Fatal("the shared engine stopped with one of its loggers")
	}
	rb := drained(t, b)
	if rb.Submitted != 6 || rb.Exported != 6 || rb.ByLevel[DefaultLevel].Exported != 1 {
		t.Fatalf("b: %+v, want exactly its 6 records", rb)
	}
	if got := pipeline.Engines() - before; got != 0 {
		t.Fatalf("engines after the last logger drained: %d, want 0", got)
	}
	out := buf.String()
	if strings.Count(out, `"scope":"shared-a"`) != 3 || strings.Count(out, `"scope":"shared-b"`) != 6 {
		t.Fatalf("console output:\n%s", out)
	}
}

func TestSyncAndAsyncLoggersOfOneNameUseSeparateEngines(t *testing.T) {
	var buf syncbuf.Buffer
	before := pipeline.Engines()
	l := GetLogger("kinds", sharedConsole(&buf))
	al, err := GetAsyncLogger(context.Background(), "kinds", sharedConsole(&buf))
	if err != nil {
		t.Fatal(err)
	}
	if got := pipeline.Engines() - before; got != 2 {
		t.Fatalf("engines: %d, want one per kind", got)
	}
	l.Info("sync")
	if err := al.Info(context.Background(), "async"); err != nil {
		t.Fatal(err)
	}
	if err := al.Info(context.Background(), "async"); err != nil {
		t.Fatal(err)
	}
	if r := drained(t, l); r.Exported != 1 {
		t.Fatalf("sync: %+v", r)
	}
	if r := drained(t, al); r.Exported != 2 {
		t.Fatalf("async: %+v", r)
	}
}

func TestANameRecreatedAfterADrainCountsOnlyItsOwnRecords(t *testing.T) {
	var buf syncbuf.Buffer
	keep := GetLogger("keeps-engine", sharedConsole(&buf))
	defer drained(t, keep)
	old := GetLogger("recreated", sharedConsole(&buf))
	old.Info("old")
	drained(t, old)
	fresh := GetLogger("recreated", sharedConsole(&buf))
	if fresh == old {
		t.Fatal("drained logger still cached")
	}
	fresh.Info("new")
	fresh.Info("new")
	if r := drained(t, fresh); r.Submitted != 2 || r.Exported != 2 {
		t.Fatalf("%+v", r)
	}
}

func TestConcurrentLoggersOnOneEngineKeepExactCounts(t *testing.T) {
	var buf syncbuf.Buffer
	const loggers, calls = 8, 300
	ls := make([]*Logger, loggers)
	for i := range ls {
		ls[i] = GetLogger("concurrent-"+string(rune('a'+i)), sharedConsole(&buf), WithQueueSize(64), WithBatchSize(8), WithBackpressureWait(time.Minute))
	}
	var wg sync.WaitGroup
	for i, l := range ls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range calls {
				l.Info("x")
			}
			if i%2 == 0 { // half of them drain while the others log
				drained(t, l)
			}
		}()
	}
	wg.Wait()
	var total uint64
	for _, l := range ls {
		r := drained(t, l)
		if r.Submitted != calls {
			t.Fatalf("%s: %+v", l.Name(), r)
		}
		total += r.Exported + r.Dropped
	}
	if total != loggers*calls {
		t.Fatalf("exported+dropped %d of %d", total, loggers*calls)
	}
}

func TestCachedGetLoggerIsALookupWithoutAllocations(t *testing.T) {
	l := GetLogger("cached-lookup", WithExporterConfig(exporter.Config{Kind: exporter.KindNone}))
	defer drained(t, l)
	al, err := GetAsyncLogger(context.Background(), "cached-lookup")
	if err != nil {
		t.Fatal(err)
	}
	defer drained(t, al)
	t.Setenv(EnvLevel, "not a level") // a lookup reads no variable
	if n := testing.AllocsPerRun(allocRuns, func() {
		if GetLogger("cached-lookup") != l {
			t.Fatal("not the cached logger")
		}
	}); n != 0 {
		t.Fatalf("cached GetLogger: %v allocations, want 0", n)
	}
	ctx := context.Background()
	if n := testing.AllocsPerRun(allocRuns, func() {
		if got, err := GetAsyncLogger(ctx, "cached-lookup"); got != al || err != nil {
			t.Fatalf("not the cached logger: %v", err)
		}
	}); n != 0 {
		t.Fatalf("cached GetAsyncLogger: %v allocations, want 0", n)
	}
}
