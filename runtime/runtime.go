// Package runtime runs a function with a logger whose lifetime is the
// function's: the logger is created for the run, and drained on the way out,
// whichever way out it is (return, panic, cancellation of ctx, or SIGTERM).
//
// It is generic so that the root package can offer it for both the sync and
// the async logger; most users call fapilog.Runtime and fapilog.RuntimeAsync,
// which are built on Run.
package runtime

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// ErrTerminated is the cause of the cancellation of a run's context when the
// process received one of Config.Signals (SIGTERM by default). Run returns
// an error wrapping it.
var ErrTerminated = errors.New("runtime: terminated by signal")

// DefaultDrainTimeout bounds the drain on the way out of a run.
const DefaultDrainTimeout = 10 * time.Second

// Config tunes a run. The zero value drains within DefaultDrainTimeout and
// listens for SIGTERM.
type Config struct {
	// DrainTimeout bounds the drain; <= 0 means DefaultDrainTimeout.
	DrainTimeout time.Duration
	// Signals cancel the run's context and start the drain at once. Nil
	// means SIGTERM; an empty non-nil slice listens for none. After the
	// first signal the default behaviour is restored, so a second one
	// ends the process as usual.
	Signals []os.Signal
}

// Run opens a logger, calls fn with it and a context derived from ctx, and
// drains the logger exactly once:
//
//   - when fn returns;
//   - when fn panics (the panic is re-raised after the drain);
//   - as soon as ctx is done, even while fn is still running, so that records
//     accepted before the cancellation are exported while fn winds down;
//   - as soon as a signal in cfg.Signals arrives: the context given to fn is
//     cancelled with cause ErrTerminated and the drain starts at once.
//
// Run returns fn's error joined with the drain's error, and an error wrapping
// ErrTerminated if a signal ended the run. Calls on the logger after the
// drain are counted as dropped by the logger itself.
func Run[L any](ctx context.Context, cfg Config, open func() (L, error), drain func(context.Context, L) error, fn func(context.Context, L) error) (err error) {
	l, err := open()
	if err != nil {
		return err
	}
	timeout := cfg.DrainTimeout
	if timeout <= 0 {
		timeout = DefaultDrainTimeout
	}
	signals := cfg.Signals
	if signals == nil {
		signals = []os.Signal{syscall.SIGTERM}
	}

	var (
		once     sync.Once
		drainErr error
	)
	drainOnce := func() {
		once.Do(func() {
			// The drain must outlive a cancelled ctx: that is when it matters most.
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
			defer cancel()
			drainErr = drain(dctx, l)
		})
	}

	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sigCh := make(chan os.Signal, 1)
	if len(signals) > 0 {
		signal.Notify(sigCh, signals...)
		defer signal.Stop(sigCh)
	}
	fnDone := make(chan struct{})
	watcherDone := make(chan struct{})
	go func() {
		defer close(watcherDone)
		select {
		case <-ctx.Done():
			drainOnce()
		case sig := <-sigCh:
			signal.Stop(sigCh)
			cancel(fmt.Errorf("%w (%v)", ErrTerminated, sig))
			drainOnce()
		case <-fnDone:
		}
	}()

	defer func() {
		close(fnDone)
		<-watcherDone
		r := recover()
		drainOnce()
		if r != nil {
			panic(r)
		}
		if cause := context.Cause(runCtx); errors.Is(cause, ErrTerminated) && !errors.Is(err, ErrTerminated) {
			err = errors.Join(err, cause)
		}
		if drainErr != nil {
			err = errors.Join(err, fmt.Errorf("runtime: drain: %w", drainErr))
		}
	}()
	return fn(runCtx, l)
}
