package fapilog

import (
	"fmt"
	"os"
	"sync"
	"time"

	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/internal/settings"
	"github.com/fapilog/fapilog-go/levels"
)

// Defaults. Every one can be changed by an option or a variable; options
// beat variables, variables beat these.
const (
	DefaultLevel            = settings.DefaultLevel            // FAPILOG_LEVEL
	DefaultQueueSize        = settings.DefaultQueueSize        // OTEL_BLRP_MAX_QUEUE_SIZE
	DefaultBatchSize        = settings.DefaultBatchSize        // OTEL_BLRP_MAX_EXPORT_BATCH_SIZE
	DefaultExportInterval   = settings.DefaultExportInterval   // OTEL_BLRP_SCHEDULE_DELAY
	DefaultExportTimeout    = settings.DefaultExportTimeout    // OTEL_BLRP_EXPORT_TIMEOUT
	DefaultProtectedWait    = settings.DefaultProtectedWait    // FAPILOG_PROTECTED_WAIT_MS
	DefaultBackpressureWait = settings.DefaultBackpressureWait // FAPILOG_BACKPRESSURE_WAIT_MS
	DefaultDrainTimeout     = settings.DefaultDrainTimeout     // FAPILOG_DRAIN_TIMEOUT_MS
)

// DefaultProtectedLevels wait for room instead of being dropped: ERROR,
// CRITICAL, AUDIT and SECURITY.
var DefaultProtectedLevels = settings.DefaultProtectedLevels

// The variables read by this package (the exporter package reads the
// OTEL_EXPORTER_OTLP_* and OTEL_LOGS_EXPORTER ones).
const (
	EnvLevel            = settings.EnvLevel            // FAPILOG_LEVEL
	EnvProtectedLevels  = settings.EnvProtectedLevels  // FAPILOG_PROTECTED_LEVELS
	EnvProtectedWait    = settings.EnvProtectedWait    // FAPILOG_PROTECTED_WAIT_MS
	EnvBackpressureWait = settings.EnvBackpressureWait // FAPILOG_BACKPRESSURE_WAIT_MS
	EnvReserved         = settings.EnvReserved         // FAPILOG_RESERVED_CAPACITY
	EnvDrainTimeout     = settings.EnvDrainTimeout     // FAPILOG_DRAIN_TIMEOUT_MS
	EnvQueueSize        = settings.EnvQueueSize        // OTEL_BLRP_MAX_QUEUE_SIZE
	EnvBatchSize        = settings.EnvBatchSize        // OTEL_BLRP_MAX_EXPORT_BATCH_SIZE
	EnvExportInterval   = settings.EnvExportInterval   // OTEL_BLRP_SCHEDULE_DELAY
	EnvExportTimeout    = settings.EnvExportTimeout    // OTEL_BLRP_EXPORT_TIMEOUT
)

// An Option configures a logger. Options are checked once, when the logger
// is built, never on the logging path. For a cached name, options given
// after the first call are ignored (as in fapilog). A zero or invalid value
// means what it says (WithBackpressureWait(0): drop at once) or is reported
// (WithQueueSize(0)): GetLogger reports it on stderr and goes on with the
// variable or the default, GetAsyncLogger returns it.
type Option interface{ apply(*settings.Options) }

type optionFunc func(*settings.Options)

func (f optionFunc) apply(o *settings.Options) { f(o) }

// WithName names the logger a Runtime run creates (GetLogger takes the name
// as its argument, and ignores this option).
func WithName(name string) Option {
	return optionFunc(func(o *settings.Options) { o.Name = settings.Of(name) })
}

// WithLevel sets the minimum level (default INFO, or FAPILOG_LEVEL). Levels
// at or above AUDIT always pass. SetLevel changes it later.
func WithLevel(l levels.Level) Option {
	return optionFunc(func(o *settings.Options) { o.Level = settings.Of(l) })
}

// WithExporter makes the logger export through e. The exporter belongs to
// that logger and is shut down when the logger drains: pass one per logger.
func WithExporter(e sdklog.Exporter) Option {
	return optionFunc(func(o *settings.Options) { o.Exporter = e })
}

// WithExporterConfig configures the exporter in code (OTLP endpoint,
// protocol, headers, …). Fields left zero come from the environment.
func WithExporterConfig(cfg exporter.Config) Option {
	return optionFunc(func(o *settings.Options) { o.ExporterConfig = cfg })
}

// WithResource sets the resource of the records. It is merged over the
// resource from the environment (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES)
// and wins on a clash.
func WithResource(r *resource.Resource) Option {
	return optionFunc(func(o *settings.Options) { o.Resource = r })
}

// WithSource adds the caller's code.function.name, code.file.path and
// code.line.number to every record. It costs a stack walk per call.
func WithSource(on bool) Option { return optionFunc(func(o *settings.Options) { o.Source = on }) }

// WithLoggerProvider plugs the logger into a provider the application built.
// The library then does not own the pipeline: drain only flushes it, and
// admission and exact counts do not apply.
func WithLoggerProvider(p log.LoggerProvider) Option {
	return optionFunc(func(o *settings.Options) { o.Provider = p })
}

// WithSeverityMapping overrides how levels are exported (severity number and
// text). The default is levels.DefaultMapping.
func WithSeverityMapping(m levels.Mapping) Option {
	return optionFunc(func(o *settings.Options) { o.Mapping = m })
}

// Reuse(false) returns a fresh, uncached instance that the caller drains.
func Reuse(reuse bool) Option { return reuseOption(reuse) }

// reuseOption is a type of its own so that GetLogger can tell, without
// resolving anything, whether a call may return the cached instance.
type reuseOption bool

func (r reuseOption) apply(o *settings.Options) { o.Reuse = settings.Of(bool(r)) }

// reuse reports whether opts allow the cached instance (the last Reuse
// wins, as when they are applied).
func reuse(opts []Option) bool {
	ok := true
	for _, o := range opts {
		if r, is := o.(reuseOption); is {
			ok = bool(r)
		}
	}
	return ok
}

// WithQueueSize sets the batch processor's queue size, which is also the
// number of records admitted in flight (default 2048; at least 1).
func WithQueueSize(n int) Option {
	return optionFunc(func(o *settings.Options) { o.QueueSize = settings.Of(n) })
}

// WithBatchSize sets the export batch size (default 512; at least 1, at
// most the queue size).
func WithBatchSize(n int) Option {
	return optionFunc(func(o *settings.Options) { o.BatchSize = settings.Of(n) })
}

// WithExportInterval sets the batch processor's export interval (default
// 1s; more than 0).
func WithExportInterval(d time.Duration) Option {
	return optionFunc(func(o *settings.Options) { o.ExportInterval = settings.Of(d) })
}

// WithExportTimeout bounds one export (default 30s; more than 0).
func WithExportTimeout(d time.Duration) Option {
	return optionFunc(func(o *settings.Options) { o.ExportTimeout = settings.Of(d) })
}

// WithProtectedLevels sets the levels that wait for room instead of being
// dropped, and may use the reserved share of the queue (default ERROR,
// CRITICAL, AUDIT, SECURITY). With no levels, none is protected.
func WithProtectedLevels(ls ...levels.Level) Option {
	ls = append([]levels.Level{}, ls...)
	return optionFunc(func(o *settings.Options) { o.Protected = settings.Of(ls) })
}

// WithProtectedWait bounds how long the sync logger waits for room for a
// protected record (default 5s; 0 does not wait). The async logger waits
// until its ctx is done.
func WithProtectedWait(d time.Duration) Option {
	return optionFunc(func(o *settings.Options) { o.ProtectedWait = settings.Of(d) })
}

// WithBackpressureWait bounds how long other records wait for room before
// they are dropped and counted (default 50ms; 0 drops at once).
func WithBackpressureWait(d time.Duration) Option {
	return optionFunc(func(o *settings.Options) { o.BackpressureWait = settings.Of(d) })
}

// WithReservedCapacity sets how many queue slots only protected records may
// use (default a quarter of the queue; 0 reserves none; less than the queue
// size).
func WithReservedCapacity(n int) Option {
	return optionFunc(func(o *settings.Options) { o.Reserved = settings.Of(n) })
}

// WithDrainTimeout bounds the drain of a Runtime run (default 10s; more
// than 0).
func WithDrainTimeout(d time.Duration) Option {
	return optionFunc(func(o *settings.Options) { o.DrainTimeout = settings.Of(d) })
}

// resolve applies the options over the environment over the defaults (see
// package internal/settings). The Config is usable either way.
func resolve(opts []Option) (settings.Config, error) {
	var o settings.Options
	for _, opt := range opts {
		if opt != nil {
			opt.apply(&o)
		}
	}
	return settings.Resolve(&o)
}

// reportOnce prints each configuration problem once per process, so a typo
// is seen without flooding stderr from every GetLogger call.
var reported sync.Map

func reportOnce(out func(string), msg string) {
	if _, seen := reported.LoadOrStore(msg, true); seen {
		return
	}
	if out != nil {
		out(msg)
		return
	}
	fmt.Fprintln(os.Stderr, msg)
}
