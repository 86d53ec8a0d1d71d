package auditchain_test

import (
	"context"
	"encoding/hex"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/log/embedded"
	"go.opentelemetry.io/otel/log/noop"

	"github.com/fapilog/fapilog-go/audit"
	"github.com/fapilog/fapilog-go/internal/auditchain"
	"github.com/fapilog/fapilog-go/internal/record"
)

func call(sev int, text string, t time.Time) *record.Call {
	return &record.Call{Time: t, Severity: log.Severity(sev), Text: text}
}

// apply runs the chain as record.Emit does: Apply, then Release.
func apply(ch *auditchain.Chain, c *record.Call, msg string, attrs []attribute.KeyValue) []attribute.KeyValue {
	_, out := ch.Apply(c, msg, attrs)
	if ch.Holds(c) {
		ch.Release(c)
	}
	return out
}

func get(attrs []attribute.KeyValue, key string) (attribute.Value, bool) {
	for _, kv := range attrs {
		if string(kv.Key) == key {
			return kv.Value, true
		}
	}
	return attribute.Value{}, false
}

func TestChainNumbersAndLinksAuditAndSecurityRecordsOnly(t *testing.T) {
	ch := auditchain.NewChain()
	if len(ch.ID()) != 32 {
		t.Fatalf("chain id %q: want 32 hex digits", ch.ID())
	}
	if other := auditchain.NewChain(); other.ID() == ch.ID() {
		t.Fatal("two chains share an id")
	}
	now := time.Unix(1700000000, 123456789)
	info := []attribute.KeyValue{attribute.String("k", "v")}
	if out := apply(ch, call(9, "INFO", now), "m", info); len(out) != 1 {
		t.Fatalf("an INFO record was chained: %v", out)
	}
	var prevHash string
	for i, text := range []string{"AUDIT", "SECURITY", "AUDIT"} {
		sev := 22
		if text == "SECURITY" {
			sev = 23
		}
		in := []attribute.KeyValue{
			attribute.String("user", "alice"),
			attribute.Int("audit.seq", 99),        // reserved: dropped
			attribute.String("audit.other", "ok"), // not reserved
		}
		out := apply(ch, call(sev, text, now), "role changed", in)
		if string(out[0].Key) != audit.KeyChainID || string(out[1].Key) != audit.KeySeq {
			t.Fatalf("chain attributes are not first: %v", out)
		}
		seq, _ := get(out, audit.KeySeq)
		if seq.AsInt64() != int64(i+1) {
			t.Fatalf("record %d: seq %d", i, seq.AsInt64())
		}
		prev, hasPrev := get(out, audit.KeyPrevHash)
		if i == 0 && hasPrev {
			t.Fatal("seq 1 carries a prev_hash")
		}
		if i > 0 && prev.AsString() != prevHash {
			t.Fatalf("seq %d: prev_hash %s, want %s", i+1, prev.AsString(), prevHash)
		}
		h, _ := get(out, audit.KeyHash)
		var enc audit.Encoder
		var prevRaw []byte
		if i > 0 {
			prevRaw, _ = hex.DecodeString(prevHash)
		}
		sum := enc.Hash(prevRaw, &audit.Record{Time: now, SeverityNumber: int64(sev), SeverityText: text, Body: attribute.StringValue("role changed"), Attrs: out})
		if hex.EncodeToString(sum[:]) != h.AsString() {
			t.Fatalf("seq %d: hash does not recompute", i+1)
		}
		if _, ok := get(out, audit.KeyTypes); ok {
			t.Fatal("audit.types without an ambiguous value")
		}
		if v, _ := get(out, "audit.seq"); v.AsInt64() != int64(i+1) {
			t.Fatal("the call's audit.seq survived")
		}
		if _, ok := get(out, "audit.other"); !ok {
			t.Fatal("a non-reserved audit.* attribute was dropped")
		}
		prevHash = h.AsString()
	}
}

func TestChainHintsValuesJSONCannotType(t *testing.T) {
	ch := auditchain.NewChainWithID("c")
	out := apply(ch, call(22, "AUDIT", time.Unix(1, 0)), "m", []attribute.KeyValue{
		attribute.Float64("whole", 3), attribute.Float64("frac", 1.5), attribute.Int("int", 3),
		attribute.ByteSlice("raw", []byte{1, 2}),
		attribute.Map("m", attribute.Float64Slice("fs", []float64{1.5, 2}), attribute.Slice("s", attribute.StringValue("x"), attribute.Float64Value(4))),
	})
	types, ok := get(out, audit.KeyTypes)
	if !ok {
		t.Fatal("no audit.types")
	}
	want := `[["f","whole"],["b","raw"],["f","m","fs",1],["f","m","s",1]]`
	if types.AsString() != want {
		t.Fatalf("audit.types = %s, want %s", types.AsString(), want)
	}
}

func TestChainSerializesConcurrentRecords(t *testing.T) {
	ch := auditchain.NewChain()
	var wg sync.WaitGroup
	var mu sync.Mutex
	seqs := map[int64]bool{}
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				out := apply(ch, call(22, "AUDIT", time.Now()), "m", []attribute.KeyValue{attribute.Int("i", i)})
				s, _ := get(out, audit.KeySeq)
				mu.Lock()
				seqs[s.AsInt64()] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for i := int64(1); i <= 800; i++ {
		if !seqs[i] {
			t.Fatalf("seq %d missing: numbering is not gapless under concurrency", i)
		}
	}
}

type panicStage struct{}

func (panicStage) Apply(*record.Call, string, []attribute.KeyValue) (string, []attribute.KeyValue) {
	panic("stage failed")
}

type panicLogger struct{ embedded.Logger }

func (panicLogger) Emit(context.Context, log.Record) { panic("emit failed") }
func (panicLogger) Enabled(context.Context, log.EnabledParameters) bool {
	return true
}

// TestPanicsNeverLeaveTheChainLocked: a stage that panics before the chain,
// or an SDK that panics while emitting, must not leave the chain locked
// (the next AUDIT record would wait forever) nor unlock it twice (fatal).
func TestPanicsNeverLeaveTheChainLocked(t *testing.T) {
	ch := auditchain.NewChain()
	lg := noop.NewLoggerProvider().Logger("x")
	emit := func(lg log.Logger, stages ...record.Stage) (panicked bool) {
		defer func() { panicked = recover() != nil }()
		record.Emit(context.Background(), lg, &record.Call{Time: time.Now(), Severity: 22, Text: "AUDIT", Stages: stages}, nil)
		return false
	}
	if !emit(lg, panicStage{}, ch) {
		t.Fatal("the stage did not panic")
	}
	if !emit(panicLogger{}, ch) {
		t.Fatal("the logger did not panic")
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		emit(lg, ch)
	}()
	select {
	case <-done:
	case <-time.After(time.Minute): // a deadline for a stuck test, not a timing assertion
		t.Fatal("the chain stayed locked after a panic")
	}
}

// BenchmarkChainApply is the chain's own cost per AUDIT record (no logger,
// no export): 3 string attributes, then 3 attributes of which two need a
// type hint (an integral float and bytes).
//
//	go test -run '^$' -bench ChainApply -benchmem ./internal/auditchain/
func BenchmarkChainApply(b *testing.B) {
	for _, c := range []struct {
		name  string
		attrs []attribute.KeyValue
	}{
		{"plain", []attribute.KeyValue{attribute.String("user", "alice"), attribute.String("role", "admin"), attribute.String("by", "root")}},
		{"hinted", []attribute.KeyValue{attribute.String("user", "alice"), attribute.Float64("amount", 100), attribute.ByteSlice("raw", []byte{1, 2})}},
	} {
		b.Run(c.name, func(b *testing.B) {
			ch := auditchain.NewChain()
			rc := call(22, "AUDIT", time.Unix(1700000000, 0))
			buf := make([]attribute.KeyValue, 0, 16)
			b.ReportAllocs()
			for b.Loop() {
				apply(ch, rc, "role changed", append(buf[:0], c.attrs...))
			}
		})
	}
}

// record.Unordered is what lets the core skip the ordered-stage check per
// call: a list holding the chain must never be called unordered (its lock
// would never be released).
func TestAListWithTheChainIsNotUnordered(t *testing.T) {
	ch := auditchain.NewChain()
	if record.Unordered([]record.Stage{panicStage{}, ch}) {
		t.Fatal("a list ending with the chain was called unordered")
	}
	if !record.Unordered([]record.Stage{panicStage{}}) || !record.Unordered(nil) {
		t.Fatal("a list without an ordered stage was not called unordered")
	}
}
