package exporter

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploggrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding/gzip"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"

	"github.com/fapilog/fapilog-go/internal/delivery"
)

// connKey identifies a shared connection: everything that shapes the
// transport. Headers, timeout, compression and retry policy are per
// exporter and not part of it.
type connKey struct {
	protocol Protocol
	target   string // gRPC target, or scheme://host:port for HTTP
	insecure bool
	ca       string // certificate files, only when TLS is used
	cert     string
	key      string
}

// The shared connections, reference counted, under one lock.
var (
	poolMu    sync.Mutex
	grpcConns = shared[*grpc.ClientConn]{
		close: func(c *grpc.ClientConn) { _ = c.Close() }, // Close only fails when already closed.
	}
	httpConns = shared[httpConn]{
		close: func(c httpConn) { c.transport.CloseIdleConnections() },
	}
)

type httpConn struct {
	client    *http.Client
	transport *http.Transport
}

// shared maps a key to a value used by several exporters: made by the first
// acquire, closed by the last release.
type shared[V any] struct {
	m     map[connKey]*sharedEntry[V]
	close func(V)
}

type sharedEntry[V any] struct {
	v    V
	refs int
}

// acquire returns the value for key, calling open (with poolMu held) when
// there is none, and the function that releases this reference: safe to
// call more than once, only the first call counts.
func (s *shared[V]) acquire(key connKey, open func() (V, error)) (V, func(), error) {
	poolMu.Lock()
	defer poolMu.Unlock()
	e, ok := s.m[key]
	if !ok {
		v, err := open()
		if err != nil {
			var zero V
			return zero, nil, err
		}
		if s.m == nil {
			s.m = make(map[connKey]*sharedEntry[V])
		}
		e = &sharedEntry[V]{v: v}
		s.m[key] = e
	}
	e.refs++
	return e.v, releaser(func() { s.release(key) }), nil
}

// release drops one reference to key's value and closes it, outside the
// lock, when it was the last.
func (s *shared[V]) release(key connKey) {
	poolMu.Lock()
	e := s.m[key]
	e.refs--
	if e.refs > 0 {
		poolMu.Unlock()
		return
	}
	delete(s.m, key)
	poolMu.Unlock()
	s.close(e.v)
}

// OpenConnections returns the number of live shared connections: one per
// distinct OTLP endpoint and transport settings (a gRPC ClientConn, or an
// HTTP client whose keep-alive connections are pooled), however many
// exporters use it. It drops back when the last exporter using a
// connection is shut down.
func OpenConnections() int {
	poolMu.Lock()
	defer poolMu.Unlock()
	return len(grpcConns.m) + len(httpConns.m)
}

// acquireGRPC returns the shared ClientConn for key, creating it (lazily
// connecting) if needed, and the function that releases this reference.
func acquireGRPC(key connKey) (*grpc.ClientConn, func(), error) {
	return grpcConns.acquire(key, func() (*grpc.ClientConn, error) {
		var creds credentials.TransportCredentials
		if key.insecure {
			creds = insecure.NewCredentials()
		} else {
			tc, err := loadTLS(key)
			if err != nil {
				return nil, err
			}
			creds = credentials.NewTLS(tc)
		}
		conn, err := grpc.NewClient(key.target,
			grpc.WithTransportCredentials(creds),
			grpc.WithUserAgent("fapilog-go OTel Go OTLP over gRPC logs exporter/"+otlploggrpc.Version()),
			grpc.WithUnaryInterceptor(grpcAttempt),
			grpc.WithStatsHandler(sendingHandler{}),
		)
		if err != nil {
			return nil, fmt.Errorf("exporter: gRPC client for %s: %w", key.target, err)
		}
		return conn, nil
	})
}

// acquireHTTP returns the shared HTTP client for key and the function that
// releases this reference.
func acquireHTTP(key connKey) (*http.Client, func(), error) {
	c, release, err := httpConns.acquire(key, func() (httpConn, error) {
		var tc *tls.Config
		if !key.insecure && (key.ca != "" || key.cert != "") {
			var err error
			if tc, err = loadTLS(key); err != nil {
				return httpConn{}, err
			}
		}
		// Go's DefaultTransport settings, with a larger idle pool per host:
		// many loggers export to the one collector.
		tr := &http.Transport{
			Proxy: http.ProxyFromEnvironment,
			DialContext: (&net.Dialer{
				Timeout:   30 * time.Second,
				KeepAlive: 30 * time.Second,
			}).DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          100,
			MaxIdleConnsPerHost:   16,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
			TLSClientConfig:       tc,
		}
		return httpConn{client: &http.Client{Transport: attemptTransport{tr}}, transport: tr}, nil
	})
	return c.client, release, err
}

// releaser makes release safe to call more than once: only the first call
// drops the reference.
func releaser(release func()) func() {
	var once sync.Once
	return func() { once.Do(release) }
}

// loadTLS reads the certificate files of key. The error names the file.
func loadTLS(key connKey) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if key.ca != "" {
		b, err := os.ReadFile(key.ca)
		if err != nil {
			return nil, fmt.Errorf("exporter: certificate %q: %w", key.ca, unwrapPath(err))
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("exporter: certificate %q: no PEM certificate in it", key.ca)
		}
		tc.RootCAs = pool
	}
	if key.cert != "" {
		crt, err := loadKeyPair(key.cert, key.key)
		if err != nil {
			return nil, err
		}
		tc.Certificates = []tls.Certificate{crt}
	}
	return tc, nil
}

func loadKeyPair(certFile, keyFile string) (tls.Certificate, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("exporter: client certificate %q: %w", certFile, unwrapPath(err))
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("exporter: client key %q: %w", keyFile, unwrapPath(err))
	}
	crt, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("exporter: client certificate %q and key %q: %w", certFile, keyFile, err)
	}
	return crt, nil
}

// unwrapPath drops the *fs.PathError layer, whose text repeats the path.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// exportState travels in the context of one Export call to the transport,
// which counts each attempt (and, for gRPC, applies the exporter's
// compression on the shared connection).
type exportState struct {
	attempts atomic.Uint64
	retries  *atomic.Uint64 // the exporter's total
	gzip     bool
	tooLarge atomic.Bool // HTTP: the collector answered 413
	// report, when the caller asked (the pipeline counting possible
	// duplicates), learns of attempts whose outcome is unknown.
	report *delivery.Report
}

// outcome notes a failed attempt whose request may have reached the
// collector.
func (s *exportState) outcome(maybeDelivered bool) {
	if maybeDelivered && s.report != nil {
		s.report.Uncertain()
	}
}

type stateKey struct{}

// attemptKey carries, in the context of one gRPC attempt, whether its
// request may have left (see sendingHandler).
type attemptKey struct{}

func (s *exportState) attempt() {
	if s.attempts.Add(1) > 1 {
		s.retries.Add(1)
	}
}

func stateFrom(ctx context.Context) *exportState {
	s, _ := ctx.Value(stateKey{}).(*exportState)
	return s
}

// grpcAttempt is the unary interceptor of every shared gRPC connection.
func grpcAttempt(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	s := stateFrom(ctx)
	var sent atomic.Bool // set by sendingHandler once the request may leave
	if s != nil {
		s.attempt()
		if s.gzip {
			opts = append(opts, grpc.UseCompressor(gzip.Name))
		}
		ctx = context.WithValue(ctx, attemptKey{}, &sent)
	}
	err := invoker(ctx, method, req, reply, cc, opts...)
	if s != nil && err != nil {
		s.outcome(sent.Load() && grpcMaybeDelivered(err))
	}
	if err != nil && status.Code(err) == codes.Unavailable && mismatchHint(err.Error()) != "" {
		// The endpoint speaks another protocol (HTTP/1.1, or plaintext to
		// a TLS client): Unavailable would be retried until the timeout,
		// but no retry can succeed.
		return status.Error(codes.FailedPrecondition, status.Convert(err).Message())
	}
	return err
}

// attemptTransport counts each request the OTLP HTTP exporter sends.
// Requests that follow a redirect are not new attempts.
type attemptTransport struct{ base http.RoundTripper }

func (t attemptTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	s := stateFrom(r.Context())
	if r.Response == nil && s != nil {
		s.attempt()
	}
	var sent atomic.Bool
	if s != nil && s.report != nil {
		// Once a connection is there, the request may leave: the caller
		// marks the records sent before it does (GotConn runs before the
		// request is written).
		rep := s.report
		r = r.WithContext(httptrace.WithClientTrace(r.Context(), &httptrace.ClientTrace{
			GotConn: func(httptrace.GotConnInfo) { sent.Store(true); rep.Sending() },
		}))
	}
	resp, err := t.base.RoundTrip(r)
	if s != nil {
		noteTooLarge(s, resp)
		// An attempt that never got a connection delivered nothing.
		s.outcome(sent.Load() && httpMaybeDelivered(resp, err))
	}
	if err != nil && connectionError(err) {
		// otlploghttp retries only what net/url reports as temporary; a
		// refused or reset connection is not, so a collector restarting
		// or starting late would fail the batch at once over HTTP while
		// gRPC (status Unavailable) retries it. Marking it temporary
		// gives both protocols the same policy, bounded by the same
		// retry window.
		return nil, retryableConnError{err}
	}
	return resp, err
}

// connectionError reports whether err means the collector could not be
// reached or dropped the connection: what gRPC calls Unavailable. Protocol
// mismatches (a gRPC server on the HTTP port) and TLS failures are not
// retried: they do not heal by waiting, and the hint must come at once.
func connectionError(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	msg := err.Error()
	if strings.Contains(msg, "malformed HTTP") || strings.Contains(msg, "readLoopPeekFailLocked") {
		return false
	}
	for _, errno := range []syscall.Errno{syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.ECONNABORTED,
		syscall.EPIPE, syscall.EHOSTUNREACH, syscall.ENETUNREACH} {
		if errors.Is(err, errno) {
			return true
		}
	}
	// The collector closed the connection before it answered.
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// retryableConnError is a connection error that net/url reports as
// temporary, which otlploghttp retries.
type retryableConnError struct{ err error }

func (e retryableConnError) Error() string   { return e.err.Error() }
func (e retryableConnError) Unwrap() error   { return e.err }
func (e retryableConnError) Temporary() bool { return true }
func (e retryableConnError) Timeout() bool   { return false }

// grpcMaybeDelivered reports whether a failed gRPC attempt may still have
// delivered its records. A status the server answered means it accepted
// nothing (OTLP); a connection that was never made sent nothing. A
// deadline, a cancellation or a transport failure after the request left
// (the collector died holding it) leave the outcome unknown. The server's
// own Unavailable (overloaded) cannot be told from the transport's and
// counts as unknown: a possible duplicate too many, never one too few.
func grpcMaybeDelivered(err error) bool {
	st, ok := status.FromError(err)
	if !ok {
		return true
	}
	switch st.Code() {
	case codes.DeadlineExceeded, codes.Canceled, codes.Unknown, codes.Internal:
		return true
	case codes.Unavailable:
		return !delivery.NeverConnected(err)
	}
	return false
}

// httpMaybeDelivered reports whether an HTTP attempt that did not succeed
// may still have delivered its records: a transport error once the
// connection was made (reset, EOF, timeout), or a gateway that lost its
// upstream mid-request (502, 504). A status the collector answered means
// it accepted nothing; a failed dial sent nothing.
func httpMaybeDelivered(resp *http.Response, err error) bool {
	if err != nil {
		return !delivery.NeverConnected(err)
	}
	return resp != nil && (resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusGatewayTimeout)
}

// sendingHandler tells an export's delivery report that a gRPC request may
// leave: the client's OutHeader event comes once a stream is open on a
// connection, before the message carrying the records is written. Calls
// that never get a connection (refused, unreachable) never reach it.
type sendingHandler struct{}

func (sendingHandler) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }
func (sendingHandler) HandleRPC(ctx context.Context, s stats.RPCStats) {
	if h, ok := s.(*stats.OutHeader); ok && h.Client {
		if sent, _ := ctx.Value(attemptKey{}).(*atomic.Bool); sent != nil {
			sent.Store(true)
		}
		if st := stateFrom(ctx); st != nil && st.report != nil {
			st.report.Sending()
		}
	}
}
func (sendingHandler) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context { return ctx }
func (sendingHandler) HandleConn(context.Context, stats.ConnStats)                       {}
