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
package httplog

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"time"

	fapilog "github.com/fapilog/fapilog-go"
)

// RequestIDHeader is read from requests and set on responses.
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
)

// maxRequestIDLen bounds an incoming id, so a client cannot make every
// record of its request arbitrarily large.
const maxRequestIDLen = 128

// Middleware returns middleware that logs each request through logger. It
// is safe for concurrent use.
func Middleware(logger *fapilog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			id := r.Header.Get(RequestIDHeader)
			if id == "" || len(id) > maxRequestIDLen {
				id = newRequestID()
			}
			w.Header().Set(RequestIDHeader, id)
			ctx := logger.Bind(r.Context(), KeyRequestID, id)
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
				kv := []any{
					KeyMethod, r.Method,
					KeyPath, r.URL.Path,
					KeyStatus, status,
					KeyLatencyMS, float64(time.Since(start).Microseconds()) / 1000,
					KeyClient, clientAddress(r.RemoteAddr),
					KeyUserAgent, r.UserAgent(),
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
