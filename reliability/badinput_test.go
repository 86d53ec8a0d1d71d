//go:build linux

package reliability

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/internal/collectortest"
)

// Values whose methods panic.
type panicStringer struct{}

func (panicStringer) String() string { panic("stringer boom") }

type panicError struct{}

func (panicError) Error() string { panic("error boom") }

type panicLogValuer struct{}

func (panicLogValuer) LogValue() slog.Value { panic("logvalue boom") }

type panicJSON struct{ A int }

func (panicJSON) MarshalJSON() ([]byte, error) { panic("json boom") }

type ptrStringer struct{ s string }

func (p *ptrStringer) String() string { return p.s }

type ptrError struct{}

func (*ptrError) Error() string { return "never called on nil" }

type node struct {
	Next *node
	V    int
}

type withUnexported struct {
	Public  int
	private string
	//lint:ignore U1000 an unexported field the conversion must skip, never read
	hidden *int
}

type onlyUnexported struct {
	a, b int
}

const tenMB = 10 << 20

// badCase is one record of hostile input and what must arrive.
type badCase struct {
	name  string
	log   func(l *fapilog.Logger, a *fapilog.AsyncLogger) error
	check func(t *testing.T, r collectortest.LogRecord)
}

func attr(t *testing.T, r collectortest.LogRecord, key string) any {
	t.Helper()
	v, ok := r.Attrs[key]
	if !ok {
		t.Errorf("%v: no attribute %q in %v", r.Attrs["case"], key, short(r.Attrs))
	}
	return v
}

func want(t *testing.T, r collectortest.LogRecord, key string, w any) {
	t.Helper()
	if got := attr(t, r, key); fmt.Sprint(got) != fmt.Sprint(w) {
		t.Errorf("%v: %s = %s, want %s", r.Attrs["case"], key, shortVal(got), shortVal(w))
	}
}

func shortVal(v any) string {
	s := fmt.Sprintf("%#v", v)
	if len(s) > 200 {
		s = s[:200] + fmt.Sprintf("… (%d bytes)", len(s))
	}
	return s
}

func short(m map[string]any) string { return shortVal(m) }

func badCases() []badCase {
	cyclicMap := map[string]any{"v": 1}
	cyclicMap["self"] = cyclicMap
	cyclicSlice := []any{1, nil}
	cyclicSlice[1] = cyclicSlice
	cyclicPtr := &node{V: 1}
	cyclicPtr.Next = cyclicPtr
	deep := any("bottom")
	for range 40 {
		deep = map[string]any{"d": deep}
	}
	big := strings.Repeat("x", tenMB)
	bigMsg := strings.Repeat("m", tenMB)
	var nilStringer *ptrStringer
	var nilErr error = (*ptrError)(nil)
	ctx := context.Background()
	return []badCase{
		{"odd kv count", func(l *fapilog.Logger, _ *fapilog.AsyncLogger) error {
			l.Info("odd", "case", "odd kv count", "a", 1, "lonely")
			return nil
		}, func(t *testing.T, r collectortest.LogRecord) {
			want(t, r, "a", int64(1))
			want(t, r, "!BADKEY", "lonely")
		}},
		{"non-string key", func(l *fapilog.Logger, _ *fapilog.AsyncLogger) error {
			l.Info("nonstring", "case", "non-string key", 42, "k", "v")
			return nil
		}, func(t *testing.T, r collectortest.LogRecord) {
			want(t, r, "!BADKEY", int64(42))
			want(t, r, "k", "v")
		}},
		{"nil and typed nil", func(l *fapilog.Logger, _ *fapilog.AsyncLogger) error {
			l.Info("nils", "case", "nil and typed nil", "nil", nil, "nilptr", (*node)(nil), "nilstringer", nilStringer,
				"nilerr", nilErr, "nilmap", map[string]int(nil), "nilslice", []string(nil), "nilfunc", (func())(nil))
			return nil
		}, func(t *testing.T, r collectortest.LogRecord) {
			for _, k := range []string{"nil", "nilptr", "nilstringer", "nilerr", "nilmap", "nilslice", "nilfunc"} {
				if v := attr(t, r, k); v != nil {
					t.Errorf("%s = %#v, want an empty value", k, v)
				}
			}
		}},
		{"panicking methods", func(l *fapilog.Logger, _ *fapilog.AsyncLogger) error {
			l.Info("panics", "case", "panicking methods", "s", panicStringer{}, "e", panicError{}, "lv", panicLogValuer{},
				"j", panicJSON{A: 7}, "in-map", map[string]any{"s": panicStringer{}}, slog.Any("attr", panicLogValuer{}))
			return nil
		}, func(t *testing.T, r collectortest.LogRecord) {
			want(t, r, "s", "!PANIC: stringer boom")
			want(t, r, "e", "!PANIC: error boom")
			want(t, r, "lv", "!PANIC: logvalue boom")
			want(t, r, "j", map[string]any{"A": int64(7)}) // MarshalJSON is not used: the struct's fields are
			want(t, r, "in-map", map[string]any{"s": "!PANIC: stringer boom"})
			want(t, r, "attr", "!PANIC: logvalue boom")
		}},
		{"exception with a panicking Error", func(l *fapilog.Logger, _ *fapilog.AsyncLogger) error {
			l.Exception("exception", panicError{}, "case", "exception with a panicking Error")
			return nil
		}, func(t *testing.T, r collectortest.LogRecord) {
			want(t, r, "exception.message", "!PANIC: error boom")
			want(t, r, "exception.type", "github.com/fapilog/fapilog-go/reliability.panicError")
			if s, _ := attr(t, r, "exception.stacktrace").(string); !strings.Contains(s, "reliability.") {
				t.Errorf("stacktrace %q", s)
			}
		}},
		{"cycles", func(l *fapilog.Logger, _ *fapilog.AsyncLogger) error {
			l.Info("cycles", "case", "cycles", "map", cyclicMap, "slice", cyclicSlice, "ptr", cyclicPtr)
			return nil
		}, func(t *testing.T, r collectortest.LogRecord) {
			want(t, r, "map", map[string]any{"self": "!CYCLE", "v": int64(1)})
			want(t, r, "slice", []any{int64(1), "!CYCLE"})
			want(t, r, "ptr", map[string]any{"Next": "!CYCLE", "V": int64(1)})
		}},
		{"nesting past the depth limit", func(l *fapilog.Logger, _ *fapilog.AsyncLogger) error {
			l.Info("deep", "case", "nesting past the depth limit", "deep", deep)
			return nil
		}, func(t *testing.T, r collectortest.LogRecord) {
			v, levels := attr(t, r, "deep"), 0
			for {
				m, ok := v.(map[string]any)
				if !ok {
					break
				}
				v, levels = m["d"], levels+1
			}
			if v != "!DEPTH" || levels != 16 {
				t.Errorf("deep: %d levels then %#v, want 16 levels then \"!DEPTH\"", levels, v)
			}
		}},
		{"10 MB string value", func(l *fapilog.Logger, _ *fapilog.AsyncLogger) error {
			l.Info("big value", "case", "10 MB string value", "big", big)
			return nil
		}, nil}, // checked by the caller: depends on the collector's limit
		{"10 MB message", func(l *fapilog.Logger, _ *fapilog.AsyncLogger) error {
			l.Info(bigMsg, "case", "10 MB message")
			return nil
		}, nil},
		{"invalid UTF-8", func(l *fapilog.Logger, _ *fapilog.AsyncLogger) error {
			l.Info("bad\xffmessage", "case", "invalid UTF-8", "k\xffey", "v\xfeal", slog.String("slog", "\xc3("))
			return nil
		}, func(t *testing.T, r collectortest.LogRecord) {
			if r.Body != "bad\uFFFDmessage" {
				t.Errorf("body %q", r.Body)
			}
			want(t, r, "k\uFFFDey", "v\uFFFDal")
			want(t, r, "slog", "\uFFFD(")
		}},
		{"invalid UTF-8 in attribute values", func(l *fapilog.Logger, _ *fapilog.AsyncLogger) error {
			l.With(attribute.String("with", "w\xff")).InfoContext(l.Bind(ctx, attribute.String("bound", "b\xff")),
				"attrs", "case", "invalid UTF-8 in attribute values",
				attribute.String("kv", "x\xff"), "av", attribute.StringValue("y\xff"),
				attribute.StringSlice("ss", []string{"ok", "z\xff"}),
				attribute.KeyValue{Key: "m", Value: attribute.MapValue(attribute.String("k\xff", "v\xff"))})
			return nil
		}, func(t *testing.T, r collectortest.LogRecord) {
			want(t, r, "with", "w\uFFFD")
			want(t, r, "bound", "b\uFFFD")
			want(t, r, "kv", "x\uFFFD")
			want(t, r, "av", "y\uFFFD")
			want(t, r, "ss", []any{"ok", "z\uFFFD"})
			want(t, r, "m", map[string]any{"k\uFFFD": "v\uFFFD"})
		}},
		{"NaN and infinities", func(l *fapilog.Logger, _ *fapilog.AsyncLogger) error {
			l.Info("floats", "case", "NaN and infinities", "nan", math.NaN(), "inf", math.Inf(1), "ninf", math.Inf(-1),
				"f32nan", float32(math.NaN()), "in-slice", []float64{math.Inf(1), 1.5})
			return nil
		}, func(t *testing.T, r collectortest.LogRecord) {
			if v, _ := attr(t, r, "nan").(float64); !math.IsNaN(v) {
				t.Errorf("nan = %v", r.Attrs["nan"])
			}
			if v, _ := attr(t, r, "f32nan").(float64); !math.IsNaN(v) {
				t.Errorf("f32nan = %v", r.Attrs["f32nan"])
			}
			want(t, r, "inf", math.Inf(1))
			want(t, r, "ninf", math.Inf(-1))
			want(t, r, "in-slice", []any{math.Inf(1), 1.5})
		}},
		{"channels and funcs", func(l *fapilog.Logger, _ *fapilog.AsyncLogger) error {
			l.Info("chans", "case", "channels and funcs", "ch", make(chan int), "recv", make(<-chan string),
				"fn", func(int) error { return nil }, "nilch", (chan int)(nil))
			return nil
		}, func(t *testing.T, r collectortest.LogRecord) {
			want(t, r, "ch", "chan int")
			want(t, r, "recv", "<-chan string")
			want(t, r, "fn", "func(int) error")
			if v := attr(t, r, "nilch"); v != nil {
				t.Errorf("nilch = %#v", v)
			}
		}},
		{"unexported fields", func(l *fapilog.Logger, _ *fapilog.AsyncLogger) error {
			l.Info("structs", "case", "unexported fields", "s", withUnexported{Public: 1, private: "secret"},
				"only", onlyUnexported{a: 1, b: 2})
			return nil
		}, func(t *testing.T, r collectortest.LogRecord) {
			want(t, r, "s", map[string]any{"Public": int64(1)})
			want(t, r, "only", map[string]any{})
		}},
		{"async logger, same hostile values", func(_ *fapilog.Logger, a *fapilog.AsyncLogger) error {
			return a.Info(ctx, "async\xff", "case", "async logger, same hostile values", "s", panicStringer{}, "map", cyclicMap, 7)
		}, func(t *testing.T, r collectortest.LogRecord) {
			if r.Body != "async\uFFFD" {
				t.Errorf("body %q", r.Body)
			}
			want(t, r, "s", "!PANIC: stringer boom")
			want(t, r, "!BADKEY", int64(7))
		}},
	}
}

// TestBadInputEndToEnd logs hostile values through the real collector over
// OTLP/gRPC, all in one batch, from a logger whose name and resource
// (OTEL_RESOURCE_ATTRIBUTES=team=%FFx) hold invalid UTF-8 too: no panic reaches the caller, no record is
// lost (invalid UTF-8 and a 10 MB value do not fail the batch), and each
// arrives faithful or with a clear placeholder. With the collector's default
// 4 MiB gRPC limit the 10 MB values arrive as "!TOOLARGE: 10485760 bytes";
// with a limit large enough they arrive whole.
func TestBadInputEndToEnd(t *testing.T) {
	for _, tc := range []struct {
		name      string
		opts      []collectortest.Option
		bigArrive bool
	}{
		{"default collector", nil, false},
		{"collector accepting 32 MiB", []collectortest.Option{collectortest.WithConfig(`
receivers:
  otlp:
    protocols:
      grpc:
        max_recv_msg_size_mib: 32
`)}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := startCollector(t, tc.opts...)
			// Percent-decoded to invalid UTF-8: it is in every request.
			t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "team=%FFx")
			cfg := grpcConfig(c.GRPCEndpoint, shortRetry(5*time.Second))
			// One batch for everything: nothing is exported before the drain.
			opts := []fapilog.Option{fapilog.Reuse(false), fapilog.WithExporterConfig(cfg),
				fapilog.WithQueueSize(1024), fapilog.WithBatchSize(1024), fapilog.WithExportInterval(time.Minute)}
			l := fapilog.GetLogger("bad\xffinput", opts...)
			a, err := fapilog.GetAsyncLogger(context.Background(), "bad\xffinput", opts...)
			if err != nil {
				t.Fatal(err)
			}
			cases := badCases()
			for _, bc := range cases {
				func() {
					defer func() {
						if r := recover(); r != nil {
							t.Errorf("%s: panic reached the caller: %v", bc.name, r)
						}
					}()
					if err := bc.log(l, a); err != nil {
						t.Errorf("%s: %v", bc.name, err)
					}
				}()
			}
			res, err := drain(t, l, time.Minute)
			if err != nil {
				t.Errorf("drain: %v", err)
			}
			ares, err := drain(t, a, time.Minute)
			if err != nil {
				t.Errorf("async drain: %v", err)
			}
			checkBalance(t, res)
			checkBalance(t, ares)
			t.Logf("sync %s; async %s", summary(res), summary(ares))
			total := res.Submitted + ares.Submitted
			if total != uint64(len(cases)) || res.Exported+ares.Exported != total {
				t.Errorf("%d cases: want every record exported", len(cases))
			}

			byCase := map[string]collectortest.LogRecord{}
			deadline := time.Now().Add(10 * time.Second)
			for len(byCase) < len(cases) && time.Now().Before(deadline) {
				for _, r := range c.Logs(t) {
					if r.ScopeName != "bad\uFFFDinput" || r.ResourceAttrs["team"] != "\uFFFDx" {
						t.Errorf("scope %q, resource team %q", r.ScopeName, r.ResourceAttrs["team"])
					}
					if name, ok := r.Attrs["case"].(string); ok {
						byCase[name] = r
					}
				}
				if len(byCase) < len(cases) {
					time.Sleep(100 * time.Millisecond)
				}
			}
			t.Logf("REPORT | bad input (%s) | sent %d | exported %d | dropped %d | failed %d | missing %d | duplicates 0 |",
				tc.name, total, res.Exported+ares.Exported, res.Dropped+ares.Dropped, res.Failed+ares.Failed, len(cases)-len(byCase))
			for _, bc := range cases {
				r, ok := byCase[bc.name]
				if !ok {
					t.Errorf("%s: record missing at the collector", bc.name)
					continue
				}
				if bc.check != nil {
					bc.check(t, r)
				}
			}
			bigValue, _ := byCase["10 MB string value"].Attrs["big"].(string)
			bigBody, _ := byCase["10 MB message"].Body.(string)
			placeholder := fmt.Sprintf("%s: %d bytes", exporter.TooLargeMarker, tenMB)
			if tc.bigArrive {
				if len(bigValue) != tenMB || strings.Trim(bigValue, "x") != "" || len(bigBody) != tenMB {
					t.Errorf("10 MB values did not arrive whole: value %d bytes, body %d bytes", len(bigValue), len(bigBody))
				}
			} else if bigValue != placeholder || bigBody != placeholder {
				t.Errorf("10 MB values: value %s, body %s, want %q", shortVal(bigValue), shortVal(bigBody), placeholder)
			}
		})
	}
}

// TestOversizeBatchIsSplitNotLost sends, in one batch, many records that
// together exceed the collector's request limit (gRPC 4 MiB, HTTP 20 MiB by
// default) and one record that exceeds it alone: the batch is sent again in
// parts, every record arrives, whole except the oversize value, which
// arrives as a "!TOOLARGE" placeholder; the counts stay exact.
func TestOversizeBatchIsSplitNotLost(t *testing.T) {
	c := startCollector(t)
	for _, tc := range []struct {
		protocol        exporter.Protocol
		endpoint        string
		count, size     int // records of size bytes that fit alone
		oversize        int // one value larger than the limit
		wantPlaceholder string
	}{
		{exporter.ProtocolGRPC, c.GRPCEndpoint, 24, 300 << 10, 6 << 20, "!TOOLARGE: 6291456 bytes"},
		{exporter.ProtocolHTTP, c.HTTPEndpoint, 8, 3 << 20, 21 << 20, "!TOOLARGE: 22020096 bytes"},
	} {
		t.Run(strings.ReplaceAll(string(tc.protocol), "/", "-"), func(t *testing.T) {
			cfg := grpcConfig(tc.endpoint, shortRetry(5*time.Second))
			cfg.Protocol = tc.protocol
			scope := "oversize-" + strings.ReplaceAll(string(tc.protocol), "/", "-")
			l := fapilog.GetLogger(scope, fapilog.Reuse(false), fapilog.WithExporterConfig(cfg),
				fapilog.WithQueueSize(256), fapilog.WithBatchSize(256), fapilog.WithExportInterval(time.Minute))
			value := strings.Repeat("v", tc.size)
			for i := range tc.count {
				l.Audit("part of a large batch", "id", i, "value", value)
			}
			l.Security("oversize", "id", tc.count, "value", strings.Repeat("o", tc.oversize), "kept", "yes")
			res, err := drain(t, l, time.Minute)
			if err != nil {
				t.Errorf("drain: %v", err)
			}
			checkBalance(t, res)
			n := tc.count + 1
			d := delivered(t, c, scope, n, 10*time.Second)
			t.Logf("%s; collector %d unique, %d duplicates", summary(res), d.unique(), d.duplicates())
			t.Logf("REPORT | oversize batch and record (%s) | sent %d | exported %d | dropped %d | failed %d | missing %d | duplicates %d |",
				tc.protocol, n, res.Exported, res.Dropped, res.Failed, len(d.missing(n)), d.duplicates())
			if res.Exported != uint64(n) || d.unique() != n {
				t.Fatalf("want %d exported and at the collector: %s, collector %d", n, summary(res), d.unique())
			}
			if res.Retried == 0 {
				t.Error("Retried 0: the batch was not sent again in parts")
			}
			for _, r := range d.records {
				id := r.Attrs["id"].(int64)
				v, _ := r.Attrs["value"].(string)
				switch {
				case id < int64(tc.count) && v != value:
					t.Errorf("record %d: value of %d bytes, want %d", id, len(v), tc.size)
				case id == int64(tc.count) && (v != tc.wantPlaceholder || r.Attrs["kept"] != "yes" || r.SeverityText != "SECURITY"):
					t.Errorf("oversize record: value %s, kept %v, severity %q", shortVal(v), r.Attrs["kept"], r.SeverityText)
				}
			}
		})
	}
}
