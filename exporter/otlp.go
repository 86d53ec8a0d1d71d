package exporter

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploggrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/fapilog/fapilog-go/internal/delivery"
)

// buildOTLP builds the OTLP exporter of a resolved Config.
func buildOTLP(ctx context.Context, c Config) (*Built, error) {
	ep, err := parseEndpoint(c.Endpoint)
	if err != nil { // FromEnv validated it; a hand-made resolved Config may not be.
		return nil, fmt.Errorf("exporter: endpoint %q: %w", c.Endpoint, err)
	}
	insecure := c.Insecure != nil && *c.Insecure
	key := connKey{protocol: c.Protocol, insecure: insecure}
	if !insecure {
		key.ca, key.cert, key.key = c.Certificate, c.ClientCertificate, c.ClientKey
	}
	scheme := schemeHTTPS
	if insecure {
		scheme = schemeHTTP
	}
	retry := DefaultRetry
	if c.Retry != nil {
		retry = *c.Retry
	}
	e := &otlpExporter{protocol: c.Protocol}
	if c.Timeout > 0 {
		e.timeout = c.Timeout
	}

	switch c.Protocol {
	case ProtocolGRPC:
		key.target = ep.host
		e.endpoint = scheme + "://" + ep.host
		if ep.scheme == schemeUnix {
			e.endpoint = ep.host
		}
		e.gzip = c.Compression == "gzip"
		conn, release, err := acquireGRPC(key)
		if err != nil {
			return nil, err
		}
		opts := []otlploggrpc.Option{
			otlploggrpc.WithGRPCConn(conn),
			otlploggrpc.WithHeaders(headersOrEmpty(c.Headers)),
			otlploggrpc.WithTimeout(0), // the wrapper applies the timeout
			otlploggrpc.WithRetry(otlploggrpc.RetryConfig(retry)),
			// Without effect next to WithGRPCConn (the interceptor applies
			// compression), but they stop the exporter from parsing the
			// variables again, and from reporting their errors twice. The
			// URL form also settles "insecure": WithEndpoint alone left the
			// SDK to parse OTEL_EXPORTER_OTLP_ENDPOINT as a URL, which
			// failed loudly for a plain host:port.
			otlploggrpc.WithEndpointURL(grpcEndpointURL(scheme, ep)),
			otlploggrpc.WithCompressor(c.Compression),
		}
		if insecure {
			opts = append(opts, otlploggrpc.WithInsecure())
		}
		inner, err := otlploggrpc.New(ctx, opts...)
		if err != nil {
			release()
			return nil, fmt.Errorf("exporter: otlp grpc exporter for %s: %w", e.endpoint, err)
		}
		e.inner, e.release = inner, release
	case ProtocolHTTP:
		if ep.scheme == schemeUnix {
			return nil, fmt.Errorf("exporter: endpoint %q: unix sockets need protocol grpc", c.Endpoint)
		}
		p := ep.path
		if p == "" {
			p = logsPath
		}
		key.target = scheme + "://" + ep.host
		e.endpoint = key.target + p
		comp := otlploghttp.NoCompression
		if c.Compression == "gzip" {
			comp = otlploghttp.GzipCompression
		}
		client, release, err := acquireHTTP(key)
		if err != nil {
			return nil, err
		}
		inner, err := otlploghttp.New(ctx,
			otlploghttp.WithHTTPClient(client),
			otlploghttp.WithEndpointURL(e.endpoint),
			otlploghttp.WithTLSClientConfig(nil), // the shared client holds TLS; stops env lookups
			otlploghttp.WithHeaders(headersOrEmpty(c.Headers)),
			otlploghttp.WithCompression(comp),
			otlploghttp.WithTimeout(0), // the wrapper applies the timeout
			otlploghttp.WithRetry(otlploghttp.RetryConfig(retry)),
		)
		if err != nil {
			release()
			return nil, fmt.Errorf("exporter: otlp http exporter for %s: %w", e.endpoint, err)
		}
		e.inner, e.release = inner, release
	default:
		return nil, fmt.Errorf("exporter: protocol %q: want grpc or http/protobuf", string(c.Protocol))
	}
	return &Built{
		Exporter: e,
		Kind:     KindOTLP,
		Protocol: c.Protocol,
		Endpoint: e.endpoint,
		Retries:  e.retries.Load,
	}, nil
}

// headersOrEmpty returns a non-nil map, so the OTLP exporters never fall
// back to reading the environment themselves.
func headersOrEmpty(h map[string]string) map[string]string {
	if h == nil {
		return map[string]string{}
	}
	return h
}

// otlpExporter wraps an OTLP exporter on a shared connection: it counts
// attempts, applies the timeout, and releases the connection exactly once,
// after Shutdown and the last export in flight.
type otlpExporter struct {
	inner    sdklog.Exporter
	release  func()
	protocol Protocol
	endpoint string
	timeout  time.Duration // 0 = none
	gzip     bool          // gRPC: compression per call on the shared conn

	retries atomic.Uint64

	mu       sync.Mutex
	stopped  bool
	inflight int
	idle     chan struct{} // set while Shutdown waits; closed when in-flight exports reach 0
	done     bool          // inner shut down and connection released
}

var _ sdklog.Exporter = (*otlpExporter)(nil)

// Export sends records over OTLP. It returns [sdklog.ErrExporterShutdown]
// after Shutdown, and the exporter's error (wrapped) when the export failed
// after its retries or timed out.
func (e *otlpExporter) Export(ctx context.Context, records []sdklog.Record) error {
	e.mu.Lock()
	if e.stopped {
		e.mu.Unlock()
		return sdklog.ErrExporterShutdown
	}
	e.inflight++
	e.mu.Unlock()
	defer e.exportDone()

	s := &exportState{retries: &e.retries, gzip: e.gzip, report: delivery.From(ctx)}
	if s.report != nil {
		s.report.Observe()
	}
	ctx = context.WithValue(ctx, stateKey{}, s)
	if e.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.timeout)
		defer cancel()
	}
	// A request the collector refuses as too large is sent again in parts
	// (see TooLargeMarker), so one oversize record cannot fail its batch.
	failed, err := e.exportParts(ctx, s, records, 0, nil, nil)
	if len(failed) == 0 {
		return nil
	}
	err = fmt.Errorf("exporter: otlp %s export to %s: %w%s", e.protocol, e.endpoint, err, protocolHint(e.protocol, err))
	if len(failed) < len(records) {
		return &PartialError{Failed: failed, Err: err}
	}
	return err
}

func (e *otlpExporter) exportDone() {
	e.mu.Lock()
	e.inflight--
	finish := false
	if e.stopped && e.inflight == 0 {
		if e.idle != nil {
			// Shutdown is waiting: it finishes.
			close(e.idle)
			e.idle = nil
		} else {
			// Shutdown gave up waiting: the last export out finishes.
			finish = true
		}
	}
	e.mu.Unlock()
	if finish {
		_ = e.finish(context.Background())
	}
}

// finish shuts the inner exporter down and releases the connection, once.
func (e *otlpExporter) finish(ctx context.Context) error {
	e.mu.Lock()
	if e.done {
		e.mu.Unlock()
		return nil
	}
	e.done = true
	e.mu.Unlock()
	err := e.inner.Shutdown(ctx)
	e.release()
	return err
}

// Shutdown stops the exporter: later exports return
// [sdklog.ErrExporterShutdown]. It waits for exports in flight (up to ctx),
// then releases the shared connection, closing it if this was its last
// user. If ctx ends first, the connection is released when the last export
// in flight returns. Calling it again does nothing.
func (e *otlpExporter) Shutdown(ctx context.Context) error {
	e.mu.Lock()
	if e.stopped {
		e.mu.Unlock()
		return nil
	}
	e.stopped = true
	var idle chan struct{}
	if e.inflight > 0 {
		idle = make(chan struct{})
		e.idle = idle
	}
	e.mu.Unlock()

	if idle != nil {
		select {
		case <-idle:
		case <-ctx.Done():
			e.mu.Lock()
			gaveUp := e.idle == idle // not closed yet: exports still in flight
			if gaveUp {
				e.idle = nil
			}
			e.mu.Unlock()
			if gaveUp {
				return fmt.Errorf("exporter: otlp shutdown with exports in flight: %w", ctx.Err())
			}
		}
	}
	if err := e.finish(ctx); err != nil {
		return fmt.Errorf("exporter: otlp shutdown: %w", err)
	}
	return nil
}

// ReportsDelivery tells the pipeline that this exporter's transports
// report on their attempts (see internal/delivery).
func (e *otlpExporter) ReportsDelivery() bool { return true }

// ForceFlush does nothing: the exporter holds no records.
func (e *otlpExporter) ForceFlush(context.Context) error { return nil }

// grpcEndpointURL is the endpoint as a URL for otlploggrpc.WithEndpointURL.
func grpcEndpointURL(scheme string, ep endpoint) string {
	if ep.scheme == schemeUnix {
		return ep.host
	}
	return scheme + "://" + ep.host
}

// Hints for failures that no retry can fix, by the text of the error (the
// transports report them as strings only).
const (
	hintNotTLS = " (the endpoint does not speak TLS: use an http:// endpoint, or set OTEL_EXPORTER_OTLP_INSECURE=true for a host:port one)"
	hintIsHTTP = " (the endpoint answers HTTP/1.1, not gRPC: it looks like OTLP/HTTP; set OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf, or use the gRPC port, usually 4317)"
	hintIsGRPC = " (the endpoint looks like OTLP/gRPC: set OTEL_EXPORTER_OTLP_PROTOCOL=grpc)"
)

// mismatchHint returns the hint for an error that says the endpoint speaks
// another protocol than the one used (never fixed by a retry), or "".
func mismatchHint(msg string) string {
	switch {
	case strings.Contains(msg, "first record does not look like a TLS handshake"),
		strings.Contains(msg, "server gave HTTP response to HTTPS client"):
		return hintNotTLS
	case strings.Contains(msg, "frame header looked like an HTTP/1.1 header"):
		return hintIsHTTP
	case strings.Contains(msg, "malformed HTTP response"), strings.Contains(msg, "readLoopPeekFailLocked"):
		return hintIsGRPC
	}
	return ""
}

// protocolHint names the likely fix when the protocol does not match the
// endpoint: the spec's default is http/protobuf, and only port 4317 implies
// gRPC, so "http://host:14317" reaches a gRPC server over HTTP/1. That
// server's first bytes are an HTTP/2 SETTINGS frame, which net/http reports
// in one of two ways depending on whether they arrive before or after the
// request is written: a malformed response, or a failed peek on an idle
// connection.
//
// For gRPC, the shared connection's interceptor (grpcAttempt) has already
// turned such a failure into a code the exporter does not retry, so it
// fails at once instead of after the whole timeout.
func protocolHint(_ Protocol, err error) string {
	return mismatchHint(err.Error())
}
