package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/log/embedded"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/trace"

	"github.com/fapilog/fapilog-go/internal/delivery"
	"github.com/fapilog/fapilog-go/internal/record"
	"github.com/fapilog/fapilog-go/internal/spool"
)

// Replay timing.
const (
	// DefaultSpoolRetry is the first wait before a replay after a failure.
	DefaultSpoolRetry = time.Second
	// MaxSpoolRetry bounds the wait between replays while they fail.
	MaxSpoolRetry = 30 * time.Second
	// poisonStrikes is how many times a single spooled record may fail to
	// export while the exporter delivers other records, before it is taken
	// out of the spool and counted as failed: one record the collector
	// always refuses must not block the spool forever.
	poisonStrikes = 3
)

// export health, as last seen.
const (
	healthUnknown int32 = iota
	healthOK
	healthFailed
)

// spooler connects a pipeline to its spool: it writes protected records
// that cannot be delivered, and replays them through the exporter.
//
// Entries are one byte of severity index followed by the spool.Record
// encoding, so a record is counted under its level even if its encoding
// cannot be read back.
type spooler struct {
	p         *Pipeline
	s         *spool.Spool
	protected [nSeverities]bool
	retry     time.Duration
	batch     int
	timeout   time.Duration
	warn      warner

	// exportSem serializes calls to the inner exporter (the SDK contract:
	// Export is never called concurrently), cancellably for the replay.
	exportSem chan struct{}
	health    atomic.Int32
	// liveOK is set by each successful live export; the replay reads and
	// clears it to tell a collector that refuses a record from one that is
	// down.
	liveOK atomic.Bool

	// The replay provider turns spooled records back into sdklog.Records
	// with their scope and this pipeline's resource; capture collects them.
	lp      *sdklog.LoggerProvider
	capture *captureProcessor

	wakeNow    chan struct{} // replay now: the exporter just delivered, or Flush
	wakeAppend chan struct{} // the spool got records: replay after the backoff
	ctx        context.Context
	cancel     context.CancelFunc
	done       chan struct{}
	finishOnce sync.Once
	closeOnce  sync.Once
	// lateMu serializes the records spooled after the drain.
	lateMu sync.Mutex
	// wal is the write-ahead log of protected records; nil for a
	// synchronous pipeline (the console writes before the call returns).
	wal *wal

	// replay state, owned by the replay goroutine (then by finish).
	limit   int
	strikes int
}

func newSpooler(p *Pipeline, s Settings) *spooler {
	sp := &spooler{
		p:          p,
		s:          s.Spool,
		retry:      s.SpoolRetry,
		batch:      s.BatchSize,
		timeout:    s.ExportTimeout,
		exportSem:  make(chan struct{}, 1),
		capture:    &captureProcessor{},
		wakeNow:    make(chan struct{}, 1),
		wakeAppend: make(chan struct{}, 1),
		done:       make(chan struct{}),
	}
	for _, sev := range s.Protected {
		if sev >= 0 && sev < nSeverities {
			sp.protected[sev] = true
		}
	}
	if !s.Synchronous {
		if w, err := openWAL(s.Spool); err != nil {
			sp.warn.print(fmt.Sprintf("fapilog: logger %q: running without a write-ahead log: %v", p.name, err))
		} else {
			sp.wal = w
		}
	}
	if sp.retry <= 0 {
		sp.retry = DefaultSpoolRetry
	}
	if sp.batch <= 0 {
		sp.batch = 512
	}
	if sp.timeout <= 0 {
		sp.timeout = 30 * time.Second
	}
	sp.limit = sp.batch
	sp.warn.out = s.Warn
	sp.warn.events = "spool events"
	sp.warn.detail = sp.status
	opts := []sdklog.LoggerProviderOption{sdklog.WithProcessor(sp.capture), sdklog.WithAllowKeyDuplication()}
	if _, set := os.LookupEnv("OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT"); !set {
		opts = append(opts, sdklog.WithAttributeCountLimit(-1)) // as the live provider
	}
	if s.Resource != nil {
		opts = append(opts, sdklog.WithResource(s.Resource))
	}
	sp.lp = sdklog.NewLoggerProvider(opts...)
	sp.ctx, sp.cancel = context.WithCancel(context.Background())
	if rec := sp.s.Recovery(); rec.TornBytes > 0 || rec.DamagedEntries > 0 || len(rec.Unreadable) > 0 {
		var msg string
		switch {
		case rec.DamagedEntries > 0:
			// Not a crash: the file changed after it was written.
			msg = fmt.Sprintf("fapilog: logger %q: spool %s: skipped %d damaged bytes in %d places (changed on disk after they were written; at least %d entries lost, every intact entry kept); torn tail discarded: %d bytes",
				p.name, sp.s.Path(), rec.DamagedBytes, rec.DamagedEntries, rec.DamagedEntries, rec.TornBytes)
		case rec.TornBytes > 0:
			msg = fmt.Sprintf("fapilog: logger %q: spool %s: discarded a torn last entry of %d bytes (a write a crash interrupted)",
				p.name, sp.s.Path(), rec.TornBytes)
		}
		if len(rec.Unreadable) > 0 {
			msg = fmt.Sprintf("fapilog: logger %q: spool %s: moved unreadable files aside: %v (torn bytes discarded: %d)",
				p.name, sp.s.Path(), rec.Unreadable, rec.TornBytes)
		}
		p.warn.print(msg)
	}
	return sp
}

func (sp *spooler) start() { go sp.run() }

// status describes the spool for warning lines.
func (sp *spooler) status() string {
	return fmt.Sprintf("spool %s: %d records, %d of %d bytes", sp.s.Path(), sp.s.Len(), sp.s.Size(), sp.s.MaxBytes())
}

func (sp *spooler) wake(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// countSpooled counts records that went to the spool. For the exporter
// path the caller holds e.mu and checked final.
func (p *Pipeline) countSpooled(n *[nSeverities]uint64) {
	if n == nil {
		return
	}
	for i, k := range n {
		if k > 0 {
			p.counts.spooled[i].Add(k)
			p.counts.spooledTotal[i].Add(k)
		}
	}
}

// encode frames one record as a spool entry.
func encode(sev int, r *spool.Record) ([]byte, error) {
	return spool.AppendRecord([]byte{byte(sev)}, r)
}

// exportLive is the batch processor's export when there is a spool: it
// shares the exporter with the replay, one call at a time. walK is how
// many of recs the write-ahead log holds.
func (sp *spooler) exportLive(ctx context.Context, recs []sdklog.Record, walK int) error {
	sp.exportSem <- struct{}{}
	if sp.wal != nil {
		// Once a request may leave, a death before the records' removal
		// from the log makes them possible duplicates: mark them sent
		// first.
		sp.beforeSend(ctx, func() error { return sp.wal.sending(walK) }, "write-ahead log")
	}
	err := sp.p.eng.exp.inner.Export(ctx, recs)
	<-sp.exportSem
	if err == nil {
		sp.health.Store(healthOK)
		sp.liveOK.Store(true)
		if sp.s.Len() > 0 {
			sp.wake(sp.wakeNow)
		}
	} else {
		sp.health.Store(healthFailed)
	}
	return err
}

// takeFailed writes the protected records of a batch that failed to export
// into the spool, takes them out of tally (which then holds the failed
// ones), and returns how many it spooled per severity. lost reports
// whether any record of the batch is lost.
func (sp *spooler) takeFailed(recs []sdklog.Record, tally *[nSeverities]uint64, exportErr error, maybe bool) (*[nSeverities]uint64, bool) {
	var entries [][]byte
	var sevs []int
	for i := range recs {
		sev := sevIndex(recs[i].Severity())
		if !sp.protected[sev] {
			continue
		}
		r := spool.FromSDK(&recs[i])
		b, err := encode(sev, &r)
		if err != nil {
			sp.warn.note(sp.p.name, "not spooled", err)
			continue
		}
		entries = append(entries, b)
		sevs = append(sevs, sev)
	}
	if len(entries) == 0 {
		return nil, true
	}
	appendFn := sp.s.Append
	if maybe {
		// The collector may have them: replayed, they count as Resent.
		appendFn = sp.s.AppendMaybeDelivered
	}
	n, err := appendFn(entries...)
	var spooled [nSeverities]uint64
	for _, sev := range sevs[:n] {
		spooled[sev]++
		tally[sev]--
	}
	if err != nil {
		sp.warn.note(sp.p.name, "not all spooled", err)
	}
	if n > 0 {
		sp.wake(sp.wakeAppend)
		sp.warn.note(sp.p.name, "spooled", fmt.Errorf("export failed: %w", exportErr))
	}
	lost := false
	for _, k := range tally {
		if k > 0 {
			lost = true
			break
		}
	}
	return &spooled, lost
}

// spoolWriter is the log.Logger Emit builds a protected record on when it
// found no room in time: it writes the record to the spool, and counts it
// as spooled, or as dropped when the spool cannot take it. err is nil once
// the record is on disk; otherwise it wraps ErrDropped.
type spoolWriter struct {
	embedded.Logger
	sp  *spooler
	err error
	// to, when set, is the spool written instead of sp's (a record
	// after the drain, see spoolAfterStop).
	to *spool.Spool
}

// Emit writes r, with the trace context of ctx and the pipeline's scope.
func (w *spoolWriter) Emit(ctx context.Context, r log.Record) {
	w.err = w.sp.spoolCall(ctx, &r, w.to)
}

// spoolAfterStop writes a protected record that arrived after the drain
// (the spool is closed then) into the spool folder, for the next process
// or logger to send: it opens the folder again for the one record. It
// returns nil once the record is on disk and counted as spooled.
func (sp *spooler) spoolAfterStop(ctx context.Context, c *record.Call, args record.Args) error {
	sp.lateMu.Lock()
	defer sp.lateMu.Unlock()
	s, err := spool.Open(sp.s.Dir(), spool.Options{MaxBytes: sp.s.MaxBytes()})
	if err != nil {
		return err
	}
	w := &spoolWriter{sp: sp, to: s}
	record.EmitArgs(ctx, w, c, args)
	if cerr := s.Close(); w.err == nil && cerr != nil {
		sp.warn.note(sp.p.name, "spooled after the drain", cerr)
	}
	return w.err
}

// Enabled is true: the level gate was passed before.
func (w *spoolWriter) Enabled(context.Context, log.EnabledParameters) bool { return true }

// encodeCall encodes a record of this pipeline's call (with the trace
// context of ctx and the pipeline's scope) as a spool entry.
func (sp *spooler) encodeCall(ctx context.Context, r *log.Record) (int, []byte, error) {
	sev := sevIndex(r.Severity())
	rec := spool.Record{
		Timestamp:         r.Timestamp(),
		ObservedTimestamp: r.ObservedTimestamp(),
		Severity:          r.Severity(),
		SeverityText:      r.SeverityText(),
		EventName:         r.EventName(),
		Body:              r.Body(),
		Scope:             sp.p.name,
	}
	if rec.ObservedTimestamp.IsZero() {
		rec.ObservedTimestamp = time.Now() // as the SDK does
	}
	if sc := trace.SpanContextFromContext(ctx); sc.HasTraceID() || sc.HasSpanID() {
		rec.TraceID, rec.SpanID, rec.TraceFlags = sc.TraceID(), sc.SpanID(), sc.TraceFlags()
	}
	if n := r.AttributesLen(); n > 0 {
		rec.Attributes = make([]attribute.KeyValue, 0, n)
		r.WalkAttributes(func(kv attribute.KeyValue) bool {
			rec.Attributes = append(rec.Attributes, kv)
			return true
		})
	}
	b, err := encode(sev, &rec)
	return sev, b, err
}

func (sp *spooler) spoolCall(ctx context.Context, r *log.Record, to *spool.Spool) error {
	late := to != nil
	if to == nil {
		to = sp.s
	}
	sev, b, err := sp.encodeCall(ctx, r)
	if err == nil {
		var n int
		n, err = to.Append(b)
		if n == 1 {
			var one [nSeverities]uint64
			one[sev] = 1
			sp.p.countSpooled(&one)
			switch {
			case err != nil: // written, but the fsync failed
				sp.warn.note(sp.p.name, "spooled", err)
			case late:
				sp.p.warn.note(sp.p.name, "spooled for the next process, not sent", ErrStopped)
			default:
				sp.wake(sp.wakeAppend)
				sp.warn.note(sp.p.name, "spooled", errNoRoom)
			}
			return nil
		}
	}
	sp.p.counts.dropped[sev].Add(1)
	sp.p.warn.note(sp.p.name, "dropped (spool refused them)", err)
	return fmt.Errorf("%w (spool: %v)", ErrDropped, err)
}

// replay outcomes.
type outcome int

const (
	replayEmpty  outcome = iota // nothing left
	replayFailed                // the export failed: back off
	replayNoRoom                // the export queue is full: try again soon
)

// run is the replay goroutine: while the spool holds records it tries to
// send them, at once when woken by a delivery, otherwise after a backoff
// that doubles while replays fail.
func (sp *spooler) run() {
	defer close(sp.done)
	backoff := sp.retry
	timer := time.NewTimer(0) // inherited records: try at once
	armed := true
	if sp.s.Len() == 0 {
		timer.Stop()
		armed = false
	}
	defer timer.Stop()
	for {
		select {
		case <-sp.ctx.Done():
			return
		case <-sp.wakeAppend:
			if !armed {
				timer.Reset(backoff)
				armed = true
			}
			continue
		case <-sp.wakeNow:
		case <-timer.C:
			armed = false
		}
		switch sp.replay(sp.ctx) {
		case replayEmpty:
			backoff = sp.retry
			timer.Stop()
			armed = false
		case replayFailed:
			timer.Reset(backoff)
			armed = true
			backoff = min(2*backoff, MaxSpoolRetry)
		case replayNoRoom:
			timer.Reset(sp.retry)
			armed = true
		}
	}
}

// replay sends spooled records, oldest first, in batches admitted through
// the gate (from the unprotected share, so live protected records keep
// their reserve), and removes each batch once exported. It stops at the
// first failure, when the queue has no room, or when the spool is empty.
func (sp *spooler) replay(ctx context.Context) outcome {
	g := sp.p.eng.gate
	for {
		if ctx.Err() != nil {
			return replayFailed
		}
		want := min(sp.limit, sp.s.Len())
		if want == 0 {
			return replayEmpty
		}
		got := 0
		for got < want && g.tryAcquire(false) {
			got++
		}
		if got == 0 {
			return replayNoRoom
		}
		entries, perr := sp.s.Peek(got)
		if perr != nil {
			sp.p.warn.note(sp.p.name, "lost from a damaged spool", perr)
		}
		if len(entries) < got {
			g.release(got - len(entries))
		}
		if len(entries) == 0 {
			if perr != nil {
				continue
			}
			return replayEmpty
		}
		sevs := make([]int, len(entries))
		ok := make([]bool, len(entries))
		recs := make([]spool.Record, 0, len(entries))
		for i, e := range entries {
			if len(e.Data) == 0 {
				continue
			}
			sevs[i] = sevIndex(log.Severity(e.Data[0]))
			r, err := spool.DecodeRecord(e.Data[1:])
			if err != nil {
				sp.p.warn.note(sp.p.name, "lost from the spool (unreadable)", err)
				continue
			}
			ok[i] = true
			recs = append(recs, r)
		}
		var err error
		batchUncertain := false
		if len(recs) > 0 {
			out := sp.toSDK(recs)
			if len(out) != len(recs) {
				// Never acknowledge what was not exported.
				err = fmt.Errorf("spool: rebuilt %d of %d records", len(out), len(recs))
			} else {
				rctx, rep := delivery.With(ctx)
				n := len(entries)
				sp.beforeSend(rctx, func() error { return sp.s.MarkSent(n) }, "spool")
				err = sp.export(rctx, out)
				batchUncertain, _ = rep.MaybeDelivered()
			}
		}
		g.release(len(entries))
		if err != nil {
			if ctx.Err() != nil || !sp.poisoned(err) {
				return replayFailed
			}
			// One record the collector keeps refusing: let it go.
			entries, ok = entries[:1], []bool{false}
		} else {
			sp.limit, sp.strikes = sp.batch, 0
		}
		if aerr := sp.s.Ack(len(entries)); aerr != nil {
			// Delivered but still in the spool: they will be sent again.
			sp.p.warn.note(sp.p.name, "replayed but not removed from the spool", aerr)
			return replayFailed
		}
		if n := sp.countReplayed(entries, sevs, ok, batchUncertain); n > 0 {
			sp.warn.note(sp.p.name, "sent again from the spool (at least once)",
				fmt.Errorf("%d of them an earlier attempt may have delivered: possible duplicates (DrainResult.Resent)", n))
		}
	}
}

// poisoned decides after a failed replay export: while the exporter is
// delivering live records, the batch halves until a single record is
// tried, and that record gets poisonStrikes tries before it is given up.
func (sp *spooler) poisoned(err error) bool {
	sp.health.Store(healthFailed)
	if !sp.liveOK.Swap(false) {
		sp.warn.note(sp.p.name, "still spooled: replay failed", err)
		return false
	}
	if sp.limit > 1 {
		sp.limit /= 2
		return false
	}
	sp.strikes++
	if sp.strikes < poisonStrikes {
		return false
	}
	sp.strikes = 0
	sp.p.warn.note(sp.p.name, "failed (the collector refuses a spooled record; removed from the spool)", err)
	return true
}

// countReplayed moves replayed entries from Spooled to Exported (or to
// Failed when unreadable or given up), and inherited ones to Recovered. It
// counts as Resent too those an earlier attempt may have delivered, and
// all delivered ones when this replay's export had an attempt of unknown
// outcome (uncertain), and returns how many.
func (sp *spooler) countReplayed(entries []spool.Entry, sevs []int, ok []bool, uncertain bool) (resent int) {
	c := &sp.p.counts
	e := sp.p.eng
	e.mu.Lock()
	defer e.mu.Unlock()
	if sp.p.final.Load() {
		return 0
	}
	for i, en := range entries {
		sev := sevs[i]
		if ok[i] && (en.MaybeDelivered || uncertain) {
			c.resent[sev].Add(1)
			resent++
		}
		switch {
		case en.Inherited && ok[i]:
			c.recovered[sev].Add(1)
		case en.Inherited:
			// Never submitted here: only the warning tells of it.
		case ok[i]:
			c.spooled[sev].Add(^uint64(0))
			c.exported[sev].Add(1)
		default:
			c.spooled[sev].Add(^uint64(0))
			c.failed[sev].Add(1)
		}
	}
	return resent
}

// export sends replayed records through the inner exporter, one call at a
// time with the live exports, bounded by the export timeout.
func (sp *spooler) export(ctx context.Context, recs []sdklog.Record) error {
	select {
	case sp.exportSem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-sp.exportSem }()
	ctx, cancel := context.WithTimeout(ctx, sp.timeout)
	defer cancel()
	err := sp.p.eng.exp.inner.Export(ctx, recs)
	if err == nil {
		sp.health.Store(healthOK)
	}
	return err
}

// toSDK rebuilds the records through the replay provider, so they carry
// their scope and this pipeline's resource exactly as the SDK makes them.
func (sp *spooler) toSDK(recs []spool.Record) []sdklog.Record {
	sp.capture.recs = sp.capture.recs[:0]
	for i := range recs {
		r := &recs[i]
		lg := sp.lp.Logger(r.Scope, log.WithInstrumentationVersion(r.ScopeVersion), log.WithSchemaURL(r.ScopeSchemaURL))
		var lr log.Record
		lr.SetTimestamp(r.Timestamp)
		lr.SetObservedTimestamp(r.ObservedTimestamp)
		lr.SetSeverity(r.Severity)
		lr.SetSeverityText(r.SeverityText)
		lr.SetEventName(r.EventName)
		lr.SetBody(r.Body)
		lr.AddAttributes(r.Attributes...)
		ctx := context.Background()
		if r.TraceID.IsValid() || r.SpanID.IsValid() {
			ctx = trace.ContextWithSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{
				TraceID: r.TraceID, SpanID: r.SpanID, TraceFlags: r.TraceFlags}))
		}
		lg.Emit(ctx, lr)
	}
	return sp.capture.recs
}

// finish ends the replay goroutine and, unless the last export failed,
// makes a last replay pass bounded by ctx. The batch processor calls it
// (through the exporter's Shutdown) after its last export.
func (sp *spooler) finish(ctx context.Context) {
	sp.finishOnce.Do(func() {
		sp.stopLoop(ctx)
		select {
		case <-sp.done:
		default:
			return // the loop is still in an export: leave the spool to it
		}
		if sp.health.Load() != healthFailed && sp.s.Len() > 0 {
			sp.replay(ctx)
		}
	})
}

// stopLoop cancels the replay goroutine and waits for it, or for ctx.
func (sp *spooler) stopLoop(ctx context.Context) {
	sp.cancel()
	select {
	case <-sp.done:
	case <-ctx.Done():
	}
}

// close ends the replay (if the exporter's Shutdown did not) and releases
// the spool: the records left stay on disk for the next owner.
func (sp *spooler) close(ctx context.Context) error {
	var err error
	sp.closeOnce.Do(func() {
		sp.stopLoop(ctx)
		err = sp.s.Close()
		if sp.wal != nil {
			// What is left in the log (a drain cut short) stays on disk
			// for the next owner of the folder.
			err = errors.Join(err, sp.wal.s.Close())
		}
		// The replay provider holds nothing to release (no goroutine, no
		// exporter), and is not shut down: a last replay pass still running
		// after an expired drain deadline must not lose records in it.
	})
	return err
}

// captureProcessor keeps what the replay provider emits. Only the replay
// goroutine (and, after it ended, finish) uses it.
type captureProcessor struct{ recs []sdklog.Record }

func (c *captureProcessor) OnEmit(_ context.Context, r *sdklog.Record) error {
	c.recs = append(c.recs, r.Clone())
	return nil
}

func (c *captureProcessor) Enabled(context.Context, sdklog.EnabledParameters) bool { return true }
func (c *captureProcessor) Shutdown(context.Context) error                         { return nil }
func (c *captureProcessor) ForceFlush(context.Context) error                       { return nil }

// print writes one line, not rate-limited (for one-off notices).
func (w *warner) print(msg string) {
	if w.out != nil {
		w.out(msg)
		return
	}
	fmt.Fprintln(os.Stderr, msg)
}

// errNoRoom is why a record went to the spool from the admission path.
var errNoRoom = errors.New("no room in the export queue in time")

// beforeSend runs mark (which marks records sent on disk) before the
// export of ctx may send them: when its exporter reports on its attempts,
// at the first one that may leave the process (none while the collector
// refuses connections, so an outage leaves no false possible duplicates);
// for other exporters, now.
func (sp *spooler) beforeSend(ctx context.Context, mark func() error, where string) {
	run := func() {
		if err := mark(); err != nil {
			sp.warn.note(sp.p.name, "not marked sent in the "+where+" (a crash now would resend them unflagged)", err)
		}
	}
	if rep := delivery.From(ctx); rep != nil && sp.p.eng.exp.reports {
		rep.OnSend(run)
		return
	}
	run()
}
