package fapilog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.uber.org/goleak"

	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/levels"
)

// The file exporter keeps one lumberjack goroutine per path for the
// process (see exporter.NewFile).
func TestMain(m *testing.M) {
	// The hardened preset spools in the user's cache folder: keep the
	// tests' spools out of it.
	os.Setenv("XDG_CACHE_HOME", filepath.Join(os.TempDir(), "fapilog-go-test-cache"))
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction(exporter.FileGoroutine))
}

// newMem returns an uncached logger over an in-memory exporter, drained at
// the end of the test.
func newMem(t *testing.T, opts ...Option) (*Logger, *exporter.Memory) {
	t.Helper()
	mem := exporter.NewMemory()
	l := GetLogger(t.Name(), append([]Option{Reuse(false), WithExporter(mem)}, opts...)...)
	t.Cleanup(func() { _, _ = l.StopAndDrain(context.Background()) })
	return l, mem
}

func flushed(t *testing.T, l interface{ Flush(context.Context) error }, mem *exporter.Memory) []sdklog.Record {
	t.Helper()
	if err := l.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	return mem.Records()
}

func attrs(r sdklog.Record) map[string]attribute.Value {
	m := map[string]attribute.Value{}
	r.WalkAttributes(func(kv attribute.KeyValue) bool { m[string(kv.Key)] = kv.Value; return true })
	return m
}

func TestEveryMethodBecomesOneRecordWithTheAPISeverity(t *testing.T) {
	l, mem := newMem(t, WithLevel(levels.Debug))
	calls := []struct {
		log  func()
		sev  log.Severity
		text string
	}{
		{func() { l.Debug("m") }, 5, "DEBUG"},
		{func() { l.Info("m") }, 9, "INFO"},
		{func() { l.Warning("m") }, 13, "WARNING"},
		{func() { l.Error("m") }, 17, "ERROR"},
		{func() { l.Critical("m") }, 21, "CRITICAL"},
		{func() { l.Audit("m") }, 22, "AUDIT"},
		{func() { l.Security("m") }, 23, "SECURITY"},
		{func() { l.Exception("m", errors.New("x")) }, 17, "ERROR"},
		{func() { l.InfoContext(context.Background(), "m") }, 9, "INFO"},
		{func() { l.Log(context.Background(), levels.Audit, "m") }, 22, "AUDIT"},
	}
	before := time.Now()
	for _, c := range calls {
		c.log()
	}
	recs := flushed(t, l, mem)
	if len(recs) != len(calls) {
		t.Fatalf("got %d records, want %d", len(recs), len(calls))
	}
	for i, c := range calls {
		r := recs[i]
		if r.Severity() != c.sev || r.SeverityText() != c.text {
			t.Errorf("call %d: severity %d %q, want %d %q", i, r.Severity(), r.SeverityText(), c.sev, c.text)
		}
		if r.Body().AsString() != "m" || r.InstrumentationScope().Name != t.Name() {
			t.Errorf("call %d: body %v scope %q", i, r.Body(), r.InstrumentationScope().Name)
		}
		if r.Timestamp().Before(before) || r.Timestamp().After(time.Now()) {
			t.Errorf("call %d: timestamp %v is not the call time", i, r.Timestamp())
		}
		if got := levels.FromSeverity(r.Severity(), r.SeverityText()); got.String() != c.text {
			t.Errorf("call %d: level does not round-trip: %v", i, got)
		}
	}
}

func TestAsyncMethodsRecordAndReturnNil(t *testing.T) {
	ctx := context.Background()
	mem := exporter.NewMemory()
	a, err := GetAsyncLogger(ctx, "async-methods", Reuse(false), WithExporter(mem), WithLevel(levels.Debug))
	if err != nil {
		t.Fatal(err)
	}
	for _, call := range []func() error{
		func() error { return a.Debug(ctx, "m", "item", 1) },
		func() error { return a.Info(ctx, "m") },
		func() error { return a.Warning(ctx, "m") },
		func() error { return a.Error(ctx, "m") },
		func() error { return a.Critical(ctx, "m") },
		func() error { return a.Audit(ctx, "m") },
		func() error { return a.Security(ctx, "m") },
		func() error { return a.Exception(ctx, "m", errors.New("boom")) },
		func() error { return a.Log(ctx, levels.Info, "m") },
	} {
		if err := call(); err != nil {
			t.Fatal(err)
		}
	}
	res, err := a.Drain(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Submitted != 9 || res.Exported != 9 || mem.Len() != 9 {
		t.Fatalf("%+v, memory holds %d", res, mem.Len())
	}
	if err := a.Info(ctx, "late"); !errors.Is(err, ErrStopped) {
		t.Fatalf("call after Drain: %v, want ErrStopped", err)
	}
	res, err = a.StopAndDrain(ctx)
	if err != nil || res.Submitted != 10 || res.Dropped != 1 || res.Submitted != res.Exported+res.Dropped+res.Failed {
		t.Fatalf("second drain: %+v, %v", res, err)
	}
}

func TestLevelGate(t *testing.T) {
	tests := []struct {
		name    string
		min     levels.Level
		env     string
		logged  []levels.Level
		skipped []levels.Level
	}{
		{"default is INFO", 0, "", []levels.Level{levels.Info, levels.Error}, []levels.Level{levels.Debug}},
		{"option", levels.Error, "", []levels.Level{levels.Error, levels.Critical}, []levels.Level{levels.Info, levels.Warning}},
		{"FAPILOG_LEVEL", 0, "warn", []levels.Level{levels.Warning}, []levels.Level{levels.Info}},
		{"option beats env", levels.Debug, "error", []levels.Level{levels.Debug}, nil},
		{"AUDIT and SECURITY always pass", levels.Level(100), "", []levels.Level{levels.Audit, levels.Security}, []levels.Level{levels.Critical}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvLevel, tt.env)
			var opts []Option
			if tt.min != 0 {
				opts = append(opts, WithLevel(tt.min))
			}
			l, mem := newMem(t, opts...)
			for _, lv := range append(append([]levels.Level{}, tt.skipped...), tt.logged...) {
				l.Log(context.Background(), lv, lv.String())
			}
			recs := flushed(t, l, mem)
			if len(recs) != len(tt.logged) {
				t.Fatalf("logged %d records, want %d", len(recs), len(tt.logged))
			}
			for i, lv := range tt.logged {
				if recs[i].Body().AsString() != lv.String() {
					t.Errorf("record %d = %v, want %v", i, recs[i].Body(), lv)
				}
			}
			if res := l.Stats(); res.Submitted != uint64(len(tt.logged)) {
				t.Errorf("Submitted = %d: calls below the gate must not count", res.Submitted)
			}
		})
	}
}

func TestAttributesFromWithBindAndCallMergeWithCallWinning(t *testing.T) {
	l, mem := newMem(t)
	child := l.With("service", "api", "shared", "with")
	ctx := l.Bind(context.Background(), "request_id", "r-1", "shared", "bound")
	child.InfoContext(ctx, "hello", "shared", "call", "code", 500)
	child.InfoContext(ctx, "no clash")
	l.InfoContext(ctx, "parent has no With fields")
	recs := flushed(t, l, mem)
	if len(recs) != 3 {
		t.Fatalf("%d records", len(recs))
	}
	a := attrs(recs[0])
	if a["shared"].AsString() != "call" || a["service"].AsString() != "api" || a["request_id"].AsString() != "r-1" || a["code"].AsInt64() != 500 {
		t.Fatalf("merged attributes: %v", a)
	}
	if recs[0].AttributesLen() != 4 {
		t.Fatalf("duplicate keys reached the record: %d attributes", recs[0].AttributesLen())
	}
	if attrs(recs[1])["shared"].AsString() != "bound" {
		t.Fatalf("bound must beat With: %v", attrs(recs[1]))
	}
	if _, ok := attrs(recs[2])["service"]; ok {
		t.Fatal("With fields leaked to the parent logger")
	}
}

func TestBindUnbindClearLiveInTheContext(t *testing.T) {
	l, mem := newMem(t)
	base := l.Bind(context.Background(), "tenant", "t1", "user", "u1")
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := l.Bind(base, "request", i)
			l.InfoContext(ctx, "req", "i", i)
		}()
	}
	wg.Wait()
	l.InfoContext(l.Unbind(base, "user"), "unbound")
	l.InfoContext(l.ClearContext(base), "cleared")
	l.Info("no ctx")
	recs := flushed(t, l, mem)
	seen := map[int64]bool{}
	for _, r := range recs[:50] {
		a := attrs(r)
		if a["request"].AsInt64() != a["i"].AsInt64() || a["tenant"].AsString() != "t1" {
			t.Fatalf("a request saw another request's fields: %v", a)
		}
		seen[a["request"].AsInt64()] = true
	}
	if len(seen) != 50 {
		t.Fatalf("%d distinct requests", len(seen))
	}
	if a := attrs(recs[50]); a["tenant"].AsString() != "t1" || a["user"].Type() != attribute.EMPTY && a["user"].AsString() != "" {
		t.Fatalf("Unbind: %v", a)
	}
	if recs[51].AttributesLen() != 0 || recs[52].AttributesLen() != 0 {
		t.Fatalf("ClearContext / no ctx carried fields: %v %v", attrs(recs[51]), attrs(recs[52]))
	}
}

func TestTraceContextIsCarried(t *testing.T) {
	l, mem := newMem(t)
	tp := sdktrace.NewTracerProvider()
	defer func() { _ = tp.Shutdown(context.Background()) }()
	ctx, span := tp.Tracer("t").Start(context.Background(), "op")
	l.InfoContext(ctx, "in span")
	amem := exporter.NewMemory() // an exporter belongs to one logger
	a, err := GetAsyncLogger(ctx, "trace-async", Reuse(false), WithExporter(amem))
	if err != nil {
		t.Fatal(err)
	}
	_ = a.Info(ctx, "async in span")
	span.End()
	_, _ = a.Drain(context.Background())
	recs := append(flushed(t, l, mem), amem.Records()...)
	sc := span.SpanContext()
	for _, r := range recs {
		if r.TraceID() != sc.TraceID() || r.SpanID() != sc.SpanID() || r.TraceFlags() != sc.TraceFlags() {
			t.Fatalf("record %q: trace %v span %v flags %v, want %v %v %v", r.Body().AsString(), r.TraceID(), r.SpanID(), r.TraceFlags(), sc.TraceID(), sc.SpanID(), sc.TraceFlags())
		}
	}
	if len(recs) != 2 {
		t.Fatalf("%d records", len(recs))
	}
}

type codedError struct{ code int }

func (e *codedError) Error() string { return fmt.Sprintf("code %d", e.code) }

func TestExceptionAddsTypeMessageAndTheCallersStack(t *testing.T) {
	l, mem := newMem(t)
	l.Exception("failed", fmt.Errorf("wrap: %w", &codedError{7}), "order", 42)
	recs := flushed(t, l, mem)
	a := attrs(recs[0])
	if recs[0].Severity() != log.SeverityError {
		t.Fatalf("Exception severity %v", recs[0].Severity())
	}
	if got := a["exception.message"].AsString(); got != "wrap: code 7" {
		t.Errorf("exception.message = %q", got)
	}
	if got := a["exception.type"].AsString(); !strings.Contains(got, "codedError") {
		t.Errorf("exception.type = %q", got)
	}
	st := a["exception.stacktrace"].AsString()
	if !strings.Contains(st, "TestExceptionAddsTypeMessageAndTheCallersStack") {
		t.Errorf("stack does not start at the caller:\n%s", st)
	}
	if strings.Contains(st, "(*Logger).Exception") || strings.Contains(st, "bridge.") {
		t.Errorf("stack shows the library's own frames:\n%s", st)
	}
	if a["order"].AsInt64() != 42 {
		t.Errorf("call key/values lost: %v", a)
	}
}

func TestWithSourcePointsAtTheCallSite(t *testing.T) {
	l, mem := newMem(t, WithSource(true))
	l.Info("here") // the line below is checked
	line := 0
	if _, _, ln, ok := callerLine(); ok {
		line = ln - 2
	}
	recs := flushed(t, l, mem)
	a := attrs(recs[0])
	if !strings.HasSuffix(a["code.file.path"].AsString(), "fapilog_test.go") || a["code.line.number"].AsInt64() != int64(line) ||
		!strings.HasSuffix(a["code.function.name"].AsString(), "TestWithSourcePointsAtTheCallSite") {
		t.Fatalf("source attributes %v, want line %d", a, line)
	}
	l2, mem2 := newMem(t)
	l2.Info("no source")
	if _, ok := attrs(flushed(t, l2, mem2)[0])["code.line.number"]; ok {
		t.Fatal("source added without WithSource")
	}
}

func TestValuesKeepTheirTypes(t *testing.T) {
	l, mem := newMem(t)
	l.Info("typed",
		"int", 7, "float", 1.5, "bool", true, "bytes", []byte{1, 2},
		"map", map[string]any{"a": 1}, "slice", []int{1, 2},
		attribute.String("attr", "kv"), slog.Int("slog", 3), "dur", 2*time.Second, "lonely")
	a := attrs(flushed(t, l, mem)[0])
	checks := map[string]attribute.Type{
		"int": attribute.INT64, "float": attribute.FLOAT64, "bool": attribute.BOOL, "bytes": attribute.BYTESLICE,
		"map": attribute.MAP, "slice": attribute.SLICE, "attr": attribute.STRING, "slog": attribute.INT64, "dur": attribute.INT64,
		"!BADKEY": attribute.STRING,
	}
	for k, want := range checks {
		if got := a[k].Type(); got != want {
			t.Errorf("%s: type %v, want %v (%v)", k, got, want, a[k])
		}
	}
}

func TestDrainReportsExactCountsAndRemovesFromCache(t *testing.T) {
	ctx := context.Background()
	mem := exporter.NewMemory()
	name := "drain-" + t.Name()
	l := GetLogger(name, WithExporter(mem))
	for i := range 100 {
		l.Info("m", "i", i)
	}
	l.Debug("below the gate")
	res, err := l.StopAndDrain(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Submitted != 100 || res.Exported != 100 || res.Dropped != 0 || res.Failed != 0 || mem.Len() != 100 {
		t.Fatalf("%+v memory %d", res, mem.Len())
	}
	if res.ByLevel[levels.Info].Exported != 100 {
		t.Fatalf("ByLevel %+v", res.ByLevel)
	}
	if _, ok := GetCachedLoggers()[name]; ok {
		t.Fatal("drained logger still cached")
	}
	l.Info("after drain")
	res, err = l.StopAndDrain(ctx)
	if err != nil || res.Submitted != 101 || res.Dropped != 1 {
		t.Fatalf("after-stop call: %+v %v", res, err)
	}
	if GetLogger(name, WithExporter(exporter.NewMemory())) == l {
		t.Fatal("a drained logger came back from the cache")
	}
	_ = ClearLoggerCache(ctx)
}

func TestCacheSemantics(t *testing.T) {
	ctx := context.Background()
	t.Cleanup(func() { _ = ClearLoggerCache(ctx) })
	s1 := GetLogger("svc", WithExporter(exporter.NewMemory()))
	s2 := GetLogger("svc")
	if s1 != s2 {
		t.Fatal("two GetLogger calls for one name returned different loggers")
	}
	a1, err := GetAsyncLogger(ctx, "svc", WithExporter(exporter.NewMemory()))
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := GetAsyncLogger(ctx, "svc")
	if a1 != a2 {
		t.Fatal("two GetAsyncLogger calls for one name returned different loggers")
	}
	if _, err := GetAsyncLogger(ctx, "other", WithExporter(exporter.NewMemory())); err != nil {
		t.Fatal(err)
	}
	fresh := GetLogger("svc", Reuse(false), WithExporter(exporter.NewMemory()))
	if fresh == s1 {
		t.Fatal("Reuse(false) returned the cached logger")
	}
	_, _ = fresh.StopAndDrain(ctx)
	def := GetLogger("", WithExporter(exporter.NewMemory()))
	if def.Name() != "" || GetLogger("") != def {
		t.Fatal("default logger is not cached under \"\"")
	}
	got := GetCachedLoggers()
	want := map[string]string{"svc": "sync", "other": "async", "": "sync"}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("GetCachedLoggers() = %v, want %v", got, want)
		}
	}
	if err := ClearLoggerCache(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(GetCachedLoggers()); n != 0 {
		t.Fatalf("%d loggers left after ClearLoggerCache", n)
	}
	if err := a1.Info(ctx, "x"); !errors.Is(err, ErrStopped) {
		t.Fatalf("ClearLoggerCache did not drain: %v", err)
	}
}

func TestConcurrentFirstCallsGetOneLogger(t *testing.T) {
	ctx := context.Background()
	t.Cleanup(func() { _ = ClearLoggerCache(ctx) })
	var wg sync.WaitGroup
	got := make([]*Logger, 32)
	agot := make([]*AsyncLogger, 32)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = GetLogger("race", WithExporter(exporter.NewNone()))
			agot[i], _ = GetAsyncLogger(ctx, "race", WithExporter(exporter.NewNone()))
		}()
	}
	wg.Wait()
	for i := range got {
		if got[i] != got[0] || agot[i] != agot[0] {
			t.Fatal("concurrent first calls created more than one logger")
		}
	}
}

func TestBadConfigurationSyncFallsBackAsyncErrs(t *testing.T) {
	t.Setenv("OTEL_LOGS_EXPORTER", "otlpx")
	capture, warnings := captureWarnings(t)
	l := GetLogger("bad-config", Reuse(false), capture)
	l2 := GetLogger("bad-config", Reuse(false), capture)
	l.Info("still logged")
	res, _ := l.StopAndDrain(context.Background())
	_, _ = l2.StopAndDrain(context.Background())
	if res.Exported != 1 {
		t.Fatalf("fallback logger lost the record: %+v", res)
	}
	if lines := warnings(); len(lines) != 1 || !strings.Contains(lines[0], "OTEL_LOGS_EXPORTER") || !strings.Contains(lines[0], "console") {
		t.Fatalf("stderr lines %q: want one line naming the variable and the fallback", warnings())
	}
	if _, err := GetAsyncLogger(context.Background(), "bad-config-async", Reuse(false)); err == nil || !strings.Contains(err.Error(), "OTEL_LOGS_EXPORTER") {
		t.Fatalf("GetAsyncLogger error = %v", err)
	}
	t.Setenv("OTEL_LOGS_EXPORTER", "none")
	t.Setenv(EnvQueueSize, "lots")
	if _, err := GetAsyncLogger(context.Background(), "bad-queue", Reuse(false)); err == nil || !strings.Contains(err.Error(), EnvQueueSize) {
		t.Fatalf("bad %s: %v", EnvQueueSize, err)
	}
}

func TestAsyncBackpressureErrors(t *testing.T) {
	ctx := context.Background()
	blocked := newBlockingExporter()
	a, err := GetAsyncLogger(ctx, "bp", Reuse(false), WithExporter(blocked), WithQueueSize(4),
		WithReservedCapacity(1), WithBatchSize(1), WithBackpressureWait(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	var dropped int
	for range 10 {
		if err := a.Info(ctx, "flood"); errors.Is(err, ErrDropped) {
			dropped++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if dropped != 7 {
		t.Fatalf("dropped %d INFO of 10 with 3 unreserved slots, want 7", dropped)
	}
	if err := a.Audit(ctx, "reserved slot"); err != nil {
		t.Fatalf("AUDIT refused while the reserve was free: %v", err)
	}
	cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := a.Security(cctx, "waits for room"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("protected wait with a deadline: %v", err)
	}
	blocked.release()
	res, err := a.Drain(ctx)
	if !errors.Is(err, ErrNotDelivered) { // 8 were dropped: the drain says so
		t.Fatalf("drain after 8 drops: %v", err)
	}
	if res.Submitted != 12 || res.Exported != 4 || res.Dropped != 8 || res.ByLevel[levels.Security].Dropped != 1 {
		t.Fatalf("%+v", res)
	}
}

func TestWithLoggerProviderUsesTheApplicationsProvider(t *testing.T) {
	mem := exporter.NewMemory()
	sp := sdklog.NewSimpleProcessor(mem)
	provider := sdklog.NewLoggerProvider(sdklog.WithProcessor(sp))
	defer func() { _ = provider.Shutdown(context.Background()) }()
	l := GetLogger("ext", Reuse(false), WithLoggerProvider(provider))
	l.Warning("to the app's provider", "k", "v")
	res, err := l.StopAndDrain(context.Background())
	if err != nil || res.Submitted != 1 || res.Exported != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	if mem.Len() != 1 || mem.Records()[0].InstrumentationScope().Name != "ext" {
		t.Fatalf("provider got %d records", mem.Len())
	}
	provider.Logger("x").Emit(context.Background(), log.Record{})
	if mem.Len() != 2 {
		t.Fatal("drain shut down a provider the library does not own")
	}
}

func TestWithSeverityMappingOverridesTheTable(t *testing.T) {
	l, mem := newMem(t, WithSeverityMapping(func(lv levels.Level) (log.Severity, string) {
		if lv == levels.Audit {
			return log.SeverityInfo4, "AUDIT"
		}
		return levels.DefaultMapping(lv)
	}))
	l.Audit("a")
	l.Info("i")
	recs := flushed(t, l, mem)
	if recs[0].Severity() != log.SeverityInfo4 || recs[0].SeverityText() != "AUDIT" || recs[1].Severity() != log.SeverityInfo {
		t.Fatalf("mapping not applied: %v %v", recs[0].Severity(), recs[1].Severity())
	}
}

func TestMalformedKeyValuesAreLoggedNotDropped(t *testing.T) {
	l, mem := newMem(t)
	l.Info("odd", "a", 1, "b")
	l.Info("non-string key", 42, "v")
	var nilMap map[string]int
	l.Info("nils", "nil", nil, "nilmap", nilMap, "nilerr", (*codedError)(nil))
	recs := flushed(t, l, mem)
	if len(recs) != 3 {
		t.Fatalf("%d records", len(recs))
	}
	if a := attrs(recs[0]); a["a"].AsInt64() != 1 || a["!BADKEY"].AsString() != "b" {
		t.Errorf("odd count: %v", a)
	}
	if recs[1].AttributesLen() == 0 {
		t.Error("non-string key dropped")
	}
	if recs[2].AttributesLen() != 3 {
		t.Errorf("nil values: %v", attrs(recs[2]))
	}
}

func TestRuntimeDrainsOnReturnAndOnPanic(t *testing.T) {
	mem := exporter.NewMemory()
	var got *Logger
	err := Runtime(context.Background(), func(l *Logger) error {
		got = l
		l.Error("Something happened", "code", 500)
		return nil
	}, WithName("batch-job"), WithExporter(mem))
	if err != nil || mem.Len() != 1 || mem.Records()[0].InstrumentationScope().Name != "batch-job" {
		t.Fatalf("err %v, %d records", err, mem.Len())
	}
	if res := got.Stats(); res.Exported != 1 {
		t.Fatalf("not drained: %+v", res)
	}
	if _, cached := GetCachedLoggers()["batch-job"]; cached {
		t.Fatal("Runtime logger was cached")
	}

	mem2 := exporter.NewMemory()
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Fatalf("recovered %v", r)
			}
		}()
		_ = Runtime(context.Background(), func(l *Logger) error {
			l.Critical("about to panic")
			panic("boom")
		}, WithExporter(mem2))
	}()
	if mem2.Len() != 1 {
		t.Fatalf("record before the panic not drained: %d", mem2.Len())
	}

	mem3 := exporter.NewMemory()
	err = RuntimeAsync(context.Background(), func(ctx context.Context, l *AsyncLogger) error {
		return l.Info(ctx, "Batch started")
	}, WithExporter(mem3))
	if err != nil || mem3.Len() != 1 {
		t.Fatalf("RuntimeAsync: %v, %d records", err, mem3.Len())
	}
}

func TestDisabledCallsDoNotAllocate(t *testing.T) {
	l, _ := newMem(t, WithLevel(levels.Info))
	a, err := GetAsyncLogger(context.Background(), "alloc", Reuse(false), WithExporter(exporter.NewNone()))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _, _ = a.Drain(context.Background()) }()
	ctx := context.Background()
	if n := testing.AllocsPerRun(100, func() {
		l.Debug("disabled", "k1", "v1", "k2", 2, "k3", true, "k4", 4.5, "k5", "v5", "k6", 6, "k7", "v7", "k8", 8, "k9", "v9", "k10", 10)
		_ = a.Debug(ctx, "disabled", "k1", "v1", "k2", 2, "k3", true)
	}); n != 0 {
		t.Fatalf("disabled calls allocate %v times", n)
	}
}

// blockingExporter holds every export until released: a stalled collector.
type blockingExporter struct {
	*exporter.Memory
	hold chan struct{}
}

func newBlockingExporter() *blockingExporter {
	return &blockingExporter{Memory: exporter.NewMemory(), hold: make(chan struct{})}
}

func (b *blockingExporter) release() { close(b.hold) }

func (b *blockingExporter) Export(ctx context.Context, recs []sdklog.Record) error {
	select {
	case <-b.hold:
	case <-ctx.Done():
		return ctx.Err()
	}
	return b.Memory.Export(ctx, recs)
}
