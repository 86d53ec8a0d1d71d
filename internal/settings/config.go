package settings

import (
	"time"

	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/fapilog/fapilog-go/audit"
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/internal/filter"
	"github.com/fapilog/fapilog-go/levels"
	"github.com/fapilog/fapilog-go/redact"
)

// Config is the resolved configuration of one logger: every field holds the
// value to use (option > variable > default), nothing means "not set".
type Config struct {
	// Name names the logger a Runtime run creates.
	Name string
	// Reuse is false for an uncached instance (Reuse(false), Runtime).
	Reuse bool

	Level levels.Level
	// Exporter is caller-owned (WithExporter); nil: built from
	// ExporterConfig.
	Exporter       sdklog.Exporter
	ExporterConfig exporter.Config
	// Resource is the option's resource, merged over the environment's.
	Resource *resource.Resource
	Source   bool
	// Provider is an application's provider (WithLoggerProvider).
	Provider log.LoggerProvider
	// Mapping overrides the level → severity mapping; nil: the levels'.
	Mapping levels.Mapping

	QueueSize, BatchSize          int
	ExportInterval, ExportTimeout time.Duration
	Reserved                      int

	Protected        []levels.Level
	ProtectedWait    time.Duration
	BackpressureWait time.Duration
	DrainTimeout     time.Duration

	// Baggage lists the baggage members copied into attributes.
	Baggage []string
	// Redactor is nil when redaction is off.
	Redactor *redact.Redactor
	// AuditChain chains AUDIT and SECURITY records.
	AuditChain bool
	// AuditSigner signs the chain; nil: unsigned.
	AuditSigner audit.Signer

	// Filter sets sampling, rate limits and de-duplication (all off when
	// zero); they never apply to protected levels.
	Filter filter.Config

	// AuditFile, when set, also writes AUDIT and SECURITY records to this
	// rotated file (beside the exporter; see exporter.NewFanout).
	AuditFile *exporter.FileConfig

	// Warnings are problems with a safe fallback (an unknown level name):
	// both kinds of logger report them on stderr and go on.
	Warnings []string

	// SpoolDir is "" without a spool.
	SpoolDir      string
	SpoolMaxBytes int64

	// Warn receives configuration problems and loss warnings; nil means
	// standard error. Tests set it.
	Warn func(string)
}
