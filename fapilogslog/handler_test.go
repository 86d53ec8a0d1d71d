package fapilogslog_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/slogtest"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/fapilogslog"
	"github.com/fapilog/fapilog-go/levels"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newLogger returns an uncached fapilog logger over an in-memory exporter,
// drained at the end of the test.
func newLogger(t testing.TB, opts ...fapilog.Option) (*fapilog.Logger, *exporter.Memory) {
	t.Helper()
	mem := exporter.NewMemory()
	l := fapilog.GetLogger(t.Name(), append([]fapilog.Option{fapilog.Reuse(false), fapilog.WithExporter(mem)}, opts...)...)
	t.Cleanup(func() { _, _ = l.StopAndDrain(context.Background()) })
	return l, mem
}

func records(t testing.TB, l *fapilog.Logger, mem *exporter.Memory) []sdklog.Record {
	t.Helper()
	if err := l.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	return mem.Records()
}

func only(t testing.TB, l *fapilog.Logger, mem *exporter.Memory) sdklog.Record {
	t.Helper()
	recs := records(t, l, mem)
	if len(recs) != 1 {
		t.Fatalf("%d records, want 1", len(recs))
	}
	return recs[0]
}

// asMap reads a record back the way slogtest wants it: the built-in keys,
// groups as nested maps, and the code.* attributes as slog.SourceKey.
func asMap(r sdklog.Record) map[string]any {
	m := map[string]any{}
	if ts := r.Timestamp(); !ts.IsZero() {
		m[slog.TimeKey] = ts
	}
	m[slog.LevelKey] = r.SeverityText()
	m[slog.MessageKey] = r.Body().AsString()
	src := map[string]any{}
	r.WalkAttributes(func(kv attribute.KeyValue) bool {
		if k, ok := strings.CutPrefix(string(kv.Key), "code."); ok {
			src[k] = value(kv.Value)
			return true
		}
		m[string(kv.Key)] = value(kv.Value)
		return true
	})
	if len(src) > 0 {
		m[slog.SourceKey] = src
	}
	return m
}

func value(v attribute.Value) any {
	switch v.Type() {
	case attribute.MAP:
		m := map[string]any{}
		for _, kv := range v.AsMap() {
			m[string(kv.Key)] = value(kv.Value)
		}
		return m
	case attribute.SLICE:
		var s []any
		for _, e := range v.AsSlice() {
			s = append(s, value(e))
		}
		return s
	}
	return v.AsInterface()
}

func attrs(r sdklog.Record) map[string]attribute.Value {
	m := map[string]attribute.Value{}
	r.WalkAttributes(func(kv attribute.KeyValue) bool { m[string(kv.Key)] = kv.Value; return true })
	return m
}

func TestHandlerPassesSlogtest(t *testing.T) {
	for _, source := range []bool{false, true} {
		t.Run(fmt.Sprintf("source=%v", source), func(t *testing.T) {
			var (
				l   *fapilog.Logger
				mem *exporter.Memory
			)
			slogtest.Run(t, func(t *testing.T) slog.Handler {
				l, mem = newLogger(t)
				return fapilogslog.NewHandler(l, fapilogslog.WithSource(source))
			}, func(t *testing.T) map[string]any {
				return asMap(only(t, l, mem))
			})
		})
	}
}

func TestHandlerPassesSlogtestOnOneLogger(t *testing.T) {
	l, mem := newLogger(t)
	err := slogtest.TestHandler(fapilogslog.NewHandler(l), func() []map[string]any {
		var out []map[string]any
		for _, r := range records(t, l, mem) {
			out = append(out, asMap(r))
		}
		return out
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestLevelsMapToTheNearestLowerFapilogLevel(t *testing.T) {
	tests := []struct {
		slog slog.Level
		want levels.Level
		sev  log.Severity
	}{
		{slog.LevelDebug - 4, levels.Debug, log.SeverityDebug},
		{slog.LevelDebug, levels.Debug, log.SeverityDebug},
		{slog.LevelDebug + 3, levels.Debug, log.SeverityDebug},
		{slog.LevelInfo, levels.Info, log.SeverityInfo},
		{slog.LevelInfo + 2, levels.Info, log.SeverityInfo},
		{slog.LevelWarn, levels.Warning, log.SeverityWarn},
		{slog.LevelError - 1, levels.Warning, log.SeverityWarn},
		{slog.LevelError, levels.Error, log.SeverityError},
		{fapilogslog.LevelCritical, levels.Critical, log.SeverityFatal},
		{fapilogslog.LevelAudit - 1, levels.Critical, log.SeverityFatal},
		{fapilogslog.LevelAudit, levels.Audit, log.SeverityFatal2},
		{fapilogslog.LevelAudit + 1, levels.Audit, log.SeverityFatal2},
		{fapilogslog.LevelSecurity, levels.Security, log.SeverityFatal3},
		{fapilogslog.LevelSecurity + 100, levels.Security, log.SeverityFatal3},
	}
	l, mem := newLogger(t, fapilog.WithLevel(levels.Debug))
	logger := slog.New(fapilogslog.NewHandler(l))
	for _, tt := range tests {
		if got := fapilogslog.MapLevel(tt.slog); got != tt.want {
			t.Errorf("MapLevel(%v) = %v, want %v", tt.slog, got, tt.want)
		}
		logger.Log(context.Background(), tt.slog, tt.slog.String())
	}
	recs := records(t, l, mem)
	if len(recs) != len(tests) {
		t.Fatalf("%d records, want %d", len(recs), len(tests))
	}
	for i, tt := range tests {
		if recs[i].Severity() != tt.sev || recs[i].SeverityText() != tt.want.String() {
			t.Errorf("slog %v: severity %v %q, want %v %q", tt.slog, recs[i].Severity(), recs[i].SeverityText(), tt.sev, tt.want)
		}
	}
}

func TestEnabledConsultsTheLoggerLevelGate(t *testing.T) {
	l, mem := newLogger(t, fapilog.WithLevel(levels.Critical))
	h := fapilogslog.NewHandler(l)
	ctx := context.Background()
	for lvl, want := range map[slog.Level]bool{
		slog.LevelInfo: false, slog.LevelError: false, fapilogslog.LevelCritical: true,
		fapilogslog.LevelAudit: true, fapilogslog.LevelSecurity: true,
	} {
		if got := h.Enabled(ctx, lvl); got != want {
			t.Errorf("Enabled(%v) = %v, want %v", lvl, got, want)
		}
	}
	// AUDIT and SECURITY pass even a gate set above them.
	top, _ := newLogger(t, fapilog.WithLevel(levels.Security))
	if !fapilogslog.NewHandler(top).Enabled(ctx, fapilogslog.LevelAudit) {
		t.Error("AUDIT is not enabled with the level at SECURITY")
	}

	logger := slog.New(h)
	logger.Info("dropped by the gate")
	logger.Error("dropped by the gate")
	logger.Log(ctx, fapilogslog.LevelAudit, "kept")
	// Calling Handle directly below the gate records nothing either.
	if err := h.Handle(ctx, slog.NewRecord(time.Now(), slog.LevelInfo, "direct", 0)); err != nil {
		t.Fatal(err)
	}
	recs := records(t, l, mem)
	if len(recs) != 1 || recs[0].Body().AsString() != "kept" {
		t.Fatalf("records %v", recs)
	}
	if st := l.Stats(); st.Submitted != 1 {
		t.Fatalf("Submitted %d, want 1 (only calls past the gate count)", st.Submitted)
	}
}

func TestRecordCarriesTimeMessageScopeAndConvertedAttributes(t *testing.T) {
	l, mem := newLogger(t)
	when := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	r := slog.NewRecord(when, slog.LevelWarn, "Disk space low", 0)
	r.AddAttrs(slog.Float64("free_gb", 3.5), slog.Int("n", 7), slog.Duration("d", time.Second),
		slog.Any("err", errors.New("boom")), slog.Group("disk", "path", "/var", slog.Group("usage", "ratio", 0.97)))
	if err := fapilogslog.NewHandler(l).Handle(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	rec := only(t, l, mem)
	if !rec.Timestamp().Equal(when) || rec.Body().AsString() != "Disk space low" || rec.InstrumentationScope().Name != t.Name() {
		t.Fatalf("timestamp %v body %v scope %q", rec.Timestamp(), rec.Body(), rec.InstrumentationScope().Name)
	}
	got := asMap(rec)
	want := map[string]any{"free_gb": 3.5, "n": int64(7), "d": int64(time.Second), "err": "boom"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %#v, want %#v", k, got[k], v)
		}
	}
	disk, _ := got["disk"].(map[string]any)
	usage, _ := disk["usage"].(map[string]any)
	if disk["path"] != "/var" || usage["ratio"] != 0.97 {
		t.Errorf("disk = %#v", got["disk"])
	}
}

func TestGroupsNestAndPrecomputedAttrsAreKept(t *testing.T) {
	l, mem := newLogger(t)
	h := fapilogslog.NewHandler(l).
		WithAttrs([]slog.Attr{slog.String("service", "billing")}).
		WithGroup("req").
		WithAttrs([]slog.Attr{slog.String("id", "r1")}).
		WithGroup("db")
	logger := slog.New(h)
	logger.Info("with record attrs", "query", "select", "rows", 3)
	logger.Info("without record attrs")
	slog.New(h.WithAttrs([]slog.Attr{slog.String("id", "r2"), slog.String("id", "r3")})).Info("duplicate keys")
	recs := records(t, l, mem)
	if len(recs) != 3 {
		t.Fatalf("%d records", len(recs))
	}
	first := asMap(recs[0])
	req, _ := first["req"].(map[string]any)
	db, _ := req["db"].(map[string]any)
	if first["service"] != "billing" || req["id"] != "r1" || db["query"] != "select" || db["rows"] != int64(3) {
		t.Errorf("first = %#v", first)
	}
	second := asMap(recs[1])
	req, _ = second["req"].(map[string]any)
	if _, ok := req["db"]; ok || req["id"] != "r1" {
		t.Errorf("an empty group was kept or the group's attrs lost: %#v", second)
	}
	third := attrs(recs[2])["req"].AsMap()
	if len(third) != 2 || third[1].Key != "id" {
		t.Fatalf("third = %v", third)
	}
	db3 := third[0].Value.AsMap()
	if third[0].Key != "db" || len(db3) != 1 || db3[0].Value.AsString() != "r3" {
		t.Errorf("duplicate keys in a group not resolved last-wins: %v", third)
	}
}

func TestContextGivesTraceBoundFieldsAndBaggage(t *testing.T) {
	l, mem := newLogger(t, fapilog.WithBaggage("tenant"))
	l = l.With("component", "api", "tenant", "from-with")
	traceID := trace.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	spanID := trace.SpanID{1, 2, 3, 4, 5, 6, 7, 8}
	ctx := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: traceID, SpanID: spanID, TraceFlags: trace.FlagsSampled}))
	m, _ := baggage.NewMemberRaw("tenant", "acme")
	other, _ := baggage.NewMemberRaw("secret", "x")
	bag, _ := baggage.New(m, other)
	ctx = baggage.ContextWithBaggage(ctx, bag)
	ctx = l.Bind(ctx, "request_id", "req-7", "user", "bound")

	slog.New(fapilogslog.NewHandler(l)).InfoContext(ctx, "handled", "user", "call")
	rec := only(t, l, mem)
	if rec.TraceID() != traceID || rec.SpanID() != spanID || rec.TraceFlags() != trace.FlagsSampled {
		t.Errorf("trace %v span %v flags %v", rec.TraceID(), rec.SpanID(), rec.TraceFlags())
	}
	got := asMap(rec)
	want := map[string]any{"component": "api", "tenant": "acme", "request_id": "req-7", "user": "call"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %#v, want %#v (all: %v)", k, got[k], v, got)
		}
	}
	if _, ok := got["secret"]; ok {
		t.Error("a baggage member outside the allow-list was copied")
	}
}

func TestSourceComesFromTheRecordPC(t *testing.T) {
	for _, tt := range []struct {
		name    string
		logger  []fapilog.Option
		handler []fapilogslog.Option
		want    bool
	}{
		{name: "off by default"},
		{name: "the logger's WithSource", logger: []fapilog.Option{fapilog.WithSource(true)}, want: true},
		{name: "the handler's WithSource", handler: []fapilogslog.Option{fapilogslog.WithSource(true)}, want: true},
		{name: "the handler's beats the logger's", logger: []fapilog.Option{fapilog.WithSource(true)},
			handler: []fapilogslog.Option{fapilogslog.WithSource(false)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l, mem := newLogger(t, tt.logger...)
			logger := slog.New(fapilogslog.NewHandler(l, tt.handler...))
			_, file, line, _ := runtime.Caller(0)
			logger.Info("here") // line+1
			a := attrs(only(t, l, mem))
			fn, ok := a["code.function.name"]
			if !tt.want {
				if ok {
					t.Fatalf("source added: %v", a)
				}
				return
			}
			if !ok || !strings.HasSuffix(fn.AsString(), "TestSourceComesFromTheRecordPC.func1") ||
				a["code.file.path"].AsString() != file || a["code.line.number"].AsInt64() != int64(line+1) {
				t.Fatalf("source %v %v %v, want %s:%d", fn, a["code.file.path"], a["code.line.number"], file, line+1)
			}
		})
	}
}

func TestHandleReportsAStoppedLogger(t *testing.T) {
	l, _ := newLogger(t)
	h := fapilogslog.NewHandler(l)
	if _, err := l.StopAndDrain(context.Background()); err != nil {
		t.Fatal(err)
	}
	err := h.Handle(context.Background(), slog.NewRecord(time.Now(), slog.LevelInfo, "late", 0))
	if !errors.Is(err, fapilog.ErrStopped) {
		t.Fatalf("Handle after drain: %v, want ErrStopped", err)
	}
	if res, _ := l.StopAndDrain(context.Background()); res.Submitted != 1 || res.Dropped != 1 {
		t.Fatalf("counts %+v, want the late record submitted and dropped", res)
	}
}

func TestNilLoggerMeansTheDefaultLogger(t *testing.T) {
	h := fapilogslog.NewHandler(nil)
	if h.Logger() != fapilog.GetLogger("") {
		t.Fatal("NewHandler(nil) does not use the default logger")
	}
	if err := fapilog.ClearLoggerCache(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestHandlersAreSafeForConcurrentUse(t *testing.T) {
	l, mem := newLogger(t, fapilog.WithQueueSize(8192))
	base := fapilogslog.NewHandler(l).WithAttrs([]slog.Attr{slog.String("a", "1")}).WithGroup("g")
	const goroutines, calls = 8, 100
	var wg sync.WaitGroup
	for i := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := base.WithAttrs([]slog.Attr{slog.Int("worker", i)})
			logger := slog.New(h)
			for j := range calls {
				logger.Info("work", "j", j)
				slog.New(base).Info("base")
			}
		}()
	}
	wg.Wait()
	recs := records(t, l, mem)
	if len(recs) != 2*goroutines*calls {
		t.Fatalf("%d records, want %d", len(recs), 2*goroutines*calls)
	}
	for _, r := range recs {
		if r.Body().AsString() != "work" {
			continue
		}
		if g, _ := asMap(r)["g"].(map[string]any); g["worker"] == nil || g["j"] == nil {
			t.Fatalf("record lost attributes: %v", asMap(r))
		}
	}
}
