package tracestoretest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"

	"github.com/fapilog/fapilog-go/internal/tracestoretest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestJaegerKeepsSpansOverBothProtocols sends a parent and a child span
// over each OTLP protocol to one real Jaeger and reads the trace back by
// its id: both spans, the child under the parent, the service named. One
// trace id starts with zeros, which must come back in full so that ids
// compare equal to the logs' trace_id.
func TestJaegerKeepsSpansOverBothProtocols(t *testing.T) {
	j := tracestoretest.Start(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		exp  func() (sdktrace.SpanExporter, error)
		tid  trace.TraceID
	}{
		{"grpc", func() (sdktrace.SpanExporter, error) {
			return otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(j.OTLPGRPCEndpoint), otlptracegrpc.WithInsecure())
		}, trace.TraceID{0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{"http", func() (sdktrace.SpanExporter, error) {
			return otlptracehttp.New(ctx, otlptracehttp.WithEndpoint(j.OTLPHTTPEndpoint), otlptracehttp.WithInsecure())
		}, trace.TraceID{0xa1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			exp, err := tc.exp()
			if err != nil {
				t.Fatal(err)
			}
			svc := "tracestoretest-" + tc.name
			tp := sdktrace.NewTracerProvider(
				sdktrace.WithSyncer(exp),
				sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", svc))),
			)
			defer func() {
				if err := tp.Shutdown(ctx); err != nil {
					t.Error(err)
				}
			}()
			remote := trace.NewSpanContext(trace.SpanContextConfig{
				TraceID: tc.tid, SpanID: trace.SpanID{0, 0, 0, 0, 0, 0, 0, 7}, TraceFlags: trace.FlagsSampled, Remote: true,
			})
			pctx, parent := tp.Tracer("t").Start(trace.ContextWithRemoteSpanContext(ctx, remote), "parent")
			_, child := tp.Tracer("t").Start(pctx, "child")
			child.End()
			parent.End()

			tr := j.WaitForTrace(t, tc.tid.String(), 2, 30*time.Second)
			if tr.TraceID != tc.tid.String() || len(tr.Spans) != 2 {
				t.Fatalf("trace %s: got %+v, want 2 spans", tc.tid, tr)
			}
			byName := map[string]tracestoretest.Span{}
			for _, s := range tr.Spans {
				byName[s.OperationName] = s
				if s.TraceID != tc.tid.String() || tr.Service(s) != svc {
					t.Errorf("span %+v: want trace %s of service %s (got %q)", s, tc.tid, svc, tr.Service(s))
				}
			}
			p, c := byName["parent"], byName["child"]
			if p.SpanID != parent.SpanContext().SpanID().String() || p.Parent() != "0000000000000007" {
				t.Errorf("parent span %+v: want id %s under 0000000000000007", p, parent.SpanContext().SpanID())
			}
			if c.SpanID != child.SpanContext().SpanID().String() || c.Parent() != p.SpanID {
				t.Errorf("child span %+v: want id %s under %s", c, child.SpanContext().SpanID(), p.SpanID)
			}
			traces, err := j.FindTraces(ctx, svc)
			if err != nil || len(traces) != 1 {
				t.Errorf("FindTraces(%s) = %d traces, %v; want 1", svc, len(traces), err)
			}
		})
	}
}

// TestTraceNotFound: an id Jaeger never saw is ErrNotFound, not an empty
// trace.
func TestTraceNotFound(t *testing.T) {
	j := tracestoretest.Start(t)
	_, err := j.Trace(context.Background(), "0123456789abcdef0123456789abcdef")
	if !errors.Is(err, tracestoretest.ErrNotFound) {
		t.Fatalf("Trace of an unknown id: %v, want ErrNotFound", err)
	}
	if err := j.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := j.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
}
