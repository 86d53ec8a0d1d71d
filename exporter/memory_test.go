package exporter

import (
	"context"
	"errors"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
)

func TestMemoryStoresClonesAndReturnsCopies(t *testing.T) {
	recs := makeRecords(t, resource.Empty(), "mem", func(ctx context.Context, l log.Logger) {
		for _, body := range []string{"one", "two"} {
			var r log.Record
			r.SetBody(attribute.StringValue(body))
			r.AddAttributes(attribute.Int("a", 1), attribute.Int("b", 2), attribute.Int("c", 3),
				attribute.Int("d", 4), attribute.Int("e", 5), attribute.Int("f", 6)) // 6th goes to the heap slice
			l.Emit(ctx, r)
		}
	})
	m := NewMemory()
	if err := m.Export(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	// Changing what was exported does not change what was stored.
	recs[0].SetBody(attribute.StringValue("changed"))
	recs[0].SetAttributes(attribute.Int("z", 0))
	got := m.Records()
	if m.Len() != 2 || len(got) != 2 {
		t.Fatalf("Len %d, Records %d; want 2", m.Len(), len(got))
	}
	if b := got[0].Body().AsString(); b != "one" {
		t.Fatalf("stored body %q, want one", b)
	}
	if got[0].AttributesLen() != 6 {
		t.Fatalf("stored %d attributes, want 6", got[0].AttributesLen())
	}
	// Changing what Records returned does not change what is stored.
	got[1].SetBody(attribute.StringValue("changed"))
	got[1].SetAttributes()
	again := m.Records()
	if again[1].Body().AsString() != "two" || again[1].AttributesLen() != 6 {
		t.Fatal("Records returned the stored records, not copies")
	}
	m.Reset()
	if m.Len() != 0 || len(m.Records()) != 0 {
		t.Fatal("Reset kept records")
	}
}

func TestMemoryStopsAtShutdown(t *testing.T) {
	m := NewMemory()
	recs := oneRecord(t)
	if err := m.Export(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	if err := m.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if m.Stopped() {
		t.Fatal("stopped before Shutdown")
	}
	if err := m.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := m.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !m.Stopped() {
		t.Fatal("not stopped after Shutdown")
	}
	if err := m.Export(context.Background(), recs); !errors.Is(err, sdklog.ErrExporterShutdown) {
		t.Fatalf("Export after Shutdown: %v", err)
	}
	if m.Len() != 1 {
		t.Fatalf("Len %d after Shutdown, want the 1 stored record", m.Len())
	}
}

func TestMemoryIsSafeForConcurrentUse(t *testing.T) {
	m := NewMemory()
	recs := oneRecord(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				_ = m.Export(context.Background(), recs)
				_ = m.Records()
				_ = m.Len()
			}
		})
	}
	wg.Wait()
	if m.Len() != 800 {
		t.Fatalf("Len %d, want 800", m.Len())
	}
}

func TestMemoryWorksInAPipeline(t *testing.T) {
	m := NewMemory()
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewBatchProcessor(m)))
	l := lp.Logger("pipeline")
	for range 10 {
		l.Emit(context.Background(), log.Record{})
	}
	if err := lp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if m.Len() != 10 || !m.Stopped() {
		t.Fatalf("Len %d, stopped %v; want 10, true", m.Len(), m.Stopped())
	}
}

func TestNoneDiscardsAndSucceedsUntilShutdown(t *testing.T) {
	n := NewNone()
	recs := oneRecord(t)
	if err := n.Export(context.Background(), recs); err != nil {
		t.Fatalf("Export: %v", err)
	}
	if err := n.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := n.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := n.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := n.Export(context.Background(), recs); !errors.Is(err, sdklog.ErrExporterShutdown) {
		t.Fatalf("Export after Shutdown: %v", err)
	}
}
