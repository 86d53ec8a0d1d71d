package fapilog

import (
	"context"
	"strconv"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"

	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/levels"
)

// variables the pins use: non-constant values, which ...any would box at
// the call site.
var (
	userID  = "u-" + strconv.Itoa(48213)
	status  = 200 + len(userID)%2
	latency = 12.5 + float64(len(userID))
)

func TestLogAttrsBuildsTheSameRecordAsKeyValues(t *testing.T) {
	l, mem := newMem(t)
	ctx := l.Bind(context.Background(), "request_id", "r-1")
	l.With("tenant", "acme").LogAttrs(ctx, levels.Warning, "typed",
		attribute.String("user", userID), attribute.Int("status", status), attribute.String("tenant", "call wins"))
	l.With("tenant", "acme").WarningContext(ctx, "typed", "user", userID, "status", status, "tenant", "call wins")
	recs := flushed(t, l, mem)
	if len(recs) != 2 {
		t.Fatalf("%d records", len(recs))
	}
	typed, kv := attrs(recs[0]), attrs(recs[1])
	if len(typed) != 4 || typed["user"].AsString() != userID || typed["status"].AsInt64() != int64(status) ||
		typed["tenant"].AsString() != "call wins" || typed["request_id"].AsString() != "r-1" {
		t.Fatalf("LogAttrs attributes %v", typed)
	}
	for k, v := range kv {
		if typed[k] != v {
			t.Fatalf("%s: LogAttrs %v, key/values %v", k, typed[k], v)
		}
	}
	if recs[0].Severity() != log.SeverityWarn || recs[0].SeverityText() != "WARNING" || recs[0].Body().AsString() != "typed" {
		t.Fatalf("record %v %q %v", recs[0].Severity(), recs[0].SeverityText(), recs[0].Body())
	}
}

func TestAsyncLogAttrsRecordsAndGates(t *testing.T) {
	mem := exporter.NewMemory()
	a, err := GetAsyncLogger(context.Background(), t.Name(), Reuse(false), WithExporter(mem))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := a.LogAttrs(ctx, levels.Debug, "below the gate", attribute.Int("n", 1)); err != nil {
		t.Fatal(err)
	}
	if err := a.LogAttrs(ctx, levels.Audit, "typed", attribute.String("user", userID)); err != nil {
		t.Fatal(err)
	}
	r, err := a.Drain(ctx)
	if err != nil {
		t.Fatal(err)
	}
	recs := mem.Records()
	if r.Submitted != 1 || len(recs) != 1 || attrs(recs[0])["user"].AsString() != userID || recs[0].SeverityText() != "AUDIT" {
		t.Fatalf("%+v, %d records", r, len(recs))
	}
}

func TestSetLevelAppliesToWithChildrenAndNeverGatesAuditOrSecurity(t *testing.T) {
	l, mem := newMem(t)
	child := l.With("k", "v")
	if l.Level() != levels.Info || child.Level() != levels.Info {
		t.Fatalf("levels %v %v, want INFO", l.Level(), child.Level())
	}
	child.Debug("dropped by the gate")
	l.SetLevel(levels.Debug)
	if child.Level() != levels.Debug || !child.Enabled(levels.Debug) {
		t.Fatal("SetLevel on the parent did not reach the With child")
	}
	child.Debug("passes now")
	child.SetLevel(levels.Security + 10) // above every level
	l.Critical("gated")
	l.Audit("always")
	l.Security("always")
	recs := flushed(t, l, mem)
	var got []string
	for _, r := range recs {
		got = append(got, r.Body().AsString()+"/"+r.SeverityText())
	}
	want := []string{"passes now/DEBUG", "always/AUDIT", "always/SECURITY"}
	if len(got) != len(want) {
		t.Fatalf("records %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("records %v, want %v", got, want)
		}
	}
	if l.Level() != levels.Security+10 {
		t.Fatalf("Level() = %v after SetLevel", l.Level())
	}
}

func TestAsyncSetLevel(t *testing.T) {
	a := allocAsyncLogger(t)
	child := a.With("k", "v")
	a.SetLevel(levels.Error)
	if child.Level() != levels.Error || child.Enabled(levels.Warning) || !child.Enabled(levels.Audit) {
		t.Fatalf("child level %v", child.Level())
	}
}

// TestSetLevelWhileLogging is for the race detector: SetLevel and calls at
// once, and the counts stay exact.
func TestSetLevelWhileLogging(t *testing.T) {
	l, _ := newMem(t)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					l.Debug("d")
					l.LogAttrs(context.Background(), levels.Info, "i", attribute.Int("n", status))
				}
			}
		}()
	}
	for i := range 200 {
		l.SetLevel([]levels.Level{levels.Debug, levels.Warning}[i%2])
	}
	close(stop)
	wg.Wait()
	r, err := l.StopAndDrain(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r.Submitted != r.Exported+r.Dropped+r.Failed {
		t.Fatalf("%+v", r)
	}
}

func TestDisabledLogAttrsWithVariablesAllocatesNothing(t *testing.T) {
	l := allocLogger(t, WithLevel(levels.Warning))
	a := allocAsyncLogger(t, WithLevel(levels.Warning))
	ctx := context.Background()
	for name, call := range map[string]func(){
		"sync 3 attrs": func() {
			l.LogAttrs(ctx, levels.Info, "m", attribute.String("user", userID), attribute.Int("status", status),
				attribute.Float64("latency_ms", latency))
		},
		"sync 10 attrs": func() {
			l.LogAttrs(ctx, levels.Debug, "m", attribute.String("user", userID), attribute.Int("status", status),
				attribute.Float64("latency_ms", latency), attribute.String("k4", userID), attribute.Int("k5", status),
				attribute.String("k6", userID), attribute.Int("k7", status), attribute.Bool("k8", status > 0),
				attribute.String("k9", userID), attribute.Int("k10", status))
		},
		"async 3 attrs": func() {
			_ = a.LogAttrs(ctx, levels.Info, "m", attribute.String("user", userID), attribute.Int("status", status),
				attribute.Float64("latency_ms", latency))
		},
	} {
		if n := testing.AllocsPerRun(allocRuns, call); n != 0 {
			t.Errorf("%s: %v allocations per disabled call, want 0", name, n)
		}
	}
}

func TestEnabledLogAttrsAllocatesOnlyTheSDKRecord(t *testing.T) {
	for _, n := range []int{3, 10} {
		lg := allocSDKProvider(t, true)
		sdk := testing.AllocsPerRun(allocRuns, func() { byHand(lg, n) })
		l := allocLogger(t)
		a := allocAsyncLogger(t)
		ctx := context.Background()
		three := func() {
			l.LogAttrs(ctx, levels.Info, "request served", attribute.String("method", "GET"),
				attribute.Int("status", status), attribute.String("path", userID))
		}
		ten := func() {
			l.LogAttrs(ctx, levels.Info, "request served", attribute.String("method", "GET"),
				attribute.Int("status", status), attribute.String("path", "/api/v1/users"), attribute.String("user_id", userID),
				attribute.Float64("latency_ms", latency), attribute.Int("bytes", 5120), attribute.Bool("cache_hit", true),
				attribute.String("region", "eu-west-1"), attribute.Int("attempt", 1), attribute.String("request_id", userID))
		}
		call := map[int]func(){3: three, 10: ten}[n]
		if got := testing.AllocsPerRun(allocRuns, call); got > sdk {
			t.Errorf("sync %d attrs: %v allocations, the same record by hand on the same provider: %v", n, got, sdk)
		}
		acall := func() {
			_ = a.LogAttrs(ctx, levels.Info, "request served", attribute.String("method", "GET"),
				attribute.Int("status", status), attribute.String("path", userID))
		}
		if n == 3 {
			if got := testing.AllocsPerRun(allocRuns, acall); got > sdk {
				t.Errorf("async 3 attrs: %v allocations, by hand: %v", got, sdk)
			}
		}
	}
}
