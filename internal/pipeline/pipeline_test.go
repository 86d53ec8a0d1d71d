package pipeline

import (
	"context"
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.uber.org/goleak"

	"github.com/fapilog/fapilog-go/internal/record"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(dir) // the child process of the crash test; never returns
	}
	if dir := os.Getenv(inflightChildEnv); dir != "" {
		inflightChild(dir) // the child of the possible-duplicates test; never returns
	}
	// The batch processor hands export errors to otel.Handle, which would
	// print every one the tests provoke.
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(error) {}))
	goleak.VerifyTestMain(m)
}

// heldExporter records what it is given; while held, Export blocks, which
// is how a slow collector looks from the batch processor.
type heldExporter struct {
	mu       sync.Mutex
	recs     []sdklog.Record
	hold     chan struct{}
	fail     error
	shutdown atomic.Bool
	// deaf: while held, Export ignores its ctx too, as an exporter stuck
	// in a write does; its records stay in flight until release.
	deaf bool
}

func newHeld(held bool) *heldExporter {
	e := &heldExporter{hold: make(chan struct{})}
	if !held {
		close(e.hold)
	}
	return e
}

func (e *heldExporter) release() { close(e.hold) }

func (e *heldExporter) Export(ctx context.Context, recs []sdklog.Record) error {
	if e.deaf {
		<-e.hold
	} else {
		select {
		case <-e.hold:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if e.fail != nil {
		return e.fail
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, r := range recs {
		e.recs = append(e.recs, r.Clone())
	}
	return nil
}

func (e *heldExporter) Shutdown(context.Context) error   { e.shutdown.Store(true); return nil }
func (e *heldExporter) ForceFlush(context.Context) error { return nil }
func (e *heldExporter) len() int                         { e.mu.Lock(); defer e.mu.Unlock(); return len(e.recs) }

func newTestPipeline(e sdklog.Exporter, queue, reserved int) *Pipeline {
	return New(Settings{Exporter: e, QueueSize: queue, BatchSize: 4, Reserved: reserved,
		ExportInterval: 5 * time.Millisecond, Name: "test", Warn: func(string) {}})
}

// logOne runs one call through the pipeline the way the facade does.
func logOne(p *Pipeline, sev log.Severity, protected bool, wait time.Duration) error {
	return logCtx(context.Background(), p, sev, protected, wait)
}

func logCtx(ctx context.Context, p *Pipeline, sev log.Severity, protected bool, wait time.Duration) error {
	return p.Emit(ctx, Admission{Severity: sev, Protected: protected, Wait: wait}, &record.Call{Severity: sev}, record.Args{})
}

func checkExact(t *testing.T, r Result) {
	t.Helper()
	if r.Submitted != r.Exported+r.Dropped+r.Failed {
		t.Fatalf("Submitted %d != Exported %d + Dropped %d + Failed %d", r.Submitted, r.Exported, r.Dropped, r.Failed)
	}
}

func TestAdmissionNeverLetsTheQueueOverwrite(t *testing.T) {
	e := newHeld(true)
	p := newTestPipeline(e, 8, 0)
	var dropped int
	for range 100 {
		if err := logOne(p, log.SeverityInfo, false, 0); errors.Is(err, ErrDropped) {
			dropped++
		}
	}
	if dropped != 92 {
		t.Fatalf("dropped %d of 100 with 8 slots, want 92", dropped)
	}
	e.release()
	r, err := p.Stop(context.Background())
	if err := stopErr(r, err); err != nil {
		t.Fatal(err)
	}
	checkExact(t, r)
	if r.Exported != 8 || e.len() != 8 || r.Dropped != 92 || r.QueueHighWatermark != 8 {
		t.Fatalf("result %+v, exporter got %d", r, e.len())
	}
	if !e.shutdown.Load() {
		t.Fatal("Stop did not shut the owned exporter down")
	}
}

func TestReservedShareIsKeptForProtectedLevels(t *testing.T) {
	e := newHeld(true)
	p := newTestPipeline(e, 8, 3)
	admitted := 0
	for range 20 {
		if logOne(p, log.SeverityInfo, false, 0) == nil {
			admitted++
		}
	}
	if admitted != 5 {
		t.Fatalf("unprotected admitted %d, want 8-3=5", admitted)
	}
	for i := range 3 {
		if err := logOne(p, log.SeverityFatal2, true, 0); err != nil {
			t.Fatalf("protected record %d refused with reserved room left: %v", i, err)
		}
	}
	if err := logOne(p, log.SeverityFatal2, true, 0); !errors.Is(err, ErrDropped) {
		t.Fatalf("protected record beyond capacity with no wait: %v, want ErrDropped", err)
	}
	e.release()
	r, _ := p.Stop(context.Background())
	checkExact(t, r)
	if got := r.BySeverity[log.SeverityFatal2]; got.Exported != 3 || got.Dropped != 1 {
		t.Fatalf("AUDIT counts %+v", got)
	}
}

func TestProtectedRecordWaitsForRoomInsteadOfDropping(t *testing.T) {
	e := newHeld(true)
	p := newTestPipeline(e, 2, 0)
	for range 2 {
		if err := logOne(p, log.SeverityError, true, 0); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	go func() { done <- logOne(p, log.SeverityError, true, -1) }()
	select {
	case err := <-done:
		t.Fatalf("returned %v while the queue was full", err)
	case <-time.After(50 * time.Millisecond):
	}
	e.release()
	if err := <-done; err != nil {
		t.Fatalf("waiting protected record: %v", err)
	}
	r, _ := p.Stop(context.Background())
	checkExact(t, r)
	if r.Exported != 3 || r.Dropped != 0 {
		t.Fatalf("%+v", r)
	}
}

func TestWaitEndsWithCtxAndWithStop(t *testing.T) {
	e := newHeld(true)
	p := newTestPipeline(e, 1, 0)
	_ = logOne(p, log.SeverityInfo, false, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := logCtx(ctx, p, log.SeverityError, true, -1); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ctx-bounded wait: %v", err)
	}
	waiting := make(chan error, 1)
	go func() { waiting <- logCtx(context.Background(), p, log.SeverityError, true, -1) }()
	eventually(t, "the call to wait for room", func() bool { return p.eng.gate.waiters.Load() == 1 })
	stopped := make(chan Result, 1)
	go func() { r, _ := p.Stop(context.Background()); stopped <- r }()
	if err := <-waiting; !errors.Is(err, ErrStopped) {
		t.Fatalf("waiter on stop: %v, want ErrStopped", err)
	}
	e.release()
	r := <-stopped
	checkExact(t, r)
	if r.Dropped != 2 || r.Exported != 1 {
		t.Fatalf("%+v", r)
	}
}

func TestCallsAfterStopAreCountedAsDropped(t *testing.T) {
	p := newTestPipeline(newHeld(false), 8, 0)
	_ = logOne(p, log.SeverityInfo, false, 0)
	if _, err := p.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := logOne(p, log.SeverityInfo, false, 0); !errors.Is(err, ErrStopped) {
		t.Fatalf("after stop: %v", err)
	}
	r, err := p.Stop(context.Background())
	if err != nil {
		t.Fatalf("second Stop: %v, want nil", err)
	}
	checkExact(t, r)
	if r.Submitted != 2 || r.Exported != 1 || r.Dropped != 1 {
		t.Fatalf("%+v", r)
	}
}

func TestExportErrorsAreFailed(t *testing.T) {
	e := newHeld(false)
	e.fail = errors.New("collector said no")
	var warned atomic.Int32
	p := New(Settings{Exporter: e, QueueSize: 16, BatchSize: 4, ExportInterval: time.Millisecond,
		Warn: func(string) { warned.Add(1) }})
	for range 10 {
		_ = logOne(p, log.SeverityWarn, false, 0)
	}
	r, _ := p.Stop(context.Background())
	checkExact(t, r)
	if r.Failed != 10 || r.Exported != 0 {
		t.Fatalf("%+v", r)
	}
	if warned.Load() != 1 {
		t.Fatalf("warnings = %d, want exactly 1 (rate-limited)", warned.Load())
	}
}

func TestRecordsStillQueuedWhenTheDrainDeadlineRunsOutAreFailed(t *testing.T) {
	e := newHeld(true)
	p := newTestPipeline(e, 64, 0)
	for range 20 {
		_ = logOne(p, log.SeverityInfo, false, 0)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	r, err := p.Stop(ctx)
	if err == nil {
		t.Fatal("Stop with an expired deadline returned no error")
	}
	checkExact(t, r)
	if r.Failed != 20 {
		t.Fatalf("%+v", r)
	}
	e.release() // late exports must not change the reported totals
	// The batch processor shuts the exporter down after its last export.
	eventually(t, "the late exports", e.shutdown.Load)
	if r2 := p.Result(); r2.Failed != 20 || r2.Exported != 0 {
		t.Fatalf("totals moved after the drain: %+v", r2)
	}
}

func TestConcurrentLoggingAndStopKeepCountsExact(t *testing.T) {
	e := newHeld(false)
	p := newTestPipeline(e, 64, 16)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for g := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := range 200 {
				sev, prot := log.SeverityInfo, false
				if (g+i)%5 == 0 {
					sev, prot = log.SeverityFatal3, true
				}
				_ = logOne(p, sev, prot, time.Millisecond)
			}
		}()
	}
	close(start)
	eventually(t, "logging under way", func() bool { return p.Result().Submitted >= 100 })
	stopRes, err := p.Stop(context.Background())
	wg.Wait()
	if err := stopErr(stopRes, err); err != nil {
		t.Fatal(err)
	}
	r := p.Result()
	checkExact(t, r)
	if r.Submitted != 32*200 || uint64(e.len()) != r.Exported || r.Failed != 0 {
		t.Fatalf("%+v; exporter holds %d", r, e.len())
	}
}

// joinHeld joins scope to the engine under key, built over e when new.
func joinHeld(key, scope string, e sdklog.Exporter) *Pipeline {
	return Join(key, scope, func() Settings {
		return Settings{Exporter: e, QueueSize: 64, BatchSize: 4, ExportInterval: 5 * time.Millisecond, Warn: func(string) {}}
	})
}

func TestMembersOfOneEngineCountOnlyTheirOwnRecords(t *testing.T) {
	e := newHeld(true)
	a := joinHeld(t.Name(), "a", e)
	b := joinHeld(t.Name(), "b", e)
	if a.eng != b.eng {
		t.Fatal("two scopes under one key built two engines")
	}
	for range 3 {
		_ = logOne(a, log.SeverityInfo, false, time.Second)
	}
	for range 5 {
		_ = logOne(b, log.SeverityError, true, time.Second)
	}
	e.release()
	ra, err := a.Stop(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkExact(t, ra)
	if ra.Submitted != 3 || ra.Exported != 3 || ra.BySeverity[log.SeverityError].Submitted != 0 {
		t.Fatalf("a: %+v", ra)
	}
	if e.shutdown.Load() {
		t.Fatal("the first member's drain shut the shared exporter down")
	}
	_ = logOne(b, log.SeverityError, true, time.Second)
	rb, err := b.Stop(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkExact(t, rb)
	if rb.Submitted != 6 || rb.Exported != 6 || !e.shutdown.Load() {
		t.Fatalf("b: %+v, exporter shut down: %v", rb, e.shutdown.Load())
	}
}

// TestANameDrainedWithRecordsInFlightIsNotSharedAgain: a member whose drain
// deadline ran out keeps its scope in the engine until its records are
// through, so a new logger of that name gets an engine of its own and never
// counts the old one's records.
func TestANameDrainedWithRecordsInFlightIsNotSharedAgain(t *testing.T) {
	// The exporter ignores the drain's deadline, so the old records are
	// certainly still in flight when the drain returns (an exporter that
	// honours it fails them, and then the name is rightly free again).
	e := newHeld(true)
	e.deaf = true
	keep := joinHeld(t.Name(), "keep", e)
	old := joinHeld(t.Name(), "name", e)
	for range 4 {
		_ = logOne(old, log.SeverityInfo, false, 0)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	ro, _ := old.Stop(ctx)
	if ro.Failed != 4 {
		t.Fatalf("old: %+v, want its 4 records failed by the deadline", ro)
	}
	fresh := joinHeld(t.Name(), "name", newHeld(false))
	if fresh.eng == keep.eng {
		t.Fatal("the name was shared again while its old records were in flight")
	}
	e.release()
	eventually(t, "the old records to leave the engine", func() bool {
		keep.eng.mu.Lock()
		defer keep.eng.mu.Unlock()
		_, still := keep.eng.members["name"]
		return !still
	})
	if r := old.Result(); r.Failed != 4 || r.Exported != 0 {
		t.Fatalf("late exports moved the old totals: %+v", r)
	}
	_ = logOne(fresh, log.SeverityInfo, false, 0)
	rf, err := fresh.Stop(context.Background())
	if err != nil || rf.Submitted != 1 || rf.Exported != 1 {
		t.Fatalf("fresh: %+v, %v", rf, err)
	}
	// Now the name is free in the shared engine again.
	again := joinHeld(t.Name(), "name", e)
	if again.eng != keep.eng {
		t.Fatal("a free name did not join the running engine")
	}
	for _, p := range []*Pipeline{again, keep} {
		if _, err := p.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if Engines() != 0 {
		t.Fatalf("%d engines left running", Engines())
	}
}

// The exporter may count a record out before the emit that built it has
// counted it in (the batch processor runs as soon as the SDK has the
// record). The in-flight half of the state word is then -1 for a moment:
// the emits in progress and the stopped bit, in the low half, must not
// change, or Stop would wait for an emit that does not exist (or never see
// the stopped bit).
func TestRecordCountedOutBeforeInLeavesProgressAlone(t *testing.T) {
	var state atomic.Int64
	state.Add(1)                 // an emit in progress
	state.Or(stoppedBit)         // Stop has begun
	v := state.Add(-inflightOne) // its record exported already
	if v&lowMask != stoppedBit|1 || inflightOf(v) != -1 {
		t.Fatalf("after the early count out: low half %#x, in flight %d; want %#x, -1", v&lowMask, inflightOf(v), stoppedBit|1)
	}
	v = state.Add(inflightOne - 1) // the emit ends: in progress to in flight
	if v&lowMask != stoppedBit || inflightOf(v) != 0 {
		t.Fatalf("after the emit: low half %#x, in flight %d; want %#x (idle, stopped), 0", v&lowMask, inflightOf(v), stoppedBit)
	}
}

// A drain whose deadline ran out while an emit was still in progress
// (admitted, its record not yet handed to the SDK) must keep the member's
// name taken: that record may still reach the exporter, and must not be
// counted for a later logger of the name.
func TestDrainWithAnEmitInProgressKeepsTheName(t *testing.T) {
	e := newHeld(true)
	keep := joinHeld(t.Name(), "keep", e)
	p := joinHeld(t.Name(), "name", e)
	p.state.Add(1) // an emit that Stop's deadline did not wait for
	p.eng.finalize(p)
	p.eng.mu.Lock()
	member := p.eng.members["name"]
	p.eng.mu.Unlock()
	if member != p {
		t.Fatal("finalize freed the name of a member with an emit in progress")
	}
	p.state.Add(-1)
	e.release()
	for _, m := range []*Pipeline{p, keep} {
		if _, err := m.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}
