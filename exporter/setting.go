package exporter

// This file holds every read of the environment in the package: FromEnv and
// the parsers of the standard OpenTelemetry variables.

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"os"
	"path"
	"strconv"
	"strings"
	"time"
)

// The variables, LOGS_-specific before generic: the first one set wins.
const (
	envLogsExporter = "OTEL_LOGS_EXPORTER"

	envLogsEndpoint = "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"
	envEndpoint     = "OTEL_EXPORTER_OTLP_ENDPOINT"

	envConsoleFormat = EnvConsoleFormat
	envNoColor       = "NO_COLOR" // https://no-color.org: any non-empty value
)

// EnvConsoleFormat is the variable of Config.ConsoleFormat: auto, json or
// pretty.
const EnvConsoleFormat = "FAPILOG_CONSOLE_FORMAT"

// KindChosen reports whether cfg or the environment chooses the exporter
// (Config.Kind, OTEL_LOGS_EXPORTER, or an OTLP endpoint in Config.Endpoint
// or OTEL_EXPORTER_OTLP_[LOGS_]ENDPOINT), rather than leaving it to the
// default. Presets choose the kind only when nothing else does.
func KindChosen(cfg Config) bool {
	if cfg.Kind != KindUnset || cfg.Endpoint != "" {
		return true
	}
	_, _, ok := lookup(envLogsExporter, envLogsEndpoint, envEndpoint)
	return ok
}

var (
	envProtocol          = []string{"OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"}
	envHeaders           = []string{"OTEL_EXPORTER_OTLP_LOGS_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS"}
	envInsecure          = []string{"OTEL_EXPORTER_OTLP_LOGS_INSECURE", "OTEL_EXPORTER_OTLP_INSECURE"}
	envCompression       = []string{"OTEL_EXPORTER_OTLP_LOGS_COMPRESSION", "OTEL_EXPORTER_OTLP_COMPRESSION"}
	envTimeout           = []string{"OTEL_EXPORTER_OTLP_LOGS_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT"}
	envCertificate       = []string{"OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE", "OTEL_EXPORTER_OTLP_CERTIFICATE"}
	envClientCertificate = []string{"OTEL_EXPORTER_OTLP_LOGS_CLIENT_CERTIFICATE", "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE"}
	envClientKey         = []string{"OTEL_EXPORTER_OTLP_LOGS_CLIENT_KEY", "OTEL_EXPORTER_OTLP_CLIENT_KEY"}
)

// Defaults.
const (
	defaultTimeout      = 10 * time.Second
	defaultGRPCEndpoint = "http://localhost:4317"
	defaultHTTPEndpoint = "http://localhost:4318/v1/logs"
	logsPath            = "/v1/logs"
	grpcPort            = "4317"
)

// lookup returns the first of names whose value is not blank, and that
// value trimmed. OpenTelemetry treats an empty variable as unset.
func lookup(names ...string) (name, value string, ok bool) {
	for _, n := range names {
		if v := strings.TrimSpace(os.Getenv(n)); v != "" {
			return n, v, true
		}
	}
	return "", "", false
}

// FromEnv returns cfg with every unset field resolved: a field set in cfg
// wins, then the LOGS_-specific variable, then the generic one, then the
// default. It reports every invalid value, each error naming the variable
// (or Config field) it came from. Header values are never part of an error.
//
// The OTLP fields (Protocol, Endpoint, Headers, Insecure, Compression,
// Timeout, the certificate files, Retry) are resolved only when the kind
// resolves to [KindOTLP]; otherwise they are returned as given, so a bad
// OTLP variable does not break the console exporter. Console is left nil
// when unset (meaning os.Stdout).
//
// The resolved Endpoint is the exact target: for HTTP the generic
// OTEL_EXPORTER_OTLP_ENDPOINT gets the signal path /v1/logs appended and
// OTEL_EXPORTER_OTLP_LOGS_ENDPOINT is kept as is (with / when it has no
// path). FromEnv is idempotent: FromEnv of a resolved Config returns it
// unchanged.
func FromEnv(cfg Config) (Config, error) {
	out := cfg
	if cfg.Headers != nil {
		out.Headers = maps.Clone(cfg.Headers)
	}
	if cfg.Insecure != nil {
		b := *cfg.Insecure
		out.Insecure = &b
	}
	if cfg.Retry != nil {
		r := *cfg.Retry
		out.Retry = &r
	}

	kind, err := resolveKind(cfg)
	if err != nil {
		return cfg, err
	}
	out.Kind = kind
	if kind == KindConsole {
		if out.ConsoleFormat, err = resolveConsoleFormat(cfg.ConsoleFormat); err != nil {
			return cfg, err
		}
	}
	if kind != KindOTLP {
		return out, nil
	}

	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}

	// Endpoint: where it comes from decides how its path is read.
	epSrc, epGeneric := "Config.Endpoint", false
	if out.Endpoint == "" {
		if n, v, ok := lookup(envLogsEndpoint); ok {
			out.Endpoint, epSrc = v, n
		} else if n, v, ok := lookup(envEndpoint); ok {
			out.Endpoint, epSrc, epGeneric = v, n, true
		}
	}
	var ep endpoint
	if out.Endpoint != "" {
		ep, err = parseEndpoint(out.Endpoint)
		if err != nil {
			add(fmt.Errorf("exporter: %s=%q: %w", epSrc, out.Endpoint, err))
		}
	}

	// Protocol: explicit, else variable, else by the endpoint's port.
	if out.Protocol == ProtocolUnset {
		if n, v, ok := lookup(envProtocol...); ok {
			p, err := parseProtocol(v)
			if err != nil {
				add(fmt.Errorf("exporter: %s=%q: %w", n, v, err))
			}
			out.Protocol = p
		} else if ep.port() == grpcPort {
			out.Protocol = ProtocolGRPC
		} else {
			out.Protocol = ProtocolHTTP
		}
	} else if _, err := parseProtocol(string(out.Protocol)); err != nil {
		add(fmt.Errorf("exporter: Config.Protocol=%q: %w", out.Protocol, err))
	}

	// Endpoint default and the HTTP signal path.
	switch {
	case out.Endpoint == "" && out.Protocol == ProtocolGRPC:
		out.Endpoint = defaultGRPCEndpoint
		ep, _ = parseEndpoint(out.Endpoint)
	case out.Endpoint == "":
		out.Endpoint = defaultHTTPEndpoint
		ep, _ = parseEndpoint(out.Endpoint)
	case ep.host == "" && ep.scheme != schemeUnix:
		// Already reported.
	case out.Protocol == ProtocolHTTP && ep.scheme == schemeUnix:
		add(fmt.Errorf("exporter: %s=%q: unix sockets need protocol grpc", epSrc, out.Endpoint))
	case out.Protocol == ProtocolHTTP && epGeneric:
		ep.path = path.Join("/", ep.path, logsPath)
		out.Endpoint = ep.String()
	case out.Protocol == ProtocolHTTP && epSrc == envLogsEndpoint && ep.path == "":
		ep.path = "/"
		out.Endpoint = ep.String()
	}

	// Insecure: explicit, else the scheme, else the variable, else false.
	if out.Insecure == nil {
		insecure := false
		switch ep.scheme {
		case schemeHTTP, schemeUnix:
			insecure = true
		case schemeHTTPS:
		default:
			if n, v, ok := lookup(envInsecure...); ok {
				b, err := parseBool(v)
				if err != nil {
					add(fmt.Errorf("exporter: %s=%q: %w", n, v, err))
				}
				insecure = b
			}
		}
		out.Insecure = &insecure
	}

	if out.Headers == nil {
		if n, v, ok := lookup(envHeaders...); ok {
			h, err := parseHeaders(v)
			if err != nil {
				add(fmt.Errorf("exporter: %s: %w", n, err))
			}
			out.Headers = h
		} else {
			out.Headers = map[string]string{}
		}
	} else {
		for k := range out.Headers {
			if !validHeaderKey(k) {
				add(fmt.Errorf("exporter: Config.Headers: invalid header name %q", k))
			}
		}
	}

	if out.Compression == "" {
		out.Compression = "none"
		if n, v, ok := lookup(envCompression...); ok {
			c, err := parseCompression(v)
			if err != nil {
				add(fmt.Errorf("exporter: %s=%q: %w", n, v, err))
			}
			out.Compression = c
		}
	} else {
		c, err := parseCompression(out.Compression)
		if err != nil {
			add(fmt.Errorf("exporter: Config.Compression=%q: %w", out.Compression, err))
		}
		out.Compression = c
	}

	if out.Timeout == 0 {
		out.Timeout = defaultTimeout
		if n, v, ok := lookup(envTimeout...); ok {
			d, err := parseTimeout(v)
			if err != nil {
				add(fmt.Errorf("exporter: %s=%q: %w", n, v, err))
			}
			out.Timeout = d
		}
	}

	certSrc := map[string]string{}
	for _, f := range []struct {
		field *string
		name  string
		vars  []string
	}{
		{&out.Certificate, "Config.Certificate", envCertificate},
		{&out.ClientCertificate, "Config.ClientCertificate", envClientCertificate},
		{&out.ClientKey, "Config.ClientKey", envClientKey},
	} {
		certSrc[f.name] = f.name
		if *f.field != "" {
			continue
		}
		if n, v, ok := lookup(f.vars...); ok {
			*f.field = v
			certSrc[f.name] = n
		}
	}
	switch {
	case out.ClientCertificate != "" && out.ClientKey == "":
		add(fmt.Errorf("exporter: %s is set but no client key is (Config.ClientKey or %s)",
			certSrc["Config.ClientCertificate"], strings.Join(envClientKey, " or ")))
	case out.ClientKey != "" && out.ClientCertificate == "":
		add(fmt.Errorf("exporter: %s is set but no client certificate is (Config.ClientCertificate or %s)",
			certSrc["Config.ClientKey"], strings.Join(envClientCertificate, " or ")))
	}

	if out.Retry == nil {
		r := DefaultRetry
		out.Retry = &r
	} else if r := out.Retry; r.Enabled && (r.InitialInterval < 0 || r.MaxInterval < 0 || r.MaxElapsedTime < 0) {
		add(errors.New("exporter: Config.Retry: intervals must not be negative"))
	}

	if len(errs) > 0 {
		return cfg, errors.Join(errs...)
	}
	return out, nil
}

// resolveKind resolves Config.Kind: explicit, else OTEL_LOGS_EXPORTER, else
// otlp when an endpoint is configured, else console.
func resolveKind(cfg Config) (Kind, error) {
	if cfg.Kind != KindUnset {
		switch cfg.Kind {
		case KindOTLP, KindConsole, KindNone:
			return cfg.Kind, nil
		case KindMemory:
			return "", errors.New(`exporter: Config.Kind="memory" is not built from a Config: use NewMemory`)
		}
		return "", fmt.Errorf("exporter: Config.Kind=%q: want otlp, console or none", string(cfg.Kind))
	}
	if n, v, ok := lookup(envLogsExporter); ok {
		switch k := Kind(strings.ToLower(v)); k {
		case KindOTLP, KindConsole, KindNone:
			return k, nil
		}
		return "", fmt.Errorf("exporter: %s=%q: want otlp, console or none", n, v)
	}
	if cfg.Endpoint != "" {
		return KindOTLP, nil
	}
	if _, _, ok := lookup(envLogsEndpoint, envEndpoint); ok {
		return KindOTLP, nil
	}
	return KindConsole, nil
}

// resolveConsoleFormat resolves Config.ConsoleFormat: explicit, else
// FAPILOG_CONSOLE_FORMAT, else unset (which Build treats as auto).
func resolveConsoleFormat(f ConsoleFormat) (ConsoleFormat, error) {
	src, v := "Config.ConsoleFormat", string(f)
	if v == "" {
		n, ev, ok := lookup(envConsoleFormat)
		if !ok {
			return "", nil
		}
		src, v = n, ev
	}
	switch p := ConsoleFormat(strings.ToLower(strings.TrimSpace(v))); p {
	case ConsoleAuto, ConsoleJSON, ConsolePretty:
		return p, nil
	}
	return "", fmt.Errorf("exporter: %s=%q: want auto, json or pretty", src, v)
}

// noColor reports whether NO_COLOR asks for output without colour.
func noColor() bool { return os.Getenv(envNoColor) != "" }

func parseProtocol(s string) (Protocol, error) {
	switch p := Protocol(strings.ToLower(strings.TrimSpace(s))); p {
	case ProtocolGRPC, ProtocolHTTP:
		return p, nil
	case "http/json":
		return "", errors.New("http/json is not supported: want grpc or http/protobuf")
	}
	return "", errors.New("want grpc or http/protobuf")
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, errors.New("want true or false")
}

func parseCompression(s string) (string, error) {
	switch c := strings.ToLower(strings.TrimSpace(s)); c {
	case "gzip", "none":
		return c, nil
	}
	return "", errors.New("want gzip or none")
}

// parseTimeout reads a number of milliseconds; 0 means no limit (-1).
func parseTimeout(s string) (time.Duration, error) {
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil || ms < 0 || ms > int64(time.Duration(1<<63-1)/time.Millisecond) {
		return 0, errors.New("want a non-negative whole number of milliseconds")
	}
	if ms == 0 {
		return -1, nil
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// parseHeaders reads "k1=v1,k2=v2" (W3C baggage without properties, values
// percent-decoded). Errors name the entry by position, never its text: the
// text may hold a token.
func parseHeaders(s string) (map[string]string, error) {
	out := make(map[string]string)
	var errs []error
	for i, entry := range strings.Split(s, ",") {
		if strings.TrimSpace(entry) == "" {
			continue
		}
		k, v, found := strings.Cut(entry, "=")
		if !found {
			errs = append(errs, fmt.Errorf("entry %d has no '='", i+1))
			continue
		}
		k = strings.TrimSpace(k)
		if !validHeaderKey(k) {
			errs = append(errs, fmt.Errorf("entry %d has an invalid header name", i+1))
			continue
		}
		dec, err := url.PathUnescape(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("entry %d (%s) has a badly percent-encoded value", i+1, k))
			continue
		}
		out[k] = strings.TrimSpace(dec)
	}
	return out, errors.Join(errs...)
}

// validHeaderKey reports whether k is an HTTP token (RFC 9110).
func validHeaderKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

const (
	schemeHTTP  = "http"
	schemeHTTPS = "https"
	schemeUnix  = "unix"
)

// endpoint is a parsed OTLP endpoint.
type endpoint struct {
	scheme string // "", http, https or unix
	host   string // host[:port]; for unix the whole gRPC target
	path   string // "" when there is none
}

// parseEndpoint reads a URL (http, https, unix) or host[:port][/path].
// User information in a URL is dropped.
func parseEndpoint(s string) (endpoint, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(strings.ToLower(s), "unix:") {
		return endpoint{scheme: schemeUnix, host: s}, nil
	}
	if !strings.Contains(s, "://") {
		host, p, _ := strings.Cut(s, "/")
		if p != "" || strings.HasSuffix(s, "/") {
			p = "/" + p
		}
		if host == "" {
			return endpoint{}, errors.New("no host")
		}
		if strings.ContainsAny(host, " ?#@") {
			return endpoint{}, errors.New("want a URL or host:port")
		}
		return endpoint{host: host, path: p}, nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return endpoint{}, errors.New("not a valid URL")
	}
	sch := strings.ToLower(u.Scheme)
	if sch != schemeHTTP && sch != schemeHTTPS {
		return endpoint{}, fmt.Errorf("scheme %q: want http, https or unix", u.Scheme)
	}
	if u.Host == "" {
		return endpoint{}, errors.New("no host")
	}
	return endpoint{scheme: sch, host: u.Host, path: u.EscapedPath()}, nil
}

// port returns the endpoint's port, "" when it has none.
func (e endpoint) port() string {
	if e.scheme == schemeUnix {
		return ""
	}
	if _, p, err := net.SplitHostPort(e.host); err == nil {
		return p
	}
	return ""
}

// String returns the endpoint as FromEnv stores it.
func (e endpoint) String() string {
	switch e.scheme {
	case schemeUnix:
		return e.host
	case "":
		return e.host + e.path
	}
	return e.scheme + "://" + e.host + e.path
}
