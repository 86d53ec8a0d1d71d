package fapilog

import (
	"context"
	"errors"
	"fmt"
	"os"
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
	// stages rewrite records before they are built (see bridge.Stage);
	// auditStages are those of AUDIT and SECURITY records (they add the
	// audit chain).
	stages, auditStages []bridge.Stage
	// remove takes the owning instance out of its cache; nil when uncached.
	remove func()
	// baggage lists the baggage members copied into attributes (WithBaggage).
	baggage []string
}

// newCore builds the pipeline for name. A configuration problem is returned
// with a usable core that falls back to defaults (and to the console
// exporter when the exporter configuration itself is bad), so the sync
// logger can report it and go on while the async one returns it.
func newCore(name string, c config) (*core, error) {
	levels.Freeze()
	var problems []error
	scope := bridge.ValidString(name) // see valid.go
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
		baggage:          c.baggage,
	}
	co.stages, co.auditStages = c.features.stages(c.mapping) // options_features.go
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
	if c.provider == nil {
		if err := openSpool(c, &s); err != nil { // options_spool.go
			problems = append(problems, err)
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

// admit maps l to its severity and admits one record into the pipeline
// under the wait policy of its level. After a nil error the caller emits
// the record on the returned logger (the OTel logger; with a spool, for a
// protected record that found no room in time, the spool's writer: see
// options_spool.go), then returns c.end of it.
func (c *core) admit(ctx context.Context, async bool, l levels.Level) (log.Severity, string, log.Logger, error) {
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
	if err := c.pipe.Begin(ctx, sev, protected, wait); err != nil {
		if err == pipeline.ErrSpool {
			return sev, text, c.pipe.SpoolWriter(), nil
		}
		return 0, "", nil, err
	}
	return sev, text, c.otel, nil
}

// emit turns one enabled call into a record. async selects the async wait
// policy for protected levels (until ctx is done instead of a bound).
func (c *core) emit(ctx context.Context, async bool, l levels.Level, msg string, fields []attribute.KeyValue, kv []any, exc bool, err error) error {
	now := time.Now()
	sev, text, lg, e := c.admit(ctx, async, l)
	if e != nil {
		return e
	}
	call := bridge.Call{
		Time:      now,
		Severity:  sev,
		Text:      text,
		Msg:       msg,
		Fields:    fields,
		Bound:     c.contextFields(ctx),
		Exception: exc,
		Err:       err,
		Stages:    c.stagesFor(l),
	}
	if c.source {
		if f, ok := bridge.CallerFrame(); ok {
			// src goes to the heap (stages see a heap copy of the Call):
			// declared here, only calls with source pay for it.
			src := [3]attribute.KeyValue{
				attribute.String("code.function.name", f.Function),
				attribute.String("code.file.path", f.File),
				attribute.Int("code.line.number", f.Line),
			}
			call.Source = src[:]
		}
	}
	bridge.Emit(ctx, lg, &call, kv)
	return c.end(lg)
}

// drain stops the core's pipeline and takes it out of its cache.
func (c *core) drain(ctx context.Context) (DrainResult, error) {
	if c.remove != nil {
		c.remove()
	}
	c.sealAudit(ctx) // options_security.go
	r, err := c.pipe.Stop(ctx)
	return drainResult(r), err
}

// stagesFor returns the stages of a record at level l.
func (c *core) stagesFor(l levels.Level) []bridge.Stage {
	if l == levels.Audit || l == levels.Security {
		return c.auditStages
	}
	return c.stages
}

// compile-time checks of the exporter seam.
var _ sdklog.Exporter = (*exporter.Memory)(nil)
