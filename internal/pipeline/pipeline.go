// Package pipeline is the part of a fapilog logger between the record and
// the exporter: admission (so the SDK BatchProcessor never overwrites), exact
// per-severity counts, and a stop that waits for emits in progress before
// shutting the SDK down (after Shutdown the SDK discards records silently).
//
//	call → gate (admit / wait / drop) → sdklog.Logger.Emit → BatchProcessor → countingExporter → exporter
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
)

// Errors returned by Begin.
var (
	// ErrDropped: the record was not admitted before its wait ran out.
	ErrDropped = errors.New("fapilog: record dropped: export queue full")
	// ErrStopped: the logger was stopped (drained) before the call.
	ErrStopped = errors.New("fapilog: logger stopped")
)

// Settings configure a pipeline. Exactly one of Exporter and Provider is set.
type Settings struct {
	// Exporter is owned: shut down by Stop.
	Exporter sdklog.Exporter
	// Retries reports export attempts beyond the first, if known.
	Retries func() uint64
	// Provider is an application's provider: the pipeline does not own
	// it, Stop only flushes it, and there is no admission.
	Provider log.LoggerProvider

	Resource       *resource.Resource
	QueueSize      int
	BatchSize      int
	ExportInterval time.Duration
	ExportTimeout  time.Duration
	// Reserved is the share of QueueSize only protected records may use.
	Reserved int
	// Name is used in warnings.
	Name string
	// Warn receives rate-limited one-line warnings about losses; nil
	// means standard error.
	Warn func(string)
}

const stoppedBit = int64(1) << 62

// Pipeline is safe for concurrent use.
type Pipeline struct {
	owned    *sdklog.LoggerProvider
	external log.LoggerProvider
	exp      *countingExporter
	gate     *gate
	retries  func() uint64
	name     string

	// state holds the stopped bit and the number of emits in progress.
	state    atomic.Int64
	stopCh   chan struct{}
	idle     chan struct{}
	idleOnce sync.Once

	stopOnce sync.Once
	stopErr  error
	latency  time.Duration

	counts counters
	warn   warner
}

// New builds a pipeline. It starts the batch processor's goroutine when it
// owns the exporter; Stop ends it.
func New(s Settings) *Pipeline {
	p := &Pipeline{
		stopCh:  make(chan struct{}),
		idle:    make(chan struct{}),
		retries: s.Retries,
		name:    s.Name,
	}
	p.warn.out = s.Warn
	if s.Provider != nil {
		p.external = s.Provider
		return p
	}
	p.gate = newGate(s.QueueSize, s.Reserved)
	p.exp = &countingExporter{inner: s.Exporter, p: p}
	opts := []sdklog.BatchProcessorOption{sdklog.WithMaxQueueSize(s.QueueSize)}
	if s.BatchSize > 0 {
		opts = append(opts, sdklog.WithExportMaxBatchSize(s.BatchSize))
	}
	if s.ExportInterval > 0 {
		opts = append(opts, sdklog.WithExportInterval(s.ExportInterval))
	}
	if s.ExportTimeout > 0 {
		opts = append(opts, sdklog.WithExportTimeout(s.ExportTimeout))
	}
	bp := sdklog.NewBatchProcessor(p.exp, opts...)
	popts := []sdklog.LoggerProviderOption{
		sdklog.WithProcessor(bp),
		// The bridge de-duplicates keys itself (last value wins), which is
		// much cheaper than the SDK's per-record map.
		sdklog.WithAllowKeyDuplication(),
	}
	if s.Resource != nil {
		popts = append(popts, sdklog.WithResource(s.Resource))
	}
	p.owned = sdklog.NewLoggerProvider(popts...)
	return p
}

// Logger returns the OTel logger for an instrumentation scope.
func (p *Pipeline) Logger(scope string) log.Logger {
	if p.owned != nil {
		return p.owned.Logger(scope)
	}
	return p.external.Logger(scope)
}

// Owned reports whether the pipeline owns its exporter (and so admits and
// counts exactly).
func (p *Pipeline) Owned() bool { return p.owned != nil }

// Begin counts one submitted record of severity sev and admits it. On nil
// the caller must emit the record and then call End; on an error the record
// is counted as dropped. protected records may use the reserved share. wait
// bounds the wait for room: 0 does not wait, < 0 waits until ctx is done or
// the pipeline stops.
func (p *Pipeline) Begin(ctx context.Context, sev log.Severity, protected bool, wait time.Duration) error {
	i := sevIndex(sev)
	p.counts.submitted[i].Add(1)
	if p.state.Add(1)&stoppedBit != 0 {
		p.End()
		p.counts.dropped[i].Add(1)
		return ErrStopped
	}
	if p.gate == nil || p.gate.tryAcquire(protected) {
		return nil
	}
	if err := p.gate.acquire(ctx, protected, wait, p.stopCh); err != nil {
		p.End()
		p.counts.dropped[i].Add(1)
		p.warn.note(p.name, "dropped", err)
		return err
	}
	return nil
}

// End closes what a successful Begin opened.
func (p *Pipeline) End() {
	if p.state.Add(-1) == stoppedBit {
		p.idleOnce.Do(func() { close(p.idle) })
	}
}

// Flush exports what is queued and keeps the pipeline running.
func (p *Pipeline) Flush(ctx context.Context) error {
	if p.owned != nil {
		return p.owned.ForceFlush(ctx)
	}
	if f, ok := p.external.(interface{ ForceFlush(context.Context) error }); ok {
		return f.ForceFlush(ctx)
	}
	return nil
}

// Stop refuses new records, waits for emits in progress, then shuts the
// owned pipeline down (exporting what is queued) or flushes an external
// provider. Only the first call does the work; every call returns the
// current totals and the first call's error is returned only by it.
func (p *Pipeline) Stop(ctx context.Context) (Result, error) {
	first := false
	p.stopOnce.Do(func() {
		first = true
		start := time.Now()
		p.stopErr = p.stop(ctx)
		p.latency = time.Since(start)
	})
	if first {
		return p.Result(), p.stopErr
	}
	return p.Result(), nil
}

func (p *Pipeline) stop(ctx context.Context) error {
	if p.state.Or(stoppedBit) == 0 {
		p.idleOnce.Do(func() { close(p.idle) })
	}
	close(p.stopCh) // wakes callers waiting for room
	select {
	case <-p.idle:
	case <-ctx.Done():
		// Emits in progress cannot block for long (waiters were woken), so
		// this is a deadline already spent: go on and shut down anyway.
	}
	var err error
	if p.owned != nil {
		err = p.owned.Shutdown(ctx)
		// Whatever is still in flight now never reaches the exporter:
		// freeze the counts so the difference is counted as failed.
		p.exp.finalize()
		if err != nil {
			err = fmt.Errorf("fapilog: shutdown: %w", err)
		}
	} else {
		err = p.Flush(ctx)
	}
	return err
}

// Stopped reports whether Stop has been called.
func (p *Pipeline) Stopped() bool { return p.state.Load()&stoppedBit != 0 }

// Result is a snapshot of the counts.
type Result struct {
	Submitted, Exported, Dropped, Failed, Retried uint64
	QueueHighWatermark                            uint64
	FlushLatency                                  time.Duration
	// BySeverity holds the counts per OTel severity number (index 0..24).
	BySeverity [nSeverities]LevelCounts
}

// Result returns the counts so far. Before Stop, records in flight are in
// none of Exported, Dropped and Failed; after it, they are in Failed.
func (p *Pipeline) Result() Result {
	var r Result
	final := p.exp != nil && p.exp.isFinal()
	for i := range nSeverities {
		c := LevelCounts{
			Submitted: p.counts.submitted[i].Load(),
			Dropped:   p.counts.dropped[i].Load(),
		}
		if p.exp != nil {
			c.Exported = p.counts.exported[i].Load()
			c.Failed = p.counts.failed[i].Load()
			if final && c.Submitted > c.Exported+c.Dropped+c.Failed {
				c.Failed = c.Submitted - c.Exported - c.Dropped
			}
		} else if p.Stopped() {
			// An external provider: handed over is all the library can know.
			c.Exported = c.Submitted - c.Dropped
		}
		r.BySeverity[i] = c
		r.Submitted += c.Submitted
		r.Exported += c.Exported
		r.Dropped += c.Dropped
		r.Failed += c.Failed
	}
	if p.retries != nil {
		r.Retried = p.retries()
	}
	if p.gate != nil {
		r.QueueHighWatermark = uint64(p.gate.highWater.Load())
	}
	r.FlushLatency = p.latency
	return r
}

// countingExporter counts what the batch processor hands over and releases
// admission slots when each export completes.
type countingExporter struct {
	inner sdklog.Exporter
	p     *Pipeline
	mu    sync.Mutex
	final bool
}

func (e *countingExporter) Export(ctx context.Context, recs []sdklog.Record) error {
	err := e.inner.Export(ctx, recs)
	var tally [nSeverities]uint64
	for i := range recs {
		tally[sevIndex(recs[i].Severity())]++
	}
	to := &e.p.counts.exported
	if err != nil {
		to = &e.p.counts.failed
	}
	e.mu.Lock()
	if !e.final {
		for i, n := range tally {
			if n > 0 {
				to[i].Add(n)
			}
		}
	}
	e.mu.Unlock()
	if e.p.gate != nil {
		e.p.gate.release(len(recs))
	}
	if err != nil {
		e.p.warn.note(e.p.name, "failed to export", err)
	}
	return err
}

func (e *countingExporter) finalize() {
	e.mu.Lock()
	e.final = true
	e.mu.Unlock()
}

func (e *countingExporter) isFinal() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.final
}

func (e *countingExporter) Shutdown(ctx context.Context) error { return e.inner.Shutdown(ctx) }

func (e *countingExporter) ForceFlush(ctx context.Context) error { return e.inner.ForceFlush(ctx) }

// warner prints at most one line per interval, with the count of losses it
// swallowed in between, so a flood of drops never floods stderr.
type warner struct {
	out        func(string)
	last       atomic.Int64
	suppressed atomic.Uint64
}

const warnInterval = 10 * time.Second

func (w *warner) note(name, what string, err error) {
	now := time.Now().UnixNano()
	last := w.last.Load()
	if now-last < int64(warnInterval) || !w.last.CompareAndSwap(last, now) {
		w.suppressed.Add(1)
		return
	}
	more := w.suppressed.Swap(0)
	msg := fmt.Sprintf("fapilog: logger %q: records %s: %v", name, what, err)
	if more > 0 {
		msg += fmt.Sprintf(" (and %d more losses in the last %v; see DrainResult)", more, warnInterval)
	}
	if w.out != nil {
		w.out(msg)
		return
	}
	fmt.Fprintln(os.Stderr, msg)
}
