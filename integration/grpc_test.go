package integration

import (
	"context"
	"errors"
	"io"
	"testing"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/status"

	"github.com/fapilog/fapilog-go/internal/grpctest"
	"github.com/fapilog/fapilog-go/rpclog"
)

// TestGRPCInterceptors runs a real gRPC server and client on loopback, with
// otelgrpc's stats handlers outside the rpclog interceptors, spans and logs
// going to a real collector. Every server record (the interceptor's and the
// handler's own) must carry the span id of the server span the collector
// received for that call, and the client records the caller's span.
func TestGRPCInterceptors(t *testing.T) {
	for _, protocol := range protocols {
		t.Run(protoName(protocol), func(t *testing.T) {
			ctx := context.Background()
			c := startCollector(t)
			setEnv(t, merge(otlpEnv(c, protocol), map[string]string{"OTEL_SERVICE_NAME": "grpc-test"}))

			spanExp, err := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(c.GRPCEndpoint), otlptracegrpc.WithInsecure())
			if err != nil {
				t.Fatal(err)
			}
			tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(spanExp), sdktrace.WithSampler(sdktrace.AlwaysSample()))
			t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
			prop := propagation.TraceContext{}

			logger := freshLogger(t, "grpc-server")
			srv := grpc.NewServer(
				grpc.StatsHandler(otelgrpc.NewServerHandler(otelgrpc.WithTracerProvider(tp), otelgrpc.WithPropagators(prop))),
				grpc.ChainUnaryInterceptor(rpclog.UnaryServerInterceptor(logger)),
				grpc.ChainStreamInterceptor(rpclog.StreamServerInterceptor(logger)),
			)
			svc := &grpctest.Service{OnCall: func(ctx context.Context, method string) {
				logger.InfoContext(ctx, "handling "+method)
			}}
			conn, _ := grpctest.Serve(t, srv, svc,
				grpc.WithStatsHandler(otelgrpc.NewClientHandler(otelgrpc.WithTracerProvider(tp), otelgrpc.WithPropagators(prop))),
				grpc.WithChainUnaryInterceptor(rpclog.UnaryClientInterceptor(logger)),
				grpc.WithChainStreamInterceptor(rpclog.StreamClientInterceptor(logger)),
			)
			client := testpb.NewTestServiceClient(conn)

			callerCtx, caller := tp.Tracer("integration").Start(ctx, "caller")
			if _, err := client.UnaryCall(callerCtx, &testpb.SimpleRequest{}); err != nil {
				t.Fatal(err)
			}
			_, err = client.UnaryCall(callerCtx, &testpb.SimpleRequest{ResponseStatus: &testpb.EchoStatus{Code: int32(codes.Internal), Message: "db down"}})
			if status.Code(err) != codes.Internal {
				t.Fatalf("failing call: %v", err)
			}
			stream, err := client.StreamingOutputCall(callerCtx, &testpb.StreamingOutputCallRequest{ResponseParameters: []*testpb.ResponseParameters{{}, {}}})
			if err != nil {
				t.Fatal(err)
			}
			for {
				if _, err := stream.Recv(); errors.Is(err, io.EOF) {
					break
				} else if err != nil {
					t.Fatal(err)
				}
			}
			caller.End()

			drain(t, logger)
			if err := tp.Shutdown(ctx); err != nil {
				t.Fatalf("tracer provider shutdown: %v", err)
			}
			// 3 server spans, 3 client spans, the caller.
			spans := c.WaitForSpans(t, 7, waitTimeout)
			// 3 handler records, 3 server call records, 3 client call records.
			recs := waitLogs(t, c, 9)

			serverSpans := map[string]bool{}
			for _, s := range spans {
				if s.Kind == int(trace.SpanKindServer) {
					serverSpans[s.SpanID] = true
					if s.TraceID != caller.SpanContext().TraceID().String() {
						t.Errorf("server span %q in trace %s, want the caller's", s.Name, s.TraceID)
					}
				}
			}
			if len(serverSpans) != 3 {
				t.Fatalf("%d server spans at the collector, want 3", len(serverSpans))
			}
			// Per server span: the handler's record and the interceptor's.
			perSpan := map[string][]string{}
			var failed, clientRecs int
			for _, r := range recs {
				body, _ := r.Body.(string)
				if r.TraceID != caller.SpanContext().TraceID().String() {
					t.Errorf("%q: trace %q, want the caller's", body, r.TraceID)
				}
				switch body {
				case "call_completed", "call_failed":
					clientRecs++
					if r.SpanID != caller.SpanContext().SpanID().String() {
						t.Errorf("client record %q: span %s, want the caller's %s", body, r.SpanID, caller.SpanContext().SpanID())
					}
					continue
				case "request_failed":
					failed++
					if r.SeverityText != "ERROR" || r.Attrs[rpclog.KeyError] != "db down" {
						t.Errorf("request_failed at %s, attrs %v", r.SeverityText, r.Attrs)
					}
				}
				if !serverSpans[r.SpanID] {
					t.Errorf("server-side record %q: span %q is not a server span the collector received", body, r.SpanID)
				}
				perSpan[r.SpanID] = append(perSpan[r.SpanID], body)
			}
			if failed != 1 || clientRecs != 3 {
				t.Errorf("%d request_failed, %d client records; want 1 and 3", failed, clientRecs)
			}
			for id, bodies := range perSpan {
				if len(bodies) != 2 {
					t.Errorf("server span %s has records %v, want the handler's and the interceptor's", id, bodies)
				}
			}
			if len(perSpan) != 3 {
				t.Errorf("server records spread over %d spans, want 3", len(perSpan))
			}
		})
	}
}
