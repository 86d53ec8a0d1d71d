package pipeline

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/log"
)

func TestFilteredAreCountedAndMetered(t *testing.T) {
	reader := withGlobalReader(t)
	e := newHeld(false)
	p := New(Settings{Exporter: e, QueueSize: 8, BatchSize: 8, ExportInterval: time.Millisecond, Name: "filtered", Warn: func(string) {}})
	_ = logOne(p, log.SeverityInfo, false, 0)
	for _, r := range []FilterReason{FilterSampled, FilterSampled, FilterRateLimited, FilterDeduplicated} {
		if err := p.Filtered(log.SeverityInfo, r); err != nil {
			t.Fatal(err)
		}
	}
	got := points(t, reader)
	if got[MetricFiltered]["filtered/INFO"] == 0 || got[MetricSubmitted]["filtered/INFO"] != 5 {
		t.Errorf("metrics %v", got)
	}
	res, err := p.Stop(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Submitted != 5 || res.Exported != 1 || res.Sampled != 2 || res.RateLimited != 1 || res.Deduplicated != 1 || res.Failed != 0 {
		t.Errorf("%+v", res)
	}
	// After Stop, a filtered call is dropped like any other.
	if err := p.Filtered(log.SeverityInfo, FilterSampled); err != ErrStopped {
		t.Errorf("after Stop: %v", err)
	}
	if r := p.Result(); r.Dropped != 1 || r.Sampled != 2 || r.Submitted != 6 {
		t.Errorf("%+v", r)
	}
}
