// HTTP: a net/http service whose request logs carry the request's trace.
//
// otelhttp starts a server span per request; httplog.Middleware, inside it,
// binds a request id (X-Request-ID, echoed) and logs request_completed
// (INFO) or request_failed (ERROR, 5xx and panics) with the span's ids.
//
//	go run ./examples/http                       # records on stdout (pretty on a terminal, else JSON lines), spans not exported
//	OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4317 OTEL_SERVICE_NAME=shop go run ./examples/http
//	curl -H 'X-Request-ID: abc-123' localhost:8080/hello?name=Ada
//	curl -X POST 'localhost:8080/admin/role?user=alice&role=admin'   # an AUDIT record
//
// It listens on $ADDR (default :8080); SIGTERM or Ctrl-C drains the logs
// and flushes the spans before it exits.
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/httplog"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "http example:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	tp, err := tracerProvider(ctx)
	if err != nil {
		return err
	}
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	logger := fapilog.GetLogger("examples/http") // configured by OTEL_* variables

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "routes: /hello?name=…, /fail (500), /panic, POST /admin/role?user=…&role=… (an AUDIT record)")
	})
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Query().Get("name")
		if name == "" {
			name = "world"
		}
		logger.InfoContext(r.Context(), "saying hello", "name", name) // carries request_id and the span
		fmt.Fprintf(w, "hello, %s\n", name)
	})
	mux.HandleFunc("GET /fail", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "something failed", http.StatusInternalServerError)
	})
	mux.HandleFunc("GET /panic", func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	mux.HandleFunc("POST /admin/role", func(w http.ResponseWriter, r *http.Request) {
		user, role := r.FormValue("user"), r.FormValue("role")
		if user == "" || role == "" {
			http.Error(w, "user and role are required", http.StatusBadRequest)
			return
		}
		// AUDIT passes any level gate and waits for room instead of being dropped.
		logger.AuditContext(r.Context(), "role changed", "user", user, "role", role)
		w.WriteHeader(http.StatusNoContent)
	})
	srv := &http.Server{
		Handler:           otelhttp.NewHandler(httplog.Middleware(logger)(mux), "http-example"),
		ReadHeaderTimeout: 10 * time.Second,
	}

	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = ":8080"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "http example: listening on http://%s\n", ln.Addr())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	select {
	case <-ctx.Done(): // SIGTERM or Ctrl-C
	case err = <-served:
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err = errors.Join(err, srv.Shutdown(shutdownCtx)) // lets requests in flight finish
	res, drainErr := logger.StopAndDrain(shutdownCtx)
	fmt.Fprintf(os.Stderr, "http example: logs submitted=%d exported=%d dropped=%d failed=%d\n",
		res.Submitted, res.Exported, res.Dropped, res.Failed)
	err = errors.Join(err, drainErr, tp.Shutdown(shutdownCtx))
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// tracerProvider exports spans over OTLP when an endpoint is set, with the
// protocol the logs use (OTEL_EXPORTER_OTLP_PROTOCOL, else grpc on port
// 4317, else http/protobuf). The exporters read the other OTEL_* variables.
func tracerProvider(ctx context.Context) (*sdktrace.TracerProvider, error) {
	if os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") == "" && os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") == "" {
		return sdktrace.NewTracerProvider(), nil // spans still give logs their ids
	}
	cfg, err := exporter.FromEnv(exporter.Config{Kind: exporter.KindOTLP})
	if err != nil {
		return nil, err
	}
	var exp sdktrace.SpanExporter
	if cfg.Protocol == exporter.ProtocolGRPC {
		exp, err = otlptracegrpc.New(ctx)
	} else {
		exp, err = otlptracehttp.New(ctx)
	}
	if err != nil {
		return nil, err
	}
	return sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp)), nil
}
