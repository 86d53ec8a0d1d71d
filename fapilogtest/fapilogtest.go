// Package fapilogtest records what fapilog loggers emit, for tests, as
// zaptest/observer does for zap: an Observer keeps every record its loggers
// export, and has helpers to find records and assert on them.
//
// Two ways in. New returns a fresh logger that records into a new
// Observer, for code that takes its logger as a parameter:
//
//	logger, obs := fapilogtest.New(t)
//	svc := NewService(logger)
//	svc.Charge(7)
//	obs.AssertLogged(t, levels.Info, "charge approved", "order", 7)
//
// Observe makes GetLogger(name) and GetAsyncLogger(ctx, name) return
// observed loggers for the rest of the test, for code that gets its logger
// by name inside:
//
//	obs := fapilogtest.Observe(t, "payments")
//	payments.Charge(7) // calls fapilog.GetLogger("payments") inside
//	obs.AssertLogged(t, levels.Audit, "charge approved")
//
// At t.Cleanup the names are restored and the observed loggers drained.
// Code that got its logger before Observe (a package-level variable set at
// init) keeps the logger it got. Tests that observe one name must not run
// in parallel with each other.
//
// Records pass through the whole pipeline (level gate, filters, redaction,
// the audit chain), so a test sees what an exporter would. Reading an
// Observer first flushes its loggers, so what was logged before the read
// is there.
package fapilogtest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/trace"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/bridge"
	"github.com/fapilog/fapilog-go/levels"
)

// flushTimeout bounds the flush before each read: a deadline for a slow
// machine, never a speed assertion.
const flushTimeout = 30 * time.Second

// Record is one exported record, flattened for assertions.
type Record struct {
	Time         time.Time
	Level        levels.Level // from the severity number and text
	Severity     log.Severity
	SeverityText string
	Message      string // the body as a string (Value.String for other kinds)
	// Attrs are the record's attributes in order (With fields, bound
	// fields, the call's key/values).
	Attrs   []attribute.KeyValue
	Scope   string // the logger's name ("fapilog" for the default one)
	TraceID trace.TraceID
	SpanID  trace.SpanID
	// Raw is the record as the exporter got it.
	Raw sdklog.Record
}

// Attr returns the value of key, and whether the record has it.
func (r Record) Attr(key string) (attribute.Value, bool) {
	for _, kv := range r.Attrs {
		if string(kv.Key) == key {
			return kv.Value, true
		}
	}
	return attribute.Value{}, false
}

// String renders the record on one line, for failure messages.
func (r Record) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %q", r.Level, r.Message)
	for _, kv := range r.Attrs {
		fmt.Fprintf(&b, " %s=%s", kv.Key, kv.Value.String())
	}
	return b.String()
}

// Observer records the records of the loggers it observes. It is safe for
// concurrent use.
type Observer struct {
	mu      sync.Mutex
	records []Record
	flush   []func(context.Context) error
}

// exporterFor returns an exporter that records into o. Each logger gets its
// own (a logger shuts its exporter down when it drains; the others go on).
func (o *Observer) exporterFor() sdklog.Exporter { return &recorder{o: o} }

// recorder is the sdklog.Exporter of one observed logger.
type recorder struct {
	o       *Observer
	mu      sync.Mutex
	stopped bool
}

func (e *recorder) Export(_ context.Context, recs []sdklog.Record) error {
	e.mu.Lock()
	stopped := e.stopped
	e.mu.Unlock()
	if stopped {
		return sdklog.ErrExporterShutdown
	}
	out := make([]Record, 0, len(recs))
	for i := range recs {
		out = append(out, flatten(recs[i].Clone()))
	}
	e.o.mu.Lock()
	e.o.records = append(e.o.records, out...)
	e.o.mu.Unlock()
	return nil
}

func (e *recorder) Shutdown(context.Context) error {
	e.mu.Lock()
	e.stopped = true
	e.mu.Unlock()
	return nil
}

func (e *recorder) ForceFlush(context.Context) error { return nil }

func flatten(r sdklog.Record) Record {
	out := Record{
		Time:         r.Timestamp(),
		Level:        levels.FromSeverity(r.Severity(), r.SeverityText()),
		Severity:     r.Severity(),
		SeverityText: r.SeverityText(),
		Scope:        r.InstrumentationScope().Name,
		TraceID:      r.TraceID(),
		SpanID:       r.SpanID(),
		Raw:          r,
	}
	if body := r.Body(); body.Type() == attribute.STRING {
		out.Message = body.AsString()
	} else {
		out.Message = body.String()
	}
	r.WalkAttributes(func(kv attribute.KeyValue) bool {
		out.Attrs = append(out.Attrs, kv)
		return true
	})
	return out
}

// New returns a fresh, uncached sync logger (opts added) that records into
// a new Observer. It is drained at t.Cleanup.
func New(t testing.TB, opts ...fapilog.Option) (*fapilog.Logger, *Observer) {
	t.Helper()
	o := &Observer{}
	return o.newLogger(t, t.Name(), opts), o
}

// NewAsync is New for the async logger.
func NewAsync(t testing.TB, opts ...fapilog.Option) (*fapilog.AsyncLogger, *Observer) {
	t.Helper()
	o := &Observer{}
	return o.newAsync(t, t.Name(), opts), o
}

// Observe makes fapilog.GetLogger(name) and fapilog.GetAsyncLogger(ctx,
// name) return loggers that record into the returned Observer (built with
// opts), until t ends: then the loggers cached under name before, if any,
// are back, and the observed ones are drained.
func Observe(t testing.TB, name string, opts ...fapilog.Option) *Observer {
	t.Helper()
	o := &Observer{}
	l := o.newLogger(t, name, opts)
	a := o.newAsync(t, name, opts)
	t.Cleanup(fapilog.ReplaceLogger(name, l))
	t.Cleanup(fapilog.ReplaceAsyncLogger(name, a))
	return o
}

func (o *Observer) newLogger(t testing.TB, name string, opts []fapilog.Option) *fapilog.Logger {
	l := fapilog.GetLogger(name, append([]fapilog.Option{fapilog.Reuse(false)}, append(opts, fapilog.WithExporter(o.exporterFor()))...)...)
	o.mu.Lock()
	o.flush = append(o.flush, l.Flush)
	o.mu.Unlock()
	t.Cleanup(func() { _, _ = l.StopAndDrain(context.Background()) })
	return l
}

func (o *Observer) newAsync(t testing.TB, name string, opts []fapilog.Option) *fapilog.AsyncLogger {
	t.Helper()
	a, err := fapilog.GetAsyncLogger(context.Background(), name, append([]fapilog.Option{fapilog.Reuse(false)}, append(opts, fapilog.WithExporter(o.exporterFor()))...)...)
	if err != nil {
		t.Fatalf("fapilogtest: %v", err)
	}
	o.mu.Lock()
	o.flush = append(o.flush, a.Flush)
	o.mu.Unlock()
	t.Cleanup(func() { _, _ = a.Drain(context.Background()) })
	return a
}

// sync flushes the observed loggers so that what they logged is recorded.
// A drained logger has nothing left to flush; its error is ignored.
func (o *Observer) sync() {
	o.mu.Lock()
	fs := slices.Clone(o.flush)
	o.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
	defer cancel()
	for _, f := range fs {
		_ = f(ctx)
	}
}

// All returns every record so far, oldest first.
func (o *Observer) All() []Record {
	o.sync()
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.records)
}

// Len returns the number of records so far.
func (o *Observer) Len() int { return len(o.All()) }

// TakeAll returns every record so far and forgets them.
func (o *Observer) TakeAll() []Record {
	o.sync()
	o.mu.Lock()
	defer o.mu.Unlock()
	out := o.records
	o.records = nil
	return out
}

// Filter returns the records keep accepts.
func (o *Observer) Filter(keep func(Record) bool) []Record {
	var out []Record
	for _, r := range o.All() {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

// FilterMessage returns the records whose message is msg.
func (o *Observer) FilterMessage(msg string) []Record {
	return o.Filter(func(r Record) bool { return r.Message == msg })
}

// FilterLevel returns the records at level.
func (o *Observer) FilterLevel(level levels.Level) []Record {
	return o.Filter(func(r Record) bool { return r.Level == level })
}

// FilterAttrs returns the records that have every attribute of kv
// (alternating key/value pairs, attribute.KeyValue and slog.Attr, as a
// logger takes them), with equal values (compared as the logger converts
// them: 7 matches an int64 7).
func (o *Observer) FilterAttrs(kv ...any) []Record {
	want := bridge.AppendKV(nil, kv)
	return o.Filter(func(r Record) bool { return hasAll(r, want) })
}

func hasAll(r Record, want []attribute.KeyValue) bool {
	for _, w := range want {
		v, ok := r.Attr(string(w.Key))
		if !ok || !equal(v, w.Value) {
			return false
		}
	}
	return true
}

// equal compares attribute values, nested ones included.
func equal(a, b attribute.Value) bool {
	return a.Type() == b.Type() && a.String() == b.String()
}

// AssertLogged fails t unless a record at level with message msg and the
// attributes of kv (see FilterAttrs) was logged, and returns the first one.
func (o *Observer) AssertLogged(t testing.TB, level levels.Level, msg string, kv ...any) Record {
	t.Helper()
	want := bridge.AppendKV(nil, kv)
	all := o.All()
	for _, r := range all {
		if r.Level == level && r.Message == msg && hasAll(r, want) {
			return r
		}
	}
	t.Errorf("fapilogtest: no %s %q with %v among %d records:%s", level, msg, want, len(all), listing(all))
	return Record{}
}

// AssertNotLogged fails t if a record at level with message msg was
// logged.
func (o *Observer) AssertNotLogged(t testing.TB, level levels.Level, msg string) {
	t.Helper()
	for _, r := range o.All() {
		if r.Level == level && r.Message == msg {
			t.Errorf("fapilogtest: unexpected record %s", r)
			return
		}
	}
}

// AssertCount fails t unless exactly n records were logged.
func (o *Observer) AssertCount(t testing.TB, n int) {
	t.Helper()
	if all := o.All(); len(all) != n {
		t.Errorf("fapilogtest: %d records, want %d:%s", len(all), n, listing(all))
	}
}

// listing renders records for a failure message, at most 20.
func listing(rs []Record) string {
	var b strings.Builder
	for i, r := range rs {
		if i == 20 {
			fmt.Fprintf(&b, "\n\t… and %d more", len(rs)-20)
			break
		}
		b.WriteString("\n\t")
		b.WriteString(r.String())
	}
	return b.String()
}
