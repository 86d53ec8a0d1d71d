// gRPC: a gRPC service whose call logs carry the call's trace.
//
// otelgrpc's stats handler starts a server span per call; the rpclog
// interceptors, inside it, bind a request id (x-request-id metadata, sent
// back as a header) and log request_completed, or request_failed at ERROR
// for server errors, with the method, status code, duration, peer and the
// span's ids. The program serves the standard health service, calls it once
// as a client (one OK call, one NotFound), and with -serve keeps serving
// until SIGTERM or Ctrl-C.
//
//	go run ./examples/grpc                                  # JSON lines on stdout
//	OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4317 OTEL_SERVICE_NAME=shop go run ./examples/grpc -serve
//
// It listens on $ADDR (default 127.0.0.1:0, printed on stderr); on the way
// out it drains the logs and flushes the spans.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/rpclog"
)

func main() {
	serve := flag.Bool("serve", false, "keep serving after the demo calls, until SIGTERM or Ctrl-C")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := run(ctx, *serve); err != nil {
		fmt.Fprintln(os.Stderr, "grpc example:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, serve bool) error {
	tp, err := tracerProvider(ctx)
	if err != nil {
		return err
	}
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	logger := fapilog.GetLogger("examples/grpc") // configured by OTEL_* variables

	srv := grpc.NewServer(
		grpc.StatsHandler(otelgrpc.NewServerHandler()), // outside: the span exists before the interceptors run
		grpc.ChainUnaryInterceptor(rpclog.UnaryServerInterceptor(logger)),
		grpc.ChainStreamInterceptor(rpclog.StreamServerInterceptor(logger)),
	)
	healthpb.RegisterHealthServer(srv, health.NewServer())

	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "grpc example: listening on %s\n", ln.Addr())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	err = callOnce(ctx, ln.Addr().String(), logger)
	if err == nil && serve {
		select {
		case <-ctx.Done(): // SIGTERM or Ctrl-C
		case err = <-served:
		}
	}
	srv.GracefulStop() // lets calls in flight finish
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	res, drainErr := logger.StopAndDrain(shutdownCtx)
	fmt.Fprintf(os.Stderr, "grpc example: logs submitted=%d exported=%d dropped=%d failed=%d\n",
		res.Submitted, res.Exported, res.Dropped, res.Failed)
	return errors.Join(err, drainErr, tp.Shutdown(shutdownCtx))
}

// callOnce is the client half: one health check that succeeds, one for an
// unknown service (NotFound), each logged by the client interceptor.
func callOnce(ctx context.Context, addr string, logger *fapilog.Logger) error {
	conn, err := grpc.NewClient(addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithStatsHandler(otelgrpc.NewClientHandler()),
		grpc.WithChainUnaryInterceptor(rpclog.UnaryClientInterceptor(logger)),
	)
	if err != nil {
		return err
	}
	defer conn.Close()
	// A span around the calls: the client records carry it, and the
	// server spans (and so the server records) belong to its trace.
	ctx, span := otel.Tracer("examples/grpc").Start(ctx, "demo calls")
	defer span.End()
	client := healthpb.NewHealthClient(conn)
	if _, err := client.Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
		return err
	}
	_, _ = client.Check(ctx, &healthpb.HealthCheckRequest{Service: "no-such-service"}) // NotFound, logged
	return nil
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
