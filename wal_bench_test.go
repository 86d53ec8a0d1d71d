package fapilog

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/fapilog/fapilog-go/exporter"
)

// BenchmarkProtectedCall measures a protected call (ERROR) with the spool
// on, which writes it ahead (durable, fsync shared by concurrent calls,
// before the call returns), against the same call without a spool, and an
// unprotected call (INFO) with the spool on, which must cost what it costs
// without one. p50 and p99 are the call latencies; the parallel variants
// show the group commit (8 goroutines share each fsync).
//
//	go test -run XXX -bench BenchmarkProtectedCall -benchmem .
func BenchmarkProtectedCall(b *testing.B) {
	cases := []struct {
		name     string
		spool    bool
		info     bool
		parallel bool
	}{
		{"error/no-spool", false, false, false},
		{"error/write-ahead", true, false, false},
		{"error/write-ahead/8-goroutines", true, false, true},
		{"info/no-spool", false, true, false},
		{"info/spool", true, true, false},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			opts := []Option{Reuse(false), WithExporter(exporter.NewNone()), WithBackpressureWait(time.Minute)}
			if tc.spool {
				opts = append(opts, WithSpool(b.TempDir()))
			}
			l := GetLogger(b.Name(), opts...)
			call := func() {
				if tc.info {
					l.Info("request served", "status", 200, "path", "/x")
				} else {
					l.Error("payment failed", "status", 502, "path", "/x")
				}
			}
			var mu sync.Mutex
			var lat []time.Duration
			b.ReportAllocs()
			b.ResetTimer()
			if tc.parallel {
				b.SetParallelism(4) // 2 CPUs × 4 = 8 goroutines
				b.RunParallel(func(pb *testing.PB) {
					var mine []time.Duration
					for pb.Next() {
						t0 := time.Now()
						call()
						mine = append(mine, time.Since(t0))
					}
					mu.Lock()
					lat = append(lat, mine...)
					mu.Unlock()
				})
			} else {
				for b.Loop() {
					t0 := time.Now()
					call()
					lat = append(lat, time.Since(t0))
				}
			}
			b.StopTimer()
			if _, err := l.StopAndDrain(context.Background()); err != nil {
				b.Fatal(err)
			}
			if len(lat) > 0 {
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
				b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
			}
		})
	}
}
