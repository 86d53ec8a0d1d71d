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
// exported and failed by the exporter wrapper.
type counters struct {
	submitted [nSeverities]atomic.Uint64
	dropped   [nSeverities]atomic.Uint64
	exported  [nSeverities]atomic.Uint64
	failed    [nSeverities]atomic.Uint64
}

// LevelCounts are the counts of one severity.
type LevelCounts struct {
	Submitted, Exported, Dropped, Failed uint64
}
