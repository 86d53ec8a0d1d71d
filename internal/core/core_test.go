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
// nothing, to tell the bridge's cost of running stages from the redactor's
// own (BenchmarkRedaction in the root package).
func BenchmarkNoopStage(b *testing.B) {
	p := sdklog.NewLoggerProvider(sdklog.WithProcessor(discard{}), sdklog.WithAllowKeyDuplication())
	c, err := New(b.Name(), Sync, settings.Config{Level: levels.Info, Provider: p, QueueSize: 2048})
	if err != nil {
		b.Fatal(err)
	}
	c.stages = []record.Stage{noopStage{}}
	b.Cleanup(func() { _, _ = c.Drain(context.Background()); _ = p.Shutdown(context.Background()) })
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		e := Entry{Level: levels.Info, Msg: "request handled"}
		_ = c.Emit(ctx, &e, record.Args{KV: []any{"user", "alice", "status", 200, "path", "/orders/42"}})
	}
}
