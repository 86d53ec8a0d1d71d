package fapilog

import (
	"testing"
	"time"

	"github.com/fapilog/fapilog-go/internal/settings"
)

// BenchmarkFilters is the cost per call of each filter, against none, at 3
// attributes. "pass" cases keep every record (the filter's bookkeeping on
// top of the full path); "out" cases leave nearly every record out (what a
// filtered call costs instead of the full path). "disabled" is a call below
// the level: its cost must not change with filters configured.
//
//	go test -run '^$' -bench Filters -benchmem -count 6 -cpu 1 .
func BenchmarkFilters(b *testing.B) {
	for _, c := range []struct {
		name string
		opt  Option
	}{
		{"none", nil},
		{"sampling=pass", WithSampling(0.999999)},
		{"sampling=out", WithSampling(0.000001)},
		{"ratelimit=pass", WithRateLimit(1e9, 1e9)},
		{"ratelimit=out", WithRateLimit(1, 1)},
		{"msgratelimit=pass", WithMessageRateLimit(1e9, 1e9)},
		{"msgratelimit=out", WithMessageRateLimit(1, 1)},
		{"dedup=out", WithDedup(time.Hour)},
	} {
		b.Run(c.name, func(b *testing.B) {
			l := benchLogger(b, c.opt, WithoutRedaction())
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				l.Info("request handled", "user", "alice", "status", 200, "path", "/orders/42")
			}
		})
	}
	for _, c := range []struct {
		name string
		opt  Option
	}{
		{"disabled/none", nil},
		{"disabled/all-filters", filterAll()},
	} {
		b.Run(c.name, func(b *testing.B) {
			l := benchLogger(b, c.opt)
			b.ReportAllocs()
			for b.Loop() {
				l.Debug("request handled", "user", "alice", "status", 200, "path", "/orders/42")
			}
		})
	}
	b.Run("dedup=out/parallel", func(b *testing.B) {
		l := benchLogger(b, WithDedup(time.Hour), WithoutRedaction())
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				l.Info("request handled", "user", "alice", "status", 200, "path", "/orders/42")
			}
		})
	})
}

func filterAll() Option {
	return optionFunc(func(o *settings.Options) {
		for _, opt := range []Option{WithSampling(0.5), WithRateLimit(100, 10), WithMessageRateLimit(10, 1), WithDedup(time.Second)} {
			opt.apply(o)
		}
	})
}
