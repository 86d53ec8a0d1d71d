package pipeline

import (
	"context"
	"fmt"
	"sync"

	"go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/log/embedded"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/fapilog/fapilog-go/internal/spool"
)

// wal is the write-ahead log of protected records, for pipelines with a
// spool: an accepted protected record is on disk before the call returns,
// and leaves the log once the export that carried it is over (delivered,
// or moved to the spool, or counted failed). A crash in between leaves it
// in the log, which is a slot of the spool folder: the next process that
// opens the folder adopts it into its spool and sends it. Delivery is at
// least once: a crash after an export and before its removal sends the
// record again (the next process counts it as Recovered, and as Resent:
// each export first marks its records sent, so the next process tells the
// records that may have reached the collector from those that never left).
//
// Order is what makes removal exact without an id per record: a record is
// appended and handed to the batch processor under one lock, so the log
// holds the protected records in the order the processor exports them, and
// an export that carried k of them removes the first k. inLog remembers,
// in the same order, which of them the log holds (an append can fail: the
// record is then sent without it, and Emit returns ErrNotDurable).
type wal struct {
	s *spool.Spool

	mu    sync.Mutex // orders append + enqueue
	qmu   sync.Mutex // guards inLog
	inLog []bool
	head  int
}

// openWAL opens the log as another slot of the spool's folder.
func openWAL(sp *spool.Spool) (*wal, error) {
	// Fresh: the log must start empty, since its acknowledgements count
	// this pipeline's records only; records another owner left are the
	// spool's to replay.
	s, err := spool.Open(sp.Dir(), spool.Options{MaxBytes: sp.MaxBytes(), Fresh: true})
	if err != nil {
		return nil, fmt.Errorf("write-ahead log in %s: %w", sp.Dir(), err)
	}
	return &wal{s: s}, nil
}

func (w *wal) push(in bool) {
	w.qmu.Lock()
	w.inLog = append(w.inLog, in)
	w.qmu.Unlock()
}

// done removes the first k protected records of the export order from the
// log: their export is over.
func (w *wal) done(k int) error {
	if k <= 0 {
		return nil
	}
	w.qmu.Lock()
	k, n := w.inLogAmongLocked(k)
	w.head += k
	if w.head > 1024 && w.head*2 > len(w.inLog) {
		w.inLog = append(w.inLog[:0], w.inLog[w.head:]...)
		w.head = 0
	}
	w.qmu.Unlock()
	return w.s.Ack(n)
}

// walLogger is the log.Logger a protected record is emitted on when the
// pipeline writes ahead: it encodes the record, appends it to the log and
// hands it to the SDK logger under one lock, then waits for the fsync
// (shared with concurrent calls) outside it.
type walLogger struct {
	embedded.Logger
	sp  *spooler
	err error
}

func (l *walLogger) Enabled(context.Context, log.EnabledParameters) bool { return true }

func (l *walLogger) Emit(ctx context.Context, r log.Record) {
	sp := l.sp
	w := sp.wal
	_, b, err := sp.encodeCall(ctx, &r)
	var wait func() error
	w.mu.Lock()
	if err == nil {
		wait, err = w.s.AppendNoWait(b)
	}
	w.push(err == nil)
	sp.p.otel.Emit(ctx, r)
	w.mu.Unlock()
	if wait != nil {
		err = wait()
	}
	if err != nil {
		// Sent without the log: not lost, but not durable before the
		// call returned.
		sp.warn.note(sp.p.name, "sent without the write-ahead log", err)
	}
	l.err = err
}

// inLogAmongLocked bounds k by the records not done yet and returns it
// with how many of the first k the log holds. It needs qmu.
func (w *wal) inLogAmongLocked(k int) (int, int) {
	k = min(k, len(w.inLog)-w.head)
	n := 0
	for _, in := range w.inLog[w.head : w.head+k] {
		if in {
			n++
		}
	}
	return k, n
}

// sending marks the first k protected records of the export order as
// handed to the exporter (see spool.MarkSent): the next process that
// replays them counts them as possible duplicates.
func (w *wal) sending(k int) error {
	if k <= 0 {
		return nil
	}
	w.qmu.Lock()
	_, n := w.inLogAmongLocked(k)
	w.qmu.Unlock()
	return w.s.MarkSent(n)
}

// protectedIn counts the records of recs the write-ahead log holds in
// order (those of protected severities).
func (sp *spooler) protectedIn(recs []sdklog.Record) int {
	k := 0
	for i := range recs {
		if sp.protected[sevIndex(recs[i].Severity())] {
			k++
		}
	}
	return k
}
