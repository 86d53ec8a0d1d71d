package pipeline

import (
	"context"
	"errors"
	"sync"

	"go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
	sdklog "go.opentelemetry.io/otel/sdk/log"
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
	if p.inflight.Load() == 0 && e.members[p.name] == p {
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
	var err error
	if sp == nil {
		err = e.inner.Export(ctx, recs)
	} else {
		err = sp.exportLive(ctx, recs)
	}

	eng.mu.Lock()
	tallies := e.scratch[:0]
	last := -1
	indexOf := func(i int) int {
		scope := recs[i].InstrumentationScope().Name
		if last >= 0 && (eng.only != nil || tallies[last].p.name == scope) {
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
	for i := range recs {
		if k := indexOf(i); k >= 0 {
			tallies[k].n++
			tallies[k].exported[sevIndex(recs[i].Severity())]++
		}
	}
	lost := err != nil
	if err != nil {
		// An exporter that delivered part of the batch says which records
		// failed (exporter.PartialError): count those as failed, the rest
		// as exported.
		if failed, ok := failedIndices(err); ok {
			for _, i := range failed {
				if i >= 0 && i < len(recs) {
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
				var spooled *[nSeverities]uint64
				spooled, lost = sp.takeFailed(recs, &tallies[0].fail, err)
				if !tallies[0].p.final.Load() {
					tallies[0].p.countSpooled(spooled)
				}
			}
		}
	}
	for k := range tallies {
		t := &tallies[k]
		m := t.p
		if !m.final.Load() {
			for i := range nSeverities {
				if t.exported[i] > 0 {
					m.counts.exported[i].Add(t.exported[i])
				}
				if t.fail[i] > 0 {
					m.counts.failed[i].Add(t.fail[i])
				}
			}
		}
		if m.inflight.Add(-t.n) == 0 && m.final.Load() && eng.members[m.name] == m {
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

// Shutdown ends the replay (after a last pass, unless the exporter just
// failed) before it shuts the exporter down.
func (e *countingExporter) Shutdown(ctx context.Context) error {
	if e.eng.sp != nil {
		e.eng.sp.finish(ctx)
	}
	return e.inner.Shutdown(ctx)
}

func (e *countingExporter) ForceFlush(ctx context.Context) error { return e.inner.ForceFlush(ctx) }
