package fapilog

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/levels"
)

// checkEquation fails t unless the drain's equation holds in total and per
// level.
func checkEquation(t *testing.T, r DrainResult) {
	t.Helper()
	sum := r.Exported + r.Dropped + r.Failed + r.Spooled + r.Sampled + r.RateLimited + r.Deduplicated
	if r.Submitted != sum {
		t.Errorf("submitted %d != %d: %+v", r.Submitted, sum, r)
	}
	for l, c := range r.ByLevel {
		if c.Submitted != c.Exported+c.Dropped+c.Failed+c.Spooled+c.Sampled+c.RateLimited+c.Deduplicated {
			t.Errorf("%s: %+v", l, c)
		}
	}
}

func TestFilters(t *testing.T) {
	tests := []struct {
		name string
		opt  Option
		// logs: 100 INFO "same", 10 INFO distinct, 10 ERROR "same", 5 AUDIT "same"
		wantExported                       uint64
		wantSampled, wantLimited, wantDups uint64
	}{
		{"sampling half", WithSampling(0.5), 55 + 15, 55, 0, 0},
		{"logger rate limit", WithRateLimit(1, 4), 4 + 15, 0, 106, 0},
		{"message rate limit", WithMessageRateLimit(1, 2), 2 + 10 + 15, 0, 98, 0},
		{"dedup", WithDedup(time.Hour), 1 + 10 + 15, 0, 0, 99},
		{"sampling off at 1", WithSampling(1), 125, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := exporter.NewMemory()
			l := GetLogger("filters", Reuse(false), WithExporter(mem), tt.opt)
			child := l.With("child", true) // shares the filter
			for i := range 100 {
				if i%2 == 0 {
					l.Info("same")
				} else {
					child.Info("same")
				}
			}
			for i := range 10 {
				l.Info(fmt.Sprint("distinct ", i))
				l.Error("same") // protected: never filtered
			}
			for range 5 {
				l.Audit("same")
			}
			r, err := l.StopAndDrain(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			checkEquation(t, r)
			if r.Submitted != 125 || r.Exported != tt.wantExported || r.Sampled != tt.wantSampled ||
				r.RateLimited != tt.wantLimited || r.Deduplicated != tt.wantDups {
				t.Errorf("%+v\nwant exported %d sampled %d rate-limited %d deduplicated %d",
					r, tt.wantExported, tt.wantSampled, tt.wantLimited, tt.wantDups)
			}
			for _, lv := range []levels.Level{levels.Error, levels.Audit} {
				if c := r.ByLevel[lv]; c.Exported != c.Submitted {
					t.Errorf("%s filtered: %+v", lv, c)
				}
			}
			if got := uint64(mem.Len()); got != r.Exported {
				t.Errorf("exporter got %d, Exported says %d", got, r.Exported)
			}
		})
	}
}

func TestFiltersFromEnvironment(t *testing.T) {
	t.Setenv(EnvSampleRate, "0.25")
	t.Setenv(EnvDedupWindow, "60000")
	mem := exporter.NewMemory()
	a, err := GetAsyncLogger(context.Background(), "filters-env", Reuse(false), WithExporter(mem))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 8 {
		if err := a.Info(context.Background(), fmt.Sprint("m", i)); err != nil {
			t.Fatalf("a filtered record is not an error: %v", err)
		}
	}
	for range 3 {
		_ = a.Info(context.Background(), "m0")
	}
	r, err := a.Drain(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkEquation(t, r)
	// 8 distinct: 2 kept by sampling; 3 repeats of m0: de-duplicated first.
	if r.Exported != 2 || r.Sampled != 6 || r.Deduplicated != 3 {
		t.Errorf("%+v", r)
	}

	// An option beats the variable.
	t.Setenv(EnvSampleRate, "0.5")
	l := GetLogger("filters-env-opt", Reuse(false), WithExporterConfig(exporter.Config{Kind: exporter.KindNone}), WithSampling(0))
	for range 10 {
		l.Info("x" + time.Now().String())
	}
	if r, _ := l.StopAndDrain(context.Background()); r.Sampled != 0 {
		t.Errorf("WithSampling(0) did not beat the variable: %+v", r)
	}
}

func TestBadFilterVariablesAreConfigurationErrors(t *testing.T) {
	for k, v := range map[string]string{EnvSampleRate: "half", EnvRateLimit: "-1", EnvDedupWindow: "1.5", EnvMessageRateLimitBurst: "x"} {
		t.Run(k, func(t *testing.T) {
			t.Setenv(k, v)
			if _, err := GetAsyncLogger(context.Background(), "bad-filter", Reuse(false)); err == nil {
				t.Errorf("%s=%q accepted", k, v)
			}
		})
	}
}

func TestFilteredCallOnAStoppedLoggerIsDropped(t *testing.T) {
	l := GetLogger("filters-stopped", Reuse(false), WithExporter(exporter.NewMemory()), WithSampling(0.5))
	_, _ = l.StopAndDrain(context.Background())
	for range 4 {
		l.Info("late")
	}
	r := l.Stats()
	checkEquation(t, r)
	if r.Dropped != 4 || r.Sampled != 0 {
		t.Errorf("%+v", r)
	}
}
