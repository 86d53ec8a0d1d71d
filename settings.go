package fapilog

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
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
	DefaultLevel            = levels.Info
	DefaultQueueSize        = 2048                  // OTEL_BLRP_MAX_QUEUE_SIZE
	DefaultBatchSize        = 512                   // OTEL_BLRP_MAX_EXPORT_BATCH_SIZE
	DefaultExportInterval   = time.Second           // OTEL_BLRP_SCHEDULE_DELAY
	DefaultExportTimeout    = 30 * time.Second      // OTEL_BLRP_EXPORT_TIMEOUT
	DefaultProtectedWait    = 5 * time.Second       // FAPILOG_PROTECTED_WAIT_MS
	DefaultBackpressureWait = 50 * time.Millisecond // FAPILOG_BACKPRESSURE_WAIT_MS
	DefaultDrainTimeout     = 10 * time.Second      // FAPILOG_DRAIN_TIMEOUT_MS
)

// DefaultProtectedLevels wait for room instead of being dropped.
var DefaultProtectedLevels = []levels.Level{levels.Error, levels.Critical, levels.Audit, levels.Security}

// The variables read by this package (the exporter package reads the
// OTEL_EXPORTER_OTLP_* and OTEL_LOGS_EXPORTER ones).
const (
	EnvLevel            = "FAPILOG_LEVEL"
	EnvProtectedLevels  = "FAPILOG_PROTECTED_LEVELS"
	EnvProtectedWait    = "FAPILOG_PROTECTED_WAIT_MS"
	EnvBackpressureWait = "FAPILOG_BACKPRESSURE_WAIT_MS"
	EnvReserved         = "FAPILOG_RESERVED_CAPACITY"
	EnvDrainTimeout     = "FAPILOG_DRAIN_TIMEOUT_MS"
	EnvQueueSize        = "OTEL_BLRP_MAX_QUEUE_SIZE"
	EnvBatchSize        = "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE"
	EnvExportInterval   = "OTEL_BLRP_SCHEDULE_DELAY"
	EnvExportTimeout    = "OTEL_BLRP_EXPORT_TIMEOUT"
)

// An Option configures a logger. Options are checked once, when the logger
// is built, never on the logging path. For a cached name, options given
// after the first call are ignored (as in fapilog).
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// config is the resolved configuration of one logger. Pointers and zero
// values mean "not set by an option".
type config struct {
	name             string
	nameSet          bool
	level            *levels.Level
	exporter         sdklog.Exporter
	exporterConfig   exporter.Config
	resource         *resource.Resource
	source           bool
	provider         log.LoggerProvider
	mapping          levels.Mapping
	reuse            bool
	queueSize        int
	batchSize        int
	exportInterval   time.Duration
	exportTimeout    time.Duration
	protected        []levels.Level
	protectedWait    *time.Duration
	backpressureWait *time.Duration
	reserved         *int
	drainTimeout     time.Duration
	stderr           func(string)
	// options_filters.go
	filter    filterConfig
	filterSet filterSet
	// warnings are problems with a safe fallback (an unknown level name):
	// both kinds of logger report them on stderr and go on; see warn.
	warnings []string
	// options_console.go
	consoleFormat exporter.ConsoleFormat
	baggage       []string
	baggageSet    bool
	// options_features.go: redaction, audit chain, presets
	features features
	// options_spool.go
	spool spoolConfig
}

// WithName names the logger a Runtime run creates (GetLogger takes the name
// as its argument, and ignores this option).
func WithName(name string) Option {
	return optionFunc(func(c *config) { c.name, c.nameSet = name, true })
}

// WithLevel sets the minimum level (default INFO, or FAPILOG_LEVEL). Levels
// at or above AUDIT always pass.
func WithLevel(l levels.Level) Option { return optionFunc(func(c *config) { c.level = &l }) }

// WithExporter makes the logger export through e. The exporter belongs to
// that logger and is shut down when the logger drains: pass one per logger.
func WithExporter(e sdklog.Exporter) Option { return optionFunc(func(c *config) { c.exporter = e }) }

// WithExporterConfig configures the exporter in code (OTLP endpoint,
// protocol, headers, …). Fields left zero come from the environment.
func WithExporterConfig(cfg exporter.Config) Option {
	return optionFunc(func(c *config) { c.exporterConfig = cfg })
}

// WithResource sets the resource of the records. It is merged over the
// resource from the environment (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES)
// and wins on a clash.
func WithResource(r *resource.Resource) Option { return optionFunc(func(c *config) { c.resource = r }) }

// WithSource adds the caller's code.function.name, code.file.path and
// code.line.number to every record. It costs a stack walk per call.
func WithSource(on bool) Option { return optionFunc(func(c *config) { c.source = on }) }

// WithLoggerProvider plugs the logger into a provider the application built.
// The library then does not own the pipeline: drain only flushes it, and
// admission and exact counts do not apply.
func WithLoggerProvider(p log.LoggerProvider) Option {
	return optionFunc(func(c *config) { c.provider = p })
}

// WithSeverityMapping overrides how levels are exported (severity number and
// text). The default is levels.DefaultMapping.
func WithSeverityMapping(m levels.Mapping) Option {
	return optionFunc(func(c *config) { c.mapping = m })
}

// Reuse(false) returns a fresh, uncached instance that the caller drains.
func Reuse(reuse bool) Option { return reuseOption(reuse) }

// reuseOption is a type of its own so that GetLogger can tell, without
// resolving anything, whether a call may return the cached instance.
type reuseOption bool

func (r reuseOption) apply(c *config) { c.reuse = bool(r) }

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
// number of records admitted in flight (default 2048).
func WithQueueSize(n int) Option { return optionFunc(func(c *config) { c.queueSize = n }) }

// WithBatchSize sets the export batch size (default 512).
func WithBatchSize(n int) Option { return optionFunc(func(c *config) { c.batchSize = n }) }

// WithExportInterval sets the batch processor's export interval (default 1s).
func WithExportInterval(d time.Duration) Option {
	return optionFunc(func(c *config) { c.exportInterval = d })
}

// WithExportTimeout bounds one export (default 30s).
func WithExportTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.exportTimeout = d })
}

// WithProtectedLevels sets the levels that wait for room instead of being
// dropped, and may use the reserved share of the queue (default ERROR,
// CRITICAL, AUDIT, SECURITY).
func WithProtectedLevels(ls ...levels.Level) Option {
	return optionFunc(func(c *config) { c.protected = append([]levels.Level{}, ls...) })
}

// WithProtectedWait bounds how long the sync logger waits for room for a
// protected record (default 5s). The async logger waits until its ctx is done.
func WithProtectedWait(d time.Duration) Option {
	return optionFunc(func(c *config) { c.protectedWait = &d })
}

// WithBackpressureWait bounds how long other records wait for room before
// they are dropped and counted (default 50ms; 0 drops at once).
func WithBackpressureWait(d time.Duration) Option {
	return optionFunc(func(c *config) { c.backpressureWait = &d })
}

// WithReservedCapacity sets how many queue slots only protected records may
// use (default a quarter of the queue).
func WithReservedCapacity(n int) Option { return optionFunc(func(c *config) { c.reserved = &n }) }

// WithDrainTimeout bounds the drain of a Runtime run (default 10s).
func WithDrainTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.drainTimeout = d })
}

// resolve applies the options over the environment over the defaults. It
// returns every problem it met; the config is usable either way (bad values
// keep their defaults).
func resolve(opts []Option) (config, error) {
	c := config{reuse: true}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	errs := resolveFeatures(&c)                // options_features.go: the preset first, as defaults
	errs = append(errs, resolveFilters(&c)...) // options_filters.go
	envInt := func(key string, dst *int, min int) {
		if *dst != 0 {
			return
		}
		if v, ok := envSet(key); ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < min {
				errs = append(errs, fmt.Errorf("%s=%q: want an integer >= %d", key, v, min))
				return
			}
			*dst = n
		}
	}
	envMillis := func(key string, dst *time.Duration) {
		if v, ok := envSet(key); ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				errs = append(errs, fmt.Errorf("%s=%q: want milliseconds >= 0", key, v))
				return
			}
			*dst = time.Duration(n) * time.Millisecond
		}
	}

	if c.level == nil {
		l := DefaultLevel
		if v, ok := envSet(EnvLevel); ok {
			p, err := levels.Parse(v)
			if err != nil {
				// A typo in the level must not cost the service its logger
				// (GetAsyncLogger would fail): the default is safe.
				c.warnings = append(c.warnings, fmt.Sprintf("%s: %v; using %s", EnvLevel, err, l))
			} else {
				l = p
			}
		}
		c.level = &l
	}
	if c.protected == nil {
		c.protected = DefaultProtectedLevels
		if v, ok := envSet(EnvProtectedLevels); ok {
			var ls []levels.Level
			for _, part := range strings.Split(v, ",") {
				if strings.TrimSpace(part) == "" {
					continue
				}
				l, err := levels.Parse(part)
				if err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", EnvProtectedLevels, err))
					ls = nil
					break
				}
				ls = append(ls, l)
			}
			if ls != nil {
				c.protected = ls
			}
		}
	}
	if c.protectedWait == nil {
		d := DefaultProtectedWait
		envMillis(EnvProtectedWait, &d)
		c.protectedWait = &d
	}
	if c.backpressureWait == nil {
		d := DefaultBackpressureWait
		envMillis(EnvBackpressureWait, &d)
		c.backpressureWait = &d
	}
	if c.drainTimeout <= 0 {
		c.drainTimeout = DefaultDrainTimeout
		envMillis(EnvDrainTimeout, &c.drainTimeout)
	}
	envInt(EnvQueueSize, &c.queueSize, 1)
	envInt(EnvBatchSize, &c.batchSize, 1)
	if c.queueSize <= 0 {
		c.queueSize = DefaultQueueSize
	}
	if c.batchSize <= 0 {
		c.batchSize = DefaultBatchSize
	}
	if c.batchSize > c.queueSize {
		c.batchSize = c.queueSize
	}
	if c.exportInterval <= 0 {
		c.exportInterval = DefaultExportInterval
		envMillis(EnvExportInterval, &c.exportInterval)
	}
	if c.exportTimeout <= 0 {
		c.exportTimeout = DefaultExportTimeout
		envMillis(EnvExportTimeout, &c.exportTimeout)
	}
	if c.reserved == nil {
		n := c.queueSize / 4
		if v, ok := envSet(EnvReserved); ok {
			if r, err := strconv.Atoi(v); err != nil || r < 0 {
				errs = append(errs, fmt.Errorf("%s=%q: want an integer >= 0", EnvReserved, v))
			} else {
				n = r
			}
		}
		c.reserved = &n
	}
	resolveConsoleAndBaggage(&c)
	if err := resolveSpool(&c); err != nil { // options_spool.go
		errs = append(errs, err)
	}
	return c, errors.Join(errs...)
}

// settings is the resolved configuration as the core takes it.
func (c config) settings() settings.Config {
	s := settings.Config{
		Name:             c.name,
		Reuse:            c.reuse,
		Level:            *c.level,
		Exporter:         c.exporter,
		ExporterConfig:   c.exporterConfig,
		Resource:         c.resource,
		Source:           c.source,
		Provider:         c.provider,
		Mapping:          c.mapping,
		QueueSize:        c.queueSize,
		BatchSize:        c.batchSize,
		ExportInterval:   c.exportInterval,
		ExportTimeout:    c.exportTimeout,
		Reserved:         *c.reserved,
		Protected:        c.protected,
		ProtectedWait:    *c.protectedWait,
		BackpressureWait: *c.backpressureWait,
		DrainTimeout:     c.drainTimeout,
		Baggage:          c.baggage,
		Redactor:         c.features.redactor,
		AuditChain:       c.features.chain,
		SpoolMaxBytes:    c.spool.maxBytes,
		Filter:           c.filter,
		Warn:             c.stderr,
	}
	if c.spool.dir != nil {
		s.SpoolDir = *c.spool.dir
	}
	return s
}

// envSet returns the trimmed value of key and whether it is set non-blank.
func envSet(key string) (string, bool) {
	v, ok := os.LookupEnv(key)
	v = strings.TrimSpace(v)
	return v, ok && v != ""
}

// warn reports c's warnings once each, for both kinds of logger.
func warn(c config) {
	for _, w := range c.warnings {
		reportOnce(c.stderr, "fapilog: "+w)
	}
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
