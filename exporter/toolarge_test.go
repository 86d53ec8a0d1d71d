package exporter

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func bigRecord(t *testing.T, body string, kvs ...attribute.KeyValue) sdklog.Record {
	t.Helper()
	return makeRecords(t, resource.Empty(), "toolarge", func(ctx context.Context, l log.Logger) {
		var r log.Record
		r.SetSeverity(log.SeverityFatal2)
		r.SetBody(attribute.StringValue(body))
		r.AddAttributes(kvs...)
		l.Emit(ctx, r)
	})[0]
}

func attrsOf(r sdklog.Record) map[string]attribute.Value {
	m := map[string]attribute.Value{}
	r.WalkAttributes(func(kv attribute.KeyValue) bool { m[string(kv.Key)] = kv.Value; return true })
	return m
}

func TestShrinkReplacesOnlyValuesAboveTheLimit(t *testing.T) {
	big := strings.Repeat("x", 100<<10)
	mid := strings.Repeat("y", 2<<10)
	r := bigRecord(t, big,
		attribute.String("big", big),
		attribute.String("mid", mid),
		attribute.Int("n", 7),
		attribute.KeyValue{Key: "nested", Value: attribute.MapValue(attribute.String("deep", big), attribute.String("small", "s"))},
		attribute.KeyValue{Key: "bytes", Value: attribute.ByteSliceValue([]byte(big))},
	)

	s, changed := shrink(r, 64<<10)
	a := attrsOf(s)
	if !changed || s.Body().AsString() != "!TOOLARGE: 102400 bytes" || a["big"].AsString() != "!TOOLARGE: 102400 bytes" ||
		a["mid"].AsString() != mid || a["n"].AsInt64() != 7 || a["bytes"].AsString() != "!TOOLARGE: 102400 bytes" {
		t.Fatalf("64 KiB pass: changed %v body %q attrs %v", changed, s.Body().AsString()[:20], a)
	}
	if nested := a["nested"].AsMap(); nested[0].Value.AsString() != "!TOOLARGE: 102400 bytes" || nested[1].Value.AsString() != "s" {
		t.Fatalf("nested %v", nested)
	}
	if s.Severity() != log.SeverityFatal2 || attrsOf(r)["big"].AsString() != big {
		t.Fatal("shrink changed the severity or the original record")
	}

	s, _ = shrink(r, 1<<10)
	if a := attrsOf(s); a["mid"].AsString() != "!TOOLARGE: 2048 bytes" || a["n"].AsInt64() != 7 {
		t.Fatalf("1 KiB pass: %v", a)
	}

	s, changed = shrink(r, 0)
	a = attrsOf(s)
	if !changed || len(a) != 1 || !strings.HasPrefix(a[TooLargeMarker].AsString(), "5 attributes, ") {
		t.Fatalf("last pass: %v", a)
	}

	small := bigRecord(t, "short", attribute.String("k", "v"))
	if _, changed := shrink(small, 1<<10); changed {
		t.Fatal("a small record was changed")
	}
}

func TestTooLargeRecognisesTheCollectorsRefusals(t *testing.T) {
	s := &exportState{}
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{status.Error(codes.ResourceExhausted, "grpc: received message larger than max (10486143 vs. 4194304)"), true},
		{status.Error(codes.ResourceExhausted, "quota"), false},
		{status.Error(codes.Unavailable, "larger than max"), false},
		{errString("failed to send logs to http://x/v1/logs: 400 Bad Request (body: http: request body too large)"), true},
		{errString("failed to send logs: 400 Bad Request (body: bad)"), false},
	} {
		if got := tooLarge(tc.err, s); got != tc.want {
			t.Errorf("tooLarge(%v) = %v", tc.err, got)
		}
	}
	s.tooLarge.Store(true) // an HTTP 413 seen by the transport
	if !tooLarge(errString("anything"), s) {
		t.Error("413 not recognised")
	}
}

type errString string

func (e errString) Error() string { return string(e) }
