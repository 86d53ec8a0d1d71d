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
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/fapilog/fapilog-go/internal/delivery"
	"github.com/fapilog/fapilog-go/internal/record"
	"github.com/fapilog/fapilog-go/internal/spool"
	"github.com/fapilog/fapilog-go/levels"
)

// Errors returned by Emit.
var (
	// ErrDropped: the record was not admitted before its wait ran out.
	ErrDropped = errors.New("fapilog: record dropped: export queue full")
	// ErrStopped: the logger was stopped (drained) before the call.
	ErrStopped = errors.New("fapilog: logger stopped")
	// ErrNotDelivered is wrapped by the error of a Stop after which some
	// submitted record was neither exported nor spooled (dropped, or
	// failed): the drain says so even when the shutdown itself went well.
	ErrNotDelivered = errors.New("fapilog: records not delivered")
	// ErrNotDurable: a protected record was accepted and handed to the
	// exporter, but its write-ahead append failed, so it was not on disk
	// when the call returned (a crash before its export would lose it).
	// The error wraps the cause. The record is otherwise on its way: it
	// is counted like any other, and logging it again would send it twice.
	ErrNotDurable = errors.New("fapilog: record accepted but not written ahead")
)

// Settings configure the engine of a pipeline. Exactly one of Exporter and
// Provider is set.
type Settings struct {
	// Exporter is owned: shut down when the engine's last member stops.
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
	// Name is the instrumentation scope of the pipeline New builds (Join
	// sets it), and names the logger in warnings.
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

// Admission is how one record enters the pipeline.
type Admission struct {
	Severity log.Severity
	// Protected records may use the reserved share of the queue, and go
	// to the spool (if any) when they find no room in time.
	Protected bool
	// Wait bounds the wait for room: 0 does not wait, < 0 waits until ctx
	// is done or the logger stops.
	Wait time.Duration
}

// A Pipeline's state word holds, in its low 32 bits, the number of emits
// in progress (bits 0-30) and the stopped bit (bit 31); its high 32 bits are
// the member's records in flight (admitted, built and not yet through the
// exporter), a signed count. An emit that ends with its record handed to the
// SDK moves one unit from "in progress" to "in flight" with one atomic add
// (inflightOne - 1), so the whole emit costs the state word two atomic
// operations, not three. The exporter may count a record out before its
// emit has counted it in: the in-flight half is then -1 for a moment, and a
// borrow out of the high half leaves the low half unchanged.
const (
	stoppedBit  = int64(1) << 31
	lowMask     = int64(1)<<32 - 1
	inflightOne = int64(1) << 32
)

// inflightOf is the in-flight half of a state word.
func inflightOf(state int64) int64 { return state >> 32 }

// quiet reports whether a state word has no emit in progress and no record
// in flight, stopped or not.
func quiet(state int64) bool { return state&^stoppedBit == 0 }

// idleAt closes p.idle when state, the value p.state was just given, is
// stopped with no emit in progress: the moment Stop waits for.
func (p *Pipeline) idleAt(state int64) {
	if state&lowMask == stoppedBit {
		p.closeIdle()
	}
}

// closeIdle is idleAt's rare branch, out of line so that idleAt inlines.
func (p *Pipeline) closeIdle() { p.idleOnce.Do(func() { close(p.idle) }) }

// Pipeline is one logger's share of an engine (see Join): its instrumentation
// scope, its exact counts and its lifetime. Draining it leaves the other
// members of the engine running. It is safe for concurrent use.
type Pipeline struct {
	eng  *engine
	name string
	otel log.Logger

	// state holds the emits in progress, the stopped bit and the records
	// in flight (see stoppedBit).
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
	// highWater is the maximum of the records in flight.
	highWater atomic.Int64
	// final is set (under eng.mu, read without it) when the drain ends:
	// the counts are frozen from then on.
	final atomic.Bool
	warn  warner

	// sp is nil without a spool: every spool path starts with that check.
	sp *spooler
}

// New builds a pipeline on an engine of its own (never shared), with scope
// s.Name. It starts the batch processor's goroutine when it owns the
// exporter; Stop ends it.
func New(s Settings) *Pipeline {
	e := &engine{retries: s.Retries, members: map[string]*Pipeline{}}
	if s.Provider != nil {
		e.external = s.Provider
		p := newMember(e, s.Name)
		p.warn.out = s.Warn
		e.members[s.Name], e.only = p, p
		e.registerMetrics()
		return p
	}
	e.gate = newGate(s.QueueSize, s.Reserved)
	e.exp = &countingExporter{inner: s.Exporter, eng: e, reports: delivery.Reports(s.Exporter)}
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
		proc = newSyncProcessor(e.exp)
	} else {
		proc = sdklog.NewBatchProcessor(e.exp, opts...)
		e.abortCtx, e.abort = context.WithCancel(context.Background())
	}
	popts := []sdklog.LoggerProviderOption{
		sdklog.WithProcessor(proc),
		// The bridge de-duplicates keys itself (last value wins), which is
		// much cheaper than the SDK's per-record map.
		sdklog.WithAllowKeyDuplication(),
	}
	if _, set := os.LookupEnv("OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT"); !set {
		// The SDK keeps 128 attributes by default and drops the rest with
		// nothing but DroppedAttributes() to say so: a wide record would
		// lose data, and an AUDIT record would fail its chain check. The
		// library's providers keep them all (the collector and the
		// exporter still bound the size of a request; see
		// exporter.TooLargeMarker). A limit the user sets with the
		// standard variable is theirs: the SDK applies it, and the
		// record's dropped_attributes_count (and fapilog-verify) say so.
		popts = append(popts, sdklog.WithAttributeCountLimit(-1))
	}
	if s.Resource != nil {
		popts = append(popts, sdklog.WithResource(s.Resource))
	}
	e.owned = sdklog.NewLoggerProvider(popts...)
	p := newMember(e, s.Name)
	p.warn.out = s.Warn
	e.members[s.Name], e.only = p, p
	if s.Spool != nil {
		p.sp = newSpooler(p, s)
		e.sp = p.sp
	}
	e.registerMetrics()
	if p.sp != nil {
		p.sp.start()
	}
	return p
}

func newMember(e *engine, name string) *Pipeline {
	p := &Pipeline{eng: e, name: name, stopCh: make(chan struct{}), idle: make(chan struct{})}
	if e.owned != nil {
		p.otel = e.owned.Logger(name)
	} else {
		p.otel = e.external.Logger(name)
	}
	if e.only != nil {
		p.warn.out = e.only.warn.out
	}
	p.warn.detail = p.lossSummary
	return p
}

// Owned reports whether the pipeline owns its exporter (and so admits and
// counts exactly).
func (p *Pipeline) Owned() bool { return p.eng.owned != nil }

// Emit is the one way a record enters the pipeline. It counts the record as
// submitted, admits it under a's wait policy and emits the record bridge
// builds from c and args on the SDK logger. A protected record that finds no
// room in time goes to the spool instead, when there is one. It returns nil
// once the record is accepted (or on disk), ErrDropped or ctx.Err() when
// there was no room in time (the record is counted as dropped), ErrStopped
// after Stop, and ErrNotDurable when a protected record was accepted but
// its write-ahead append failed.
func (p *Pipeline) Emit(ctx context.Context, a Admission, c *record.Call, args record.Args) error {
	// The common path (running, admitted, no write-ahead log) is kept
	// short and the rest out of line: what every call runs stays in a few
	// instruction-cache lines.
	i := sevIndex(a.Severity)
	p.counts.submitted[i].Add(1)
	if p.state.Add(1)&stoppedBit != 0 {
		return p.emitStopped(ctx, a, c, args, i)
	}
	if err := p.admit(ctx, a); err != nil {
		return p.emitRefused(ctx, a, c, args, i, err)
	}
	if a.Protected && p.sp != nil && p.sp.wal != nil {
		return p.emitDurable(ctx, c, args, i)
	}
	// Building the record runs the caller's String, Error and LogValue
	// methods. A panic there is recovered by the bridge, but
	// runtime.Goexit (t.Fatal in a test helper) cannot be: the deferred
	// call then gives the slot back and counts the record, so the queue
	// does not shrink and Stop does not wait forever.
	built := false
	defer p.settle(&built, i)
	record.EmitArgs(ctx, p.otel, c, args)
	built = true
	return nil
}

// settle ends an admitted emit: the record was built and is in flight, or
// the emit was abandoned on the way (see abandon).
func (p *Pipeline) settle(built *bool, i int) {
	if !*built {
		p.abandon(i)
		p.end()
		return
	}
	if p.eng.gate == nil {
		p.end() // no gate, no exporter of ours: nothing counts it out
		return
	}
	v := p.state.Add(inflightOne - 1)
	if n := inflightOf(v); n > p.highWater.Load() {
		raise(&p.highWater, n)
	}
	p.idleAt(v)
}

// emitStopped is Emit after Stop.
//
//go:noinline
func (p *Pipeline) emitStopped(ctx context.Context, a Admission, c *record.Call, args record.Args, i int) error {
	p.end()
	if a.Protected && p.sp != nil {
		// An AUDIT record after the drain is not lost: the next process
		// sends it. The caller still learns the logger is stopped.
		if p.sp.spoolAfterStop(ctx, c, args) == nil {
			return ErrStopped
		}
	}
	p.counts.dropped[i].Add(1)
	p.warn.note(p.name, "dropped", ErrStopped)
	return ErrStopped
}

// emitRefused is Emit when there was no room in time: a protected record
// goes to the spool, if there is one; others are dropped.
//
//go:noinline
func (p *Pipeline) emitRefused(ctx context.Context, a Admission, c *record.Call, args record.Args, i int, err error) error {
	if a.Protected && p.sp != nil {
		w := &spoolWriter{sp: p.sp}
		defer p.end() // also when a value's String calls runtime.Goexit
		record.EmitArgs(ctx, w, c, args)
		return w.err
	}
	p.end()
	p.counts.dropped[i].Add(1)
	p.warn.note(p.name, "dropped", err)
	return err
}

// emitDurable is Emit of an admitted protected record with a write-ahead
// log: durable before the call returns (see wal).
//
//go:noinline
func (p *Pipeline) emitDurable(ctx context.Context, c *record.Call, args record.Args, i int) error {
	built := false
	defer p.settle(&built, i)
	w := walLogger{sp: p.sp}
	record.EmitArgs(ctx, &w, c, args)
	built = true
	if w.err != nil {
		return fmt.Errorf("%w: %w", ErrNotDurable, w.err)
	}
	return nil
}

// abandon undoes the admission of a record whose emit never finished
// (runtime.Goexit while it was built), and counts it as dropped.
func (p *Pipeline) abandon(i int) {
	if g := p.eng.gate; g != nil {
		g.release(1) // the record was never counted in flight
	}
	p.counts.dropped[i].Add(1)
	p.warn.note(p.name, "dropped", errGoexit)
}

var errGoexit = errors.New("runtime.Goexit while the record was built (a String, Error or LogValue method called it)")

// admit takes one slot of the engine's gate for p under a's wait policy.
func (p *Pipeline) admit(ctx context.Context, a Admission) error {
	g := p.eng.gate
	if g == nil {
		return nil
	}
	if !g.tryAcquire(a.Protected) {
		if err := g.acquire(ctx, a.Protected, a.Wait, p.stopCh); err != nil {
			return err
		}
	}
	return nil
}

// end closes what the state increment of Emit opened.
func (p *Pipeline) end() {
	p.idleAt(p.state.Add(-1))
}

// Flush exports what is queued and keeps the pipeline running. With a
// spool it also asks for a replay now (without waiting for it). On a shared
// engine it flushes the other members' records too.
func (p *Pipeline) Flush(ctx context.Context) error {
	e := p.eng
	if e.owned != nil {
		if p.sp != nil {
			p.sp.wake(p.sp.wakeNow)
		}
		return e.owned.ForceFlush(withReport(ctx))
	}
	if f, ok := e.external.(interface{ ForceFlush(context.Context) error }); ok {
		return f.ForceFlush(ctx)
	}
	return nil
}

// Stop refuses new records, waits for emits in progress, then exports what
// is queued: the last member of an engine shuts it down, any other flushes
// it and leaves it running for the others. With an external provider it
// only flushes. Only the first call does the work; every call returns the
// current totals and the first call's error is returned only by it.
func (p *Pipeline) Stop(ctx context.Context) (Result, error) {
	first := false
	p.stopOnce.Do(func() {
		first = true
		start := time.Now()
		p.stopErr = p.stop(ctx)
		p.latency.Store(int64(time.Since(start)))
	})
	if first {
		r := p.Result()
		return r, notDelivered(r, p.stopErr)
	}
	return p.Result(), nil
}

// notDelivered adds to err (the shutdown's) an error wrapping
// ErrNotDelivered when some record of r was neither exported nor spooled.
func notDelivered(r Result, err error) error {
	if r.Dropped+r.Failed == 0 {
		return err
	}
	lost := fmt.Errorf("%w: %d of %d records (dropped %d, failed %d)",
		ErrNotDelivered, r.Dropped+r.Failed, r.Submitted, r.Dropped, r.Failed)
	if err == nil {
		return lost
	}
	return errors.Join(lost, err)
}

func (p *Pipeline) stop(ctx context.Context) error {
	p.idleAt(p.state.Or(stoppedBit) | stoppedBit) // Or returns the word before
	close(p.stopCh)                               // wakes callers waiting for room
	select {
	case <-p.idle:
	case <-ctx.Done():
		// Emits in progress cannot block for long (waiters were woken), so
		// this is a deadline already spent: go on and shut down anyway.
	}
	e := p.eng
	last := e.leave()
	var err error
	if e.owned != nil {
		if last {
			// The exporter's Shutdown (called by the batch processor after
			// it exported what was queued) ends the replay, with a last pass.
			err = e.shutdown(ctx)
		} else {
			err = e.owned.ForceFlush(withReport(ctx))
		}
		// Whatever of p is still in flight now never reaches the exporter
		// in time: freeze the counts so the difference is counted as failed.
		e.finalize(p)
		if err != nil {
			err = fmt.Errorf("fapilog: shutdown: %w", err)
		}
		if last && p.sp != nil {
			if cerr := p.sp.close(ctx); cerr != nil {
				err = errors.Join(err, fmt.Errorf("fapilog: spool: %w", cerr))
			}
		}
	} else {
		err = p.Flush(ctx)
		e.finalize(p)
	}
	if last && e.metrics != nil {
		_ = e.metrics.Unregister()
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
	Spooled, Recovered, Resent                    uint64
	Sampled, RateLimited, Deduplicated            uint64
	QueueHighWatermark                            uint64
	FlushLatency                                  time.Duration
	// BySeverity holds the counts per OTel severity number (index 0..24).
	BySeverity [nSeverities]LevelCounts
}

// Result returns the counts so far. Before Stop, records in flight are in
// none of Exported, Dropped, Failed and Spooled; after it, they are in
// Failed. Retried is the engine's: on a shared engine, retries of batches
// that carried other members' records too.
func (p *Pipeline) Result() Result {
	var r Result
	e := p.eng
	final := e.exp != nil && p.final.Load()
	for i := range nSeverities {
		// Every outcome of a record is counted after its submission, so
		// reading the outcomes first and Submitted last gives a snapshot
		// where outcomes never exceed submissions, however busy the
		// pipeline (read the other way, a burst of drops between the two
		// loads showed Dropped > Submitted).
		var c LevelCounts
		c.Dropped = p.counts.dropped[i].Load()
		if e.exp != nil {
			c.Exported = p.counts.exported[i].Load()
			c.Failed = p.counts.failed[i].Load()
			c.Spooled = p.counts.spooled[i].Load()
			c.Recovered = p.counts.recovered[i].Load()
			c.Resent = p.counts.resent[i].Load()
		}
		c.Sampled = p.counts.filtered[FilterSampled][i].Load()
		c.RateLimited = p.counts.filtered[FilterRateLimited][i].Load()
		c.Deduplicated = p.counts.filtered[FilterDeduplicated][i].Load()
		c.Submitted = p.counts.submitted[i].Load()
		if e.exp != nil {
			if final && c.Submitted > c.Exported+c.Dropped+c.Failed+c.Spooled+c.filteredSum() {
				c.Failed = c.Submitted - c.Exported - c.Dropped - c.Spooled - c.filteredSum()
			}
		} else if p.Stopped() {
			// An external provider: handed over is all the library can know.
			c.Exported = c.Submitted - c.Dropped - c.filteredSum()
		}
		r.BySeverity[i] = c
		r.Submitted += c.Submitted
		r.Exported += c.Exported
		r.Dropped += c.Dropped
		r.Failed += c.Failed
		r.Spooled += c.Spooled
		r.Recovered += c.Recovered
		r.Resent += c.Resent
		r.Sampled += c.Sampled
		r.RateLimited += c.RateLimited
		r.Deduplicated += c.Deduplicated
	}
	if e.retries != nil {
		r.Retried = e.retries()
	}
	r.QueueHighWatermark = uint64(p.highWater.Load())
	r.FlushLatency = time.Duration(p.latency.Load())
	return r
}

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
