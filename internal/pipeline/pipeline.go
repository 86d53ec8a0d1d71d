// Package pipeline is the part of a fapilog logger between the record and
// the exporter: admission (so the SDK BatchProcessor never overwrites), exact
// per-severity counts, and a stop that waits for emits in progress before
// shutting the SDK down (after Shutdown the SDK discards records silently).
//
//	call → gate (admit / wait / drop) → sdklog.Logger.Emit → BatchProcessor → countingExporter → exporter
//
// With a spool (Settings.Spool), protected records that cannot be delivered
// go to disk instead of being lost, and a replay goroutine sends them on:
//
//	gate: no room in time ─→ SpoolWriter ─→ spool ←─ countingExporter: export failed
//	                                          │
//	                        replay (admitted, in order) ─→ exporter, then removed
//
// The counts are exported to the global MeterProvider as observable counters
// (see metrics.go): they cost nothing on the logging path.
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
	"go.opentelemetry.io/otel/metric"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/fapilog/fapilog-go/internal/spool"
	"github.com/fapilog/fapilog-go/levels"
)

// Errors returned by Begin.
var (
	// ErrDropped: the record was not admitted before its wait ran out.
	ErrDropped = errors.New("fapilog: record dropped: export queue full")
	// ErrStopped: the logger was stopped (drained) before the call.
	ErrStopped = errors.New("fapilog: logger stopped")
	// ErrSpool is returned by Begin only when the pipeline has a spool, for
	// a protected record that found no room in time (or whose wait the stop
	// ended): it is not admitted, but not lost either. The caller builds the
	// record as usual, emits it on a SpoolWriter instead of Logger, calls
	// End, and returns the writer's Err (nil when the record is on disk).
	ErrSpool = errors.New("fapilog: record goes to the spool")
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
	// Synchronous exports each record before the call returns, without
	// a batch (see syncProcessor): for the console exporter.
	Synchronous bool
	// Reserved is the share of QueueSize only protected records may use.
	Reserved int
	// Name is used in warnings.
	Name string
	// Warn receives rate-limited one-line warnings about losses; nil
	// means standard error.
	Warn func(string)

	// Spool, when set, keeps protected records that cannot be admitted or
	// whose export fails, and the pipeline replays them (see package
	// spool). The pipeline owns it: Stop closes it. Ignored with Provider.
	Spool *spool.Spool
	// Protected are the severities the spool takes from failed exports
	// (those of the logger's protected levels).
	Protected []log.Severity
	// SpoolRetry is the first wait before a replay after a failure; it
	// doubles after each failure, up to MaxSpoolRetry. 0 means 1s.
	SpoolRetry time.Duration
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
	// latency is written by Stop and read by Result, which may run
	// concurrently (Stats, the warning line, the metrics callback).
	latency atomic.Int64

	counts counters
	warn   warner

	// sp is nil without a spool: every spool path starts with that check.
	sp      *spooler
	metrics metric.Registration
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
	p.warn.detail = p.lossSummary
	if s.Provider != nil {
		p.external = s.Provider
		p.registerMetrics()
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
	var proc sdklog.Processor
	if s.Synchronous {
		proc = newSyncProcessor(p.exp)
	} else {
		proc = sdklog.NewBatchProcessor(p.exp, opts...)
	}
	popts := []sdklog.LoggerProviderOption{
		sdklog.WithProcessor(proc),
		// The bridge de-duplicates keys itself (last value wins), which is
		// much cheaper than the SDK's per-record map.
		sdklog.WithAllowKeyDuplication(),
	}
	if s.Resource != nil {
		popts = append(popts, sdklog.WithResource(s.Resource))
	}
	p.owned = sdklog.NewLoggerProvider(popts...)
	if s.Spool != nil {
		p.sp = newSpooler(p, s)
	}
	p.registerMetrics()
	if p.sp != nil {
		p.sp.start()
	}
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
		if protected && p.sp != nil {
			return ErrSpool
		}
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

// Flush exports what is queued and keeps the pipeline running. With a
// spool it also asks for a replay now (without waiting for it).
func (p *Pipeline) Flush(ctx context.Context) error {
	if p.owned != nil {
		if p.sp != nil {
			p.sp.wake(p.sp.wakeNow)
		}
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
		p.latency.Store(int64(time.Since(start)))
		if p.metrics != nil {
			_ = p.metrics.Unregister()
		}
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
		// The exporter's Shutdown (called by the batch processor after it
		// exported what was queued) ends the replay, with a last pass.
		err = p.owned.Shutdown(ctx)
		// Whatever is still in flight now never reaches the exporter:
		// freeze the counts so the difference is counted as failed.
		p.exp.finalize()
		if err != nil {
			err = fmt.Errorf("fapilog: shutdown: %w", err)
		}
		if p.sp != nil {
			if cerr := p.sp.close(ctx); cerr != nil {
				err = errors.Join(err, fmt.Errorf("fapilog: spool: %w", cerr))
			}
		}
	} else {
		err = p.Flush(ctx)
	}
	return err
}

// Stopped reports whether Stop has been called.
func (p *Pipeline) Stopped() bool { return p.state.Load()&stoppedBit != 0 }

// Result is a snapshot of the counts. After Stop,
//
//	Submitted == Exported + Dropped + Failed + Spooled
//
// per severity and in total. Spooled is 0 without a spool. Exported includes
// this pipeline's records replayed from the spool. Recovered counts records
// an earlier owner of the spool (another process, or a pipeline stopped
// without delivering them) left there and this pipeline replayed: they were
// never submitted here, so they are outside the sum.
type Result struct {
	Submitted, Exported, Dropped, Failed, Retried uint64
	Spooled, Recovered                            uint64
	QueueHighWatermark                            uint64
	FlushLatency                                  time.Duration
	// BySeverity holds the counts per OTel severity number (index 0..24).
	BySeverity [nSeverities]LevelCounts
}

// Result returns the counts so far. Before Stop, records in flight are in
// none of Exported, Dropped, Failed and Spooled; after it, they are in
// Failed.
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
			c.Spooled = p.counts.spooled[i].Load()
			c.Recovered = p.counts.recovered[i].Load()
			if final && c.Submitted > c.Exported+c.Dropped+c.Failed+c.Spooled {
				c.Failed = c.Submitted - c.Exported - c.Dropped - c.Spooled
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
		r.Spooled += c.Spooled
		r.Recovered += c.Recovered
	}
	if p.retries != nil {
		r.Retried = p.retries()
	}
	if p.gate != nil {
		r.QueueHighWatermark = uint64(p.gate.highWater.Load())
	}
	r.FlushLatency = time.Duration(p.latency.Load())
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
	sp := e.p.sp
	var err error
	if sp == nil {
		err = e.inner.Export(ctx, recs)
	} else {
		err = sp.exportLive(ctx, recs)
	}
	var tally, failedTally [nSeverities]uint64
	for i := range recs {
		tally[sevIndex(recs[i].Severity())]++
	}
	to := &e.p.counts.exported
	var spooled *[nSeverities]uint64
	lost := err != nil
	if err != nil {
		// An exporter that delivered part of the batch says which records
		// failed (exporter.PartialError): count those as failed, the rest
		// as exported.
		if failed, ok := failedIndices(err); ok {
			for _, i := range failed {
				if i >= 0 && i < len(recs) {
					s := sevIndex(recs[i].Severity())
					tally[s]--
					failedTally[s]++
				}
			}
		} else {
			to = &e.p.counts.failed
			if sp != nil {
				// Protected records go to the spool instead of Failed. (A
				// partial failure is the collector refusing those records:
				// replaying them would not help.)
				spooled, lost = sp.takeFailed(recs, &tally, err)
			}
		}
	}
	e.mu.Lock()
	if !e.final {
		for i, n := range tally {
			if n > 0 {
				to[i].Add(n)
			}
			if failedTally[i] > 0 {
				e.p.counts.failed[i].Add(failedTally[i])
			}
		}
		if spooled != nil {
			e.p.countSpooled(spooled)
		}
	}
	e.mu.Unlock()
	if e.p.gate != nil {
		e.p.gate.release(len(recs))
	}
	if lost {
		e.p.warn.note(e.p.name, "failed to export", err)
	} else if err != nil {
		// Every record of the batch is in the spool: nothing failed.
		return nil
	}
	return err
}

// failedIndices returns the indices of the records an exporter that
// delivered part of a batch says were not delivered (exporter.PartialError).
// It is a function of its own so that the error interface it needs is
// allocated only when there is an error, not on every export.
func failedIndices(err error) ([]int, bool) {
	var partial interface{ FailedRecords() []int }
	if errors.As(err, &partial) {
		return partial.FailedRecords(), true
	}
	return nil, false
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

// Shutdown ends the replay (after a last pass, unless the exporter just
// failed) before it shuts the exporter down.
func (e *countingExporter) Shutdown(ctx context.Context) error {
	if e.p.sp != nil {
		e.p.sp.finish(ctx)
	}
	return e.inner.Shutdown(ctx)
}

func (e *countingExporter) ForceFlush(ctx context.Context) error { return e.inner.ForceFlush(ctx) }

// warner prints at most one line per interval, with the count of losses it
// swallowed in between, so a flood of drops never floods stderr.
type warner struct {
	out func(string)
	// detail, when set, adds the totals so far to each line (it is called
	// only for the lines printed).
	detail func() string
	// events names what "(and N more …)" counts; "" means losses.
	events     string
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
	if w.detail != nil {
		if d := w.detail(); d != "" {
			msg += " (" + d + ")"
		}
	}
	if more > 0 {
		events := w.events
		if events == "" {
			events = "losses"
		}
		msg += fmt.Sprintf(" (and %d more %s in the last %v; see DrainResult)", more, events, warnInterval)
	}
	if w.out != nil {
		w.out(msg)
		return
	}
	fmt.Fprintln(os.Stderr, msg)
}

// lossSummary names the losses so far per level, for the warning line:
// "lost so far: INFO dropped 120; ERROR failed 3".
func (p *Pipeline) lossSummary() string {
	r := p.Result()
	var b []byte
	for _, g := range levelGroups() {
		var dropped, failed uint64
		for _, i := range g.sevs {
			dropped += r.BySeverity[i].Dropped
			failed += r.BySeverity[i].Failed
		}
		if dropped == 0 && failed == 0 {
			continue
		}
		if len(b) > 0 {
			b = append(b, "; "...)
		}
		b = append(b, g.name...)
		if dropped > 0 {
			b = fmt.Appendf(b, " dropped %d", dropped)
		}
		if failed > 0 {
			b = fmt.Appendf(b, " failed %d", failed)
		}
	}
	if len(b) == 0 {
		return ""
	}
	return "lost so far: " + string(b)
}

// levelGroup is the severities counted under one level name (the name
// DrainResult.ByLevel and the metrics use: levels.FromSeverity(n, "")).
type levelGroup struct {
	name string
	sevs []int
}

var levelGroups = sync.OnceValue(func() []levelGroup {
	var gs []levelGroup
	index := map[string]int{}
	for i := range nSeverities {
		name := levels.FromSeverity(log.Severity(i), "").String()
		k, ok := index[name]
		if !ok {
			k = len(gs)
			index[name] = k
			gs = append(gs, levelGroup{name: name})
		}
		gs[k].sevs = append(gs[k].sevs, i)
	}
	return gs
})
