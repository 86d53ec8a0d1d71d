package fapilog

// ReplaceLogger makes GetLogger(name) return l until restore is called,
// which puts back the logger cached under name before (or none). It is for
// tests: see the fapilogtest package, whose Observe calls it and restores
// at t.Cleanup. Code that got its logger before the call keeps that
// logger. Neither logger is drained: l belongs to the caller. Tests that
// replace one name must not run in parallel with each other.
func ReplaceLogger(name string, l *Logger) (restore func()) { return syncLoggers.Replace(name, l) }

// ReplaceAsyncLogger is ReplaceLogger for GetAsyncLogger(ctx, name).
func ReplaceAsyncLogger(name string, l *AsyncLogger) (restore func()) {
	return asyncLoggers.Replace(name, l)
}
