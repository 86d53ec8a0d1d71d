package pipeline

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// withGlobalReader installs a MeterProvider with a ManualReader as the
// global one for the test.
func withGlobalReader(t *testing.T) *sdkmetric.ManualReader {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	prev := otel.GetMeterProvider()
	otel.SetMeterProvider(mp)
	t.Cleanup(func() {
		otel.SetMeterProvider(prev)
		_ = mp.Shutdown(context.Background())
	})
	return reader
}

// points collects and returns name → "logger/level" → value.
func points(t *testing.T, reader *sdkmetric.ManualReader) map[string]map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != meterName {
			continue
		}
		for _, m := range sm.Metrics {
			var dps []metricdata.DataPoint[int64]
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				if !d.IsMonotonic {
					t.Fatalf("%s is not monotonic", m.Name)
				}
				dps = d.DataPoints
			case metricdata.Gauge[int64]:
				dps = d.DataPoints
			default:
				t.Fatalf("%s: unexpected data %T", m.Name, m.Data)
			}
			for _, dp := range dps {
				lg, _ := dp.Attributes.Value("logger")
				lv, _ := dp.Attributes.Value("level")
				if out[m.Name] == nil {
					out[m.Name] = map[string]int64{}
				}
				out[m.Name][lg.AsString()+"/"+lv.AsString()] = dp.Value
			}
		}
	}
	return out
}

func TestCountsAreMetricsOfTheGlobalMeterProvider(t *testing.T) {
	reader := withGlobalReader(t)
	e := newHeld(true)
	p := New(Settings{Exporter: e, QueueSize: 4, BatchSize: 4, Reserved: 1, ExportInterval: time.Millisecond,
		Name: "metered", Warn: func(string) {}, Retries: func() uint64 { return 7 }})
	for range 6 {
		_ = logOne(p, log.SeverityInfo, false, 0) // 3 admitted, 3 dropped
	}
	_ = logOne(p, log.SeverityError, true, 0)
	got := points(t, reader)
	want := map[string]map[string]int64{
		MetricSubmitted: {"metered/INFO": 6, "metered/ERROR": 1},
		MetricDropped:   {"metered/INFO": 3, "metered/ERROR": 0},
		MetricExported:  {"metered/INFO": 0, "metered/ERROR": 0},
		MetricFailed:    {"metered/INFO": 0, "metered/ERROR": 0},
		MetricSpooled:   {"metered/INFO": 0, "metered/ERROR": 0},
		MetricRetried:   {"metered/": 7},
	}
	for name, w := range want {
		for k, v := range w {
			if got[name][k] != v {
				t.Errorf("%s{%s} = %d, want %d (all: %v)", name, k, got[name][k], v, got[name])
			}
		}
	}
	if _, ok := got[MetricSpoolPending]; ok {
		t.Errorf("%s reported without a spool", MetricSpoolPending)
	}
	e.release()
	r, err := p.Stop(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r.Exported != 4 {
		t.Fatalf("%+v", r)
	}
	// Stop unregistered the callback: the logger is gone from the metrics.
	if got := points(t, reader); len(got) != 0 {
		t.Fatalf("metrics after Stop: %v", got)
	}
}

func TestSpoolMetrics(t *testing.T) {
	reader := withGlobalReader(t)
	e := newFlaky(true)
	p := newSpoolPipeline(e, openSpool(t, t.TempDir(), 0), 64, nil, nil)
	for range 3 {
		_ = logRec(context.Background(), p, log.SeverityFatal2, time.Second, "audit")
	}
	eventually(t, "the failed exports", func() bool { return p.Result().Spooled == 3 })
	got := points(t, reader)
	if got[MetricSpooled]["spooltest/AUDIT"] != 3 || got[MetricSpoolPending]["spooltest/"] != 3 || got[MetricFailed]["spooltest/AUDIT"] != 0 {
		t.Fatalf("while spooled: %v", got)
	}
	e.down.Store(false)
	eventually(t, "the replay", func() bool { return p.Result().Spooled == 0 })
	got = points(t, reader)
	// spooled is a total: it stays at 3 once they are replayed.
	if got[MetricSpooled]["spooltest/AUDIT"] != 3 || got[MetricSpoolPending]["spooltest/"] != 0 || got[MetricExported]["spooltest/AUDIT"] != 3 {
		t.Fatalf("after the replay: %v", got)
	}
	if _, err := p.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
}
