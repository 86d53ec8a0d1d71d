package bridge

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/fapilog/fapilog-go/internal/attrtest"
)

type emptyGroupLV struct{}

func (emptyGroupLV) LogValue() slog.Value { return slog.GroupValue() }

// toJSON renders a value as encoding/json decodes it into an any.
func toJSON(v attribute.Value) any {
	switch v.Type() {
	case attribute.STRING:
		return v.AsString()
	case attribute.INT64:
		return float64(v.AsInt64())
	case attribute.FLOAT64:
		return v.AsFloat64()
	case attribute.BOOL:
		return v.AsBool()
	case attribute.BYTESLICE:
		return base64.StdEncoding.EncodeToString(v.AsByteSlice())
	case attribute.SLICE:
		out := []any{}
		for _, e := range v.AsSlice() {
			out = append(out, toJSON(e))
		}
		return out
	case attribute.MAP:
		out := map[string]any{}
		for _, kv := range v.AsMap() {
			out[string(kv.Key)] = toJSON(kv.Value)
		}
		return out
	}
	return nil
}

type pair struct {
	Key   string
	Value any
}

// slogPairs logs args with slog's JSON handler and returns the top-level
// key/value pairs it wrote, in order (time, level and msg removed).
func slogPairs(t *testing.T, args []any) []pair {
	t.Helper()
	var buf bytes.Buffer
	h := slog.NewJSONHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey || a.Key == slog.MessageKey) {
				return slog.Attr{}
			}
			return a
		},
	})
	slog.New(h).Info("m", args...)
	dec := json.NewDecoder(&buf)
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("bad JSON %q: %v", buf.String(), err)
	}
	var out []pair
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, pair{tok.(string), v})
	}
	return out
}

func ourPairs(kvs []attribute.KeyValue) []pair {
	var out []pair
	for _, kv := range kvs {
		out = append(out, pair{string(kv.Key), toJSON(kv.Value)})
	}
	return out
}

func TestAppendKVMatchesSlog(t *testing.T) {
	ts := time.Date(2020, 1, 2, 3, 4, 5, 6, time.UTC)
	tests := []struct {
		name string
		args []any
	}{
		{"pairs", []any{"a", 1, "b", "x", "c", true, "d", 2.5}},
		{"odd count: lone trailing string", []any{"a", 1, "dangling"}},
		{"odd count: lone trailing value", []any{"a", 1, 99}},
		{"non-string key", []any{42, "a", 1}},
		{"non-string keys in a row", []any{true, 3.5, "k", "v"}},
		{"nil where a key is expected", []any{nil, "k", "v"}},
		{"slog.Attr mixed with pairs", []any{slog.Int("n", 3), "k", true, slog.String("s", "x")}},
		{"group", []any{slog.Group("g", "x", 1, slog.String("y", "z"))}},
		{"nested groups", []any{slog.Group("g", slog.Group("h", "i", 1), "j", 2)}},
		{"empty-key group is inlined", []any{"a", 1, slog.Group("", "x", 1, "y", 2), "b", 2}},
		{"empty-key group nested is inlined", []any{slog.Group("g", slog.Group("", slog.Int("i", 1)), "j", 2)}},
		{"empty attr is left out", []any{"a", 1, slog.Attr{}, "b", 2}},
		{"empty group is left out", []any{slog.Group("empty"), "a", 1}},
		{"group of empty attrs is left out", []any{slog.Group("g", slog.Attr{}), "a", 1}},
		{"LogValuer resolved to group", []any{"lv", logValuer{n: 2}}},
		{"LogValuer attr", []any{slog.Any("lv", logValuer{n: 5})}},
		{"LogValuer with empty key inlined", []any{slog.Any("", logValuer{n: 1})}},
		{"LogValuer resolving to empty group left out", []any{"e", emptyGroupLV{}, "a", 1}},
		{"duration and time", []any{"d", 3 * time.Second, "t", ts, slog.Duration("d2", time.Millisecond), slog.Time("t2", ts)}},
		{"error", []any{"err", errors.New("boom")}},
		{"slices and maps", []any{"s", []int{1, 2}, "m", map[string]any{"x": "y"}}},
		{"bytes", []any{"b", []byte("hi")}},
		{"nil value", []any{"n", nil}},
		{"group value of a pair", []any{"g", slog.GroupValue(slog.Int("a", 1))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := slogPairs(t, tt.args)
			got := ourPairs(AppendKV(nil, tt.args))
			if !reflect.DeepEqual(got, want) {
				t.Errorf("AppendKV:\n  %v\nslog:\n  %v", got, want)
			}
		})
	}
}

func TestAppendKV(t *testing.T) {
	tests := []struct {
		name string
		dst  []attribute.KeyValue
		args []any
		want []attribute.KeyValue
	}{
		{"nil args", nil, nil, nil},
		{"appends after dst", []attribute.KeyValue{attribute.Int("x", 0)}, []any{"a", 1},
			[]attribute.KeyValue{kv("x", i64(0)), kv("a", i64(1))}},
		{"attribute.KeyValue passed through", nil, []any{attribute.StringSlice("ss", []string{"a"}), "b", 2},
			[]attribute.KeyValue{attribute.StringSlice("ss", []string{"a"}), kv("b", i64(2))}},
		{"attribute.KeyValue empty key replaced", nil, []any{attribute.Int("", 1)},
			[]attribute.KeyValue{kv("!EMPTYKEY", i64(1))}},
		{"attribute.KeyValue invalid key repaired", nil, []any{attribute.Int("a\xff", 1)},
			[]attribute.KeyValue{kv("a\uFFFD", i64(1))}},
		{"empty string key replaced", nil, []any{"", 1}, []attribute.KeyValue{kv("!EMPTYKEY", i64(1))}},
		{"slog attr with empty key replaced", nil, []any{slog.Int("", 1)}, []attribute.KeyValue{kv("!EMPTYKEY", i64(1))}},
		{"slog group member with empty key kept", nil, []any{slog.Group("g", slog.Int("", 1))},
			[]attribute.KeyValue{kv("g", mapv(kv("", i64(1))))}},
		{"lone trailing string", nil, []any{"a"}, []attribute.KeyValue{kv("!BADKEY", str("a"))}},
		{"non-string keys", nil, []any{1, 2, "k", "v"},
			[]attribute.KeyValue{kv("!BADKEY", i64(1)), kv("!BADKEY", i64(2)), kv("k", str("v"))}},
		{"attribute.KeyValue where a value is expected is the value", nil, []any{"k", attribute.Int("x", 1)},
			[]attribute.KeyValue{kv("k", mapv(kv("x", i64(1))))}},
		{"mix of all three", nil, []any{"a", 1, attribute.Bool("b", true), slog.Float64("c", 1.5), "d", "x"},
			[]attribute.KeyValue{kv("a", i64(1)), kv("b", boolv(true)), kv("c", f64(1.5)), kv("d", str("x"))}},
		{"slog uint64 attr", nil, []any{slog.Uint64("u", 1<<63)}, []attribute.KeyValue{kv("u", str("9223372036854775808"))}},
		{"slog panicking LogValuer", nil, []any{slog.Any("p", panicLogValuer{})}, []attribute.KeyValue{kv("p", str("!PANIC: 42"))}},
		{"slog nil LogValuer", nil, []any{slog.Any("p", (*ptrLogValuer)(nil))}, []attribute.KeyValue{kv("p", empty)}},
		{"duplicate keys kept (see Dedup)", nil, []any{"a", 1, "a", 2}, []attribute.KeyValue{kv("a", i64(1)), kv("a", i64(2))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AppendKV(tt.dst, tt.args)
			if len(got) != len(tt.want) {
				t.Fatalf("got %v want %v", got, tt.want)
			}
			for i := range got {
				if got[i].Key != tt.want[i].Key || !attrtest.Equal(got[i].Value, tt.want[i].Value) {
					t.Errorf("[%d] got %s=%s want %s=%s", i, got[i].Key, describe(got[i].Value), tt.want[i].Key, describe(tt.want[i].Value))
				}
			}
		})
	}
}

func TestAppendKVNeverDropsAValue(t *testing.T) {
	args := []any{"a", 1, 2, "b", attribute.Int("c", 3), nil, "d", []any{1}, 4.5, "e"}
	// a=1; !BADKEY=2; b=KeyValue c (as value); !BADKEY=nil; d=[1]; !BADKEY=4.5; !BADKEY="e"
	got := AppendKV(nil, args)
	if len(got) != 7 {
		t.Fatalf("got %d attrs: %v", len(got), got)
	}
	for _, a := range got {
		if !a.Valid() {
			t.Errorf("invalid attribute %v", a)
		}
	}
}

func TestAppendKVDoesNotModifyArgs(t *testing.T) {
	args := []any{"a", 1, attribute.Int("", 2), slog.Group("", "x", 1)}
	before := append([]any(nil), args...)
	AppendKV(nil, args)
	if !reflect.DeepEqual(args, before) {
		t.Fatal("args modified")
	}
}

func TestAppendKVZeroAlloc(t *testing.T) {
	args := []any{"method", "GET", "status", 200, "ok", true}
	dst := make([]attribute.KeyValue, 0, 8)
	if n := testing.AllocsPerRun(100, func() { dst = AppendKV(dst[:0], args) }); n != 0 {
		t.Errorf("%v allocations, want 0", n)
	}
	mixed := []any{"a", 1.5, attribute.Int("b", 2), slog.String("c", "x")}
	if n := testing.AllocsPerRun(100, func() { dst = AppendKV(dst[:0], mixed) }); n != 0 {
		t.Errorf("mixed: %v allocations, want 0", n)
	}
}

var sinkKVs []attribute.KeyValue

func BenchmarkAppendKV3(b *testing.B) {
	args := []any{"method", "GET", "status", 200, "latency", 1500 * time.Millisecond}
	dst := make([]attribute.KeyValue, 0, 16)
	b.ReportAllocs()
	for b.Loop() {
		dst = AppendKV(dst[:0], args)
	}
	sinkKVs = dst
}

func BenchmarkAppendKV10(b *testing.B) {
	args := []any{
		"method", "GET", "path", "/api/v1/users", "status", 200, "bytes", int64(5123),
		"latency", 1500 * time.Millisecond, "ok", true, "ratio", 0.75, "user", "alice",
		"attempt", 3, "region", "eu-west-1",
	}
	dst := make([]attribute.KeyValue, 0, 16)
	b.ReportAllocs()
	for b.Loop() {
		dst = AppendKV(dst[:0], args)
	}
	sinkKVs = dst
}

func BenchmarkAppendKVMixed(b *testing.B) {
	args := []any{"a", 1, attribute.String("b", "x"), slog.Int("c", 2), slog.Group("g", "d", true)}
	dst := make([]attribute.KeyValue, 0, 16)
	b.ReportAllocs()
	for b.Loop() {
		dst = AppendKV(dst[:0], args)
	}
	sinkKVs = dst
}
