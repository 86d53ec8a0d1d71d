package runtime

import (
	"context"
	"errors"
	"os"
	goruntime "runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type fakeLogger struct {
	drains  atomic.Int32
	drained chan struct{}
}

func newFake() *fakeLogger { return &fakeLogger{drained: make(chan struct{})} }

func (f *fakeLogger) drain(ctx context.Context) error {
	if f.drains.Add(1) == 1 {
		close(f.drained)
	}
	return nil
}

func run(ctx context.Context, cfg Config, f *fakeLogger, fn func(context.Context, *fakeLogger) error) error {
	return Run(ctx, cfg, func() (*fakeLogger, error) { return f, nil },
		func(ctx context.Context, l *fakeLogger) error { return l.drain(ctx) }, fn)
}

func TestRunDrainsOnceOnReturn(t *testing.T) {
	f := newFake()
	want := errors.New("job failed")
	err := run(context.Background(), Config{}, f, func(context.Context, *fakeLogger) error { return want })
	if !errors.Is(err, want) {
		t.Fatalf("err = %v, want %v", err, want)
	}
	if f.drains.Load() != 1 {
		t.Fatalf("drained %d times", f.drains.Load())
	}
}

func TestRunDrainsThenRepanics(t *testing.T) {
	f := newFake()
	defer func() {
		if r := recover(); r != "boom" {
			t.Fatalf("recovered %v, want the original panic", r)
		}
		if f.drains.Load() != 1 {
			t.Fatalf("drained %d times before re-panic", f.drains.Load())
		}
	}()
	_ = run(context.Background(), Config{}, f, func(context.Context, *fakeLogger) error { panic("boom") })
	t.Fatal("Run returned instead of re-panicking")
}

func TestRunDrainsAsSoonAsCtxIsCancelled(t *testing.T) {
	f := newFake()
	ctx, cancel := context.WithCancel(context.Background())
	err := run(ctx, Config{}, f, func(ctx context.Context, l *fakeLogger) error {
		cancel()
		select {
		case <-l.drained: // drained while fn still runs
		case <-time.After(5 * time.Second):
			t.Error("not drained after cancellation")
		}
		return ctx.Err()
	})
	if !errors.Is(err, context.Canceled) || f.drains.Load() != 1 {
		t.Fatalf("err = %v, drains = %d", err, f.drains.Load())
	}
}

func TestRunOnSIGTERMCancelsWithCauseAndDrains(t *testing.T) {
	if goruntime.GOOS == "windows" {
		t.Skip("Windows delivers no SIGTERM to a process (os.Process.Signal supports only Kill there)")
	}
	self, err := os.FindProcess(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	f := newFake()
	err = run(context.Background(), Config{}, f, func(ctx context.Context, l *fakeLogger) error {
		if err := self.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(5 * time.Second):
			t.Fatal("SIGTERM did not cancel the run")
		}
		if !errors.Is(context.Cause(ctx), ErrTerminated) {
			t.Errorf("cause = %v", context.Cause(ctx))
		}
		<-l.drained
		return nil
	})
	if !errors.Is(err, ErrTerminated) || f.drains.Load() != 1 {
		t.Fatalf("err = %v, drains = %d", err, f.drains.Load())
	}
}

func TestRunReportsOpenAndDrainErrors(t *testing.T) {
	openErr := errors.New("bad config")
	err := Run(context.Background(), Config{}, func() (int, error) { return 0, openErr },
		func(context.Context, int) error { t.Fatal("drain of an unopened logger"); return nil },
		func(context.Context, int) error { t.Fatal("fn ran without a logger"); return nil })
	if !errors.Is(err, openErr) {
		t.Fatalf("err = %v", err)
	}
	drainErr := errors.New("flush timed out")
	err = Run(context.Background(), Config{Signals: []os.Signal{}}, func() (int, error) { return 1, nil },
		func(context.Context, int) error { return drainErr },
		func(context.Context, int) error { return nil })
	if !errors.Is(err, drainErr) {
		t.Fatalf("err = %v, want the drain error", err)
	}
}

func TestRunDrainDeadlineOutlivesCancelledParent(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var deadline time.Time
	var ctxErr error
	_ = Run(ctx, Config{DrainTimeout: time.Second}, func() (int, error) { return 1, nil },
		func(dctx context.Context, _ int) error {
			deadline, _ = dctx.Deadline()
			ctxErr = dctx.Err()
			return nil
		},
		func(context.Context, int) error { return nil })
	if ctxErr != nil || time.Until(deadline) <= 0 {
		t.Fatalf("drain ctx err = %v, deadline in %v", ctxErr, time.Until(deadline))
	}
}
