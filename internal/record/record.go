// Package record turns one logging call into a log.Record and emits it:
// the attributes assembled in a stack buffer, de-duplicated and redacted in
// place, the stages (the audit chain) run on pooled heap copies, the record
// built and handed to the logger. It is the wiring between internal/core and the
// SDK; the value conversions it uses are package bridge's.
package record

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"

	"github.com/fapilog/fapilog-go/bridge"
	"github.com/fapilog/fapilog-go/redact"
)

// Call is one logging call, as the facade hands it to Emit (with the call's
// key/values beside it). Its slices are read, never retained.
type Call struct {
	Time     time.Time
	Severity log.Severity
	Text     string // severity text
	Msg      string
	// Fields come from the logger (With), Bound from the context; the
	// call's KV win over both, and Bound wins over Fields.
	Fields []attribute.KeyValue
	Bound  []attribute.KeyValue
	// Exception, when set, adds exception.type, exception.message and
	// exception.stacktrace (the caller's stack) before the call's KV, so
	// the caller may still override them.
	Exception bool
	Err       error
	// Source, when non-empty, adds the code.* attributes.
	Source []attribute.KeyValue
	// Redactor, when set, masks the message and the attributes once they
	// are assembled and de-duplicated, before the Stages. It is a concrete
	// type, not a Stage, because escape analysis sees through a call to it:
	// the common call (redaction, no other stage) works on the stack
	// buffer, without the pooled copies a Stage needs.
	Redactor *redact.Redactor
	// Stages rewrite the message and attributes, in order, after redaction
	// and before the record is built (the audit chain).
	Stages []Stage
	// Unordered says that no stage is an OrderedStage (see Unordered), so
	// Emit need not ask the last one on every call (an interface type check
	// per call). False is always safe.
	Unordered bool
}

// Unordered reports whether none of stages is an OrderedStage: what a
// caller that reuses one list of stages computes once for Call.Unordered.
func Unordered(stages []Stage) bool {
	for _, st := range stages {
		if _, ok := st.(OrderedStage); ok {
			return false
		}
	}
	return true
}

// A Stage rewrites one record's message and attributes before the record is
// built. Apply runs on the logging goroutine, concurrently for concurrent
// calls; it may modify attrs in place, append to it and return the result.
// It must not retain attrs. c is read-only.
type Stage interface {
	Apply(c *Call, msg string, attrs []attribute.KeyValue) (string, []attribute.KeyValue)
}

// An OrderedStage is a Stage whose records must reach the logger in the
// order it processed them (the audit chain numbers them). When Holds(c) is
// true, Apply returns holding the stage's lock, and Emit calls Release(c)
// once the record is emitted, also if emitting or any stage panics, so
// possibly without Apply having run or returned: Release must release only
// what Apply took for this c. Holds must give the same answer for the same
// c. Only the last stage of a call may hold.
type OrderedStage interface {
	Stage
	Holds(c *Call) bool
	Release(c *Call)
}

// inlineAttrs is the number of attributes assembled without allocating;
// slog's survey puts 95% of calls at five or fewer.
const inlineAttrs = 16

// Args are a call's own attributes: typed ones (LogAttrs, the slog handler)
// and key/values (the ...any methods). They are not fields of Call: Call
// holds an error and stages, which escape, and escape analysis does not
// tell one field from another, so a slice stored in Call would move the
// caller's variadic slice to the heap. Passed beside it, by value, the
// slices stay on the caller's stack.
type Args struct {
	// Attrs are added after Source and before KV.
	Attrs []attribute.KeyValue
	KV    []any
}

// Emit builds the record for c and the call's key/values kv, and emits it on
// lg (EmitArgs with kv alone).
func Emit(ctx context.Context, lg log.Logger, c *Call, kv []any) {
	EmitArgs(ctx, lg, c, Args{KV: kv})
}

// EmitArgs builds the record for c and the call's own attributes a, and
// emits it on lg. The record's trace and span ids come from ctx (the SDK
// reads them there). Keys are de-duplicated here, last value wins, so
// providers may skip the SDK's own (costly) pass. The attributes are
// assembled and redacted in a stack buffer; only a call with stages copies
// them (see emitStaged).
func EmitArgs(ctx context.Context, lg log.Logger, c *Call, a Args) {
	var buf [inlineAttrs]attribute.KeyValue
	attrs := assemble(buf[:0], c, a)
	msg := bridge.ValidString(c.Msg)
	if c.Redactor != nil {
		msg, attrs = c.Redactor.Redact(msg, attrs)
	}
	if len(c.Stages) > 0 {
		emitStaged(ctx, lg, c, msg, attrs)
		return
	}
	emitRecord(ctx, lg, c, msg, attrs)
}

// assemble appends the record's attributes to dst, de-duplicated: With
// fields, bound fields, the exception, source, converted attributes, then
// the call's key/values. The exception's stack trace starts 3 frames above
// assemble (assemble, EmitArgs, the pipeline's emit): at the facade's
// method, whose frames are then cut.
//
// Most of these lists are empty on most calls, and an append of an empty
// slice still calls the runtime's copy (a GC-aware one, for attributes):
// each is tested first.
func assemble(dst []attribute.KeyValue, c *Call, a Args) []attribute.KeyValue {
	if len(c.Fields) > 0 {
		dst = append(dst, c.Fields...)
	}
	if len(c.Bound) > 0 {
		dst = append(dst, c.Bound...)
	}
	if c.Exception {
		ex := bridge.ExceptionAttrs(c.Err, 3)
		dst = append(dst, ex[:]...)
	}
	if len(c.Source) > 0 {
		dst = append(dst, c.Source...)
	}
	if len(a.Attrs) > 0 {
		dst = append(dst, a.Attrs...)
	}
	if len(a.KV) > 0 {
		dst = bridge.AppendKV(dst, a.KV)
	}
	if len(dst) > 1 {
		dst = bridge.Dedup(dst)
	}
	return dst
}

// emitRecord builds the record of c with its final message and attributes
// and emits it on lg. The observed timestamp is the call's time too: it
// spares the SDK a second clock read.
func emitRecord(ctx context.Context, lg log.Logger, c *Call, msg string, attrs []attribute.KeyValue) {
	var rec log.Record
	rec.SetTimestamp(c.Time)
	rec.SetObservedTimestamp(c.Time)
	rec.SetSeverity(c.Severity)
	rec.SetSeverityText(c.Text)
	rec.SetBody(attribute.StringValue(msg))
	rec.AddAttributes(attrs...)
	lg.Emit(ctx, rec)
}

// stageScratch is what the stages of one call work on: a copy of the Call
// and of the attribute list. A Stage is an interface, and the compiler
// assumes that what an interface method receives escapes: handing the
// stages c or the stack buffer would move both (and the caller's Call, and
// what it points to) to the heap on every call. Stages get pooled heap
// copies instead.
type stageScratch struct {
	call  Call
	attrs []attribute.KeyValue
}

var scratch = sync.Pool{New: func() any {
	return &stageScratch{attrs: make([]attribute.KeyValue, 0, inlineAttrs)}
}}

// maxScratch keeps a rare huge call from pinning a huge buffer in the pool.
const maxScratch = 256

// emitStaged is EmitArgs for a call with stages: it runs them on pooled
// copies of c and of its redacted attributes, then emits the record. The
// last stage, if it is an OrderedStage that holds c, is released once the
// record is emitted, also if emitting panics.
func emitStaged(ctx context.Context, lg log.Logger, c *Call, msg string, attrs []attribute.KeyValue) {
	s := scratch.Get().(*stageScratch)
	defer putScratch(s)
	s.attrs = append(s.attrs[:0], attrs...)
	s.call = *c
	sc := &s.call
	if !sc.Unordered {
		if o, ok := sc.Stages[len(sc.Stages)-1].(OrderedStage); ok && o.Holds(sc) {
			defer o.Release(sc)
		}
	}
	work := s.attrs
	for _, st := range sc.Stages {
		msg, work = st.Apply(sc, msg, work)
	}
	s.attrs = work
	emitRecord(ctx, lg, sc, msg, work)
}

// putScratch returns s to the pool, unless a rare huge call grew its
// buffer. It does not zero s: zeroing pointer-holding memory costs a GC
// write barrier per word on every call, and what s still references (one
// call's values) is released with the pool itself, which the runtime
// empties within two collections, and is overwritten by the next call.
func putScratch(s *stageScratch) {
	if cap(s.attrs) > maxScratch {
		return
	}
	s.attrs = s.attrs[:0]
	scratch.Put(s)
}
