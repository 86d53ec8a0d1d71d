package fapilog

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/log"

	"github.com/fapilog/fapilog-go/internal/core"
	"github.com/fapilog/fapilog-go/internal/pipeline"
	"github.com/fapilog/fapilog-go/levels"
)

// Errors returned by the async logger (test with errors.Is).
var (
	// ErrDropped: the record found no room in the export queue in time and
	// was dropped (and counted).
	ErrDropped = pipeline.ErrDropped
	// ErrStopped: the logger was drained before the call (the record is
	// counted as submitted and dropped).
	ErrStopped = pipeline.ErrStopped
	// ErrNotDelivered is wrapped by the error of a drain after which some
	// submitted record was neither exported nor spooled (DrainResult's
	// Dropped or Failed is not 0). The message says how many.
	ErrNotDelivered = pipeline.ErrNotDelivered
	// ErrNotDurable: with a spool, a protected record was accepted and is
	// on its way to the exporter, but writing it ahead to the spool folder
	// failed (disk full, spool bound reached, I/O error; the error wraps
	// the cause), so a crash before its export would lose it. The sync
	// logger says so on stderr. Do not log the record again: it would be
	// sent twice.
	ErrNotDurable = pipeline.ErrNotDurable
)

// DrainResult reports what happened to every record a logger accepted past
// its level gate. After a drain of a pipeline the library built,
//
//	Submitted == Exported + Dropped + Failed + Spooled
//	             + Sampled + RateLimited + Deduplicated
//
// exactly, in total and per level: Exported were acknowledged by the
// exporter, Dropped never entered the pipeline (no room in time, or the
// logger was stopped), Failed entered it but were not delivered (export
// error after retries, or still queued when the drain's deadline ran out).
//
// Spooled is 0 unless the logger has a spool (WithSpool or
// FAPILOG_SPOOL_DIR), and the last three are 0 without filters, so with
// neither the equation is Submitted == Exported + Dropped + Failed. With a
// spool, a protected record that finds no room in time, or whose export
// fails, is written to the spool instead of being
// Dropped or Failed; when the replay delivers it, it moves from Spooled to
// Exported. Spooled counts this logger's records still in the spool when
// the drain ends: not delivered, but on disk, and the next logger that
// opens the folder (in this process or the next) sends them; it counts
// them as Recovered, not here. A record the spool could not take (full) is
// Dropped or Failed as without a spool, never silently lost.
//
// Recovered counts records left in the spool by an earlier process or
// logger and delivered by this one. They were never submitted to this
// logger, so they are outside the equation. Delivery from the spool is at
// least once: a crash between an export and the removal of the records
// from the spool sends them again.
//
// Resent counts the duplicates that can cause: records delivered from the
// spool (part of Exported or Recovered) that an earlier attempt may have
// delivered already. Every export first marks its records sent on disk, so
// after a crash the next process tells the records that may have reached
// the collector (counted here) from those that never left (not counted);
// a failed export's records are counted when replayed unless the
// connection was refused outright. A store that keys on audit.chain_id and
// audit.seq (or the record's timestamp and body) can drop them.
//
// Before the drain (Stats), records in flight are in none of Exported,
// Dropped, Failed and Spooled.
//
// With WithLoggerProvider the library does not own the pipeline: Exported
// then counts the records handed to that provider.
type DrainResult struct {
	Submitted, Exported, Dropped, Failed uint64
	// Spooled, Recovered and Resent: see above (all 0 without a spool).
	Spooled, Recovered, Resent uint64
	// Retried counts real export attempts beyond the first (OTLP retries).
	Retried uint64
	// QueueHighWatermark is the most records ever in flight at once.
	QueueHighWatermark uint64
	// FlushLatency is how long the drain took.
	FlushLatency time.Duration
	// Sampled, RateLimited and Deduplicated count records that passed the
	// level gate and that a filter (WithSampling, WithRateLimit,
	// WithMessageRateLimit, WithDedup) left out on purpose, each on its
	// own. They are part of the equation; filters never apply to
	// protected levels (nor AUDIT and SECURITY), so these are 0 there.
	Sampled, RateLimited, Deduplicated uint64
	// ByLevel splits the counts per level (levels with no records are
	// absent). Counts are kept per OTel severity number; a custom level
	// sharing a number with a standard one is counted under that one.
	ByLevel map[levels.Level]LevelCounts
}

// LevelCounts are the counts of one level (see DrainResult). It is a plain
// value, a copy owned by whoever holds it.
type LevelCounts struct {
	Submitted, Exported, Dropped, Failed uint64
	// Spooled: records of this level in the spool (not delivered yet).
	Spooled uint64
	// Recovered: records an earlier owner left in the spool, replayed here.
	Recovered uint64
	// Resent: records delivered from the spool that an earlier attempt may
	// have delivered (possible duplicates; see DrainResult).
	Resent uint64
	// Sampled, RateLimited, Deduplicated: left out by a filter (see
	// DrainResult).
	Sampled, RateLimited, Deduplicated uint64
}

// drain stops c and reports its counts.
func drain(ctx context.Context, c *core.Core) (DrainResult, error) {
	r, err := c.Drain(ctx)
	return drainResult(r), err
}

func drainResult(r pipeline.Result) DrainResult {
	d := DrainResult{
		Submitted:          r.Submitted,
		Exported:           r.Exported,
		Dropped:            r.Dropped,
		Failed:             r.Failed,
		Spooled:            r.Spooled,
		Recovered:          r.Recovered,
		Resent:             r.Resent,
		Sampled:            r.Sampled,
		RateLimited:        r.RateLimited,
		Deduplicated:       r.Deduplicated,
		Retried:            r.Retried,
		QueueHighWatermark: r.QueueHighWatermark,
		FlushLatency:       r.FlushLatency,
	}
	for sev, c := range r.BySeverity {
		if c == (pipeline.LevelCounts{}) {
			continue
		}
		if d.ByLevel == nil {
			d.ByLevel = make(map[levels.Level]LevelCounts)
		}
		l := levels.FromSeverity(log.Severity(sev), "")
		prev := d.ByLevel[l]
		d.ByLevel[l] = LevelCounts{
			Submitted: prev.Submitted + c.Submitted,
			Exported:  prev.Exported + c.Exported,
			Dropped:   prev.Dropped + c.Dropped,
			Failed:    prev.Failed + c.Failed,
			Spooled:   prev.Spooled + c.Spooled,
			Recovered: prev.Recovered + c.Recovered,
			Resent:    prev.Resent + c.Resent,

			Sampled:      prev.Sampled + c.Sampled,
			RateLimited:  prev.RateLimited + c.RateLimited,
			Deduplicated: prev.Deduplicated + c.Deduplicated,
		}
	}
	return d
}
