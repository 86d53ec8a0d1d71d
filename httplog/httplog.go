// Package httplog is net/http middleware that logs every request with a
// fapilog logger: it binds a request id to the request's context (taken from
// X-Request-ID or generated, and echoed back), and logs request_completed at
// INFO, or request_failed at ERROR for 5xx responses and panics, with the
// method, path, status code, latency, client address and user agent.
//
// Put it inside otelhttp so the records carry the request span's trace and
// span ids:
//
//	handler := otelhttp.NewHandler(httplog.Middleware(logger)(mux), "server")
//
// Options leave health checks unlogged (WithSkipPaths), log chosen request
// headers with their values redacted (WithHeaders), read the request id
// from another header (WithRequestIDHeader), and log only a share of the
// successful requests (WithSuccessSampling).
package httplog

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/redact"
)

// RequestIDHeader is read from requests and set on responses, unless
// WithRequestIDHeader names another.
const RequestIDHeader = "X-Request-ID"

// Attribute keys, from the OpenTelemetry HTTP semantic conventions where one
// exists.
const (
	KeyRequestID = "request_id"
	KeyMethod    = "http.request.method"
	KeyPath      = "url.path"
	KeyStatus    = "http.response.status_code"
	KeyLatencyMS = "latency_ms"
	KeyClient    = "client.address"
	KeyUserAgent = "user_agent.original"
	// KeyHeaderPrefix + the lower-case header name holds the values of a
	// header named by WithHeaders (a string slice, as in the semantic
	// conventions' http.request.header.<key>).
	KeyHeaderPrefix = "http.request.header."
)

// maxRequestIDLen bounds an incoming id, so a client cannot make every
// record of its request arbitrarily large.
const maxRequestIDLen = 128

// Option configures Middleware.
type Option func(*options)

type options struct {
	skip     map[string]bool
	headers  []string // canonical names
	idHeader string
	every    float64 // share of successful requests logged, in [0, 1]
	sampled  atomic.Uint64
	redactor *redact.Redactor
}

// WithSkipPaths leaves requests whose URL path is exactly one of paths
// unlogged, e.g. WithSkipPaths("/healthz", "/readyz"). Their handlers still
// get the request id.
func WithSkipPaths(paths ...string) Option {
	return func(o *options) {
		for _, p := range paths {
			o.skip[p] = true
		}
	}
}

// WithHeaders logs the named request headers (case-insensitive), each as
// KeyHeaderPrefix + its lower-case name, with its values passed through the
// redactor (redact.Default unless WithRedactor), so an allowed
// Authorization or Cookie header is logged masked, never in clear. Headers
// not named are never logged.
func WithHeaders(names ...string) Option {
	return func(o *options) {
		for _, n := range names {
			o.headers = append(o.headers, http.CanonicalHeaderKey(strings.TrimSpace(n)))
		}
	}
}

// WithRedactor sets the redactor of the header values WithHeaders logs.
func WithRedactor(r *redact.Redactor) Option {
	return func(o *options) {
		if r != nil {
			o.redactor = r
		}
	}
}

// WithRequestIDHeader reads the request id from the header name instead of
// X-Request-ID, and sets it on the response under that name.
func WithRequestIDHeader(name string) Option {
	return func(o *options) {
		if name = strings.TrimSpace(name); name != "" {
			o.idHeader = name
		}
	}
}

// WithSuccessSampling logs only the given share (0 to 1) of successful
// requests (status below 400): 0.1 logs one in ten, evenly spread, not at
// random. Client and server errors and panics are always logged. Requests
// left out never reach the logger, so they are not in its DrainResult; New
// returns the middleware as a value whose SampledOut counts them.
func WithSuccessSampling(share float64) Option {
	return func(o *options) {
		o.every = min(max(share, 0), 1)
	}
}

// Middleware returns middleware that logs each request through logger. It
// is safe for concurrent use.
func Middleware(logger *fapilog.Logger, opts ...Option) func(http.Handler) http.Handler {
	return New(logger, opts...).Wrap
}

// Logger is the configured middleware, for callers that want its counts.
// It is safe for concurrent use.
type Logger struct {
	logger *fapilog.Logger
	o      *options
}

// New returns the middleware of Middleware as a value.
func New(logger *fapilog.Logger, opts ...Option) *Logger {
	o := &options{skip: map[string]bool{}, idHeader: RequestIDHeader, every: 1}
	for _, f := range opts {
		f(o)
	}
	if o.redactor == nil && len(o.headers) > 0 {
		o.redactor = redact.Default()
	}
	return &Logger{logger: logger, o: o}
}

// SampledOut returns how many successful requests WithSuccessSampling left
// unlogged so far.
func (m *Logger) SampledOut() uint64 { return m.o.sampled.Load() }

// Wrap returns next with logging.
func (m *Logger) Wrap(next http.Handler) http.Handler {
	logger, o := m.logger, m.o
	var successes atomic.Uint64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get(o.idHeader)
		if id == "" || len(id) > maxRequestIDLen {
			id = newRequestID()
		}
		w.Header().Set(o.idHeader, id)
		ctx := logger.Bind(r.Context(), KeyRequestID, id)
		if o.skip[r.URL.Path] {
			next.ServeHTTP(w, r.WithContext(ctx))
			return
		}
		rec := &statusRecorder{ResponseWriter: w}

		defer func() {
			p := recover()
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			if p != nil {
				status = http.StatusInternalServerError
			}
			if p == nil && status < 400 && o.every < 1 && !o.keep(successes.Add(1)) {
				return
			}
			kv := []any{
				KeyMethod, r.Method,
				KeyPath, r.URL.Path,
				KeyStatus, status,
				KeyLatencyMS, float64(time.Since(start).Microseconds()) / 1000,
				KeyClient, clientAddress(r.RemoteAddr),
				KeyUserAgent, r.UserAgent(),
			}
			for _, h := range o.headers {
				if vals := r.Header.Values(h); len(vals) > 0 {
					key := KeyHeaderPrefix + strings.ToLower(h)
					kv = append(kv, attribute.KeyValue{Key: attribute.Key(key), Value: o.redactor.Value(key, attribute.StringSliceValue(vals))})
				}
			}
			switch {
			case p != nil:
				logger.ExceptionContext(ctx, "request_failed", fmt.Errorf("panic: %v", p), kv...)
				panic(p) // net/http's own recovery and logging still apply
			case status >= 500:
				logger.ErrorContext(ctx, "request_failed", kv...)
			default:
				logger.InfoContext(ctx, "request_completed", kv...)
			}
		}()
		next.ServeHTTP(rec, r.WithContext(ctx))
	})
}

// keep reports whether the n-th successful request (from 1) is logged: it
// is when n*share crosses a whole number, which spreads the logged ones
// evenly and logs exactly floor(n*share) of the first n.
func (o *options) keep(n uint64) bool {
	k := uint64(float64(n)*o.every) != uint64(float64(n-1)*o.every)
	if !k {
		o.sampled.Add(1)
	}
	return k
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

func clientAddress(remote string) string {
	if host, _, err := net.SplitHostPort(remote); err == nil {
		return host
	}
	return remote
}

// statusRecorder remembers the status code written by the handler.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer (Flush,
// Hijack, deadlines).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
