package fapilog

import (
	"time"

	"go.opentelemetry.io/otel/log"

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
)

// DrainResult reports what happened to every record a logger accepted past
// its level gate. After a drain of a pipeline the library built,
//
//	Submitted == Exported + Dropped + Failed
//
// exactly: Exported were acknowledged by the exporter, Dropped never entered
// the pipeline (no room in time, or the logger was stopped), Failed entered
// it but were not delivered (export error after retries, or still queued
// when the drain's deadline ran out).
//
// With WithLoggerProvider the library does not own the pipeline: Exported
// then counts the records handed to that provider.
type DrainResult struct {
	Submitted, Exported, Dropped, Failed uint64
	// Retried counts real export attempts beyond the first (OTLP retries).
	Retried uint64
	// QueueHighWatermark is the most records ever in flight at once.
	QueueHighWatermark uint64
	// FlushLatency is how long the drain took.
	FlushLatency time.Duration
	// ByLevel splits the counts per level (levels with no records are
	// absent). Counts are kept per OTel severity number; a custom level
	// sharing a number with a standard one is counted under that one.
	ByLevel map[levels.Level]LevelCounts
}

// LevelCounts are the counts of one level.
type LevelCounts = pipeline.LevelCounts

func drainResult(r pipeline.Result) DrainResult {
	d := DrainResult{
		Submitted:          r.Submitted,
		Exported:           r.Exported,
		Dropped:            r.Dropped,
		Failed:             r.Failed,
		Retried:            r.Retried,
		QueueHighWatermark: r.QueueHighWatermark,
		FlushLatency:       r.FlushLatency,
	}
	for sev, c := range r.BySeverity {
		if c == (LevelCounts{}) {
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
		}
	}
	return d
}
