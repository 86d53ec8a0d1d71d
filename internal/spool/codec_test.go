package spool

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/fapilog/fapilog-go/internal/attrtest"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/trace"
)

func fullRecord() Record {
	nested := attribute.MapValue(
		attribute.String("k", "v"),
		attribute.KeyValue{Key: "inner", Value: attribute.SliceValue(
			attribute.IntValue(1), attribute.StringValue("two"), attribute.Value{},
			attribute.MapValue(attribute.Bool("deep", true)),
		)},
	)
	return Record{
		Timestamp:         time.Date(2026, 3, 4, 5, 6, 7, 891011121, time.UTC),
		ObservedTimestamp: time.Date(2026, 3, 4, 5, 6, 8, 1, time.UTC),
		Severity:          log.SeverityFatal2,
		SeverityText:      "AUDIT",
		EventName:         "user.login",
		Body:              attribute.StringValue("héllo \x00 world"),
		Attributes: []attribute.KeyValue{
			attribute.Bool("b", true),
			attribute.Int64("i", math.MinInt64),
			attribute.Float64("f", math.Inf(-1)),
			attribute.Float64("nan", math.NaN()),
			attribute.String("s", ""),
			attribute.BoolSlice("bs", []bool{true, false}),
			attribute.Int64Slice("is", []int64{0, -1, math.MaxInt64}),
			attribute.Float64Slice("fs", []float64{0.5, -2}),
			attribute.StringSlice("ss", []string{"a", "", "c"}),
			{Key: "bytes", Value: attribute.ByteSliceValue([]byte{0, 1, 255})},
			{Key: "empty", Value: attribute.Value{}},
			{Key: "nested", Value: nested},
			{Key: "", Value: attribute.StringValue("empty key")},
		},
		TraceID:        trace.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
		SpanID:         trace.SpanID{8, 7, 6, 5, 4, 3, 2, 1},
		TraceFlags:     trace.FlagsSampled,
		Scope:          "svc",
		ScopeVersion:   "1.2.3",
		ScopeSchemaURL: "https://opentelemetry.io/schemas/1.26.0",
	}
}

func sameRecord(t *testing.T, got, want Record) {
	t.Helper()
	if !got.Timestamp.Equal(want.Timestamp) || !got.ObservedTimestamp.Equal(want.ObservedTimestamp) ||
		got.Timestamp.IsZero() != want.Timestamp.IsZero() || got.ObservedTimestamp.IsZero() != want.ObservedTimestamp.IsZero() {
		t.Fatalf("times: got %v/%v, want %v/%v", got.Timestamp, got.ObservedTimestamp, want.Timestamp, want.ObservedTimestamp)
	}
	if got.Severity != want.Severity || got.SeverityText != want.SeverityText || got.EventName != want.EventName ||
		got.TraceID != want.TraceID || got.SpanID != want.SpanID || got.TraceFlags != want.TraceFlags ||
		got.Scope != want.Scope || got.ScopeVersion != want.ScopeVersion || got.ScopeSchemaURL != want.ScopeSchemaURL {
		t.Fatalf("fields:\n got %+v\nwant %+v", got, want)
	}
	if !attrtest.Equal(got.Body, want.Body) {
		t.Fatalf("body %v, want %v", got.Body.String(), want.Body.String())
	}
	if !attrtest.EqualKVs(got.Attributes, want.Attributes) {
		t.Fatalf("attributes\n got %v\nwant %v", got.Attributes, want.Attributes)
	}
}

func TestRecordRoundTrip(t *testing.T) {
	cases := map[string]Record{
		"full":     fullRecord(),
		"zero":     {},
		"old":      {Timestamp: time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC), Severity: -3},
		"far":      {Timestamp: time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), Body: attribute.Int64Value(-1)},
		"epoch":    {Timestamp: time.Unix(0, 0), TraceFlags: 0xff},
		"map body": {Body: attribute.MapValue(attribute.String("a", "b"), attribute.Int("c", 1))},
	}
	for name, r := range cases {
		t.Run(name, func(t *testing.T) {
			b, err := AppendRecord([]byte("prefix"), &r)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeRecord(b[len("prefix"):])
			if err != nil {
				t.Fatal(err)
			}
			sameRecord(t, got, r)
		})
	}
}

func TestTooDeepValuesAreRefused(t *testing.T) {
	v := attribute.StringValue("leaf")
	for range MaxDepth + 1 {
		v = attribute.SliceValue(v)
	}
	r := Record{Body: v}
	if _, err := AppendRecord(nil, &r); !errors.Is(err, ErrTooDeep) {
		t.Fatalf("encode of %d levels: %v, want ErrTooDeep", MaxDepth+1, err)
	}
	// A hand-made encoding that nests too deeply is refused by the decoder.
	b := []byte{0, 0, 0, 0, 0, 0, 0}
	for range MaxDepth + 2 {
		b = append(b, byte(attribute.SLICE), 1)
	}
	b = append(b, byte(attribute.EMPTY), 0)
	if _, err := DecodeRecord(b); err == nil {
		t.Fatal("decoded a value nested beyond MaxDepth")
	}
}

func TestDecodeRejectsTruncationAndTrailingBytes(t *testing.T) {
	r := fullRecord()
	b, err := AppendRecord(nil, &r)
	if err != nil {
		t.Fatal(err)
	}
	for i := range len(b) {
		if _, err := DecodeRecord(b[:i]); err == nil {
			t.Fatalf("decoded a record cut at %d of %d bytes", i, len(b))
		}
	}
	if _, err := DecodeRecord(append(b, 0)); err == nil {
		t.Fatal("decoded a record followed by a stray byte")
	}
}

// capture is a processor that keeps what the SDK emits.
type capture struct{ recs []sdklog.Record }

func (c *capture) OnEmit(_ context.Context, r *sdklog.Record) error {
	c.recs = append(c.recs, r.Clone())
	return nil
}
func (c *capture) Enabled(context.Context, sdklog.EnabledParameters) bool { return true }
func (c *capture) Shutdown(context.Context) error                         { return nil }
func (c *capture) ForceFlush(context.Context) error                       { return nil }

func TestFromSDKKeepsWhatTheExporterSees(t *testing.T) {
	c := &capture{}
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(c))
	defer lp.Shutdown(context.Background())
	want := fullRecord()
	lg := lp.Logger(want.Scope, log.WithInstrumentationVersion(want.ScopeVersion), log.WithSchemaURL(want.ScopeSchemaURL))
	var r log.Record
	r.SetTimestamp(want.Timestamp)
	r.SetObservedTimestamp(want.ObservedTimestamp)
	r.SetSeverity(want.Severity)
	r.SetSeverityText(want.SeverityText)
	r.SetEventName(want.EventName)
	r.SetBody(want.Body)
	r.AddAttributes(want.Attributes...)
	ctx := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: want.TraceID, SpanID: want.SpanID, TraceFlags: want.TraceFlags}))
	lg.Emit(ctx, r)
	if len(c.recs) != 1 {
		t.Fatalf("captured %d records", len(c.recs))
	}
	got := FromSDK(&c.recs[0])
	b, err := AppendRecord(nil, &got)
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeRecord(b)
	if err != nil {
		t.Fatal(err)
	}
	// The SDK drops the attribute with an empty key; the rest is kept.
	want.Attributes = want.Attributes[:len(want.Attributes)-1]
	sameRecord(t, back, want)
}

// FuzzDecodeRecord feeds the decoder corrupt input: it must never panic,
// and what it accepts must encode back to a record that decodes the same.
func FuzzDecodeRecord(f *testing.F) {
	for _, r := range []Record{fullRecord(), {}, {Body: attribute.StringSliceValue([]string{"x"})}} {
		b, err := AppendRecord(nil, &r)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{0xff})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, byte(attribute.MAP), 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeRecord(b)
		if err != nil {
			return
		}
		again, err := AppendRecord(nil, &r)
		if err != nil {
			t.Fatalf("re-encoding a decoded record: %v", err)
		}
		r2, err := DecodeRecord(again)
		if err != nil {
			t.Fatalf("decoding a re-encoded record: %v", err)
		}
		sameRecord(t, r2, r)
	})
}
