package settings

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/fapilog/fapilog-go/audit"
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/internal/spool"
	"github.com/fapilog/fapilog-go/levels"
	"github.com/fapilog/fapilog-go/redact"
)

// The variables this package reads, each named once. (Package exporter
// reads the OTEL_EXPORTER_OTLP_*, OTEL_LOGS_EXPORTER and
// FAPILOG_CONSOLE_FORMAT ones; OTEL_SERVICE_NAME and
// OTEL_RESOURCE_ATTRIBUTES are the SDK's.)
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
	EnvBaggageKeys      = "FAPILOG_BAGGAGE_KEYS"
	EnvRedaction        = "FAPILOG_REDACTION"
	EnvAuditChain       = "FAPILOG_AUDIT_CHAIN"
	EnvRedactionPresets = "FAPILOG_REDACTION_PRESETS"
	EnvAuditSigningKey  = "FAPILOG_AUDIT_SIGNING_KEY"
	EnvPreset           = "FAPILOG_PRESET"
	EnvSpoolDir         = "FAPILOG_SPOOL_DIR"
	EnvSpoolMaxBytes    = "FAPILOG_SPOOL_MAX_BYTES"
	// Per-name levels and the filters (issue12.go).
	EnvLevels                = "FAPILOG_LEVELS"
	EnvSampleRate            = "FAPILOG_SAMPLE_RATE"
	EnvRateLimit             = "FAPILOG_RATE_LIMIT"
	EnvRateLimitBurst        = "FAPILOG_RATE_LIMIT_BURST"
	EnvMessageRateLimit      = "FAPILOG_MESSAGE_RATE_LIMIT"
	EnvMessageRateLimitBurst = "FAPILOG_MESSAGE_RATE_LIMIT_BURST"
	EnvDedupWindow           = "FAPILOG_DEDUP_WINDOW_MS"
	EnvAuditFile             = "FAPILOG_AUDIT_FILE"
)

// Variables lists every variable Resolve reads, for tests that must start
// from a clean environment.
var Variables = []string{
	EnvLevel, EnvProtectedLevels, EnvProtectedWait, EnvBackpressureWait, EnvReserved, EnvDrainTimeout,
	EnvQueueSize, EnvBatchSize, EnvExportInterval, EnvExportTimeout, EnvBaggageKeys,
	EnvRedaction, EnvRedactionPresets, EnvAuditChain, EnvAuditSigningKey, EnvPreset, EnvSpoolDir, EnvSpoolMaxBytes,
	EnvLevels, EnvSampleRate, EnvRateLimit, EnvRateLimitBurst, EnvMessageRateLimit, EnvMessageRateLimitBurst,
	EnvDedupWindow, EnvAuditFile,
}

// Defaults: what a setting is when neither an option nor a variable sets it
// (a preset may change some of them).
const (
	DefaultLevel            = levels.Info
	DefaultQueueSize        = 2048
	DefaultBatchSize        = 512
	DefaultExportInterval   = time.Second
	DefaultExportTimeout    = 30 * time.Second
	DefaultProtectedWait    = 5 * time.Second
	DefaultBackpressureWait = 50 * time.Millisecond
	DefaultDrainTimeout     = 10 * time.Second
	DefaultSpoolMaxBytes    = spool.DefaultMaxBytes
)

// DefaultProtectedLevels wait for room instead of being dropped.
var DefaultProtectedLevels = []levels.Level{levels.Error, levels.Critical, levels.Audit, levels.Security}

// A Setting is one value as an option gave it: Set tells "not given" from
// every value, zero included, so a zero option means zero (or is reported),
// never "default".
type Setting[T any] struct {
	Value T
	Set   bool
}

// Of is the Setting an option gives.
func Of[T any](v T) Setting[T] { return Setting[T]{Value: v, Set: true} }

// Options are the options of one logger as given, before resolution. The
// root package's option constructors set them.
type Options struct {
	Name  Setting[string]
	Reuse Setting[bool]

	Level          Setting[levels.Level]
	Exporter       sdklog.Exporter
	ExporterConfig exporter.Config
	ConsoleFormat  Setting[exporter.ConsoleFormat]
	Resource       *resource.Resource
	Source         bool
	Provider       log.LoggerProvider
	Mapping        levels.Mapping

	QueueSize, BatchSize          Setting[int]
	ExportInterval, ExportTimeout Setting[time.Duration]
	Reserved                      Setting[int]
	Protected                     Setting[[]levels.Level]
	ProtectedWait                 Setting[time.Duration]
	BackpressureWait              Setting[time.Duration]
	DrainTimeout                  Setting[time.Duration]

	Baggage Setting[[]string]

	Preset Setting[string]
	// Redaction is "off" (WithoutRedaction) or "config" (WithRedaction,
	// with RedactConfig).
	Redaction    Setting[string]
	RedactConfig redact.Config
	AuditChain   Setting[bool]
	// AuditSigner signs the audit chain (WithAuditSigningKey,
	// WithAuditSigner); AuditSignerErr is a bad key an option gave.
	AuditSigner    Setting[audit.Signer]
	AuditSignerErr error

	SpoolDir      Setting[string]
	SpoolMaxBytes Setting[int64]

	Warn func(string)

	// Logger is the name of the logger being built, for FAPILOG_LEVELS
	// (GetLogger's argument; Runtime's comes from Name).
	Logger Setting[string]
	// Filter holds the filter options (issue12.go).
	Filter FilterOptions
	// AuditFile also writes AUDIT and SECURITY records to a rotated file
	// (issue12.go).
	AuditFile Setting[exporter.FileConfig]
}

// spec is how one setting is read: the option's name for messages, its
// variable ("" when it has none) and parser, and the check of a value from
// either (nil: every value is valid).
type spec[T any] struct {
	option string
	env    string
	parse  func(string) (T, error)
	check  func(T) error
}

// resolve returns the option's value when it is set and valid, else the
// variable's when it is set and valid, else def. A value that is set and
// invalid is reported in errs and skipped.
func (s spec[T]) resolve(opt Setting[T], def T, errs *[]error) T {
	if opt.Set {
		err := s.valid(opt.Value)
		if err == nil {
			return opt.Value
		}
		*errs = append(*errs, fmt.Errorf("%s(%s): %w", s.option, show(opt.Value), err))
	}
	if s.env == "" {
		return def
	}
	v, ok := Lookup(s.env)
	if !ok {
		return def
	}
	x, err := s.parse(v)
	if err == nil {
		err = s.valid(x)
	}
	if err != nil {
		*errs = append(*errs, fmt.Errorf("%s=%q: %w", s.env, v, err))
		return def
	}
	return x
}

// show formats an option's value for a message: strings quoted.
func show(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprint(v)
}

func (s spec[T]) valid(v T) error {
	if s.check == nil {
		return nil
	}
	return s.check(v)
}

// Lookup returns the trimmed value of a variable and whether it is set
// non-blank (OpenTelemetry treats an empty variable as unset).
func Lookup(key string) (string, bool) {
	v, ok := os.LookupEnv(key)
	v = strings.TrimSpace(v)
	return v, ok && v != ""
}

func parseInt(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, errors.New("want an integer")
	}
	return n, nil
}

func parseMillis(v string) (time.Duration, error) {
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, errors.New("want milliseconds")
	}
	return time.Duration(n) * time.Millisecond, nil
}

func atLeast[T int | int64](min T) func(T) error {
	return func(n T) error {
		if n < min {
			return fmt.Errorf("want at least %d", min)
		}
		return nil
	}
}

func positive(d time.Duration) error {
	if d <= 0 {
		return errors.New("want a duration > 0")
	}
	return nil
}

func notNegative(d time.Duration) error {
	if d < 0 {
		return errors.New("want a duration >= 0")
	}
	return nil
}

func parseLevels(v string) ([]levels.Level, error) {
	var ls []levels.Level
	for _, part := range strings.Split(v, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		l, err := levels.Parse(part)
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
	}
	return ls, nil
}

// The specs of the settings with a variable or a check.
var (
	protectedSpec = spec[[]levels.Level]{option: "WithProtectedLevels", env: EnvProtectedLevels, parse: parseLevels}
	queueSpec     = spec[int]{option: "WithQueueSize", env: EnvQueueSize, parse: parseInt, check: atLeast(1)}
	batchSpec     = spec[int]{option: "WithBatchSize", env: EnvBatchSize, parse: parseInt, check: atLeast(1)}
	intervalSpec  = spec[time.Duration]{option: "WithExportInterval", env: EnvExportInterval, parse: parseMillis, check: positive}
	timeoutSpec   = spec[time.Duration]{option: "WithExportTimeout", env: EnvExportTimeout, parse: parseMillis, check: positive}
	reservedSpec  = spec[int]{option: "WithReservedCapacity", env: EnvReserved, parse: parseInt, check: atLeast(0)}
	pwaitSpec     = spec[time.Duration]{option: "WithProtectedWait", env: EnvProtectedWait, parse: parseMillis, check: notNegative}
	bwaitSpec     = spec[time.Duration]{option: "WithBackpressureWait", env: EnvBackpressureWait, parse: parseMillis, check: notNegative}
	drainSpec     = spec[time.Duration]{option: "WithDrainTimeout", env: EnvDrainTimeout, parse: parseMillis, check: positive}
	baggageSpec   = spec[[]string]{option: "WithBaggage", env: EnvBaggageKeys,
		parse: func(v string) ([]string, error) { return NormalizeKeys(strings.Split(v, ",")), nil }}
	spoolDirSpec = spec[string]{option: "WithSpool", env: EnvSpoolDir, parse: func(v string) (string, error) { return v, nil }}
	spoolMaxSpec = spec[int64]{option: "WithSpoolMaxBytes", env: EnvSpoolMaxBytes,
		parse: func(v string) (int64, error) {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return 0, errors.New("want a number of bytes")
			}
			return n, nil
		}, check: atLeast(int64(spool.MinMaxBytes))}
	chainSpec = spec[bool]{option: "WithAuditChain", env: EnvAuditChain,
		parse: func(v string) (bool, error) {
			switch strings.ToLower(v) {
			case "on", "true", "1", "yes":
				return true, nil
			case "off", "false", "0", "no":
				return false, nil
			}
			return false, errors.New("want on or off (keeping the default)")
		}}
	redactionSpec = spec[string]{option: "WithRedaction", env: EnvRedaction,
		parse: func(v string) (string, error) {
			switch m := strings.ToLower(v); m {
			case "off", "default", "strict":
				return m, nil
			}
			return "", errors.New("want off, default or strict (using the default)")
		}}
	presetSpec = spec[string]{option: "WithPreset", env: EnvPreset,
		parse: func(v string) (string, error) { return strings.ToLower(v), nil },
		check: func(v string) error {
			if _, ok := presets[strings.ToLower(strings.TrimSpace(v))]; !ok {
				return errors.New("want dev, production or hardened")
			}
			return nil
		}}
)

// NormalizeKeys trims the keys and drops empty and repeated ones; nil when
// none is left.
func NormalizeKeys(keys []string) []string {
	var out []string
	for _, k := range keys {
		k = strings.TrimSpace(k)
		if k == "" || contains(out, k) {
			continue
		}
		out = append(out, k)
	}
	return out
}

func contains(ks []string, k string) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// Resolve applies o over the environment over the preset over the
// defaults. It returns every problem it met; the Config is usable either
// way (a value that is set and invalid is skipped for the next source).
func Resolve(o *Options) (Config, error) {
	var errs []error
	c := Config{
		Name:     o.Name.Value,
		Reuse:    !o.Reuse.Set || o.Reuse.Value,
		Exporter: o.Exporter, ExporterConfig: o.ExporterConfig,
		Resource: o.Resource, Source: o.Source, Provider: o.Provider, Mapping: o.Mapping,
		Warn: o.Warn,
	}
	if o.ConsoleFormat.Set {
		c.ExporterConfig.ConsoleFormat = o.ConsoleFormat.Value
	}

	// The preset gives defaults; options and variables win over it.
	p := preset{level: DefaultLevel, protected: DefaultProtectedLevels, redaction: "default", auditChain: true}
	if name := presetSpec.resolve(o.Preset, "", &errs); name != "" {
		p = presets[strings.ToLower(strings.TrimSpace(name))]
		if c.Exporter == nil && c.Provider == nil && !exporter.KindChosen(c.ExporterConfig) {
			c.ExporterConfig.Kind = p.exporter
		}
	}

	name := o.Name.Value // Runtime's WithName
	if o.Logger.Set {
		name = o.Logger.Value // GetLogger's and GetAsyncLogger's argument
	}
	c.Level = resolveLevel(o.Level, name, p.level, &c.Warnings) // issue12.go
	c.Filter = resolveFilter(o.Filter, &errs)
	c.AuditFile = resolveAuditFile(o.AuditFile)
	c.Protected = protectedSpec.resolve(o.Protected, p.protected, &errs)
	c.QueueSize = queueSpec.resolve(o.QueueSize, DefaultQueueSize, &errs)
	c.BatchSize = min(batchSpec.resolve(o.BatchSize, DefaultBatchSize, &errs), c.QueueSize)
	c.ExportInterval = intervalSpec.resolve(o.ExportInterval, DefaultExportInterval, &errs)
	c.ExportTimeout = timeoutSpec.resolve(o.ExportTimeout, DefaultExportTimeout, &errs)
	c.Reserved = reservedSpec.resolve(o.Reserved, c.QueueSize/4, &errs)
	if c.Reserved >= c.QueueSize {
		errs = append(errs, fmt.Errorf("reserved capacity %d: want less than the queue size %d (using %d)",
			c.Reserved, c.QueueSize, c.QueueSize/4))
		c.Reserved = c.QueueSize / 4
	}
	c.ProtectedWait = pwaitSpec.resolve(o.ProtectedWait, DefaultProtectedWait, &errs)
	c.BackpressureWait = bwaitSpec.resolve(o.BackpressureWait, DefaultBackpressureWait, &errs)
	c.DrainTimeout = drainSpec.resolve(o.DrainTimeout, DefaultDrainTimeout, &errs)
	c.Baggage = baggageSpec.resolve(o.Baggage, nil, &errs)
	spoolDef := ""
	if p.spool {
		spoolDef = DefaultSpoolDir()
	}
	c.SpoolDir = spoolDirSpec.resolve(o.SpoolDir, spoolDef, &errs)
	c.SpoolMaxBytes = spoolMaxSpec.resolve(o.SpoolMaxBytes, DefaultSpoolMaxBytes, &errs)

	// The redaction option carries a Config ("config") or "off", so it
	// is not checked like the variable's off/default/strict.
	mode := o.Redaction.Value
	if !o.Redaction.Set {
		mode = redactionSpec.resolve(Setting[string]{}, p.redaction, &errs)
	}
	switch mode {
	case "off":
	case "config":
		r, err := redact.New(o.RedactConfig)
		if err != nil {
			errs = append(errs, fmt.Errorf("WithRedaction: %w (using the default redaction)", err))
			r = sharedRedactor(redact.ModeDefault)
		}
		c.Redactor = r
	case "strict":
		c.Redactor = sharedRedactor(redact.ModeStrict)
	default:
		c.Redactor = sharedRedactor(redact.ModeDefault)
	}
	if mode != "off" && mode != "config" {
		c.Redactor = withRedactionPresets(c.Redactor, &errs) // security.go
	}
	c.AuditChain = chainSpec.resolve(o.AuditChain, p.auditChain, &errs)
	if c.AuditChain {
		c.AuditSigner = resolveSigner(o, &errs) // security.go
	}
	return c, errors.Join(errs...)
}

// The presets (WithPreset, FAPILOG_PRESET).
const (
	PresetDev        = "dev"
	PresetProduction = "production"
	PresetHardened   = "hardened"
)

// preset is a bundle of defaults. Every value yields to an option or a
// variable that sets the same thing.
type preset struct {
	level      levels.Level
	exporter   exporter.Kind
	protected  []levels.Level
	redaction  string // off, default, strict
	auditChain bool
	// spool turns the spool (and so the write-ahead log of protected
	// records) on in DefaultSpoolDir.
	spool bool
}

// DefaultSpoolDir is the spool folder of the hardened preset: under the
// user's cache folder (it survives a restart, unlike a temporary folder),
// else under the temporary folder.
func DefaultSpoolDir() string {
	base, err := os.UserCacheDir()
	if err != nil || base == "" {
		base = filepath.Join(os.TempDir(), fmt.Sprintf("fapilog-%d", os.Getuid()))
	}
	return filepath.Join(base, "fapilog", "spool")
}

var presets = map[string]preset{
	PresetDev: {
		level: levels.Debug, exporter: exporter.KindConsole, protected: DefaultProtectedLevels,
		redaction: "default", auditChain: false,
	},
	PresetProduction: {
		level: levels.Info, exporter: exporter.KindOTLP, protected: DefaultProtectedLevels,
		redaction: "default", auditChain: true,
	},
	PresetHardened: {
		level: levels.Info, exporter: exporter.KindOTLP,
		protected: []levels.Level{levels.Warning, levels.Error, levels.Critical, levels.Audit, levels.Security},
		redaction: "strict", auditChain: true, spool: true,
	},
}

// sharedRedactors are built once per mode, so that thousands of loggers
// share two redactors.
var sharedRedactors [2]struct {
	once sync.Once
	r    *redact.Redactor
}

func sharedRedactor(mode redact.Mode) *redact.Redactor {
	s := &sharedRedactors[mode]
	s.once.Do(func() {
		r, err := redact.New(redact.Config{Mode: mode})
		if err != nil { // the built-in configurations are valid
			panic(errors.Join(errors.New("fapilog: built-in redaction"), err))
		}
		s.r = r
	})
	return s.r
}
