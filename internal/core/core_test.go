package core

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.uber.org/goleak"

	"github.com/fapilog/fapilog-go/internal/record"
	"github.com/fapilog/fapilog-go/internal/settings"
	"github.com/fapilog/fapilog-go/levels"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func withBaggage(t testing.TB, ctx context.Context, k, v string) context.Context {
	t.Helper()
	m, err := baggage.NewMember(k, v)
	if err != nil {
		t.Fatal(err)
	}
	b, err := baggage.New(m)
	if err != nil {
		t.Fatal(err)
	}
	return baggage.ContextWithBaggage(ctx, b)
}

func TestContextFieldsCostNothingWithoutBaggageKeys(t *testing.T) {
	c := &Core{}
	ctx := withBaggage(t, Bind(context.Background(), []any{"k", "v"}), "tenant", "acme")
	if n := testing.AllocsPerRun(100, func() { _ = c.contextFields(ctx) }); n != 0 {
		t.Fatalf("%v allocations without baggage keys", n)
	}
	if got := c.contextFields(ctx); len(got) != 1 || &got[0] != &BoundFields(ctx)[0] {
		t.Fatalf("contextFields = %v, want the bound fields themselves", got)
	}
	cb := &Core{baggage: []string{"tenant"}}
	plain := Bind(context.Background(), []any{"k", "v"})
	if n := testing.AllocsPerRun(100, func() { _ = cb.contextFields(plain) }); n != 0 {
		t.Fatalf("%v allocations with baggage keys but no baggage in ctx", n)
	}
}

type discard struct{}

func (discard) OnEmit(context.Context, *sdklog.Record) error           { return nil }
func (discard) Enabled(context.Context, sdklog.EnabledParameters) bool { return true }
func (discard) Shutdown(context.Context) error                         { return nil }
func (discard) ForceFlush(context.Context) error                       { return nil }

type noopStage struct{}

func (noopStage) Apply(_ *record.Call, msg string, attrs []attribute.KeyValue) (string, []attribute.KeyValue) {
	return msg, attrs
}

// BenchmarkNoopStage is the staging path alone: a stage that changes
// nothing, on an AUDIT record (only those have stages), to tell the cost of
// running stages from the stages' own.
func BenchmarkNoopStage(b *testing.B) {
	p := sdklog.NewLoggerProvider(sdklog.WithProcessor(discard{}), sdklog.WithAllowKeyDuplication())
	c, err := New(b.Name(), Sync, settings.Config{Level: levels.Info, Provider: p, QueueSize: 2048})
	if err != nil {
		b.Fatal(err)
	}
	c.auditStages, c.auditUnordered = []record.Stage{noopStage{}}, true
	b.Cleanup(func() { _, _ = c.Drain(context.Background()); _ = p.Shutdown(context.Background()) })
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		e := Entry{Level: levels.Audit, Call: record.Call{Msg: "request handled"}}
		_ = c.Emit(ctx, e, record.Args{KV: []any{"user", "alice", "status", 200, "path", "/orders/42"}})
	}
}

// The protected test of every call reads a bit mask for levels below 128
// and the list above it: both must give the list's answer, custom levels
// included.
func TestIsProtectedAgreesWithTheList(t *testing.T) {
	p := sdklog.NewLoggerProvider(sdklog.WithProcessor(discard{}))
	protected := []levels.Level{levels.Error, levels.Level(25), levels.Level(127), levels.Level(128), levels.Level(1000)}
	c, err := New(t.Name(), Sync, settings.Config{Level: levels.Info, Provider: p, QueueSize: 16, Protected: protected})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = c.Drain(context.Background()); _ = p.Shutdown(context.Background()) })
	for _, l := range []levels.Level{-64, -1, 0, 1, levels.Debug, levels.Info, 25, 26, levels.Warning, levels.Error,
		levels.Critical, levels.Audit, levels.Security, 63, 64, 65, 126, 127, 128, 129, 191, 192, 999, 1000, 1001} {
		want := false
		for _, p := range protected {
			want = want || p == l
		}
		if got := c.isProtected(l); got != want {
			t.Errorf("isProtected(%d) = %v, want %v", l, got, want)
		}
	}
}
