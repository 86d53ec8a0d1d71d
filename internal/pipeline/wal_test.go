package pipeline

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/log"
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
