package logstoretest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"

	"github.com/fapilog/fapilog-go/internal/logstoretest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// send exports n records over OTLP/HTTP straight to the store (no
// collector) as service svc, the i-th with body "msg-<i>", attribute
// i=<i>, severity INFO, and the given trace id.
func send(t *testing.T, st *logstoretest.Store, svc string, n int, tid trace.TraceID) {
	t.Helper()
	ctx := context.Background()
	exp, err := otlploghttp.New(ctx, otlploghttp.WithEndpointURL(st.OTLPLogsURL()))
	if err != nil {
		t.Fatal(err)
	}
	res := resource.NewSchemaless(attribute.String("service.name", svc))
	lp := sdklog.NewLoggerProvider(sdklog.WithResource(res), sdklog.WithProcessor(sdklog.NewSimpleProcessor(exp)))
	lg := lp.Logger("logstoretest")
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: trace.SpanID{1, 2, 3, 4, 5, 6, 7, 8}, TraceFlags: trace.FlagsSampled})
	spanCtx := trace.ContextWithSpanContext(ctx, sc)
	for i := range n {
		var r otellog.Record
		r.SetTimestamp(time.Now())
		r.SetSeverity(otellog.SeverityInfo)
		r.SetSeverityText("INFO")
		r.SetBody(attribute.StringValue(fmt.Sprintf("msg-%d", i)))
		r.AddAttributes(attribute.Int("i", i))
		lg.Emit(spanCtx, r)
	}
	if err := lp.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestStoreIngestsOTLPAndAnswersLogsQL(t *testing.T) {
	st := logstoretest.Start(t)
	tid := trace.TraceID{0xab, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0xcd}
	send(t, st, "harness-svc", 25, tid)

	if got := st.WaitForCount(t, `_stream:{service.name="harness-svc"}`, 25, 10*time.Second); got != 25 {
		t.Fatalf("count of the service's stream = %d, want 25", got)
	}
	rows := st.MustQuery(t, `trace_id:="`+tid.String()+`" i:=7`)
	if len(rows) != 1 {
		t.Fatalf("rows for trace %s and i=7: %d, want 1: %v", tid, len(rows), rows)
	}
	r := rows[0]
	for k, want := range map[string]string{
		"_msg":            "msg-7",
		"severity_number": "9",
		"severity_text":   "INFO",
		"span_id":         "0102030405060708",
		"scope.name":      "logstoretest",
		"_stream":         `{service.name="harness-svc"}`,
	} {
		if got := r[k]; got != want && !(k == "_stream" && strings.Contains(got, `service.name="harness-svc"`)) {
			t.Errorf("field %s = %q, want %q (row %v)", k, got, want, r)
		}
	}
	if n, err := st.Count(context.Background(), `_stream:{service.name="other"}`); err != nil || n != 0 {
		t.Errorf("count of another service = %d, %v; want 0, nil", n, err)
	}
}

func TestStoreKeepsDataAcrossRestartAndKill(t *testing.T) {
	st := logstoretest.Start(t)
	addr := st.Addr
	send(t, st, "restart-svc", 10, trace.TraceID{1})
	if got := st.WaitForCount(t, `*`, 10, 10*time.Second); got != 10 {
		t.Fatalf("before restart: %d records, want 10", got)
	}

	st.Restart(t) // a graceful stop writes what is in memory to disk
	if !st.Running() || st.Addr != addr {
		t.Fatalf("after Restart: running=%v addr=%s (was %s)", st.Running(), st.Addr, addr)
	}
	if got := st.WaitForCount(t, `*`, 10, 5*time.Second); got != 10 {
		t.Fatalf("after restart: %d records, want 10", got)
	}

	if err := st.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	st.Kill()
	if st.Running() {
		t.Fatal("Running after Kill")
	}
	if _, err := st.Query(context.Background(), `*`); err == nil {
		t.Fatal("a query to a killed store succeeded")
	}
	st.Restart(t)
	if got := st.WaitForCount(t, `*`, 10, 5*time.Second); got != 10 {
		t.Fatalf("after kill and restart: %d records, want the 10 flushed before the kill", got)
	}
	if err := st.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := st.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
}

func TestQueryReportsLogsQLErrors(t *testing.T) {
	st := logstoretest.Start(t)
	_, err := st.Query(context.Background(), `foo | no_such_pipe`)
	if err == nil || !strings.Contains(err.Error(), "400") {
		t.Fatalf("bad LogsQL: err = %v, want a 400 with VictoriaLogs' message", err)
	}
}

func TestParseRows(t *testing.T) {
	in := "{\"_msg\":\"a\",\"n\":\"1\"}\n\n{\"_msg\":\"b \\\"q\\\"\"}\n"
	rows, err := logstoretest.ParseRows(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0]["_msg"] != "a" || rows[0]["n"] != "1" || rows[1]["_msg"] != `b "q"` {
		t.Fatalf("rows = %v", rows)
	}
	for _, bad := range []string{"{\"a\":1}\n", "not json\n", "{\"a\":\"b\"\n"} {
		if _, err := logstoretest.ParseRows(strings.NewReader(bad)); err == nil {
			t.Errorf("ParseRows(%q): no error", bad)
		}
	}
}

// FuzzParseRows: the answer comes from another process; whatever it is,
// ParseRows returns rows or an error, never panics, and a row it returns
// re-encodes to the same keys.
func FuzzParseRows(f *testing.F) {
	f.Add("{\"_msg\":\"a\"}\n{\"b\":\"c\"}\n")
	f.Add("{}\n\n")
	f.Add("{\"a\":1}")
	f.Fuzz(func(t *testing.T, in string) {
		rows, err := logstoretest.ParseRows(strings.NewReader(in))
		if err != nil {
			return
		}
		if strings.TrimSpace(in) == "" && len(rows) != 0 {
			t.Fatalf("rows from blank input: %v", rows)
		}
	})
}
