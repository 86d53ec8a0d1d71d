package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/fapilog/fapilog-go/internal/delivery"
	"github.com/fapilog/fapilog-go/internal/record"
	"github.com/fapilog/fapilog-go/internal/spool"
)

// Item 1: with a spool, an accepted protected record is on disk (the
// write-ahead log) when the call returns, while its export is still
// pending, and leaves the log once the export is over. Unprotected records
// are not written ahead.
func TestProtectedRecordsAreWrittenAheadAndRemovedAfterExport(t *testing.T) {
	exp := newHeld(true) // the export hangs: the records stay in flight
	p := New(Settings{Exporter: exp, QueueSize: 64, BatchSize: 8, ExportInterval: time.Millisecond,
		Name: "wal", Warn: func(string) {}, Spool: openSpool(t, t.TempDir(), 0),
		Protected: []log.Severity{log.SeverityError, log.SeverityFatal2}})
	if p.sp.wal == nil {
		t.Fatal("no write-ahead log with a spool")
	}
	for i := range 5 {
		emitN(t, p, log.SeverityError, 1)
		if n := p.sp.wal.s.Len(); n != i+1 {
			t.Fatalf("after %d protected calls returned, the write-ahead log holds %d records", i+1, n)
		}
	}
	emitN(t, p, log.SeverityInfo, 3)
	if n := p.sp.wal.s.Len(); n != 5 {
		t.Fatalf("unprotected records were written ahead: %d in the log", n)
	}
	exp.release()
	eventually(t, "the exports", func() bool { return p.Result().Exported == 8 })
	if n := p.sp.wal.s.Len(); n != 0 {
		t.Fatalf("%d records left in the write-ahead log after their export", n)
	}
	res, err := p.Stop(context.Background())
	if err != nil || res.Exported != 8 {
		t.Fatalf("%+v, %v", res, err)
	}
}

// A protected record the write-ahead log cannot take (here: larger than the
// spool's bound) is still sent, but the call says it was not on disk when
// it returned: ErrNotDurable wrapping the cause, and a line on stderr.
// Before, the call returned nil, as if the record were durable.
func TestAFailedWriteAheadIsReportedToTheCaller(t *testing.T) {
	var mu sync.Mutex
	var lines []string
	exp := newHeld(false)
	p := New(Settings{Exporter: exp, QueueSize: 64, BatchSize: 8, ExportInterval: time.Millisecond,
		Name: "walfull", Spool: openSpool(t, t.TempDir(), spool.MinMaxBytes),
		Warn:      func(s string) { mu.Lock(); lines = append(lines, s); mu.Unlock() },
		Protected: []log.Severity{log.SeverityError}})
	big := attribute.String("blob", strings.Repeat("x", 2*spool.MinMaxBytes))
	err := p.Emit(context.Background(), Admission{Severity: log.SeverityError, Protected: true, Wait: time.Second},
		&record.Call{Severity: log.SeverityError, Msg: "too big to write ahead"}, record.Args{Attrs: []attribute.KeyValue{big}})
	if !errors.Is(err, ErrNotDurable) || !errors.Is(err, spool.ErrFull) {
		t.Fatalf("Emit of a record the write-ahead log cannot hold = %v, want ErrNotDurable wrapping spool.ErrFull", err)
	}
	emitN(t, p, log.SeverityError, 1) // a record that fits is durable again
	res, err := p.Stop(context.Background())
	if err != nil || res.Exported != 2 || res.Submitted != 2 {
		t.Fatalf("the record that was not written ahead was not sent: %+v, %v", res, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(lines) == 0 || !strings.Contains(strings.Join(lines, "\n"), "write-ahead") {
		t.Fatalf("no stderr line for the failed write-ahead: %q", lines)
	}
}

const inflightChildEnv = "FAPILOG_PIPELINE_INFLIGHT_CHILD"

// stuckExporter says when it is first called and never returns before its
// ctx ends: a collector that got the request and has not answered.
type stuckExporter struct {
	called chan struct{}
	once   sync.Once
}

func (e *stuckExporter) Export(ctx context.Context, _ []sdklog.Record) error {
	e.once.Do(func() { close(e.called) })
	<-ctx.Done()
	return ctx.Err()
}
func (e *stuckExporter) Shutdown(context.Context) error   { return nil }
func (e *stuckExporter) ForceFlush(context.Context) error { return nil }

// inflightChild logs one AUDIT record, waits until its export is under
// way (the collector may have it), logs five more that stay queued behind
// it, says "ready" and waits to be killed.
func inflightChild(dir string) {
	s, err := spool.Open(dir, spool.Options{})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	e := &stuckExporter{called: make(chan struct{})}
	p := newSpoolPipeline(e, s, 64, nil, nil)
	_ = logRec(context.Background(), p, log.SeverityFatal2, time.Second, "inflight")
	<-e.called
	for i := range 5 {
		_ = logRec(context.Background(), p, log.SeverityFatal2, time.Second, fmt.Sprint("queued", i))
	}
	fmt.Println("ready")
	select {}
}

// Item 1, at least once: after a SIGKILL, the next process replays every
// accepted protected record from the write-ahead log, and counts as Resent
// exactly those whose export was under way when the process died (the
// collector may hold them: possible duplicates), not those still queued.
// Before, the next process could not tell them apart: no duplicate was
// counted.
func TestTheNextProcessCountsWhatTheDeadOneMayHaveDelivered(t *testing.T) {
	dir := t.TempDir()
	killReadyChild(t, inflightChildEnv+"="+dir)
	var mu sync.Mutex
	var warned []string
	e := newFlaky(false)
	p := newSpoolPipeline(e, openSpool(t, dir, 0), 64, nil, func(s string) { mu.Lock(); warned = append(warned, s); mu.Unlock() })
	eventually(t, "the replay", func() bool { return p.Result().Recovered == 6 })
	r, err := p.Stop(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r.Recovered != 6 || r.Resent != 1 || r.BySeverity[log.SeverityFatal2].Resent != 1 {
		t.Fatalf("want 6 recovered, 1 of them resent (the one in flight): %+v", r)
	}
	if got := strings.Join(e.bodies(), ","); got != "inflight,queued0,queued1,queued2,queued3,queued4" {
		t.Fatalf("replayed %s", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if w := strings.Join(warned, "\n"); !strings.Contains(w, "possible duplicates") {
		t.Fatalf("no stderr line about possible duplicates: %q", warned)
	}
}

// reportingExporter fails its first attempt the way a collector that died
// holding the request does (the exporter tells the pipeline the outcome is
// unknown), then delivers: as the OTLP exporter's transports report.
type reportingExporter struct {
	*heldExporter
	uncertain bool
}

func (e *reportingExporter) ReportsDelivery() bool { return true }

func (e *reportingExporter) Export(ctx context.Context, recs []sdklog.Record) error {
	if r := delivery.From(ctx); r != nil {
		r.Observe()
		if e.uncertain {
			r.Uncertain()
		}
	}
	return e.heldExporter.Export(ctx, recs)
}

// A batch delivered after an attempt whose outcome is unknown may be at
// the collector twice: its records count as Resent (possible duplicates),
// and only then. Before, a retry's duplicates were counted nowhere.
func TestABatchDeliveredAfterAnUncertainAttemptCountsAsResent(t *testing.T) {
	for _, uncertain := range []bool{true, false} {
		e := &reportingExporter{heldExporter: newHeld(false), uncertain: uncertain}
		p := New(Settings{Exporter: e, QueueSize: 64, BatchSize: 8, ExportInterval: time.Millisecond,
			Name: "resent", Warn: func(string) {}})
		emitN(t, p, log.SeverityError, 3)
		emitN(t, p, log.SeverityInfo, 2)
		r, err := p.Stop(context.Background())
		if err != nil || r.Exported != 5 {
			t.Fatalf("%+v, %v", r, err)
		}
		want := uint64(0)
		if uncertain {
			want = 5
		}
		if r.Resent != want || r.BySeverity[log.SeverityError].Resent != want*3/5 {
			t.Fatalf("uncertain=%v: Resent %d (ERROR %d), want %d", uncertain, r.Resent, r.BySeverity[log.SeverityError].Resent, want)
		}
	}
}

// The write-ahead log starts empty: its acknowledgements count this
// pipeline's records, so records another owner left in a free slot must
// stay there for the spool to replay. Before, the log claimed the first
// free slot, took such records as its own, and its first acknowledgement
// removed them, unsent.
func TestTheWriteAheadLogNeverTakesRecordsItDidNotWrite(t *testing.T) {
	dir := t.TempDir()
	sp := openSpool(t, dir, 0) // slot 0, held by the pipeline below
	other := openSpool(t, dir, 0)
	for i := range 3 {
		if _, err := other.Append([]byte(fmt.Sprint("left-", i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := other.Close(); err != nil { // slot 1: records, no owner
		t.Fatal(err)
	}
	p := New(Settings{Exporter: newHeld(false), QueueSize: 64, BatchSize: 8, ExportInterval: time.Millisecond,
		Name: "wal-fresh", Warn: func(string) {}, Spool: sp, Protected: []log.Severity{log.SeverityError}})
	if n := p.sp.wal.s.Len(); n != 0 {
		t.Fatalf("the write-ahead log opened with %d records another owner left", n)
	}
	if _, err := p.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	next := openSpool(t, dir, 0)
	defer next.Close()
	if next.Len() != 3 {
		t.Fatalf("the next spool on the folder finds %d of the 3 records left there", next.Len())
	}
}
