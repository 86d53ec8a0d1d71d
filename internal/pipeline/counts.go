package pipeline

import (
	"sync/atomic"

	"go.opentelemetry.io/otel/log"
)

// nSeverities covers OTel severity numbers 0..24; counts are kept per
// severity so a drain can say which levels lost records.
const nSeverities = 25

func sevIndex(s log.Severity) int {
	if s < 0 || s >= nSeverities {
		return 0
	}
	return int(s)
}

// counters are per severity. Submitted and dropped are written by callers,
// exported and failed by the exporter wrapper; the spool ones by the spool
// paths (a caller, the exporter wrapper, the replay).
type counters struct {
	submitted [nSeverities]atomic.Uint64
	dropped   [nSeverities]atomic.Uint64
	exported  [nSeverities]atomic.Uint64
	failed    [nSeverities]atomic.Uint64
	// spooled counts this pipeline's records in the spool now (up when one
	// is written, down when it is replayed); spooledTotal only goes up.
	spooled      [nSeverities]atomic.Uint64
	spooledTotal [nSeverities]atomic.Uint64
	// recovered counts records inherited with the spool and replayed.
	recovered [nSeverities]atomic.Uint64
	// resent counts records replayed from the spool that an earlier
	// attempt may have delivered (possible duplicates).
	resent [nSeverities]atomic.Uint64
	// filtered counts records a filter left out on purpose, per Filter
	// reason (see filtered.go).
	filtered [nFilterReasons][nSeverities]atomic.Uint64
}

// LevelCounts are the counts of one severity. Submitted == Exported +
// Dropped + Failed + Spooled + Sampled + RateLimited + Deduplicated once
// the pipeline is stopped; Recovered is outside that sum (see Result).
type LevelCounts struct {
	Submitted, Exported, Dropped, Failed uint64
	// Spooled: records of this pipeline in the spool (not delivered yet).
	Spooled uint64
	// Recovered: records an earlier owner left in the spool, replayed here.
	Recovered uint64
	// Resent: records delivered from the spool (this pipeline's or
	// recovered) that an earlier attempt may have delivered already:
	// possible duplicates, part of Exported or Recovered.
	Resent uint64
	// Sampled, RateLimited and Deduplicated: records a filter left out on
	// purpose (see Pipeline.Filtered).
	Sampled, RateLimited, Deduplicated uint64
}

// filteredSum is what the filters left out.
func (c LevelCounts) filteredSum() uint64 { return c.Sampled + c.RateLimited + c.Deduplicated }
