package pipeline

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"

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
