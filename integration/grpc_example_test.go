package integration

import (
	"testing"

	"go.opentelemetry.io/otel/trace"
)

// TestGRPCExample runs examples/grpc against a real collector over both
// protocols: its four call records (two server, two client) arrive, the
// server ones at the collector's server spans, the client ones at the
// caller's span, all in one trace.
func TestGRPCExample(t *testing.T) {
	bin := buildExample(t, "grpc")
	for _, protocol := range protocols {
		t.Run(protoName(protocol), func(t *testing.T) {
			c := startCollector(t)
			setEnv(t, merge(otlpEnv(c, protocol), map[string]string{"OTEL_SERVICE_NAME": "grpc-example-test"}))
			p := startProcess(t, bin)
			if err := p.wait(t); err != nil {
				t.Fatalf("examples/grpc: %v\nstderr:\n%s", err, p.stderr.String())
			}
			recs := waitLogs(t, c, 4)
			spans := c.WaitForSpans(t, 5, waitTimeout) // caller, 2 client, 2 server
			server, byID := map[string]bool{}, map[string]string{}
			for _, s := range spans {
				byID[s.SpanID] = s.Name
				if s.Kind == int(trace.SpanKindServer) {
					server[s.SpanID] = true
				}
			}
			count := map[string]int{}
			for _, r := range recs {
				body, _ := r.Body.(string)
				count[body+"/"+r.SeverityText]++
				if r.ScopeName != "examples/grpc" || r.ResourceAttrs["service.name"] != "grpc-example-test" {
					t.Errorf("%q: scope %q, resource %v", body, r.ScopeName, r.ResourceAttrs)
				}
				if r.TraceID == "" || r.TraceID != recs[0].TraceID {
					t.Errorf("%q: trace %q, want one trace for all", body, r.TraceID)
				}
				isServer := body == "request_completed" || body == "request_failed"
				if isServer != server[r.SpanID] {
					t.Errorf("%q: span %q (%s), server span: %v", body, r.SpanID, byID[r.SpanID], server[r.SpanID])
				}
				if r.Attrs["rpc.service"] != "grpc.health.v1.Health" || r.Attrs["rpc.method"] != "Check" {
					t.Errorf("%q: attributes %v", body, r.Attrs)
				}
			}
			want := map[string]int{"request_completed/INFO": 2, "call_completed/INFO": 1, "call_failed/WARNING": 1}
			for k, n := range want {
				if count[k] != n {
					t.Errorf("records %v, want %v", count, want)
					break
				}
			}
		})
	}
}
