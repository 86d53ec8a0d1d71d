// Package core is the one emit path behind every fapilog front-end (the
// sync and async loggers, the log/slog handler): the level gate, the wait
// policy of a level, the record's attributes (With fields, baggage, bound
// fields, the call's), the stages (redaction, the audit chain), and the
// logger's share of a pipeline.
//
//	Logger.Info → Core.Enabled → Core.Emit → pipeline.Emit → record.Emit → sdklog.Logger.Emit
//	  → BatchProcessor → countingExporter → exporter
package core

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/fapilog/fapilog-go/audit"
	"github.com/fapilog/fapilog-go/bridge"
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/internal/auditchain"
	"github.com/fapilog/fapilog-go/internal/callsite"
	"github.com/fapilog/fapilog-go/internal/filter"
	"github.com/fapilog/fapilog-go/internal/levelreg"
	"github.com/fapilog/fapilog-go/internal/pipeline"
	"github.com/fapilog/fapilog-go/internal/record"
	"github.com/fapilog/fapilog-go/internal/settings"
	"github.com/fapilog/fapilog-go/internal/spool"
	"github.com/fapilog/fapilog-go/levels"
	"github.com/fapilog/fapilog-go/redact"
)

// Kind tells the sync logger's pipelines from the async logger's: a name is
// cached once per kind, so the two kinds never share an engine (their
// records would have the same scope).
type Kind uint8

// The kinds of loggers.
const (
	Sync Kind = iota
	Async
)

// Wait is the wait policy of a call for room in the export queue.
type Wait uint8

// The wait policies.
const (
	// WaitBounded: protected levels wait up to the protected wait (the
	// sync logger and the slog handler).
	WaitBounded Wait = iota
	// WaitForCtx: protected levels wait until ctx is done (the async
	// logger).
	WaitForCtx
)

// Core is what a logger and all its With children share: the level gate,
// one pipeline, one configuration. It is safe for concurrent use; only the
// level changes after construction.
type Core struct {
	name string
	// gate is the lowest level that passes: min(level, AUDIT), so AUDIT
	// and SECURITY always pass with one comparison; level is the level as
	// set. Both change together under SetLevel. gate is read with
	// atomic.LoadInt64, not through an atomic.Int64: one call fewer for
	// the inliner to count in every level method (see Enabled).
	gate  int64
	level atomic.Int64

	pipe      *pipeline.Pipeline
	mapping   levels.Mapping
	protected []levels.Level
	// lowProtected has bit l set for each protected level l below 128
	// (every standard level): the test of every call, without walking
	// the list.
	lowProtected [2]uint64
	// waits for room: protected with WaitBounded, unprotected (both
	// policies); protected with WaitForCtx waits until ctx is done.
	protectedWait    time.Duration
	backpressureWait time.Duration
	source           bool
	drainTimeout     time.Duration
	// redactor masks every record before its stages (nil: redaction off).
	redactor *redact.Redactor
	// auditStages rewrite AUDIT and SECURITY records after redaction,
	// before they are built (see record.Stage): the audit chain, one per
	// Core. Other levels have no stages.
	auditStages []record.Stage
	// auditUnordered: no stage of the list is an OrderedStage
	// (record.Call.Unordered), found once when the list is built.
	auditUnordered bool
	baggage        []string
	// filter leaves records out on purpose (sampling, rate limits,
	// de-duplication); nil when none is configured.
	filter *filter.Filter
	// remove takes the owning instance out of its cache; nil when uncached.
	remove func()
}

// New builds the core of a logger named name. A configuration problem is
// returned with a usable core that falls back to defaults (and to the
// console exporter when the exporter configuration itself is bad), so the
// sync logger can report it and go on while the async one returns it.
func New(name string, kind Kind, c settings.Config) (*Core, error) {
	levelreg.Freeze()
	scope := bridge.ValidString(name)
	if scope == "" {
		scope = "fapilog"
	}
	co := &Core{
		name:             name,
		mapping:          c.Mapping,
		protected:        c.Protected,
		protectedWait:    c.ProtectedWait,
		backpressureWait: c.BackpressureWait,
		source:           c.Source,
		drainTimeout:     c.DrainTimeout,
		baggage:          c.Baggage,
		filter:           filter.New(c.Filter),
		redactor:         c.Redactor,
	}
	for _, l := range c.Protected {
		if uint(l) < 128 {
			co.lowProtected[l>>6] |= 1 << (l & 63)
		}
	}
	co.SetLevel(c.Level)
	co.auditStages = auditStages(c)
	co.auditUnordered = record.Unordered(co.auditStages)
	var problems []error
	co.pipe = openPipeline(scope, kind, c, &problems)
	return co, errors.Join(problems...)
}

// Name returns the logger's name.
func (c *Core) Name() string { return c.name }

// Enabled is the level gate; it is all a disabled call costs.
func (c *Core) Enabled(l levels.Level) bool { return int64(l) >= atomic.LoadInt64(&c.gate) }

// SetLevel sets the minimum level; AUDIT and SECURITY always pass.
func (c *Core) SetLevel(l levels.Level) {
	c.level.Store(int64(l))
	atomic.StoreInt64(&c.gate, int64(min(l, levels.Audit)))
}

// Level returns the minimum level.
func (c *Core) Level() levels.Level { return levels.Level(c.level.Load()) }

// Source reports whether records carry the caller's source location.
func (c *Core) Source() bool { return c.source }

// DrainTimeout bounds the drain of a Runtime run.
func (c *Core) DrainTimeout() time.Duration { return c.drainTimeout }

// SetRemove sets what takes the logger out of its cache when it drains.
func (c *Core) SetRemove(f func()) { c.remove = f }

// Entry is one enabled call, as a front-end hands it to Emit (with the
// call's own attributes beside it: see record.Args).
type Entry struct {
	// Call is what the front-end knows of the call: Time (the zero time
	// leaves the record without a timestamp, its observed timestamp still
	// set, as log/slog asks of a record with a zero time), Msg, Fields (the
	// logger's, from With), and Exception with Err (exception.type,
	// exception.message and exception.stacktrace of Err). Emit fills in the
	// rest (severity, bound fields, stages, source), so a call's record.Call
	// is built once.
	record.Call
	Level levels.Level
	Wait  Wait
	// Caller adds the caller's source location when the logger was built
	// with WithSource(true) (the facade's calls; the slog handler computes
	// its own).
	Caller bool
}

// NewEntry is the Entry of a call made now through a facade's method: its
// time, message and the logger's With fields, wait policy wait, and the
// caller's source location wanted (when the logger adds it).
func NewEntry(level levels.Level, wait Wait, msg string, fields []attribute.KeyValue) Entry {
	return Entry{Level: level, Wait: wait, Caller: true, Call: record.Call{Time: time.Now(), Msg: msg, Fields: fields}}
}

// Emit turns one enabled call into a record and hands it to the pipeline,
// which admits, counts and spools it. args holds the call's typed
// attributes and key/values (the slog handler puts its own source location
// among the typed ones). It returns nil once the record is accepted, and otherwise
// what the async logger reports: ErrDropped, ErrStopped or ctx.Err().
//
// e comes by value: the fields Emit fills in are then stores to its own
// stack frame, where a pointer to the front-end's Entry would cost a GC
// write barrier per pointer field while a collection runs.
func (c *Core) Emit(ctx context.Context, e Entry, args record.Args) error {
	sev, text := c.severity(e.Level)
	protected := c.isProtected(e.Level)
	if c.filter != nil && !protected && e.Level < levels.Audit {
		if r, out := c.filtered(&e); out {
			return c.pipe.Filtered(sev, r)
		}
	}
	a := pipeline.Admission{Severity: sev, Wait: c.backpressureWait}
	if protected {
		a.Protected = true
		a.Wait = c.protectedWait
		if e.Wait == WaitForCtx {
			a.Wait = -1
		}
	}
	call := &e.Call
	call.Severity, call.Text = sev, text
	call.Bound = c.contextFields(ctx)
	call.Redactor = c.redactor
	if e.Level == levels.Audit || e.Level == levels.Security {
		call.Stages, call.Unordered = c.auditStages, c.auditUnordered
	}
	if c.source && e.Caller {
		call.Source = callerSource()
	}
	return c.pipe.Emit(ctx, a, call, args)
}

// callerSource returns the code.* attributes of the first caller outside
// the library, or nil. It is out of line, like every path most calls do not
// take, so that Emit stays small.
//
//go:noinline
func callerSource() []attribute.KeyValue {
	f, ok := callsite.First()
	if !ok {
		return nil
	}
	return []attribute.KeyValue{
		attribute.String("code.function.name", f.Function),
		attribute.String("code.file.path", f.File),
		attribute.Int("code.line.number", f.Line),
	}
}

// filtered asks the filter about e: whether to leave it out, and why.
func (c *Core) filtered(e *Entry) (pipeline.FilterReason, bool) {
	now := e.Time
	if now.IsZero() {
		now = time.Now()
	}
	switch c.filter.Decide(e.Level, e.Msg, now) {
	case filter.Sampled:
		return pipeline.FilterSampled, true
	case filter.RateLimited:
		return pipeline.FilterRateLimited, true
	case filter.Deduplicated:
		return pipeline.FilterDeduplicated, true
	}
	return 0, false
}

// Flush exports what is queued and keeps the logger running.
func (c *Core) Flush(ctx context.Context) error { return c.pipe.Flush(ctx) }

// Drain stops the core's pipeline and takes it out of its cache. A signed
// audit chain is sealed first (see seal).
func (c *Core) Drain(ctx context.Context) (pipeline.Result, error) {
	if c.remove != nil {
		c.remove()
	}
	c.seal(ctx)
	return c.pipe.Stop(ctx)
}

// seal ends the core's signed audit chain with its seal: one more AUDIT
// record, admitted and counted like any (it waits for room like a
// protected record), whose only stage is the chain's seal stage, so no
// data can produce it. A seal that finds no room, or a stopped pipeline,
// leaves the chain unsealed: the verifier reports it UNSEALED.
func (c *Core) seal(ctx context.Context) {
	if len(c.auditStages) == 0 {
		return
	}
	ch, ok := c.auditStages[len(c.auditStages)-1].(*auditchain.Chain)
	if !ok || !ch.NeedsSeal() {
		return
	}
	sev, text := c.severity(levels.Audit)
	call := record.Call{
		Time:     time.Now(),
		Severity: sev,
		Text:     text,
		Msg:      audit.SealMessage,
		Stages:   []record.Stage{ch.SealStage()},
	}
	_ = c.pipe.Emit(ctx, pipeline.Admission{Severity: sev, Protected: true, Wait: c.protectedWait}, &call, record.Args{})
}

// Stats returns the counts so far.
func (c *Core) Stats() pipeline.Result { return c.pipe.Result() }

func (c *Core) severity(l levels.Level) (log.Severity, string) {
	if c.mapping == nil {
		return l.Severity(), l.String()
	}
	return c.mapping(l)
}

func (c *Core) isProtected(l levels.Level) bool {
	if uint(l) < 128 {
		return c.lowProtected[l>>6]&(1<<(l&63)) != 0
	}
	return slices.Contains(c.protected, l)
}

// auditStages returns the record stages of a new core's AUDIT and SECURITY
// records: the audit chain, when it is on (its hash covers the redacted
// record: redaction runs before the stages). Other levels have none, which
// spares them a stage call. The chain is new for each core: one chain per
// logger instance.
func auditStages(c settings.Config) []record.Stage {
	if !c.AuditChain {
		return nil
	}
	var sevs []audit.Severity
	for _, l := range []levels.Level{levels.Audit, levels.Security} {
		sev, text := l.Severity(), l.String()
		if c.Mapping != nil {
			sev, text = c.Mapping(l)
		}
		sevs = append(sevs, audit.Severity{Number: sev, Text: text})
	}
	return []record.Stage{auditchain.NewSignedChain(c.AuditSigner, sevs...)}
}

// openPipeline joins the pipeline of c: a shared engine when c allows it
// (see key), else one of its own. Problems are appended to problems; the
// pipeline is usable either way.
func openPipeline(scope string, kind Kind, c settings.Config, problems *[]error) *pipeline.Pipeline {
	s := pipeline.Settings{
		Provider:       c.Provider,
		QueueSize:      c.QueueSize,
		BatchSize:      c.BatchSize,
		ExportInterval: c.ExportInterval,
		ExportTimeout:  c.ExportTimeout,
		Reserved:       c.Reserved,
		Warn:           c.Warn,
	}
	if c.Provider != nil {
		return pipeline.Join("", scope, func() pipeline.Settings { return s })
	}
	res, err := buildResource(c.Resource)
	if err != nil {
		*problems = append(*problems, err)
	}
	s.Resource = res
	// Not shared: a caller-owned exporter (it belongs to this logger), a
	// spool (it holds one logger's records), a warning hook (tests), an
	// uncached instance (Reuse(false), Runtime), or a configuration with
	// problems (they are reported by the logger that has them).
	key := ""
	if c.Exporter == nil && c.SpoolDir == "" && c.Warn == nil && c.Reuse && err == nil {
		if resolved, err := exporter.FromEnv(c.ExporterConfig); err == nil {
			key = engineKey(kind, resolved, res, c)
		}
	}
	build := func() pipeline.Settings {
		if c.Exporter != nil {
			s.Exporter = c.Exporter
		} else if built, err := exporter.Build(context.Background(), c.ExporterConfig); err != nil {
			*problems = append(*problems, fmt.Errorf("%w (falling back to the console exporter)", err))
			s.Exporter = exporter.NewConsole(os.Stdout)
			s.Synchronous = true
		} else {
			s.Exporter = built.Exporter
			s.Retries = built.Retries
			// The console writes each record before the call returns.
			s.Synchronous = built.Kind == exporter.KindConsole
		}
		if c.AuditFile != nil {
			if err := addAuditFile(c, &s); err != nil {
				*problems = append(*problems, err)
			}
		}
		if c.SpoolDir != "" {
			if err := openSpool(c, &s); err != nil {
				*problems = append(*problems, err)
			}
		}
		return s
	}
	return pipeline.Join(key, scope, build)
}

// addAuditFile puts a fan-out in front of s's exporter that also sends
// AUDIT and SECURITY records (as the mapping exports them) to the audit
// file. A record counts as exported only when both took it (see
// exporter.NewFanout). The logger runs without the file when it cannot be
// opened (the error says why).
func addAuditFile(c settings.Config, s *pipeline.Settings) error {
	file, err := exporter.NewFile(*c.AuditFile)
	if err != nil {
		return fmt.Errorf("audit file (running without it): %w", err)
	}
	type sevText struct {
		n    log.Severity
		text string
	}
	var audit []sevText
	for _, l := range []levels.Level{levels.Audit, levels.Security} {
		n, text := l.Severity(), l.String()
		if c.Mapping != nil {
			n, text = c.Mapping(l)
		}
		audit = append(audit, sevText{n, text})
	}
	s.Exporter = exporter.NewFanout(
		exporter.To("exporter", s.Exporter),
		exporter.Route{Name: "audit file " + c.AuditFile.Path, Exporter: file, Match: func(r *sdklog.Record) bool {
			for _, a := range audit {
				if r.Severity() == a.n && r.SeverityText() == a.text {
					return true
				}
			}
			return false
		}},
	)
	return nil
}

// openSpool opens the spool of a pipeline the library builds into s. The
// logger runs without a spool when it cannot be opened (the error says
// why).
func openSpool(c settings.Config, s *pipeline.Settings) error {
	sp, err := spool.Open(c.SpoolDir, spool.Options{MaxBytes: c.SpoolMaxBytes})
	if err != nil {
		return fmt.Errorf("spool %s (running without it): %w", c.SpoolDir, err)
	}
	s.Spool = sp
	for _, l := range c.Protected {
		var sev log.Severity
		if c.Mapping == nil {
			sev = l.Severity()
		} else {
			sev, _ = c.Mapping(l)
		}
		s.Protected = append(s.Protected, sev)
	}
	return nil
}
