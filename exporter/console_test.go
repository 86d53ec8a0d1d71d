package exporter

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.opentelemetry.io/otel/trace"
)

// makeRecords emits through a real SDK provider and returns what an
// exporter receives.
func makeRecords(t testing.TB, res *resource.Resource, scope string, emit func(ctx context.Context, l log.Logger)) []sdklog.Record {
	t.Helper()
	mem := NewMemory()
	lp := sdklog.NewLoggerProvider(sdklog.WithResource(res), sdklog.WithProcessor(sdklog.NewSimpleProcessor(mem)))
	emit(context.Background(), lp.Logger(scope))
	if err := lp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	return mem.Records()
}

var (
	testTime     = time.Date(2026, 3, 4, 5, 6, 7, 890123456, time.FixedZone("X", 3600))
	testObserved = time.Date(2026, 3, 4, 4, 6, 8, 0, time.UTC)
	testTraceID  = trace.TraceID{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10}
	testSpanID   = trace.SpanID{0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8}
)

func consoleLine(t *testing.T, res *resource.Resource, scope string, emit func(ctx context.Context, l log.Logger)) string {
	t.Helper()
	recs := makeRecords(t, res, scope, emit)
	var buf bytes.Buffer
	exp := NewConsole(&buf)
	if err := exp.Export(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestConsoleWritesGoldenJSONLines(t *testing.T) {
	res := resource.NewSchemaless(attribute.String("service.name", "svc"), attribute.Int("pid", 42))
	tests := []struct {
		name string
		emit func(ctx context.Context, l log.Logger)
		want string
	}{
		{
			name: "every field and typed attributes",
			emit: func(ctx context.Context, l log.Logger) {
				ctx = trace.ContextWithSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{
					TraceID: testTraceID, SpanID: testSpanID, TraceFlags: trace.FlagsSampled}))
				var r log.Record
				r.SetTimestamp(testTime)
				r.SetObservedTimestamp(testObserved)
				r.SetSeverity(log.SeverityError)
				r.SetSeverityText("ERROR")
				r.SetEventName("ev")
				r.SetBody(attribute.StringValue("Something happened"))
				r.AddAttributes(
					attribute.Int("code", 500),
					attribute.Int64("big", math.MaxInt64),
					attribute.Float64("ratio", 0.25),
					attribute.Float64("whole", 3),
					attribute.Float64("tiny", 1e-7),
					attribute.Float64("nan", math.NaN()),
					attribute.Float64("inf", math.Inf(1)),
					attribute.Float64("ninf", math.Inf(-1)),
					attribute.Bool("ok", true),
					attribute.ByteSlice("raw", []byte{0, 1, 2, 0xff}),
					attribute.IntSlice("ints", []int{1, -2}),
					attribute.Float64Slice("floats", []float64{1.5, math.NaN()}),
					attribute.BoolSlice("bools", []bool{true, false}),
					attribute.StringSlice("strs", []string{"a", "b\"c"}),
					attribute.Slice("mixed", attribute.IntValue(1), attribute.StringValue("x"),
						attribute.SliceValue(attribute.BoolValue(false)), attribute.Value{}),
					attribute.Map("user", attribute.String("id", "u1"),
						attribute.Map("geo", attribute.Float64("lat", 1.5))),
					attribute.KeyValue{Key: "empty"},
				)
				l.Emit(ctx, r)
			},
			want: `{"timestamp":"2026-03-04T04:06:07.890123456Z","observed_timestamp":"2026-03-04T04:06:08Z",` +
				`"severity_number":17,"severity_text":"ERROR","event_name":"ev","body":"Something happened",` +
				`"attributes":{"code":500,"big":9223372036854775807,"ratio":0.25,"whole":3,"tiny":1e-7,` +
				`"nan":"NaN","inf":"Infinity","ninf":"-Infinity","ok":true,"raw":"AAEC/w==","ints":[1,-2],` +
				`"floats":[1.5,"NaN"],"bools":[true,false],"strs":["a","b\"c"],"mixed":[1,"x",[false],null],` +
				`"user":{"geo":{"lat":1.5},"id":"u1"},"empty":null},` +
				`"resource":{"pid":42,"service.name":"svc"},"scope":"my-service",` +
				`"trace_id":"0102030405060708090a0b0c0d0e0f10","span_id":"a1a2a3a4a5a6a7a8","trace_flags":1}` + "\n",
		},
		{
			name: "zero fields are omitted, empty body is null, attributes is an object",
			emit: func(ctx context.Context, l log.Logger) {
				var r log.Record
				r.SetObservedTimestamp(testObserved) // the SDK sets it to now when zero
				l.Emit(ctx, r)
			},
			want: `{"observed_timestamp":"2026-03-04T04:06:08Z","severity_number":0,"severity_text":"","body":null,"attributes":{},` +
				`"resource":{"pid":42,"service.name":"svc"},"scope":"my-service"}` + "\n",
		},
		{
			name: "map body and strings needing escapes",
			emit: func(ctx context.Context, l log.Logger) {
				var r log.Record
				r.SetObservedTimestamp(testObserved)
				r.SetSeverity(log.SeverityInfo)
				r.SetSeverityText("INFO")
				r.SetBody(attribute.MapValue(attribute.String("msg", "line1\nline2\t\"q\" \\ \x01 \u2028")))
				r.AddAttributes(attribute.String("bad\xffkey", "a\xffb\xc3"))
				l.Emit(ctx, r)
			},
			want: `{"observed_timestamp":"2026-03-04T04:06:08Z","severity_number":9,"severity_text":"INFO",` +
				`"body":{"msg":"line1\nline2\t\"q\" \\ \u0001 \u2028"},` +
				`"attributes":{"bad\ufffdkey":"a\ufffdb\ufffd"},` +
				`"resource":{"pid":42,"service.name":"svc"},"scope":"my-service"}` + "\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := consoleLine(t, res, "my-service", tt.emit)
			if got != tt.want {
				t.Fatalf("console output:\n got  %s\n want %s", got, tt.want)
			}
			if !json.Valid([]byte(got)) {
				t.Fatalf("not valid JSON: %s", got)
			}
		})
	}
}

func TestConsoleWritesOneLinePerRecordInOneWrite(t *testing.T) {
	recs := makeRecords(t, resource.Empty(), "s", func(ctx context.Context, l log.Logger) {
		for i := range 3 {
			var r log.Record
			r.SetBody(attribute.IntValue(i))
			l.Emit(ctx, r)
		}
	})
	var w countingWriter
	exp := NewConsole(&w)
	if err := exp.Export(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	if w.writes != 1 {
		t.Fatalf("%d writes, want 1", w.writes)
	}
	lines := strings.Split(strings.TrimSuffix(w.buf.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3: %q", len(lines), w.buf.String())
	}
	for i, line := range lines {
		var obj struct {
			Body     int            `json:"body"`
			Resource map[string]any `json:"resource"`
		}
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		if obj.Body != i || obj.Resource == nil {
			t.Fatalf("line %d: %+v", i, obj)
		}
	}
	// An empty batch writes nothing.
	if err := exp.Export(context.Background(), nil); err != nil || w.writes != 1 {
		t.Fatalf("empty batch: err %v, writes %d", err, w.writes)
	}
}

type countingWriter struct {
	buf    bytes.Buffer
	writes int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.buf.Write(p)
}

func TestConsoleStringsDecodeLikeEncodingJSON(t *testing.T) {
	inputs := []string{
		"", "plain", "quote\"back\\slash", "\x00\x1f\x7f", "\b\f\n\r\t", "é中😀",
		"\xff", "a\xc3", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\u2028\u2029", "<>&", "\ufffd",
	}
	for _, s := range inputs {
		got := appendString(nil, s)
		want, _ := json.Marshal(s)
		var g, w string
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatalf("%q: our output %s is not JSON: %v", s, got, err)
		}
		_ = json.Unmarshal(want, &w)
		if g != w {
			t.Errorf("%q: decodes to %q, encoding/json gives %q", s, g, w)
		}
	}
}

func FuzzConsoleString(f *testing.F) {
	for _, s := range []string{"a", "\xff\x00", "é\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendString(nil, s)
		want, _ := json.Marshal(s)
		var g, w string
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatalf("%q: %s is not JSON: %v", s, got, err)
		}
		_ = json.Unmarshal(want, &w)
		if g != w {
			t.Fatalf("%q: decodes to %q, want %q", s, g, w)
		}
	})
}

func TestConsoleFloatsMatchEncodingJSON(t *testing.T) {
	for _, f := range []float64{0, math.Copysign(0, -1), 1, -1.5, 1e20, 1e21, 123456789e30, 1e-6, 1e-7,
		-2.5e-9, math.MaxFloat64, math.SmallestNonzeroFloat64, 0.1, 1.0 / 3} {
		want, _ := json.Marshal(f)
		if got := appendFloat(nil, f); string(got) != string(want) {
			t.Errorf("%v: got %s, want %s", f, got, want)
		}
	}
}

func TestConsoleStopsAfterShutdown(t *testing.T) {
	var buf bytes.Buffer
	bw := bufio.NewWriter(&buf)
	exp := NewConsole(bw)
	recs := makeRecords(t, resource.Empty(), "s", func(ctx context.Context, l log.Logger) {
		l.Emit(ctx, log.Record{})
	})
	if err := exp.Export(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 0 {
		t.Fatal("bufio.Writer flushed early; test assumption broken")
	}
	if err := exp.ForceFlush(context.Background()); err != nil || buf.Len() == 0 {
		t.Fatalf("ForceFlush did not flush the writer: %v", err)
	}
	if err := exp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := exp.Shutdown(context.Background()); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
	if err := exp.Export(context.Background(), recs); !errors.Is(err, sdklog.ErrExporterShutdown) {
		t.Fatalf("Export after Shutdown: %v", err)
	}
}

func TestConsoleHonoursCancelledContextAndWriteErrors(t *testing.T) {
	recs := makeRecords(t, resource.Empty(), "s", func(ctx context.Context, l log.Logger) {
		l.Emit(ctx, log.Record{})
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := NewConsole(io.Discard).Export(ctx, recs); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled ctx: %v", err)
	}
	boom := errors.New("disk full")
	err := NewConsole(failingWriter{boom}).Export(context.Background(), recs)
	if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "exporter: console write: ") {
		t.Fatalf("write error: %v", err)
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func TestConsoleDefaultsToStdout(t *testing.T) {
	c := NewConsole(nil).(*lineExporter)
	if c.w != os.Stdout {
		t.Fatal("nil writer is not stdout")
	}
}

func TestConsoleResourceCacheFollowsTheRecord(t *testing.T) {
	a := makeRecords(t, resource.NewSchemaless(attribute.String("r", "a")), "s", func(ctx context.Context, l log.Logger) {
		l.Emit(ctx, log.Record{})
	})
	b := makeRecords(t, resource.NewSchemaless(attribute.String("r", "b")), "s", func(ctx context.Context, l log.Logger) {
		l.Emit(ctx, log.Record{})
	})
	var buf bytes.Buffer
	exp := NewConsole(&buf)
	if err := exp.Export(context.Background(), append(append(a, b...), a...)); err != nil {
		t.Fatal(err)
	}
	var got []string
	for line := range strings.Lines(buf.String()) {
		var obj struct{ Resource map[string]string }
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			t.Fatal(err)
		}
		got = append(got, obj.Resource["r"])
	}
	if want := []string{"a", "b", "a"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("resources %v, want %v", got, want)
	}
}

// scalarBatch is a batch of records like a logger's: 10 scalar attributes.
func scalarBatch(tb testing.TB, n int) []sdklog.Record {
	res := resource.NewSchemaless(attribute.String("service.name", "svc"))
	return makeRecords(tb, res, "bench", func(ctx context.Context, l log.Logger) {
		for i := range n {
			var r log.Record
			r.SetTimestamp(testTime)
			r.SetObservedTimestamp(testTime)
			r.SetSeverity(log.SeverityInfo)
			r.SetSeverityText("INFO")
			r.SetBody(attribute.StringValue("request handled"))
			r.AddAttributes(
				attribute.Int("i", i), attribute.String("method", "GET"), attribute.String("path", "/api/v1/items"),
				attribute.Int("status", 200), attribute.Float64("latency_ms", 12.5), attribute.Bool("cached", false),
				attribute.String("user", "u-123"), attribute.Int64("bytes", 5120), attribute.String("region", "eu"),
				attribute.String("trace", "x"),
			)
			l.Emit(ctx, r)
		}
	})
}

func TestConsoleExportDoesNotAllocatePerRecord(t *testing.T) {
	recs := scalarBatch(t, 64)
	exp := NewConsole(io.Discard)
	ctx := context.Background()
	_ = exp.Export(ctx, recs) // grow the buffer
	allocs := testing.AllocsPerRun(50, func() {
		if err := exp.Export(ctx, recs); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 0 {
		t.Fatalf("%v allocations per batch of %d scalar records, want 0", allocs, len(recs))
	}
}

func BenchmarkConsoleExport(b *testing.B) {
	recs := scalarBatch(b, 512)
	exp := NewConsole(io.Discard)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := exp.Export(ctx, recs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/record")
}
