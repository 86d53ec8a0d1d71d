package rpclog_test

import (
	"context"
	"fmt"
	"net"

	"go.opentelemetry.io/otel/attribute"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/rpclog"
)

func Example() {
	mem := exporter.NewMemory() // in a service: the exporter from the environment
	logger := fapilog.GetLogger("grpc-example", fapilog.Reuse(false), fapilog.WithExporter(mem))

	// In a service, add grpc.StatsHandler(otelgrpc.NewServerHandler()) so
	// the records carry the call's span.
	srv := grpc.NewServer(
		grpc.ChainUnaryInterceptor(rpclog.UnaryServerInterceptor(logger)),
		grpc.ChainStreamInterceptor(rpclog.StreamServerInterceptor(logger)),
	)
	healthpb.RegisterHealthServer(srv, health.NewServer())
	lis, _ := net.Listen("tcp", "127.0.0.1:0")
	go func() { _ = srv.Serve(lis) }()

	conn, _ := grpc.NewClient(lis.Addr().String(),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithChainUnaryInterceptor(rpclog.UnaryClientInterceptor(logger)))
	client := healthpb.NewHealthClient(conn)
	_, _ = client.Check(context.Background(), &healthpb.HealthCheckRequest{})
	_, _ = client.Check(context.Background(), &healthpb.HealthCheckRequest{Service: "missing"})
	_ = conn.Close()
	srv.Stop()

	_, _ = logger.StopAndDrain(context.Background())
	for _, r := range mem.Records() {
		var method, status string
		r.WalkAttributes(func(kv attribute.KeyValue) bool {
			switch kv.Key {
			case rpclog.KeyMethod:
				method = kv.Value.AsString()
			case rpclog.KeyStatus:
				status = kv.Value.AsString()
			}
			return true
		})
		fmt.Println(r.SeverityText(), r.Body().AsString(), method, status)
	}
	// Output:
	// INFO request_completed Check OK
	// INFO call_completed Check OK
	// INFO request_completed Check NotFound
	// WARNING call_failed Check NotFound
}
