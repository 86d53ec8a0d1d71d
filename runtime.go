package fapilog

import (
	"context"

	"github.com/fapilog/fapilog-go/runtime"
)

// ErrTerminated is wrapped by the error of a Runtime run that SIGTERM ended.
var ErrTerminated = runtime.ErrTerminated

// Runtime runs fn with a fresh, uncached sync logger built from opts (name
// it with WithName) and drains it on the way out: when fn returns, when it
// panics (then the panic goes on), as soon as ctx is done, and as soon as
// the process gets SIGTERM. The drain is bounded by WithDrainTimeout
// (default 10s). It returns fn's error joined with the drain's.
func Runtime(ctx context.Context, fn func(log *Logger) error, opts ...Option) error {
	c, confErr := resolve(opts)
	warn(c)
	return runtime.Run(ctx, runtime.Config{DrainTimeout: c.DrainTimeout},
		func() (*Logger, error) { return newSyncLogger(c.Name, c, confErr, nil), nil },
		func(ctx context.Context, l *Logger) error { _, err := l.StopAndDrain(ctx); return err },
		func(_ context.Context, l *Logger) error { return fn(l) })
}

// RuntimeAsync is Runtime for the async logger; fn gets the run's context,
// which SIGTERM cancels with cause ErrTerminated. Configuration errors are
// returned before fn runs.
func RuntimeAsync(ctx context.Context, fn func(ctx context.Context, log *AsyncLogger) error, opts ...Option) error {
	c, err := resolve(opts)
	warn(c)
	if err != nil {
		return err
	}
	return runtime.Run(ctx, runtime.Config{DrainTimeout: c.DrainTimeout},
		func() (*AsyncLogger, error) { return newAsyncLogger(c.Name, c, nil) },
		func(ctx context.Context, l *AsyncLogger) error { _, err := l.StopAndDrain(ctx); return err },
		fn)
}
