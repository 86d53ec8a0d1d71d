package bridge

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
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
	// Attrs are call attributes converted beforehand (by the slog
	// handler); they are added after Source and before the call's KV.
	Attrs []attribute.KeyValue
	// Stages rewrite the message and attributes, in order, after the
	// attributes are assembled and de-duplicated and before the record is
	// built (redaction, then the audit chain).
	Stages []Stage
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
// true, Apply returned holding the stage's lock, and Emit calls Release(c)
// once the record is emitted, also if emitting panics. Holds must give the
// same answer for the same c. Only the last stage of a call may hold.
type OrderedStage interface {
	Stage
	Holds(c *Call) bool
	Release(c *Call)
}

// inlineAttrs is the number of attributes assembled without allocating;
// slog's survey puts 95% of calls at five or fewer.
const inlineAttrs = 16

// Emit builds the record for c and the call's key/values kv, and emits it on
// lg. kv is a parameter of its own, not a field of Call, so that escape
// analysis can keep the caller's variadic slice on the stack. The record's trace and
// span ids come from ctx (the SDK reads them there). Keys are de-duplicated
// here, last value wins, so providers may skip the SDK's own (costly) pass.
func Emit(ctx context.Context, lg log.Logger, c *Call, kv []any) {
	var rec log.Record
	rec.SetTimestamp(c.Time)
	rec.SetObservedTimestamp(c.Time)
	rec.SetSeverity(c.Severity)
	rec.SetSeverityText(c.Text)

	var buf [inlineAttrs]attribute.KeyValue
	attrs := append(buf[:0], c.Fields...)
	attrs = append(attrs, c.Bound...)
	if c.Exception {
		ex := ExceptionAttrs(c.Err, 2)
		attrs = append(attrs, ex[:]...)
	}
	attrs = append(attrs, c.Source...)
	attrs = append(attrs, c.Attrs...)
	attrs = AppendKV(attrs, kv)
	if len(attrs) > 1 {
		attrs = Dedup(attrs)
	}
	msg := validUTF8(c.Msg)
	if len(c.Stages) == 0 {
		rec.SetBody(attribute.StringValue(msg))
		rec.AddAttributes(attrs...)
		lg.Emit(ctx, rec)
		return
	}
	if o, ok := c.Stages[len(c.Stages)-1].(OrderedStage); ok && o.Holds(c) {
		defer o.Release(c)
	}
	applyStages(&rec, c, msg, attrs)
	lg.Emit(ctx, rec)
}

// scratch holds the attribute lists stages work on. A Stage is an interface,
// and the compiler assumes an interface call's arguments escape: handing it
// Emit's stack buffer would move that buffer to the heap on every call.
// Stages get a pooled heap slice instead, returned once the record holds its
// own copy.
var scratch = sync.Pool{New: func() any { s := make([]attribute.KeyValue, 0, inlineAttrs); return &s }}

// maxScratch keeps a rare huge call from pinning a huge buffer in the pool.
const maxScratch = 256

func applyStages(rec *log.Record, c *Call, msg string, attrs []attribute.KeyValue) {
	sp := scratch.Get().(*[]attribute.KeyValue)
	work := append((*sp)[:0], attrs...)
	for _, s := range c.Stages {
		msg, work = s.Apply(c, msg, work)
	}
	rec.SetBody(attribute.StringValue(msg))
	rec.AddAttributes(work...)
	if cap(work) <= maxScratch {
		clear(work) // drop references to the caller's values
		*sp = work[:0]
		scratch.Put(sp)
	}
}
