package pipeline

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/fapilog/fapilog-go/internal/record"
)

// funcExporter exports with a function.
type funcExporter struct {
	export   func(context.Context, []sdklog.Record) error
	shutdown atomic.Bool
}

func (e *funcExporter) Export(ctx context.Context, recs []sdklog.Record) error {
	return e.export(ctx, recs)
}
func (e *funcExporter) Shutdown(context.Context) error   { e.shutdown.Store(true); return nil }
func (e *funcExporter) ForceFlush(context.Context) error { return nil }

// warnings collects warning lines.
type warnings struct {
	mu    sync.Mutex
	lines []string
}

func (w *warnings) add(s string) { w.mu.Lock(); w.lines = append(w.lines, s); w.mu.Unlock() }
func (w *warnings) all() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.lines...)
}

func emitN(t *testing.T, p *Pipeline, sev log.Severity, n int) {
	t.Helper()
	for i := range n {
		if err := p.Emit(context.Background(), Admission{Severity: sev, Protected: sev >= log.SeverityError, Wait: time.Second},
			&record.Call{Severity: sev, Msg: fmt.Sprint("r", i)}, record.Args{}); err != nil {
			t.Fatal(err)
		}
	}
}

// Item 3: a drain after which a record was neither exported nor spooled
// returns an error, even when the exporter's Shutdown itself succeeded.
func TestStopReturnsAnErrorWhenRecordsWereNotDelivered(t *testing.T) {
	exp := &funcExporter{export: func(context.Context, []sdklog.Record) error { return errors.New("connection refused") }}
	p := New(Settings{Exporter: exp, QueueSize: 64, BatchSize: 8, ExportInterval: time.Millisecond, Name: "lost", Warn: func(string) {}})
	emitN(t, p, log.SeverityError, 20)
	// The failures happen before the drain (periodic exports): the drain's
	// own shutdown has nothing left to fail.
	deadline := time.Now().Add(5 * time.Second)
	for p.Result().Failed < 20 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	res, err := p.Stop(context.Background())
	if res.Failed != 20 {
		t.Fatalf("%+v", res)
	}
	if err == nil || !errors.Is(err, ErrNotDelivered) || !strings.Contains(err.Error(), "20") {
		t.Fatalf("Stop with every record failed returned %v; want an error wrapping ErrNotDelivered that says how many", err)
	}
	// A clean drain returns nil.
	q := New(Settings{Exporter: newHeld(false), QueueSize: 64, Name: "clean", Warn: func(string) {}})
	emitN(t, q, log.SeverityInfo, 5)
	if res, err := q.Stop(context.Background()); err != nil || res.Exported != 5 {
		t.Fatalf("clean drain: %+v, %v", res, err)
	}
}

// Item 5: a panicking exporter does not end the process: the batch is
// counted failed, one warning says so, and later batches go through.
func TestExporterPanicIsRecoveredAndCountedFailed(t *testing.T) {
	var calls atomic.Int32
	exp := &funcExporter{export: func(context.Context, []sdklog.Record) error {
		if calls.Add(1) == 1 {
			panic("exporter bug")
		}
		return nil
	}}
	var w warnings
	p := New(Settings{Exporter: exp, QueueSize: 64, BatchSize: 64, ExportInterval: time.Hour, Name: "panicky", Warn: w.add})
	emitN(t, p, log.SeverityError, 3)
	_ = p.Flush(context.Background())
	emitN(t, p, log.SeverityError, 2)
	res, err := p.Stop(context.Background())
	if res.Failed != 3 || res.Exported != 2 {
		t.Fatalf("%+v: want the panicking batch (3) failed, the next (2) exported", res)
	}
	if err == nil {
		t.Fatal("drain after a failed batch returned nil")
	}
	lines := w.all()
	if len(lines) == 0 || !strings.Contains(lines[0], "panic") || !strings.Contains(lines[0], "exporter bug") {
		t.Fatalf("warnings %q", lines)
	}
}

// goexitStringer calls runtime.Goexit, as t.Fatal does from String.
type goexitStringer struct{}

func (goexitStringer) String() string { runtime.Goexit(); return "" }

// Item 6: runtime.Goexit while the record is built must not leak its
// admission slot: later records are admitted, the goexited one is counted,
// and a drain with context.Background() returns.
func TestGoexitWhileBuildingReleasesTheSlot(t *testing.T) {
	exp := newHeld(false)
	p := New(Settings{Exporter: exp, QueueSize: 2, BatchSize: 1, ExportInterval: time.Millisecond, Name: "goexit", Warn: func(string) {}})
	for range 3 { // more than the queue size
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = p.Emit(context.Background(), Admission{Severity: log.SeverityInfo},
				&record.Call{Severity: log.SeverityInfo, Msg: "boom"}, record.Args{KV: []any{"v", goexitStringer{}}})
		}()
		<-done
	}
	if err := p.Emit(context.Background(), Admission{Severity: log.SeverityInfo, Wait: 200 * time.Millisecond},
		&record.Call{Severity: log.SeverityInfo, Msg: "after"}, record.Args{}); err != nil {
		t.Fatalf("a record after three goexits: %v (admission slots leaked)", err)
	}
	stopped := make(chan Result, 1)
	go func() { r, _ := p.Stop(context.Background()); stopped <- r }()
	select {
	case r := <-stopped:
		if r.Submitted != 4 || r.Exported != 1 || r.Dropped+r.Failed != 3 {
			t.Fatalf("%+v: want 4 submitted, 1 exported, the 3 goexited counted lost", r)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Stop(context.Background()) did not return: an emit in progress leaked")
	}
}

// Item 8: a snapshot never shows more outcomes than submissions, however
// busy the pipeline.
func TestStatsSnapshotsAreConsistentUnderLoad(t *testing.T) {
	exp := &funcExporter{export: func(context.Context, []sdklog.Record) error { return nil }}
	p := New(Settings{Exporter: exp, QueueSize: 4, BatchSize: 2, ExportInterval: time.Millisecond, Name: "snap", Warn: func(string) {}})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				_ = p.Emit(context.Background(), Admission{Severity: log.SeverityInfo}, // no wait: most are dropped
					&record.Call{Severity: log.SeverityInfo, Msg: "x"}, record.Args{})
			}
		}()
	}
	bad := 0
	var worst Result
	for ctx.Err() == nil {
		r := p.Result()
		if r.Dropped+r.Exported+r.Failed+r.Spooled > r.Submitted {
			bad++
			worst = r
		}
	}
	wg.Wait()
	_, _ = p.Stop(context.Background())
	if bad > 0 {
		t.Fatalf("%d snapshots with more outcomes than submissions, e.g. %+v", bad, worst)
	}
}

// Item 9: a PartialError with repeated or out-of-range indices cannot wrap
// the counters: each record is counted once.
func TestPartialErrorIndicesAreValidated(t *testing.T) {
	exp := &funcExporter{export: func(_ context.Context, recs []sdklog.Record) error {
		return &partialErr{failed: []int{0, 0, 0, 1, 1, -1, len(recs), 1 << 40}}
	}}
	p := New(Settings{Exporter: exp, QueueSize: 64, BatchSize: 64, ExportInterval: time.Hour, Name: "partial-bad", Warn: func(string) {}})
	emitN(t, p, log.SeverityInfo, 4)
	res, _ := p.Stop(context.Background())
	if res.Submitted != 4 || res.Exported != 2 || res.Failed != 2 {
		t.Fatalf("%+v: want 2 exported, 2 failed (indices 0 and 1, each once)", res)
	}
}

// Item 12: failed exports reach stderr through the pipeline's rate-limited
// warning only, never once per batch through the OTel global error
// handler.
func TestFailedExportsDoNotReachTheGlobalErrorHandler(t *testing.T) {
	var handled atomic.Int32
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(error) { handled.Add(1) }))
	defer otel.SetErrorHandler(otel.ErrorHandlerFunc(func(error) {}))
	exp := &funcExporter{export: func(context.Context, []sdklog.Record) error { return errors.New("collector down") }}
	var w warnings
	p := New(Settings{Exporter: exp, QueueSize: 64, BatchSize: 1, ExportInterval: time.Millisecond, Name: "quiet", Warn: w.add})
	emitN(t, p, log.SeverityError, 10)
	deadline := time.Now().Add(5 * time.Second)
	for p.Result().Failed < 10 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	_, _ = p.Stop(context.Background())
	if n := handled.Load(); n != 0 {
		t.Fatalf("the OTel global error handler got %d export errors; the pipeline's rate-limited warning must be the only report", n)
	}
	if n := len(w.all()); n != 1 {
		t.Fatalf("%d warning lines for 10 failed batches in well under 10 s, want 1: %q", n, w.all())
	}
}

// stopErr checks the error of a Stop against its result: an error wrapping
// ErrNotDelivered exactly when a record was dropped or failed, and no
// other error. It returns what is wrong, nil when all is well.
func stopErr(r Result, err error) error {
	lost := r.Dropped+r.Failed > 0
	switch {
	case lost && !errors.Is(err, ErrNotDelivered):
		return fmt.Errorf("dropped %d, failed %d, but Stop returned %v", r.Dropped, r.Failed, err)
	case !lost && err != nil:
		return err
	}
	return nil
}

// Item 11: an AUDIT record on a drained logger is not lost without a word:
// a warning line says so, and with a spool it is written there for the
// next process (counted as spooled); the call still reports ErrStopped.
func TestProtectedRecordAfterStopIsWarnedAndSpooled(t *testing.T) {
	for _, withSpool := range []bool{false, true} {
		t.Run(fmt.Sprint("spool=", withSpool), func(t *testing.T) {
			var w warnings
			dir := t.TempDir()
			s := Settings{Exporter: newHeld(false), QueueSize: 16, Name: "late", Warn: w.add}
			if withSpool {
				s.Spool = openSpool(t, dir, 0)
				s.Protected = []log.Severity{log.SeverityFatal2}
			}
			p := New(s)
			if _, err := p.Stop(context.Background()); err != nil {
				t.Fatal(err)
			}
			err := p.Emit(context.Background(), Admission{Severity: log.SeverityFatal2, Protected: true},
				&record.Call{Severity: log.SeverityFatal2, Text: "AUDIT", Msg: "after the drain"}, record.Args{})
			if !errors.Is(err, ErrStopped) {
				t.Fatalf("Emit after Stop: %v", err)
			}
			if lines := w.all(); len(lines) != 1 || !strings.Contains(lines[0], "stopped") {
				t.Fatalf("warnings %q: want one line saying the logger is stopped", lines)
			}
			r := p.Result()
			if !withSpool {
				if r.Dropped != 1 {
					t.Fatalf("%+v", r)
				}
				return
			}
			if r.Spooled != 1 || r.Dropped != 0 || r.Submitted != 1 {
				t.Fatalf("%+v: want the record spooled", r)
			}
			next := openSpool(t, dir, 0)
			defer next.Close()
			if next.Len() != 1 {
				t.Fatalf("the next spool holds %d records, want the late AUDIT record", next.Len())
			}
		})
	}
}
