package fapilog

import (
	"context"
	"errors"
	"fmt"

	"github.com/fapilog/fapilog-go/cache"
	"github.com/fapilog/fapilog-go/internal/core"
	"github.com/fapilog/fapilog-go/internal/settings"
)

var (
	syncLoggers  cache.Registry[*Logger]
	asyncLoggers cache.Registry[*AsyncLogger]
)

// GetLogger returns the sync logger cached under name, creating it on the
// first call. Name "" is the default logger (scope "fapilog"). Options given
// on a later call for a cached name are ignored; Reuse(false) returns a
// fresh, uncached instance that the caller must drain.
//
// GetLogger never fails: a bad configuration is reported once on stderr and
// the logger goes on with defaults, falling back to the console exporter
// when the exporter configuration is what is wrong, so no record is lost to
// a typo. Use GetAsyncLogger to get such errors returned.
func GetLogger(name string, opts ...Option) *Logger {
	// A cached name is a lookup: no option or variable is read.
	if reuse(opts) {
		if l, ok := syncLoggers.Get(name); ok {
			return l
		}
	}
	c, confErr := resolve(forLogger(opts, name))
	warn(c)
	if !c.Reuse {
		return newSyncLogger(name, c, confErr, nil)
	}
	l, _, _ := syncLoggers.GetOrCreate(name, func() (*Logger, error) {
		var self *Logger
		l := newSyncLogger(name, c, confErr, func() { syncLoggers.Remove(name, self) })
		self = l
		return l, nil
	})
	return l
}

func newSyncLogger(name string, c settings.Config, confErr error, remove func()) *Logger {
	co, err := core.New(name, core.Sync, c)
	if err = errors.Join(confErr, err); err != nil {
		reportOnce(c.Warn, fmt.Sprintf("fapilog: logger %q: configuration: %v", name, err))
	}
	co.SetRemove(remove)
	return &Logger{c: co}
}

// GetAsyncLogger returns the async logger cached under name, creating it on
// the first call. The sync and async caches are separate: GetLogger("x") and
// GetAsyncLogger(ctx, "x") are two loggers. A configuration error is
// returned and nothing is cached.
func GetAsyncLogger(ctx context.Context, name string, opts ...Option) (*AsyncLogger, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if reuse(opts) {
		if l, ok := asyncLoggers.Get(name); ok {
			return l, nil
		}
	}
	c, err := resolve(forLogger(opts, name))
	warn(c)
	if err != nil {
		return nil, fmt.Errorf("fapilog: logger %q: configuration: %w", name, err)
	}
	if !c.Reuse {
		return newAsyncLogger(name, c, nil)
	}
	l, _, err := asyncLoggers.GetOrCreate(name, func() (*AsyncLogger, error) {
		var self *AsyncLogger
		l, err := newAsyncLogger(name, c, func() { asyncLoggers.Remove(name, self) })
		self = l
		return l, err
	})
	return l, err
}

func newAsyncLogger(name string, c settings.Config, remove func()) (*AsyncLogger, error) {
	co, err := core.New(name, core.Async, c)
	if err != nil {
		// The core is usable, but the caller asked for errors: do not leave
		// its pipeline running behind their back.
		_, _ = co.Drain(context.Background())
		return nil, fmt.Errorf("fapilog: logger %q: configuration: %w", name, err)
	}
	co.SetRemove(remove)
	return &AsyncLogger{c: co}, nil
}

// GetCachedLoggers returns the cached names and their kind, "sync" or
// "async" ("sync" where a name is in both caches).
func GetCachedLoggers() map[string]string {
	out := make(map[string]string)
	for name := range asyncLoggers.Snapshot() {
		out[name] = "async"
	}
	for name := range syncLoggers.Snapshot() {
		out[name] = "sync"
	}
	return out
}

// ClearLoggerCache drains every cached logger, then leaves the cache empty
// of them. It returns the drains' errors, joined.
func ClearLoggerCache(ctx context.Context) error {
	var errs []error
	for name, l := range syncLoggers.Snapshot() {
		if _, err := l.StopAndDrain(ctx); err != nil {
			errs = append(errs, fmt.Errorf("logger %q: %w", name, err))
		}
	}
	for name, l := range asyncLoggers.Snapshot() {
		if _, err := l.StopAndDrain(ctx); err != nil {
			errs = append(errs, fmt.Errorf("async logger %q: %w", name, err))
		}
	}
	return errors.Join(errs...)
}
