package pipeline

import (
	"context"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// Metric names. Every counter has the attributes logger (the scope name)
// and level (the level name, as in DrainResult.ByLevel), except retried,
// which has only logger (retries are per export call, not per record).
const (
	MetricSubmitted = "fapilog.records.submitted"
	MetricExported  = "fapilog.records.exported"
	MetricDropped   = "fapilog.records.dropped"
	MetricFailed    = "fapilog.records.failed"
	// MetricSpooled counts records written to the spool (a total: it
	// never goes down when they are replayed).
	MetricSpooled = "fapilog.records.spooled"
	// MetricRecovered counts records an earlier owner left in the spool
	// and this logger replayed.
	MetricRecovered = "fapilog.records.recovered"
	// MetricResent counts records delivered from the spool that an
	// earlier attempt may have delivered: possible duplicates.
	MetricResent  = "fapilog.records.resent"
	MetricRetried = "fapilog.records.retried"
	// MetricFiltered counts records a filter left out on purpose, with the
	// attribute reason (sampled, rate_limited, deduplicated) besides
	// logger and level.
	MetricFiltered = "fapilog.records.filtered"
	// MetricSpoolPending is a gauge: records in the spool now.
	MetricSpoolPending = "fapilog.spool.records"
)

// meterName is the instrumentation scope of the metrics.
const meterName = "github.com/fapilog/fapilog-go"

// registerMetrics exposes the counts through the global MeterProvider as
// observable instruments: the callback reads the counters the pipeline
// keeps anyway, at collection time, so logging pays nothing for them.
// One callback per engine observes every member; the last member's Stop
// unregisters it. Problems go to otel.Handle.
func (e *engine) registerMetrics() {
	m := otel.GetMeterProvider().Meter(meterName)
	counter := func(name, desc string) metric.Int64ObservableCounter {
		c, err := m.Int64ObservableCounter(name, metric.WithUnit("{record}"), metric.WithDescription(desc))
		if err != nil {
			otel.Handle(err)
		}
		return c
	}
	submitted := counter(MetricSubmitted, "Records that passed the level gate.")
	exported := counter(MetricExported, "Records the exporter acknowledged (replayed ones included).")
	dropped := counter(MetricDropped, "Records that never entered the pipeline (no room in time, or the logger was stopped).")
	failed := counter(MetricFailed, "Records that entered the pipeline and were not delivered.")
	spooled := counter(MetricSpooled, "Records written to the durable spool.")
	recovered := counter(MetricRecovered, "Records left in the spool by an earlier process or logger, replayed by this one.")
	resent := counter(MetricResent, "Records delivered from the spool that an earlier attempt may have delivered: possible duplicates.")
	filtered := counter(MetricFiltered, "Records a filter (sampling, rate limit, de-duplication) left out on purpose.")
	retried, err := m.Int64ObservableCounter(MetricRetried, metric.WithUnit("{attempt}"),
		metric.WithDescription("Export attempts beyond the first of each export call."))
	if err != nil {
		otel.Handle(err)
	}
	pending, err := m.Int64ObservableGauge(MetricSpoolPending, metric.WithUnit("{record}"),
		metric.WithDescription("Records in the spool now (this logger's and inherited ones)."))
	if err != nil {
		otel.Handle(err)
	}
	groups := levelGroups()
	insts := []metric.Observable{submitted, exported, dropped, failed, spooled, recovered, resent, retried, filtered}
	if e.only != nil && e.only.sp != nil {
		insts = append(insts, pending)
	}
	for _, in := range insts {
		if in == nil {
			return
		}
	}
	reg, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		for _, p := range e.observed() {
			observe(o, p, groups, submitted, exported, dropped, failed, spooled, recovered, resent, retried, pending, filtered)
		}
		return nil
	}, insts...)
	if err != nil {
		otel.Handle(err)
		return
	}
	e.metrics = reg
}

// observed returns the members whose counts the metrics report: the live
// ones (a drained member's counts leave the metrics with it).
func (e *engine) observed() []*Pipeline {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]*Pipeline, 0, len(e.members))
	for _, p := range e.members {
		if !p.final.Load() {
			out = append(out, p)
		}
	}
	return out
}

// observe reports one member's counts. The attribute sets are built at
// collection time, not kept per member: an idle logger costs no memory for
// its metrics.
func observe(o metric.Observer, p *Pipeline, groups []levelGroup,
	submitted, exported, dropped, failed, spooled, recovered, resent, retried metric.Int64Observable,
	pending, filtered metric.Int64Observable) {
	logger := attribute.String("logger", p.name)
	loggerOnly := metric.WithAttributeSet(attribute.NewSet(logger))
	{
		r := p.Result()
		for _, g := range groups {
			var c LevelCounts
			var total uint64
			for _, i := range g.sevs {
				b := r.BySeverity[i]
				c.Submitted += b.Submitted
				c.Exported += b.Exported
				c.Dropped += b.Dropped
				c.Failed += b.Failed
				c.Recovered += b.Recovered
				c.Resent += b.Resent
				c.Sampled += b.Sampled
				c.RateLimited += b.RateLimited
				c.Deduplicated += b.Deduplicated
				total += p.counts.spooledTotal[i].Load()
			}
			if c.Submitted == 0 && c.Recovered == 0 {
				continue
			}
			opt := metric.WithAttributeSet(attribute.NewSet(logger, attribute.String("level", g.name)))
			o.ObserveInt64(submitted, int64(c.Submitted), opt)
			o.ObserveInt64(exported, int64(c.Exported), opt)
			o.ObserveInt64(dropped, int64(c.Dropped), opt)
			o.ObserveInt64(failed, int64(c.Failed), opt)
			o.ObserveInt64(spooled, int64(total), opt)
			o.ObserveInt64(recovered, int64(c.Recovered), opt)
			if c.Resent > 0 {
				o.ObserveInt64(resent, int64(c.Resent), opt)
			}
			for _, f := range []struct {
				reason string
				n      uint64
			}{{"sampled", c.Sampled}, {"rate_limited", c.RateLimited}, {"deduplicated", c.Deduplicated}} {
				if f.n > 0 {
					o.ObserveInt64(filtered, int64(f.n), metric.WithAttributeSet(attribute.NewSet(logger,
						attribute.String("level", g.name), attribute.String("reason", f.reason))))
				}
			}
		}
		o.ObserveInt64(retried, int64(r.Retried), loggerOnly)
		if p.sp != nil {
			o.ObserveInt64(pending, int64(p.sp.s.Len()), loggerOnly)
		}
	}
}
