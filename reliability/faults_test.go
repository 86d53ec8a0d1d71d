//go:build linux

package reliability

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sdklog "go.opentelemetry.io/otel/sdk/log"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/internal/longtest"
	"github.com/fapilog/fapilog-go/levels"
)

// waitFor polls cond every 10ms until it holds or timeout passes.
func waitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if !time.Now().Before(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

// TestCollectorKilledMidStreamLosesNothing SIGKILLs the collector while
// 20,000 records are being logged and restarts it on the same port about a
// second later: every record reaches the collector (OTLP retries are at
// least once: a duplicate is possible, and the library counts every record
// that may be one in Resent). Over both OTLP protocols (the console has no
// collector to lose).
func TestCollectorKilledMidStreamLosesNothing(t *testing.T) {
	for _, proto := range []string{string(exporter.ProtocolGRPC), string(exporter.ProtocolHTTP)} {
		t.Run(proto, func(t *testing.T) { collectorKilledMidStream(t, proto) })
	}
}

func collectorKilledMidStream(t *testing.T, proto string) {
	const n = 20000
	c := startCollector(t)
	name := "kill-restart-" + proto
	l := fapilog.GetLogger(name, fapilog.Reuse(false), fapilog.WithLevel(levels.Debug),
		fapilog.WithExporterConfig(otlpConfig(proto, c, shortRetry(30*time.Second))),
		fapilog.WithExportInterval(20*time.Millisecond), fapilog.WithBatchSize(256),
		// Wait for room rather than drop: this test is about delivery.
		fapilog.WithBackpressureWait(time.Minute), fapilog.WithProtectedWait(time.Minute))

	var logged atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			l.Log(context.Background(), mixedLevels[i%len(mixedLevels)], "record", "id", i, "phase", name)
			logged.Add(1)
		}
	}()

	if !waitFor(time.Minute, func() bool { return logged.Load() >= n/3 }) {
		t.Fatalf("only %d records logged in a minute", logged.Load())
	}
	c.Kill()
	killedAt := time.Now()
	atKill := logged.Load()
	before := delivered(t, c, name, 0, 0).unique()
	time.Sleep(time.Second)
	c.Restart(t)
	down := time.Since(killedAt)
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatalf("logging did not finish: %d of %d records logged", logged.Load(), n)
	}
	res, err := drain(t, l, time.Minute)
	if err != nil {
		t.Errorf("drain: %v", err)
	}
	checkBalance(t, res)
	d := delivered(t, c, name, n, 10*time.Second)
	t.Logf("%s: SIGKILL after %d records logged (%d at the collector), back after %v; %s; collector: %d unique, %d duplicates, %d missing",
		proto, atKill, before, down.Round(time.Millisecond), summary(res), d.unique(), d.duplicates(), len(d.missing(n)))
	report(t, "collector SIGKILLed mid-stream, restarted ("+proto+")", n, res, d, len(d.missing(n)))
	if res.Submitted != n || res.Exported != n || res.Dropped != 0 || res.Failed != 0 {
		t.Errorf("want all %d exported: %s", n, summary(res))
	}
	if m := d.missing(n); len(m) > 0 {
		t.Errorf("%d records missing at the collector, first %v", len(m), m[:min(10, len(m))])
	}
	if uint64(d.duplicates()) > res.Resent {
		t.Errorf("the collector holds %d duplicates, the library reported %d possible ones", d.duplicates(), res.Resent)
	}
}

// TestOutageLongerThanRetryWindowIsCountedAsFailed kills the collector for
// good: what was logged before is exported, what the retries could not
// deliver is exactly Failed, what found no room is exactly Dropped (never a
// protected level), and nothing is silently lost.
func TestOutageLongerThanRetryWindowIsCountedAsFailed(t *testing.T) {
	const before, during = 500, 3000 // before < the unprotected share (768): nothing dropped before the outage
	c := startCollector(t)
	l := fapilog.GetLogger("long-outage", fapilog.Reuse(false), fapilog.WithLevel(levels.Debug),
		fapilog.WithExporterConfig(grpcConfig(c.GRPCEndpoint, shortRetry(time.Second))),
		fapilog.WithQueueSize(1024), fapilog.WithBatchSize(512), fapilog.WithExportInterval(20*time.Millisecond),
		fapilog.WithBackpressureWait(0), fapilog.WithProtectedWait(time.Minute))
	ctx := context.Background()
	for i := range before {
		l.Log(ctx, mixedLevels[i%len(mixedLevels)], "before the outage", "id", i)
	}
	if err := l.Flush(ctx); err != nil {
		t.Fatalf("flush before the outage: %v", err)
	}
	c.Kill()
	for i := before; i < before+during; i++ {
		l.Log(ctx, mixedLevels[i%len(mixedLevels)], "during the outage", "id", i)
	}
	res, err := drain(t, l, time.Minute)
	t.Logf("drain error (expected, the collector is gone): %v", err)
	checkBalance(t, res)
	d := delivered(t, c, "long-outage", before, 5*time.Second)
	t.Logf("%s; collector: %d unique, %d duplicates", summary(res), d.unique(), d.duplicates())
	report(t, "collector down longer than the retry window", before+during, res, d, len(d.missing(before)))

	if res.Submitted != before+during {
		t.Errorf("Submitted %d, want %d", res.Submitted, before+during)
	}
	if res.Exported != uint64(d.unique()) {
		t.Errorf("Exported %d, but the collector holds %d distinct records", res.Exported, d.unique())
	}
	if res.Exported != before {
		t.Errorf("Exported %d, want the %d records logged before the outage", res.Exported, before)
	}
	if m := d.missing(before); len(m) > 0 {
		t.Errorf("records from before the outage missing: %v", m[:min(10, len(m))])
	}
	// What was not delivered is exactly Failed (+ Dropped for what found no room).
	if undelivered := res.Submitted - uint64(d.unique()); undelivered != res.Failed+res.Dropped || res.Failed == 0 {
		t.Errorf("%d records never reached the collector, Failed %d + Dropped %d", undelivered, res.Failed, res.Dropped)
	}
	for l, lc := range res.ByLevel {
		if isProtected(l) && lc.Dropped != 0 {
			t.Errorf("%v: %d protected records dropped", l, lc.Dropped)
		}
	}
}

// TestCollectorAbsentAtStartupLosesNothing creates the logger and logs while
// nothing listens on the collector's (fixed) port, and starts the collector
// about 2 s later: GetLogger does not wait for it, and every record arrives.
func TestCollectorAbsentAtStartupLosesNothing(t *testing.T) {
	const n = 5000
	c := startCollector(t)
	c.Kill() // keep its ports: the logger is pointed at a collector that is not there yet
	cfg := grpcConfig(c.GRPCEndpoint, shortRetry(30*time.Second))

	created := time.Now()
	got := make(chan *fapilog.Logger, 1)
	go func() {
		l := fapilog.GetLogger("absent-at-start", fapilog.Reuse(false), fapilog.WithLevel(levels.Debug),
			fapilog.WithExporterConfig(cfg), fapilog.WithQueueSize(8192), fapilog.WithExportInterval(50*time.Millisecond))
		for i := range n / 2 {
			l.Log(context.Background(), mixedLevels[i%len(mixedLevels)], "before the collector", "id", i)
		}
		got <- l
	}()
	var l *fapilog.Logger
	select {
	case l = <-got:
	case <-time.After(30 * time.Second):
		t.Fatal("GetLogger (or logging) blocked while no collector was listening")
	}
	// GetLogger returned and n/2 records were logged before the collector
	// process even exists: it is started only now.
	if c.Running() {
		t.Fatal("collector running before GetLogger returned")
	}
	time.Sleep(time.Until(created.Add(2 * time.Second)))
	c.Restart(t)
	for i := n / 2; i < n; i++ {
		l.Log(context.Background(), mixedLevels[i%len(mixedLevels)], "after the collector", "id", i)
	}
	res, err := drain(t, l, time.Minute)
	if err != nil {
		t.Errorf("drain: %v", err)
	}
	checkBalance(t, res)
	d := delivered(t, c, "absent-at-start", n, 10*time.Second)
	t.Logf("%s; collector: %d unique, %d duplicates", summary(res), d.unique(), d.duplicates())
	report(t, "collector absent at start, up 2 s later", n, res, d, len(d.missing(n)))
	if res.Exported != n || res.Dropped != 0 || res.Failed != 0 {
		t.Errorf("want all %d exported: %s", n, summary(res))
	}
	if m := d.missing(n); len(m) > 0 {
		t.Errorf("%d records missing at the collector, first %v", len(m), m[:min(10, len(m))])
	}
}

// slowExporter delays every export: a collector (or network) slower than
// the application logs.
type slowExporter struct {
	sdklog.Exporter
	delay time.Duration
}

func (e *slowExporter) Export(ctx context.Context, recs []sdklog.Record) error {
	time.Sleep(e.delay)
	return e.Exporter.Export(ctx, recs)
}

// TestSlowExporterBurstNeverDropsProtectedLevels logs 100,000 records of
// mixed levels from 8 goroutines through a real OTLP exporter slowed down
// in front of the real collector, with a small queue: the counts balance
// exactly, every drop is of an unprotected level, and no ERROR, CRITICAL,
// AUDIT or SECURITY record is lost.
func TestSlowExporterBurstNeverDropsProtectedLevels(t *testing.T) {
	// 100,000 records with FAPILOG_LONG_TESTS=1 (CI), 20,000 otherwise.
	goroutines, per := 8, longtest.Scale(2500, 12500)
	n := goroutines * per
	c := startCollector(t)
	built, err := exporter.Build(context.Background(), grpcConfig(c.GRPCEndpoint, shortRetry(10*time.Second)))
	if err != nil {
		t.Fatal(err)
	}
	slow := &slowExporter{Exporter: built.Exporter, delay: 2 * time.Millisecond}
	l := fapilog.GetLogger("slow-burst", fapilog.Reuse(false), fapilog.WithLevel(levels.Debug), fapilog.WithExporter(slow),
		fapilog.WithQueueSize(512), fapilog.WithBatchSize(128), fapilog.WithExportInterval(5*time.Millisecond),
		fapilog.WithBackpressureWait(time.Millisecond), fapilog.WithProtectedWait(time.Minute))

	var wg sync.WaitGroup
	start := make(chan struct{})
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := range per {
				id := g*per + i
				l.Log(context.Background(), mixedLevels[id%len(mixedLevels)], "burst", "id", id, "goroutine", g)
			}
		}()
	}
	close(start)
	wg.Wait()
	res, err := drain(t, l, time.Minute)
	if (res.Dropped+res.Failed > 0) != errors.Is(err, fapilog.ErrNotDelivered) || (err != nil && !errors.Is(err, fapilog.ErrNotDelivered)) {
		t.Errorf("drain: %v (the drain must say whether records were lost: %s)", err, summary(res))
	}
	checkBalance(t, res)
	d := delivered(t, c, "slow-burst", int(res.Exported), 20*time.Second)
	t.Logf("%s; collector: %d unique, %d duplicates", summary(res), d.unique(), d.duplicates())
	for _, lv := range mixedLevels {
		t.Logf("  %-8v %+v", lv, res.ByLevel[lv])
	}
	report(t, "slow exporter burst, 8 goroutines", n, res, d, int(res.Exported)-d.unique())

	if res.Submitted != uint64(n) {
		t.Errorf("Submitted %d, want %d", res.Submitted, n)
	}
	if res.Exported != uint64(d.unique()) {
		t.Errorf("Exported %d, collector holds %d distinct records", res.Exported, d.unique())
	}
	if res.Dropped == 0 {
		t.Error("nothing was dropped: the exporter was not slow enough for this test to prove anything")
	}
	var unprotectedDropped uint64
	for lv, lc := range res.ByLevel {
		if isProtected(lv) {
			if lc.Dropped != 0 || lc.Failed != 0 || lc.Exported != lc.Submitted {
				t.Errorf("protected %v lost records: %+v", lv, lc)
			}
		} else {
			unprotectedDropped += lc.Dropped
		}
	}
	if unprotectedDropped != res.Dropped {
		t.Errorf("Dropped %d, of which unprotected %d", res.Dropped, unprotectedDropped)
	}
	// Every protected record is at the collector.
	var protectedMissing []int64
	for id := range int64(n) {
		if isProtected(mixedLevels[id%int64(len(mixedLevels))]) && d.ids[id] == 0 {
			protectedMissing = append(protectedMissing, id)
		}
	}
	if len(protectedMissing) > 0 {
		t.Errorf("%d protected records missing at the collector, first %v", len(protectedMissing), protectedMissing[:min(10, len(protectedMissing))])
	}
}

// report logs one row of the results table (grep REPORT in the -v output).
// missing counts the records that should be at the collector and are not.
func report(t *testing.T, scenario string, sent int, res fapilog.DrainResult, d delivery, missing int) {
	t.Helper()
	t.Logf("REPORT | %s | sent %d | exported %d | dropped %d | failed %d | missing %d | duplicates %d |",
		scenario, sent, res.Exported, res.Dropped, res.Failed, missing, d.duplicates())
}
