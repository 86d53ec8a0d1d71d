package exporter

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	sdklog "go.opentelemetry.io/otel/sdk/log"
)

// Kind names an exporter kind. Its values are the values of
// OTEL_LOGS_EXPORTER.
type Kind string

// The exporter kinds.
const (
	// KindUnset resolves from OTEL_LOGS_EXPORTER, then from whether an OTLP
	// endpoint is configured (OTLP) or not (console).
	KindUnset Kind = ""
	// KindOTLP exports over OTLP (gRPC or HTTP/protobuf, see [Protocol]).
	KindOTLP Kind = "otlp"
	// KindConsole writes one JSON object per record and line (see
	// [NewConsole]).
	KindConsole Kind = "console"
	// KindNone discards every record (see [NewNone]).
	KindNone Kind = "none"
	// KindMemory keeps records in memory (see [NewMemory]). It is never
	// built from a [Config]: [Build] and [FromEnv] reject it.
	KindMemory Kind = "memory"
)

// String returns the kind's name ("unset" for [KindUnset]).
func (k Kind) String() string {
	if k == KindUnset {
		return "unset"
	}
	return string(k)
}

// Protocol is the OTLP transport. Its values are the values of
// OTEL_EXPORTER_OTLP_[LOGS_]PROTOCOL.
type Protocol string

// The OTLP protocols.
const (
	// ProtocolUnset resolves from the environment; the default is
	// http/protobuf, or grpc when the endpoint's port is 4317.
	ProtocolUnset Protocol = ""
	// ProtocolGRPC is OTLP over gRPC.
	ProtocolGRPC Protocol = "grpc"
	// ProtocolHTTP is OTLP over HTTP with protobuf bodies.
	ProtocolHTTP Protocol = "http/protobuf"
)

// String returns the protocol's name ("unset" for [ProtocolUnset]).
func (p Protocol) String() string {
	if p == ProtocolUnset {
		return "unset"
	}
	return string(p)
}

// RetryConfig is the retry policy of an OTLP exporter for transient
// failures (gRPC codes Unavailable, ResourceExhausted with retry info, …;
// HTTP 429, 502, 503, 504). The delay between attempts grows exponentially
// from InitialInterval up to MaxInterval (with ±50 % jitter, or the server's
// throttle hint when larger) until MaxElapsedTime has passed. The export
// timeout bounds the whole sequence.
//
// The zero value disables retries: each export makes exactly one attempt.
type RetryConfig struct {
	Enabled         bool
	InitialInterval time.Duration
	MaxInterval     time.Duration
	MaxElapsedTime  time.Duration
}

// DefaultRetry is the OTLP exporters' own default policy: 5 s initial
// interval, 30 s maximum interval, 1 min maximum elapsed time.
var DefaultRetry = RetryConfig{
	Enabled:         true,
	InitialInterval: 5 * time.Second,
	MaxInterval:     30 * time.Second,
	MaxElapsedTime:  time.Minute,
}

// Config says which exporter to build. Every zero field is resolved from the
// environment, then from the defaults (option > environment > default): the
// zero Config builds what the environment asks for, and the console exporter
// on stdout when nothing is set. See the package documentation for the
// variables.
type Config struct {
	// Kind of exporter. KindUnset: OTEL_LOGS_EXPORTER, else otlp when an
	// endpoint is configured (Endpoint or an endpoint variable), else
	// console.
	Kind Kind
	// Protocol for OTLP. ProtocolUnset: OTEL_EXPORTER_OTLP_[LOGS_]PROTOCOL,
	// else grpc when the endpoint's port is 4317, else http/protobuf.
	Protocol Protocol
	// Endpoint for OTLP: a URL (http://host:port[/path], https://…, or for
	// gRPC unix:///path) or host:port. For HTTP a URL path is used as is,
	// and /v1/logs is used when the URL has no path at all. The scheme
	// decides transport security unless Insecure is set.
	Endpoint string
	// Headers sent with every export (for example an authorization token).
	// A non-nil map, even empty, replaces the environment's headers. The
	// values are never printed by this package.
	Headers map[string]string
	// Insecure disables TLS (plaintext gRPC, http:// for HTTP). nil: the
	// endpoint's scheme, else OTEL_EXPORTER_OTLP_[LOGS_]INSECURE, else
	// false. An explicit value beats the scheme.
	Insecure *bool
	// Compression: "gzip" or "none" ("" = unset).
	Compression string
	// Timeout bounds one Export call, retries included. 0 = unset (the
	// environment, else 10 s); negative = no limit beyond the caller's
	// context.
	Timeout time.Duration
	// Certificate is a PEM file of the root CAs that verify the server;
	// ClientCertificate and ClientKey are PEM files for mTLS (both or
	// neither). They are read by Build, and only when TLS is used.
	Certificate, ClientCertificate, ClientKey string
	// Retry overrides the retry policy for OTLP; nil = [DefaultRetry]. Not
	// read from the environment.
	Retry *RetryConfig
	// Console is where the console exporter writes; nil = os.Stdout.
	Console io.Writer
	// ConsoleFormat is how the console exporter writes: ConsoleJSON,
	// ConsolePretty, or ConsoleAuto (pretty when Console is a terminal,
	// JSON otherwise). "" = unset: FAPILOG_CONSOLE_FORMAT, else auto.
	ConsoleFormat ConsoleFormat
}

// Built is an exporter built from a [Config], with what it resolved to.
type Built struct {
	// Exporter is ready to wrap in an sdklog.BatchProcessor. Its Shutdown
	// is idempotent and releases the shared connection it holds, if any.
	Exporter sdklog.Exporter
	// Kind, Protocol and Endpoint are the resolved settings, for
	// diagnostics. Endpoint is empty unless Kind is KindOTLP; it is
	// scheme://host:port for gRPC and the full URL for HTTP, without any
	// user information. Header values appear nowhere.
	Kind     Kind
	Protocol Protocol
	Endpoint string
	// Retries returns the exact number of export attempts (RPCs or HTTP
	// requests) beyond the first of each Export call, so far. It is always
	// 0 for kinds other than OTLP.
	Retries func() uint64
}

func zeroRetries() uint64 { return 0 }

// Build resolves cfg with [FromEnv] and builds the exporter it names. OTLP
// exporters share one connection per endpoint and transport settings,
// reference counted: the connection is opened lazily (Build succeeds with
// nothing listening) and closed when the last exporter using it is shut
// down. A certificate that cannot be loaded fails Build.
func Build(ctx context.Context, cfg Config) (*Built, error) {
	rc, err := FromEnv(cfg)
	if err != nil {
		return nil, err
	}
	switch rc.Kind {
	case KindConsole:
		w := rc.Console
		if w == nil {
			w = os.Stdout
		}
		return &Built{Exporter: newConsoleFormat(w, rc.ConsoleFormat), Kind: KindConsole, Retries: zeroRetries}, nil
	case KindNone:
		return &Built{Exporter: NewNone(), Kind: KindNone, Retries: zeroRetries}, nil
	case KindOTLP:
		return buildOTLP(ctx, rc)
	}
	// FromEnv never returns another kind.
	return nil, fmt.Errorf("exporter: kind %q cannot be built", rc.Kind)
}
