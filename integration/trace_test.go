package integration

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/internal/collectortest"
)

// TestTraceCorrelation logs inside spans of an sdk/trace tracer whose spans
// go to the same collector over otlptracegrpc, and checks that every record
// carries its span's trace id, span id and flags, and that those ids are
// the ones of the span records the collector received.
func TestTraceCorrelation(t *testing.T) {
	for _, protocol := range protocols {
		t.Run(protoName(protocol), func(t *testing.T) {
			ctx := context.Background()
			c := startCollector(t)
			setEnv(t, merge(otlpEnv(c, protocol), map[string]string{"OTEL_SERVICE_NAME": "trace-test"}))

			spanExp, err := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(c.GRPCEndpoint), otlptracegrpc.WithInsecure())
			if err != nil {
				t.Fatal(err)
			}
			tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(spanExp), sdktrace.WithSampler(sdktrace.AlwaysSample()))
			t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
			unsampled := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample()))
			t.Cleanup(func() { _ = unsampled.Shutdown(context.Background()) })

			logger := freshLogger(t, "traced")
			alog, err := fapilog.GetAsyncLogger(ctx, "traced-async", fapilog.Reuse(false))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _, _ = alog.Drain(context.Background()) })

			tracer := tp.Tracer("integration")
			parentCtx, parent := tracer.Start(ctx, "parent")
			logger.InfoContext(parentCtx, "in parent")
			childCtx, child := tracer.Start(parentCtx, "child")
			logger.ErrorContext(childCtx, "in child")
			if err := alog.Warning(childCtx, "async in child"); err != nil {
				t.Fatal(err)
			}
			child.End()
			parent.End()
			notSampledCtx, notSampled := unsampled.Tracer("integration").Start(ctx, "not sampled")
			logger.InfoContext(notSampledCtx, "in unsampled span")
			notSampled.End()
			logger.Info("outside any span")

			drain(t, logger)
			drain(t, alog)
			if err := tp.Shutdown(ctx); err != nil { // exports the spans
				t.Fatalf("tracer provider shutdown: %v", err)
			}

			spans := c.WaitForSpans(t, 2, waitTimeout)
			spanByName := map[string]collectortest.Span{}
			for _, s := range spans {
				spanByName[s.Name] = s
			}
			recs := byBody(t, waitLogs(t, c, 5))

			check := func(body string, sc trace.SpanContext, exported string) {
				t.Helper()
				r, ok := recs[body]
				if !ok {
					t.Errorf("%q: no record at the collector", body)
					return
				}
				wantTrace, wantSpan := sc.TraceID().String(), sc.SpanID().String()
				if !sc.IsValid() {
					wantTrace, wantSpan = "", "" // no ids on the wire
				}
				if r.TraceID != wantTrace || r.SpanID != wantSpan || r.Flags != uint32(sc.TraceFlags()) {
					t.Errorf("%q: trace %q span %q flags %d, want %q %q %d", body, r.TraceID, r.SpanID, r.Flags,
						wantTrace, wantSpan, sc.TraceFlags())
				}
				if exported == "" {
					return
				}
				s, ok := spanByName[exported]
				if !ok {
					t.Errorf("%q: span %q not at the collector (got %d spans)", body, exported, len(spans))
					return
				}
				if r.TraceID != s.TraceID || r.SpanID != s.SpanID {
					t.Errorf("%q: record trace %s span %s, exported span %q has %s %s", body, r.TraceID, r.SpanID, exported, s.TraceID, s.SpanID)
				}
			}
			check("in parent", parent.SpanContext(), "parent")
			check("in child", child.SpanContext(), "child")
			check("async in child", child.SpanContext(), "child")
			check("in unsampled span", notSampled.SpanContext(), "") // flags 0, never exported
			if notSampled.SpanContext().IsSampled() {
				t.Fatal("the unsampled span is sampled")
			}
			check("outside any span", trace.SpanContext{}, "")
			if p, ch := spanByName["parent"], spanByName["child"]; ch.ParentSpanID != p.SpanID || ch.TraceID != p.TraceID {
				t.Errorf("child span %+v is not the child of %+v", ch, p)
			}
		})
	}
}
