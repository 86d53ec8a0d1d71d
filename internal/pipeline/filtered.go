package pipeline

import "go.opentelemetry.io/otel/log"

// FilterReason says why a filter left a record out.
type FilterReason uint8

// The reasons, each counted on its own.
const (
	FilterSampled FilterReason = iota
	FilterRateLimited
	FilterDeduplicated
	nFilterReasons
)

// Filtered counts one record of severity s that passed the level gate and
// that a filter left out on purpose: submitted, and under reason, so the
// drain's equation holds with it. It returns ErrStopped (and counts the
// record dropped instead) after Stop, as Emit does.
func (p *Pipeline) Filtered(s log.Severity, reason FilterReason) error {
	i := sevIndex(s)
	p.counts.submitted[i].Add(1)
	if p.state.Add(1)&stoppedBit != 0 {
		p.end()
		p.counts.dropped[i].Add(1)
		return ErrStopped
	}
	if reason < nFilterReasons {
		p.counts.filtered[reason][i].Add(1)
	} else {
		p.counts.dropped[i].Add(1) // unknown reason: still counted
	}
	p.end()
	return nil
}
