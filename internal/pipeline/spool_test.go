package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.opentelemetry.io/otel/trace"

	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/internal/record"
	"github.com/fapilog/fapilog-go/internal/spool"
)

var errCollectorDown = errors.New("collector unreachable")

// flakyExporter is an in-memory exporter that fails while down, and refuses
// (while up) any batch holding a record whose body is in refuse.
type flakyExporter struct {
	*exporter.Memory
	down    atomic.Bool
	refuse  string
	calls   atomic.Int64
	failed  atomic.Int64
	refused atomic.Int64
}

func newFlaky(down bool) *flakyExporter {
	e := &flakyExporter{Memory: exporter.NewMemory()}
	e.down.Store(down)
	return e
}

func (e *flakyExporter) Export(ctx context.Context, recs []sdklog.Record) error {
	e.calls.Add(1)
	if e.down.Load() {
		e.failed.Add(1)
		return errCollectorDown
	}
	for i := range recs {
		if e.refuse != "" && recs[i].Body().AsString() == e.refuse {
			e.refused.Add(1)
			return errors.New("collector refused the batch")
		}
	}
	return e.Memory.Export(ctx, recs)
}

func (e *flakyExporter) bodies() []string {
	var out []string
	for _, r := range e.Records() {
		out = append(out, r.Body().AsString())
	}
	return out
}

var protectedSevs = []log.Severity{log.SeverityError, log.SeverityFatal, log.SeverityFatal2, log.SeverityFatal3}

func isProtected(sev log.Severity) bool {
	for _, s := range protectedSevs {
		if s == sev {
			return true
		}
	}
	return false
}

func openSpool(t testing.TB, dir string, max int64) *spool.Spool {
	t.Helper()
	s, err := spool.Open(dir, spool.Options{MaxBytes: max})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newSpoolPipeline(e sdklog.Exporter, sp *spool.Spool, queue int, res *resource.Resource, warn func(string)) *Pipeline {
	if warn == nil {
		warn = func(string) {}
	}
	return New(Settings{Exporter: e, QueueSize: queue, BatchSize: 4, ExportInterval: 2 * time.Millisecond,
		ExportTimeout: 5 * time.Second, Name: "spooltest", Warn: warn, Resource: res,
		Spool: sp, Protected: protectedSevs, SpoolRetry: 2 * time.Millisecond})
}

// logRec runs one call through the pipeline the way the facade does,
// taking the spool path when there is no room in time.
func logRec(ctx context.Context, p *Pipeline, sev log.Severity, wait time.Duration, body string, kv ...attribute.KeyValue) error {
	c := record.Call{Time: time.Now(), Severity: sev, Text: sev.String(), Msg: body}
	return p.Emit(ctx, Admission{Severity: sev, Protected: isProtected(sev), Wait: wait}, &c, record.Args{Attrs: kv})
}

// eventually waits for cond: the tests assert outcomes, never durations,
// so the bound is only there to fail a broken build instead of hanging.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func checkExactSpool(t *testing.T, r Result) {
	t.Helper()
	if r.Submitted != r.Exported+r.Dropped+r.Failed+r.Spooled {
		t.Fatalf("Submitted %d != Exported %d + Dropped %d + Failed %d + Spooled %d",
			r.Submitted, r.Exported, r.Dropped, r.Failed, r.Spooled)
	}
	for sev, c := range r.BySeverity {
		if c.Submitted != c.Exported+c.Dropped+c.Failed+c.Spooled {
			t.Fatalf("severity %d: %+v", sev, c)
		}
	}
}

func TestFailedExportsOfProtectedRecordsAreSpooledAndReplayedInOrder(t *testing.T) {
	dir := t.TempDir()
	e := newFlaky(true)
	p := newSpoolPipeline(e, openSpool(t, dir, 0), 64, nil, nil)
	ctx := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1, 2, 3}, SpanID: trace.SpanID{4, 5}, TraceFlags: trace.FlagsSampled}))
	for i := range 10 {
		sev := log.SeverityError
		if i%2 == 1 {
			sev = log.SeverityInfo
		}
		if err := logRec(ctx, p, sev, time.Second, fmt.Sprintf("r%d", i), attribute.Int("i", i)); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "the failed exports", func() bool { r := p.Result(); return r.Spooled+r.Failed == 10 })
	r := p.Result()
	if r.Spooled != 5 || r.Failed != 5 || r.BySeverity[log.SeverityInfo].Failed != 5 || r.BySeverity[log.SeverityError].Spooled != 5 {
		t.Fatalf("while the collector is down: %+v", r)
	}
	e.down.Store(false)
	eventually(t, "the replay", func() bool { return p.Result().Spooled == 0 })
	res, err := p.Stop(context.Background())
	if err := stopErr(res, err); err != nil {
		t.Fatal(err)
	}
	checkExactSpool(t, res)
	if res.Exported != 5 || res.Failed != 5 || res.Spooled != 0 || res.Recovered != 0 {
		t.Fatalf("%+v", res)
	}
	if got := strings.Join(e.bodies(), ","); got != "r0,r2,r4,r6,r8" {
		t.Fatalf("delivered %s", got)
	}
	for i, rec := range e.Records() {
		if rec.TraceID() != (trace.TraceID{1, 2, 3}) || rec.SpanID() != (trace.SpanID{4, 5}) || rec.TraceFlags() != trace.FlagsSampled {
			t.Fatalf("record %d lost its trace context", i)
		}
		if rec.InstrumentationScope().Name != "spooltest" || rec.Severity() != log.SeverityError || rec.SeverityText() != "ERROR" {
			t.Fatalf("record %d: scope %q severity %v %q", i, rec.InstrumentationScope().Name, rec.Severity(), rec.SeverityText())
		}
		var got int64 = -1
		rec.WalkAttributes(func(kv attribute.KeyValue) bool { got = kv.Value.AsInt64(); return true })
		if got != int64(2*i) {
			t.Fatalf("record %d: attribute i = %d", i, got)
		}
	}
	s := openSpool(t, dir, 0)
	defer s.Close()
	if s.Len() != 0 {
		t.Fatalf("%d records left in the spool after the replay", s.Len())
	}
}

func TestProtectedRecordsWithoutRoomGoToTheSpool(t *testing.T) {
	e := newHeld(true)
	p := newSpoolPipeline(e, openSpool(t, t.TempDir(), 0), 2, nil, nil)
	for i := range 2 {
		if err := logRec(context.Background(), p, log.SeverityError, 0, fmt.Sprintf("queued%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	// The queue is full: these find no room, and go to disk instead.
	if err := logRec(context.Background(), p, log.SeverityFatal2, 0, "spooled0"); err != nil {
		t.Fatalf("protected record with a spool: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := logRec(ctx, p, log.SeverityFatal3, -1, "spooled1"); err != nil {
		t.Fatalf("protected record whose ctx ended, with a spool: %v", err)
	}
	// Unprotected records are still dropped.
	if err := logRec(context.Background(), p, log.SeverityInfo, 0, "dropped"); !errors.Is(err, ErrDropped) {
		t.Fatalf("unprotected record: %v", err)
	}
	r := p.Result()
	if r.Spooled != 2 || r.Dropped != 1 || r.BySeverity[log.SeverityFatal2].Spooled != 1 {
		t.Fatalf("%+v", r)
	}
	e.release()
	eventually(t, "the replay", func() bool { return p.Result().Spooled == 0 })
	res, err := p.Stop(context.Background())
	if err := stopErr(res, err); err != nil {
		t.Fatal(err)
	}
	checkExactSpool(t, res)
	if res.Exported != 4 || res.Dropped != 1 {
		t.Fatalf("%+v", res)
	}
	var got []string
	e.mu.Lock()
	for _, r := range e.recs {
		got = append(got, r.Body().AsString())
	}
	e.mu.Unlock()
	if strings.Join(got, ",") != "queued0,queued1,spooled0,spooled1" {
		t.Fatalf("delivered %v", got)
	}
}

func TestAFullSpoolCountsFailedAndDroppedNeverSilentlyLost(t *testing.T) {
	big := strings.Repeat("x", 1500) // two fit in the smallest spool
	var warnings []string
	var mu sync.Mutex
	warn := func(s string) { mu.Lock(); warnings = append(warnings, s); mu.Unlock() }

	// Export path: the records the spool cannot take are Failed.
	e := newFlaky(true)
	p := newSpoolPipeline(e, openSpool(t, t.TempDir(), spool.MinMaxBytes), 8, nil, warn)
	for i := range 4 {
		// The write-ahead log has the spool's bound too: past two records
		// it cannot take them, and the call says so (they are still sent).
		if err := logRec(context.Background(), p, log.SeverityError, time.Second, fmt.Sprintf("%d%s", i, big)); err != nil && !errors.Is(err, ErrNotDurable) {
			t.Fatal(err)
		}
	}
	eventually(t, "the failed exports", func() bool { r := p.Result(); return r.Spooled+r.Failed == 4 })
	if r := p.Result(); r.Spooled != 2 || r.Failed != 2 {
		t.Fatalf("export path, spool full: %+v", r)
	}
	if got := p.lossSummary(); got != "lost so far: ERROR failed 2" {
		t.Fatalf("loss summary %q", got)
	}
	r, _ := p.Stop(context.Background())
	checkExactSpool(t, r)
	mu.Lock()
	if w := strings.Join(warnings, "\n"); !strings.Contains(w, "ERROR failed") || !strings.Contains(w, "spool") {
		t.Fatalf("the warnings do not name the lost ERROR records and the spool:\n%s", w)
	}
	mu.Unlock()

	// Admission path: the records the spool cannot take are Dropped.
	h := newHeld(true)
	q := newSpoolPipeline(h, openSpool(t, t.TempDir(), spool.MinMaxBytes), 1, nil, warn)
	if err := logRec(context.Background(), q, log.SeverityError, 0, "queued"); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := logRec(context.Background(), q, log.SeverityError, 0, fmt.Sprintf("%d%s", i, big)); err != nil {
			t.Fatalf("spooled record %d: %v", i, err)
		}
	}
	if err := logRec(context.Background(), q, log.SeverityError, 0, "2"+big); !errors.Is(err, ErrDropped) {
		t.Fatalf("admission path, spool full: %v, want ErrDropped", err)
	}
	if r := q.Result(); r.Spooled != 2 || r.Dropped != 1 || r.BySeverity[log.SeverityError].Dropped != 1 {
		t.Fatalf("%+v", r)
	}
	if got := q.lossSummary(); got != "lost so far: ERROR dropped 1" {
		t.Fatalf("loss summary %q", got)
	}
	h.release()
	r, _ = q.Stop(context.Background())
	checkExactSpool(t, r)
}

// TestRecordsLeftInTheSpoolAreReplayedByTheNextPipeline: a pipeline drained
// while the collector is down leaves its records on disk (Spooled); the
// next one on the folder replays them (Recovered) with its own resource.
func TestRecordsLeftInTheSpoolAreReplayedByTheNextPipeline(t *testing.T) {
	dir := t.TempDir()
	down := newFlaky(true)
	p := newSpoolPipeline(down, openSpool(t, dir, 0), 64, nil, nil)
	for i := range 6 {
		_ = logRec(context.Background(), p, log.SeverityFatal2, time.Second, fmt.Sprintf("audit%d", i))
	}
	eventually(t, "the failed exports", func() bool { return p.Result().Spooled == 6 })
	r, err := p.Stop(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkExactSpool(t, r)
	if r.Spooled != 6 || r.Exported != 0 {
		t.Fatalf("first pipeline: %+v", r)
	}

	up := newFlaky(false)
	res := resource.NewSchemaless(attribute.String("service.name", "replayer"))
	q := newSpoolPipeline(up, openSpool(t, dir, 0), 64, res, nil)
	eventually(t, "the replay", func() bool { return q.Result().Recovered == 6 })
	r, err = q.Stop(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkExactSpool(t, r)
	if r.Submitted != 0 || r.Recovered != 6 || r.BySeverity[log.SeverityFatal2].Recovered != 6 {
		t.Fatalf("second pipeline: %+v", r)
	}
	if got := strings.Join(up.bodies(), ","); got != "audit0,audit1,audit2,audit3,audit4,audit5" {
		t.Fatalf("replayed %s", got)
	}
	for _, rec := range up.Records() {
		if v, _ := rec.Resource().Set().Value("service.name"); v.AsString() != "replayer" {
			t.Fatalf("resource %v", rec.Resource())
		}
	}
}

const crashChildEnv = "FAPILOG_PIPELINE_CRASH_CHILD"

// crashChild logs protected records into a spool while its collector is
// down, says "ready" once they are all on disk, and waits to be killed.
func crashChild(dir string) {
	s, err := spool.Open(dir, spool.Options{})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	p := newSpoolPipeline(newFlaky(true), s, 64, nil, nil)
	ctx := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{9}, SpanID: trace.SpanID{8}}))
	for i := range 20 {
		_ = logRec(ctx, p, log.SeverityError, time.Second, fmt.Sprintf("crash%02d", i),
			attribute.String("user", "u"), attribute.KeyValue{Key: "nested", Value: attribute.MapValue(attribute.Int("n", i))})
	}
	for p.Result().Spooled != 20 {
		time.Sleep(time.Millisecond)
	}
	fmt.Println("ready")
	select {}
}

// killReadyChild runs this test binary as a child with env set, waits for
// it to print "ready" and kills it: a crash, with no drain, no Close and no
// deferred function.
func killReadyChild(t *testing.T, env string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), env)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if line != "ready\n" {
		t.Fatalf("child said %q", line)
	}
}

func TestCrashedProcessSpoolIsReplayedInOrderByTheNextProcess(t *testing.T) {
	dir := t.TempDir()
	killReadyChild(t, crashChildEnv+"="+dir)
	if m, _ := filepath.Glob(filepath.Join(dir, "slot-*.spool")); len(m) != 2 { // the spool and its write-ahead log
		t.Fatalf("spool files %v", m)
	}

	e := newFlaky(false)
	p := newSpoolPipeline(e, openSpool(t, dir, 0), 64, nil, nil)
	eventually(t, "the replay", func() bool { return p.Result().Recovered == 20 })
	r, err := p.Stop(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkExactSpool(t, r)
	recs := e.Records()
	if len(recs) != 20 {
		t.Fatalf("replayed %d records, want 20", len(recs))
	}
	for i, rec := range recs {
		if rec.Body().AsString() != fmt.Sprintf("crash%02d", i) {
			t.Fatalf("record %d is %q: out of order", i, rec.Body().AsString())
		}
		if rec.TraceID() != (trace.TraceID{9}) || rec.SpanID() != (trace.SpanID{8}) {
			t.Fatalf("record %d lost its trace context", i)
		}
		var nested int64 = -1
		rec.WalkAttributes(func(kv attribute.KeyValue) bool {
			if kv.Key == "nested" {
				nested = kv.Value.AsMap()[0].Value.AsInt64()
			}
			return true
		})
		if nested != int64(i) {
			t.Fatalf("record %d: nested attribute %d", i, nested)
		}
	}
}

func TestTornSpoolTailIsReportedAndTheRestReplayed(t *testing.T) {
	dir := t.TempDir()
	p := newSpoolPipeline(newFlaky(true), openSpool(t, dir, 0), 64, nil, nil)
	for i := range 3 {
		_ = logRec(context.Background(), p, log.SeverityError, time.Second, fmt.Sprintf("t%d", i))
	}
	eventually(t, "the failed exports", func() bool { return p.Result().Spooled == 3 })
	if _, err := p.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "slot-000.spool")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The last record's write, cut short (in its body): what follows it
	// (the drain's last replay attempt marks records sent) goes too.
	cut := bytes.LastIndex(data, []byte("t2"))
	if cut < 0 {
		t.Fatal("t2 is not in the spool file")
	}
	if err := os.Truncate(path, int64(cut+1)); err != nil {
		t.Fatal(err)
	}
	var warned []string
	var mu sync.Mutex
	e := newFlaky(false)
	q := newSpoolPipeline(e, openSpool(t, dir, 0), 64, nil, func(s string) { mu.Lock(); warned = append(warned, s); mu.Unlock() })
	eventually(t, "the replay", func() bool { return q.Result().Recovered == 2 })
	if _, err := q.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(e.bodies(), ","); got != "t0,t1" {
		t.Fatalf("replayed %s", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(warned) == 0 || !strings.Contains(warned[0], "torn") {
		t.Fatalf("warnings %q", warned)
	}
}

func TestARecordTheCollectorAlwaysRefusesDoesNotBlockTheSpool(t *testing.T) {
	e := newFlaky(true)
	e.refuse = "poison"
	p := newSpoolPipeline(e, openSpool(t, t.TempDir(), 0), 64, nil, nil)
	for _, b := range []string{"good0", "poison", "good1"} {
		_ = logRec(context.Background(), p, log.SeverityError, time.Second, b)
	}
	eventually(t, "the failed exports", func() bool { return p.Result().Spooled == 3 })
	e.down.Store(false)
	// Live traffic shows the collector is up while it refuses the poison.
	eventually(t, "the spool to drain", func() bool {
		_ = logRec(context.Background(), p, log.SeverityInfo, time.Second, "live")
		_ = p.Flush(context.Background())
		return p.Result().Spooled == 0
	})
	r, err := p.Stop(context.Background())
	if err := stopErr(r, err); err != nil {
		t.Fatal(err)
	}
	checkExactSpool(t, r)
	if c := r.BySeverity[log.SeverityError]; c.Exported != 2 || c.Failed != 1 {
		t.Fatalf("ERROR counts %+v", c)
	}
	var replayed []string
	for _, b := range e.bodies() {
		if b != "live" {
			replayed = append(replayed, b)
		}
	}
	if strings.Join(replayed, ",") != "good0,good1" {
		t.Fatalf("replayed %v", replayed)
	}
}

func TestStopWithTheCollectorDownKeepsTheSpoolAndReturns(t *testing.T) {
	e := newFlaky(true)
	p := newSpoolPipeline(e, openSpool(t, t.TempDir(), 0), 64, nil, nil)
	for i := range 5 {
		_ = logRec(context.Background(), p, log.SeverityFatal, time.Second, fmt.Sprint(i))
	}
	r, err := p.Stop(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkExactSpool(t, r)
	if r.Spooled != 5 {
		t.Fatalf("%+v", r)
	}
	// A protected call after the stop reports ErrStopped, and goes to the
	// spool folder for the next process rather than being lost.
	if err := logRec(context.Background(), p, log.SeverityFatal, time.Second, "late"); !errors.Is(err, ErrStopped) {
		t.Fatalf("after Stop: %v", err)
	}
	r = p.Result()
	checkExactSpool(t, r)
	if r.Dropped != 0 || r.Spooled != 6 {
		t.Fatalf("%+v", r)
	}
}

func TestConcurrentLoggingWithASpoolKeepsCountsExact(t *testing.T) {
	e := newFlaky(false)
	p := newSpoolPipeline(e, openSpool(t, t.TempDir(), 0), 16, nil, nil)
	var wg sync.WaitGroup
	var flips atomic.Int32
	stop := make(chan struct{})
	wg.Add(1)
	go func() { // the collector goes down and up
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			e.down.Store(flips.Add(1)%2 == 0)
			time.Sleep(time.Millisecond)
		}
	}()
	var lg sync.WaitGroup
	for g := range 8 {
		lg.Add(1)
		go func() {
			defer lg.Done()
			for i := range 150 {
				sev := log.SeverityInfo
				if (g+i)%3 == 0 {
					sev = log.SeverityError
				}
				_ = logRec(context.Background(), p, sev, 0, "x")
			}
		}()
	}
	lg.Wait()
	close(stop)
	wg.Wait()
	e.down.Store(false)
	r, err := p.Stop(context.Background())
	if err := stopErr(r, err); err != nil {
		t.Fatal(err)
	}
	checkExactSpool(t, r)
	if r.Submitted != 8*150 || uint64(e.Len()) != r.Exported {
		t.Fatalf("%+v; exporter holds %d", r, e.Len())
	}
}

// TestDamagedSpoolEntryIsNotBlamedOnACrash flips a byte in the middle of a
// spool file: the records after it are replayed, and the warning calls it
// damage, not an interrupted write.
func TestDamagedSpoolEntryIsNotBlamedOnACrash(t *testing.T) {
	dir := t.TempDir()
	p := newSpoolPipeline(newFlaky(true), openSpool(t, dir, 0), 64, nil, nil)
	for i := range 10 {
		_ = logRec(context.Background(), p, log.SeverityError, time.Second, fmt.Sprintf("d%d", i))
	}
	eventually(t, "the failed exports", func() bool { return p.Result().Spooled == 10 })
	if _, err := p.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "slot-000.spool")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, []byte("d5"))
	b[i+1] ^= 0x01
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	var warned []string
	var mu sync.Mutex
	e := newFlaky(false)
	q := newSpoolPipeline(e, openSpool(t, dir, 0), 64, nil, func(s string) { mu.Lock(); warned = append(warned, s); mu.Unlock() })
	eventually(t, "the replay", func() bool { return q.Result().Recovered == 9 })
	if _, err := q.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(e.bodies(), ","); got != "d0,d1,d2,d3,d4,d6,d7,d8,d9" {
		t.Fatalf("replayed %s", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(warned) == 0 || !strings.Contains(warned[0], "damaged") || strings.Contains(warned[0], "crash") {
		t.Fatalf("warnings %q: want damage reported, no crash blamed", warned)
	}
}
