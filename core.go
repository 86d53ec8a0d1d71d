package fapilog

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/fapilog/fapilog-go/bridge"
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/internal/pipeline"
	"github.com/fapilog/fapilog-go/levels"
)

// core is what a logger and all its With children share: one pipeline, one
// OTel logger, one configuration. It is immutable after construction.
type core struct {
	name string
	// gate is the lowest level that passes: min(configured level, AUDIT),
	// so AUDIT and SECURITY always pass with one comparison.
	gate      levels.Level
	pipe      *pipeline.Pipeline
	otel      log.Logger
	mapping   levels.Mapping
	protected []levels.Level
	// waits for room: sync protected, unprotected (both loggers); the
	// async protected wait is unbounded (< 0) and ends with ctx.
	protectedWait    time.Duration
	backpressureWait time.Duration
	source           bool
	drainTimeout     time.Duration
	// stages rewrite records before they are built (see bridge.Stage).
	stages []bridge.Stage
	// remove takes the owning instance out of its cache; nil when uncached.
	remove func()
}

// newCore builds the pipeline for name. A configuration problem is returned
// with a usable core that falls back to defaults (and to the console
// exporter when the exporter configuration itself is bad), so the sync
// logger can report it and go on while the async one returns it.
func newCore(name string, c config) (*core, error) {
	levels.Freeze()
	var problems []error
	scope := name
	if scope == "" {
		scope = "fapilog"
	}
	co := &core{
		name:             name,
		gate:             min(*c.level, levels.Audit),
		mapping:          c.mapping,
		protected:        c.protected,
		protectedWait:    *c.protectedWait,
		backpressureWait: *c.backpressureWait,
		source:           c.source,
		drainTimeout:     c.drainTimeout,
	}
	s := pipeline.Settings{
		Provider:       c.provider,
		QueueSize:      c.queueSize,
		BatchSize:      c.batchSize,
		ExportInterval: c.exportInterval,
		ExportTimeout:  c.exportTimeout,
		Reserved:       *c.reserved,
		Name:           scope,
		Warn:           c.stderr,
	}
	if c.provider == nil {
		res, err := buildResource(c.resource)
		if err != nil {
			problems = append(problems, err)
		}
		s.Resource = res
		s.Exporter = c.exporter
		if s.Exporter == nil {
			built, err := exporter.Build(context.Background(), c.exporterConfig)
			if err != nil {
				problems = append(problems, fmt.Errorf("%w (falling back to the console exporter)", err))
				s.Exporter = exporter.NewConsole(os.Stdout)
			} else {
				s.Exporter = built.Exporter
				s.Retries = built.Retries
			}
		}
	}
	co.pipe = pipeline.New(s)
	co.otel = co.pipe.Logger(scope)
	return co, errors.Join(problems...)
}

// enabled is the level gate; it is all a disabled call costs.
func (c *core) enabled(l levels.Level) bool { return l >= c.gate }

func (c *core) isProtected(l levels.Level) bool {
	for _, p := range c.protected {
		if p == l {
			return true
		}
	}
	return false
}

// emit turns one enabled call into a record. async selects the async wait
// policy for protected levels (until ctx is done instead of a bound).
func (c *core) emit(ctx context.Context, async bool, l levels.Level, msg string, fields []attribute.KeyValue, kv []any, exc bool, err error) error {
	now := time.Now()
	var sev log.Severity
	var text string
	if c.mapping == nil {
		sev, text = l.Severity(), l.String()
	} else {
		sev, text = c.mapping(l)
	}
	protected := c.isProtected(l)
	wait := c.backpressureWait
	if protected {
		wait = c.protectedWait
		if async {
			wait = -1
		}
	}
	if e := c.pipe.Begin(ctx, sev, protected, wait); e != nil {
		return e
	}
	call := bridge.Call{
		Time:      now,
		Severity:  sev,
		Text:      text,
		Msg:       msg,
		Fields:    fields,
		Bound:     boundFields(ctx),
		Exception: exc,
		Err:       err,
		Stages:    c.stages,
	}
	var src [3]attribute.KeyValue
	if c.source {
		if f, ok := callerFrame(); ok {
			src = [3]attribute.KeyValue{
				attribute.String("code.function.name", f.Function),
				attribute.String("code.file.path", f.File),
				attribute.Int("code.line.number", f.Line),
			}
			call.Source = src[:]
		}
	}
	bridge.Emit(ctx, c.otel, &call, kv)
	c.pipe.End()
	return nil
}

// callerFrame returns the first frame outside this module's non-test code:
// the user's call site, however deep the facade is and whatever the
// compiler inlined (frames are expanded, not looked up from one PC).
func callerFrame() (runtime.Frame, bool) {
	var pcs [16]uintptr
	n := runtime.Callers(3, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if !isLibraryFrame(f) {
			return f, f.Function != ""
		}
		if !more {
			return runtime.Frame{}, false
		}
	}
}

const modulePath = "github.com/fapilog/fapilog-go"

func isLibraryFrame(f runtime.Frame) bool {
	fn := f.Function
	if !strings.HasPrefix(fn, modulePath) {
		return false
	}
	rest := fn[len(modulePath):]
	if !(strings.HasPrefix(rest, ".") || strings.HasPrefix(rest, "/")) {
		return false
	}
	return !strings.HasSuffix(f.File, "_test.go") && !strings.Contains(rest, "/examples/")
}

// drain stops the core's pipeline and takes it out of its cache.
func (c *core) drain(ctx context.Context) (DrainResult, error) {
	if c.remove != nil {
		c.remove()
	}
	r, err := c.pipe.Stop(ctx)
	return drainResult(r), err
}

// compile-time checks of the exporter seam.
var _ sdklog.Exporter = (*exporter.Memory)(nil)
