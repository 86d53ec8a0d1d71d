package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/fapilog/fapilog-go/internal/delivery"
)

// engine is what loggers with one configuration share: one provider, one
// BatchProcessor (its ring and its goroutine), one exporter and one
// admission gate. Each logger joins it as a member (a *Pipeline) with its
// own counts; records are attributed to members by instrumentation scope
// name, which is unique among the members of one engine.
//
// An engine is reference counted by the registry: the last member to stop
// shuts it down.
type engine struct {
	key string // "" when not shared (see Join)
	// refs is guarded by registry.mu.
	refs int

	owned    *sdklog.LoggerProvider
	external log.LoggerProvider
	exp      *countingExporter
	gate     *gate
	retries  func() uint64
	// sp is set only on engines that are not shared (a spool holds one
	// logger's records; see Join).
	sp *spooler

	// mu guards members and every member's final flag; the counting
	// exporter holds it while it adds a batch's counts.
	mu      sync.Mutex
	members map[string]*Pipeline
	// only is the single member of an engine that is not shared: every
	// record is its own, whatever its scope.
	only *Pipeline

	metrics metric.Registration

	// panicked is set by the first exporter panic, which is reported once
	// with its stack (later ones go through the rate-limited warning).
	panicked atomic.Bool

	// abortCtx ends every export when a drain's deadline is spent (see
	// shutdown); sync engines (the console) have none: their exports are
	// local writes.
	abortCtx context.Context
	abort    context.CancelFunc
}

// cutOffGrace bounds how long a drain whose deadline is spent waits for
// the processor's last pass once the exports are aborted (they then fail
// at once) before it returns.
const cutOffGrace = 5 * time.Second

// shutdown shuts the owned provider down within ctx, and releases it even
// when ctx is done. The SDK provider's Shutdown with a done ctx returns
// without stopping the batch processor (its goroutine, the exporter and a
// shared connection would stay alive for good, and a later drain could not
// repair it), and the processor's last pass skips the queued records
// without a word. So the provider is shut down with a ctx that is never
// cancelled, and when ctx ends first the exports are aborted instead: the
// last pass then hands every queued batch to the exporter, where it fails
// at once and is counted failed, or spooled when there is a spool.
func (e *engine) shutdown(ctx context.Context) error {
	done := make(chan error, 1)
	go func() { done <- e.owned.Shutdown(withReport(context.WithoutCancel(ctx))) }()
	select {
	case err := <-done:
		e.abortExports()
		return err
	case <-ctx.Done():
	}
	e.abortExports()
	t := time.NewTimer(cutOffGrace)
	defer t.Stop()
	select {
	case err := <-done:
		return errors.Join(ctx.Err(), err)
	case <-t.C:
		// An exporter that ignores its ctx: the provider finishes (and
		// releases the connection) when that export returns.
		return fmt.Errorf("%w (an export in flight ignores its cancellation)", ctx.Err())
	}
}

func (e *engine) abortExports() {
	if e.abort != nil {
		e.abort()
	}
}

// registry holds the running shared engines by key.
var registry = struct {
	mu      sync.Mutex
	engines map[string]*engine
}{engines: map[string]*engine{}}

// Join returns the pipeline of one logger with instrumentation scope scope:
// its share of the engine running under key, or of a new engine that
// build's settings describe. build is called only when a new engine is
// needed: when key is "" (never shared), when no engine runs under key, or
// when scope is taken in the running one (two loggers of one name, or a
// drained logger whose records are still in flight there).
//
// Settings.Spool, Settings.Provider and a caller-owned Settings.Exporter
// make an engine that must not be shared: give them key "".
func Join(key, scope string, build func() Settings) *Pipeline {
	if key == "" {
		return New(withName(build(), scope))
	}
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if e := registry.engines[key]; e != nil {
		e.mu.Lock()
		_, taken := e.members[scope]
		if !taken {
			p := newMember(e, scope)
			e.members[scope] = p
			e.refs++
			e.mu.Unlock()
			return p
		}
		e.mu.Unlock()
		// A private engine for this one; the shared one keeps its key.
		return New(withName(build(), scope))
	}
	p := New(withName(build(), scope))
	e := p.eng
	e.key = key
	e.refs = 1
	e.only = nil // shared: attribute by scope
	registry.engines[key] = e
	return p
}

func withName(s Settings, scope string) Settings {
	s.Name = scope
	return s
}

// Engines returns how many shared engines are running (for tests and
// benchmarks).
func Engines() int {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	return len(registry.engines)
}

// leave takes p out of its engine's reference count and reports whether p
// was the last member, which must shut the engine down. A shared engine
// leaves the registry then, so that new loggers build a new one.
func (e *engine) leave() bool {
	if e.key == "" {
		return true
	}
	registry.mu.Lock()
	defer registry.mu.Unlock()
	e.refs--
	if e.refs > 0 {
		return false
	}
	if registry.engines[e.key] == e {
		delete(registry.engines, e.key)
	}
	return true
}

// finalize freezes p's counts: whatever p admitted that has not reached the
// exporter yet is counted as failed from now on (see Result). p stays a
// member while records of it are in flight, so that they are still
// attributed to it (and ignored) rather than to a later logger of the name.
func (e *engine) finalize(p *Pipeline) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p.final.Store(true)
	// An emit still in progress (the drain's deadline ran out while it
	// was admitted) may yet put a record in flight: p then stays a member
	// until the exporter counts the last record out (or for good, if that
	// record never comes: a later logger of the name gets an engine of its
	// own, never p's records).
	if quiet(p.state.Load()) && e.members[p.name] == p {
		delete(e.members, p.name)
	}
}

// memberOf returns the member a record of scope belongs to, nil if none.
// The caller holds e.mu.
func (e *engine) memberOf(scope string) *Pipeline {
	if e.only != nil {
		return e.only
	}
	return e.members[scope]
}

// countingExporter counts what the batch processor hands over, per member,
// and releases admission slots when each export completes. The batch
// processor never calls Export concurrently, so scratch needs no lock.
type countingExporter struct {
	inner   sdklog.Exporter
	eng     *engine
	scratch []memberTally
	// reports: inner reports on its attempts (internal/delivery). Only
	// then, or with a spool, does an export carry a delivery report: the
	// console's export per call allocates nothing for it.
	reports bool
}

// memberTally is one member's share of an exported batch.
type memberTally struct {
	p              *Pipeline
	n              int64
	exported, fail [nSeverities]uint64
}

func (e *countingExporter) Export(ctx context.Context, recs []sdklog.Record) error {
	eng := e.eng
	sp := eng.sp
	if eng.abortCtx != nil {
		// A drain whose deadline is spent ends this export (cutOff).
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		stop := context.AfterFunc(eng.abortCtx, cancel)
		defer func() { stop(); cancel() }()
	}
	var rep *delivery.Report // nil: nobody reads or writes it
	if e.reports || sp != nil {
		ctx, rep = delivery.With(ctx)
	}
	// walK: how many records of the batch the write-ahead log holds, for
	// its sent mark before the export and its removal after.
	walK := 0
	if sp != nil && sp.wal != nil {
		walK = sp.protectedIn(recs)
	}
	err := e.exportInner(ctx, recs, walK)
	// uncertain: an attempt failed after its request may have reached the
	// collector, so what this export delivered may be there twice, and
	// what it failed to deliver may be there once. An exporter that does
	// not report leaves only its error to guess from, for the failed
	// records (failedMaybe); its delivered ones came in one attempt.
	uncertain, observed := rep.MaybeDelivered()
	failedMaybe := uncertain
	if err != nil && !observed {
		failedMaybe = !delivery.NeverConnected(err)
	}

	eng.mu.Lock()
	tallies := e.scratch[:0]
	last := -1
	indexOf := func(i int) int {
		if eng.only != nil {
			return 0 // the one member's tally, made below
		}
		scope := recs[i].InstrumentationScope().Name
		if last >= 0 && tallies[last].p.name == scope {
			return last
		}
		m := eng.memberOf(scope)
		if m == nil {
			return -1
		}
		for k := range tallies {
			if tallies[k].p == m {
				last = k
				return k
			}
		}
		tallies = append(tallies, memberTally{p: m})
		last = len(tallies) - 1
		return last
	}
	if eng.only != nil && len(recs) > 0 {
		// One member owns every record: count without reading each one's
		// scope (InstrumentationScope copies the whole scope).
		tallies = append(tallies, memberTally{p: eng.only, n: int64(len(recs))})
		t := &tallies[0]
		for i := range recs {
			t.exported[sevIndex(recs[i].Severity())]++
		}
	} else {
		for i := range recs {
			if k := indexOf(i); k >= 0 {
				tallies[k].n++
				tallies[k].exported[sevIndex(recs[i].Severity())]++
			}
		}
	}
	lost := err != nil
	var spooled *[nSeverities]uint64
	if err != nil {
		// An exporter that delivered part of the batch says which records
		// failed (exporter.PartialError): count those as failed, the rest
		// as exported.
		if failed, ok := failedIndices(err); ok {
			// The indices come from an exporter: count each record of the
			// batch at most once, whatever repeats or strays are in them.
			seen := make([]bool, len(recs))
			for _, i := range failed {
				if i >= 0 && i < len(recs) && !seen[i] {
					seen[i] = true
					if k := indexOf(i); k >= 0 {
						s := sevIndex(recs[i].Severity())
						tallies[k].exported[s]--
						tallies[k].fail[s]++
					}
				}
			}
		} else {
			for k := range tallies {
				tallies[k].fail, tallies[k].exported = tallies[k].exported, [nSeverities]uint64{}
			}
			if sp != nil && len(tallies) == 1 {
				// Protected records go to the spool instead of Failed. (A
				// partial failure is the collector refusing those records:
				// replaying them would not help.) An engine with a spool has
				// one member.
				spooled, lost = sp.takeFailed(recs, &tallies[0].fail, err, failedMaybe)
			}
		}
	}
	if sp != nil && sp.wal != nil {
		// The export of these records is over (delivered, spooled or
		// counted failed): they leave the write-ahead log, before the
		// counts say so.
		if werr := sp.wal.done(walK); werr != nil {
			sp.warn.note(sp.p.name, "left in the write-ahead log (sent again by the next process)", werr)
		}
	}
	if spooled != nil && !tallies[0].p.final.Load() {
		tallies[0].p.countSpooled(spooled)
	}
	for k := range tallies {
		t := &tallies[k]
		m := t.p
		if !m.final.Load() {
			for i := range nSeverities {
				if t.exported[i] > 0 {
					m.counts.exported[i].Add(t.exported[i])
					if uncertain {
						m.counts.resent[i].Add(t.exported[i])
					}
				}
				if t.fail[i] > 0 {
					m.counts.failed[i].Add(t.fail[i])
				}
			}
		}
		if quiet(m.state.Add(-t.n*inflightOne)) && m.final.Load() && eng.members[m.name] == m {
			delete(eng.members, m.name)
		}
	}
	e.scratch = tallies
	eng.mu.Unlock()
	// Warnings after the lock: a warning line reads the counts.
	for k := range tallies {
		if m := tallies[k].p; lost && !m.final.Load() {
			m.warn.note(m.name, "failed to export", err)
		}
		tallies[k] = memberTally{}
	}
	e.scratch = tallies[:0]
	if eng.gate != nil {
		eng.gate.release(len(recs))
	}
	if !lost && err != nil {
		// Every record of the batch is in the spool: nothing failed.
		return nil
	}
	if err != nil && ctx.Value(reportKey{}) == nil {
		// A periodic export: the loss is counted and warned about above
		// (rate-limited). Returned, it would reach otel.Handle, whose
		// default prints a line per failed batch.
		return nil
	}
	return err
}

// reportKey marks the ctx of the exports a Flush or a Stop asked for: their
// errors are returned to the caller rather than swallowed.
type reportKey struct{}

func withReport(ctx context.Context) context.Context {
	return context.WithValue(ctx, reportKey{}, true)
}

// exportInner calls the exporter (through the spool when there is one),
// and turns a panic of the exporter into an error for the batch: it runs on
// the batch processor's goroutine, where a panic would end the process and
// lose every queued record.
func (e *countingExporter) exportInner(ctx context.Context, recs []sdklog.Record, walK int) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("fapilog: exporter panicked (batch of %d records counted failed): %v", len(recs), v)
			if e.eng.panicked.CompareAndSwap(false, true) {
				// Once per engine, with the stack: this is a bug to fix.
				e.eng.warnPanic(fmt.Sprintf("%v\n%s", err, debug.Stack()))
			}
		}
	}()
	if sp := e.eng.sp; sp != nil {
		return sp.exportLive(ctx, recs, walK)
	}
	return e.inner.Export(ctx, recs)
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

// Shutdown ends the replay (after a last pass, unless the exporter just
// failed) before it shuts the exporter down.
func (e *countingExporter) Shutdown(ctx context.Context) error {
	if e.eng.sp != nil {
		e.eng.sp.finish(ctx)
	}
	return e.inner.Shutdown(ctx)
}

func (e *countingExporter) ForceFlush(ctx context.Context) error { return e.inner.ForceFlush(ctx) }

// warnPanic prints msg through the first member's warning output.
func (e *engine) warnPanic(msg string) {
	e.mu.Lock()
	var out func(string)
	if e.only != nil {
		out = e.only.warn.out
	} else {
		for _, m := range e.members {
			out = m.warn.out
			break
		}
	}
	e.mu.Unlock()
	if out != nil {
		out(msg)
		return
	}
	fmt.Fprintln(os.Stderr, msg)
}
