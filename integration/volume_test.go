package integration

import (
	"sync"
	"testing"
)

// TestTenThousandRecordsExactlyOnce logs 10,000 records from 8 goroutines,
// each with a unique seq attribute, and counts them at the collector: each
// seq must arrive exactly once, and the DrainResult must agree with the
// collector's count. The queue is the default (2048), smaller than the
// burst, so records wait for room (with a generous bound) instead of being
// dropped.
func TestTenThousandRecordsExactlyOnce(t *testing.T) {
	const (
		goroutines = 8
		perG       = 1250
		total      = goroutines * perG
	)
	for _, protocol := range protocols {
		t.Run(protoName(protocol), func(t *testing.T) {
			c := startCollector(t)
			setEnv(t, merge(otlpEnv(c, protocol), map[string]string{
				"OTEL_SERVICE_NAME":            "volume-test",
				"FAPILOG_BACKPRESSURE_WAIT_MS": "60000", // wait for room, never drop
			}))
			logger := freshLogger(t, "volume")

			var wg sync.WaitGroup
			for g := range goroutines {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range perG {
						logger.Info("record", "seq", g*perG+i, "goroutine", g)
					}
				}()
			}
			wg.Wait()
			res := drain(t, logger)
			if res.Submitted != total || res.Exported != total || res.Dropped != 0 || res.Failed != 0 {
				t.Fatalf("DrainResult submitted=%d exported=%d dropped=%d failed=%d, want %d exported, none dropped or failed",
					res.Submitted, res.Exported, res.Dropped, res.Failed, total)
			}

			recs := waitLogs(t, c, total)
			seen := make([]int, total)
			perGoroutine := make([]int, goroutines)
			for _, r := range recs {
				seq, ok := r.Attrs["seq"].(int64)
				if !ok || seq < 0 || seq >= total {
					t.Fatalf("record with seq %#v: not one of ours", r.Attrs["seq"])
				}
				seen[seq]++
				g, _ := r.Attrs["goroutine"].(int64)
				if g != seq/perG {
					t.Errorf("seq %d arrived with goroutine %d", seq, g)
				}
				perGoroutine[g]++
			}
			missing, dup := 0, 0
			for _, n := range seen {
				switch {
				case n == 0:
					missing++
				case n > 1:
					dup += n - 1
				}
			}
			t.Logf("%s: collector counted %d records (%d distinct seq, %d missing, %d duplicates); drain: submitted=%d exported=%d dropped=%d failed=%d retried=%d high watermark=%d",
				protocol, len(recs), total-missing, missing, dup, res.Submitted, res.Exported, res.Dropped, res.Failed, res.Retried, res.QueueHighWatermark)
			if missing != 0 || dup != 0 || len(recs) != total {
				t.Fatalf("collector: %d records, %d seq missing, %d duplicates; want each of %d exactly once", len(recs), missing, dup, total)
			}
			if uint64(len(recs)) != res.Exported {
				t.Fatalf("collector counted %d, DrainResult.Exported = %d", len(recs), res.Exported)
			}
			for g, n := range perGoroutine {
				if n != perG {
					t.Errorf("goroutine %d: %d records, want %d", g, n, perG)
				}
			}
		})
	}
}
