package fapilog

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/internal/settings"
	"github.com/fapilog/fapilog-go/internal/spool"
	"github.com/fapilog/fapilog-go/levels"
)

// needsSpool skips t where the spool is not offered (no flock(2), e.g.
// Windows: spool.Open fails with errors.ErrUnsupported and says why).
func needsSpool(t *testing.T) {
	t.Helper()
	sp, err := spool.Open(t.TempDir(), spool.Options{})
	if errors.Is(err, errors.ErrUnsupported) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := sp.Close(); err != nil {
		t.Fatal(err)
	}
}

// downExporter is an in-memory exporter that fails while down, and blocks
// while held (a collector too slow to keep up).
type downExporter struct {
	*exporter.Memory
	down atomic.Bool
	hold chan struct{}
}

func newDown(down bool) *downExporter {
	e := &downExporter{Memory: exporter.NewMemory(), hold: make(chan struct{})}
	close(e.hold)
	e.down.Store(down)
	return e
}

func (e *downExporter) Export(ctx context.Context, recs []sdklog.Record) error {
	select {
	case <-e.hold:
	case <-ctx.Done():
		return ctx.Err()
	}
	if e.down.Load() {
		return errors.New("collector unreachable")
	}
	return e.Memory.Export(ctx, recs)
}

func quiet() Option { return optionFunc(func(o *settings.Options) { o.Warn = func(string) {} }) }

// captureWarnings returns an option that collects a logger's stderr
// warnings, and a function that returns them so far. It forgets which
// configuration warnings were already reported, for this test and after.
func captureWarnings(t *testing.T) (Option, func() []string) {
	t.Helper()
	var mu sync.Mutex
	var lines []string
	reported = sync.Map{}
	t.Cleanup(func() { reported = sync.Map{} })
	capture := optionFunc(func(o *settings.Options) {
		o.Warn = func(s string) { mu.Lock(); lines = append(lines, s); mu.Unlock() }
	})
	return capture, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), lines...) }
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func checkSpoolInvariant(t *testing.T, r DrainResult) {
	t.Helper()
	if r.Submitted != r.Exported+r.Dropped+r.Failed+r.Spooled {
		t.Fatalf("Submitted %d != Exported %d + Dropped %d + Failed %d + Spooled %d", r.Submitted, r.Exported, r.Dropped, r.Failed, r.Spooled)
	}
	for l, c := range r.ByLevel {
		if c.Submitted != c.Exported+c.Dropped+c.Failed+c.Spooled {
			t.Fatalf("%v: %+v", l, c)
		}
	}
}

func TestWithSpoolKeepsProtectedRecordsForTheNextLogger(t *testing.T) {
	needsSpool(t)
	dir := t.TempDir()
	ctx := context.Background()
	down := newDown(true)
	l := GetLogger("spooled-svc", Reuse(false), WithExporter(down), WithSpool(dir),
		WithExportInterval(time.Millisecond), WithBatchSize(4), quiet())
	for i := range 5 {
		l.Error("payment failed", "order", i)
		l.Info("noise", "i", i)
	}
	l.Audit("audit trail")
	r, err := l.StopAndDrain(ctx)
	if err == nil {
		t.Fatal("the INFO records were lost, and the drain said nothing")
	}
	checkSpoolInvariant(t, r)
	if r.Spooled != 6 || r.ByLevel[levels.Error].Spooled != 5 || r.ByLevel[levels.Audit].Spooled != 1 ||
		r.ByLevel[levels.Info].Failed != 5 || r.Recovered != 0 {
		t.Fatalf("with the collector down: %+v", r)
	}

	up := exporter.NewMemory()
	next := GetLogger("next-svc", Reuse(false), WithExporter(up), WithSpool(dir), quiet())
	waitFor(t, "the replay", func() bool { return next.Stats().Recovered == 6 })
	r, err = next.StopAndDrain(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkSpoolInvariant(t, r)
	if r.Submitted != 0 || r.Recovered != 6 || r.ByLevel[levels.Error].Recovered != 5 {
		t.Fatalf("the next logger: %+v", r)
	}
	var got []string
	for _, rec := range up.Records() {
		got = append(got, fmt.Sprintf("%s:%s:%s", rec.InstrumentationScope().Name, rec.SeverityText(), rec.Body().AsString()))
	}
	want := strings.Repeat("spooled-svc:ERROR:payment failed,", 5) + "spooled-svc:AUDIT:audit trail"
	if strings.Join(got, ",") != want {
		t.Fatalf("replayed\n%s\nwant\n%s", strings.Join(got, ","), want)
	}
}

func TestSpoolFromTheEnvironmentAndWithSpoolOff(t *testing.T) {
	needsSpool(t)
	dir := t.TempDir()
	t.Setenv(EnvSpoolDir, dir)
	ctx := context.Background()

	off := GetLogger("env-off", Reuse(false), WithExporter(newDown(true)), WithSpool(""), quiet())
	off.Error("lost")
	r, _ := off.StopAndDrain(ctx)
	if r.Spooled != 0 || r.Failed != 1 {
		t.Fatalf("WithSpool(\"\") over %s: %+v", EnvSpoolDir, r)
	}

	on := GetLogger("env-on", Reuse(false), WithExporter(newDown(true)), quiet())
	on.Error("kept")
	r, _ = on.StopAndDrain(ctx)
	if r.Spooled != 1 {
		t.Fatalf("with %s: %+v", EnvSpoolDir, r)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "slot-*.spool")); len(m) != 2 { // the spool and its write-ahead log
		t.Fatalf("spool files %v", m)
	}
}

func TestSpoolMaxBytesVariableIsChecked(t *testing.T) {
	needsSpool(t)
	t.Setenv(EnvSpoolDir, t.TempDir())
	t.Setenv(EnvSpoolMaxBytes, "lots")
	_, err := GetAsyncLogger(context.Background(), "bad-spool", Reuse(false), WithExporter(exporter.NewMemory()))
	if err == nil || !strings.Contains(err.Error(), EnvSpoolMaxBytes) {
		t.Fatalf("err = %v", err)
	}
	// The option wins over the variable.
	a, err := GetAsyncLogger(context.Background(), "bad-spool", Reuse(false), WithExporter(exporter.NewMemory()),
		WithSpoolMaxBytes(1<<20))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestAsyncProtectedRecordWithoutRoomIsSpooledNotLost(t *testing.T) {
	needsSpool(t)
	e := newDown(false)
	e.hold = make(chan struct{}) // the collector hangs
	a, err := GetAsyncLogger(context.Background(), "async-spool", Reuse(false), WithExporter(e),
		WithSpool(t.TempDir()), WithQueueSize(2), WithReservedCapacity(0), quiet())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 2 {
		if err := a.Error(ctx, "queued"); err != nil {
			t.Fatal(err)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := a.Security(cctx, "intrusion", "ip", "10.0.0.1"); err != nil {
		t.Fatalf("protected record with a spool and no room: %v, want nil (on disk)", err)
	}
	if err := a.Info(cctx, "unprotected"); !errors.Is(err, context.Canceled) && !errors.Is(err, ErrDropped) {
		t.Fatalf("unprotected record: %v", err)
	}
	if s := a.Stats(); s.Spooled != 1 || s.ByLevel[levels.Security].Spooled != 1 {
		t.Fatalf("%+v", s)
	}
	close(e.hold)
	_ = a.Flush(ctx) // asks for a replay now
	waitFor(t, "the replay", func() bool { return a.Stats().Spooled == 0 })
	r, err := a.Drain(ctx)
	if (r.Dropped+r.Failed > 0) != errors.Is(err, ErrNotDelivered) {
		t.Fatalf("drain: %+v, %v", r, err)
	}
	checkSpoolInvariant(t, r)
	if r.Exported != 3 || r.ByLevel[levels.Security].Exported != 1 {
		t.Fatalf("%+v", r)
	}
	recs := e.Records()
	last := recs[len(recs)-1]
	if last.Body().AsString() != "intrusion" || last.SeverityText() != "SECURITY" {
		t.Fatalf("replayed %q %q", last.Body().AsString(), last.SeverityText())
	}
}

func TestLossWarningNamesTheLevels(t *testing.T) {
	capture, warnings := captureWarnings(t)
	l := GetLogger("warned", Reuse(false), WithExporter(newDown(true)), capture,
		WithExportInterval(time.Millisecond))
	l.Warning("w")
	if _, err := l.StopAndDrain(context.Background()); err == nil {
		t.Fatal("drain with a failing exporter and no spool returned no error")
	}
	if lines := warnings(); len(lines) == 0 || !strings.Contains(lines[0], "WARNING failed 1") {
		t.Fatalf("warning lines %q", warnings())
	}
}

// With a spool, an async protected call whose record could not be written
// ahead (here: larger than the spool's bound) returns ErrNotDurable: the
// record is sent, but was not on disk when the call returned.
func TestAsyncCallSaysWhenItsRecordWasNotWrittenAhead(t *testing.T) {
	needsSpool(t)
	e := newDown(false)
	a, err := GetAsyncLogger(context.Background(), "wal-full", Reuse(false), WithExporter(e),
		WithSpool(t.TempDir()), WithSpoolMaxBytes(spool.MinMaxBytes), quiet())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	err = a.Audit(ctx, "export finished", "manifest", strings.Repeat("x", 2*spool.MinMaxBytes))
	if !errors.Is(err, ErrNotDurable) {
		t.Fatalf("a protected record the write-ahead log cannot hold: %v, want ErrNotDurable", err)
	}
	if err := a.Audit(ctx, "small"); err != nil {
		t.Fatalf("a record that fits: %v", err)
	}
	r, err := a.Drain(ctx)
	if err != nil || r.Exported != 2 {
		t.Fatalf("drain: %+v, %v", r, err)
	}
}
