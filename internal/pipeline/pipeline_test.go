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

	"github.com/fapilog/fapilog-go/bridge"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(dir) // the child process of the crash test; never returns
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
	select {
	case <-e.hold:
	case <-ctx.Done():
		return ctx.Err()
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
	return p.Emit(ctx, Admission{Severity: sev, Protected: protected, Wait: wait}, &bridge.Call{Severity: sev}, bridge.Args{})
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
	if err != nil {
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
	time.Sleep(20 * time.Millisecond)
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
	time.Sleep(20 * time.Millisecond)
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
	time.Sleep(5 * time.Millisecond)
	r, err := p.Stop(context.Background())
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	r = p.Result()
	checkExact(t, r)
	if r.Submitted != 32*200 || uint64(e.len()) != r.Exported || r.Failed != 0 {
		t.Fatalf("%+v; exporter holds %d", r, e.len())
	}
}
