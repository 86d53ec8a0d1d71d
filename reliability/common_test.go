//go:build linux

package reliability

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/internal/collectortest"
	"github.com/fapilog/fapilog-go/levels"
)

// durableFiles makes the collector's file exporter write each export
// request straight to the file before the receiver acknowledges it (with a
// rotation section the file exporter skips its write buffer; the size limit
// is never reached). With the default buffered writer a SIGKILL loses what
// the collector had already acknowledged, which would hide the library's
// own behaviour behind the collector's.
const durableFiles = `
exporters:
  file/logs:
    append: false
    rotation:
      max_megabytes: 100000
`

// startCollector starts the real collector with durable file output.
func startCollector(t *testing.T, opts ...collectortest.Option) *collectortest.Collector {
	t.Helper()
	return collectortest.Start(t, append([]collectortest.Option{collectortest.WithConfig(durableFiles)}, opts...)...)
}

// shortRetry keeps outage tests short while still retrying for maxElapsed.
func shortRetry(maxElapsed time.Duration) *exporter.RetryConfig {
	return &exporter.RetryConfig{
		Enabled:         true,
		InitialInterval: 50 * time.Millisecond,
		MaxInterval:     250 * time.Millisecond,
		MaxElapsedTime:  maxElapsed,
	}
}

// grpcConfig exports over OTLP/gRPC in plain text to a collector endpoint.
func grpcConfig(endpoint string, retry *exporter.RetryConfig) exporter.Config {
	return exporter.Config{
		Kind:     exporter.KindOTLP,
		Protocol: exporter.ProtocolGRPC,
		Endpoint: "http://" + endpoint,
		Headers:  map[string]string{}, // not the environment's
		Retry:    retry,
		Timeout:  time.Minute,
	}
}

// checkBalance fails the test unless Submitted == Exported + Dropped +
// Failed holds overall and for every level.
func checkBalance(t *testing.T, res fapilog.DrainResult) {
	t.Helper()
	if res.Submitted != res.Exported+res.Dropped+res.Failed {
		t.Errorf("Submitted %d != Exported %d + Dropped %d + Failed %d",
			res.Submitted, res.Exported, res.Dropped, res.Failed)
	}
	var sum fapilog.LevelCounts
	for l, c := range res.ByLevel {
		if c.Submitted != c.Exported+c.Dropped+c.Failed {
			t.Errorf("%v: %+v does not add up", l, c)
		}
		sum.Submitted += c.Submitted
		sum.Exported += c.Exported
		sum.Dropped += c.Dropped
		sum.Failed += c.Failed
	}
	if (sum != fapilog.LevelCounts{Submitted: res.Submitted, Exported: res.Exported, Dropped: res.Dropped, Failed: res.Failed}) {
		t.Errorf("ByLevel sums to %+v, totals are %+v", sum, res)
	}
}

// delivery is what the collector holds for one scope: how often each
// record id arrived.
type delivery struct {
	ids     map[int64]int
	records []collectortest.LogRecord
}

func (d delivery) unique() int { return len(d.ids) }

// duplicates is the number of extra copies (OTLP retries are at least once).
func (d delivery) duplicates() int {
	n := 0
	for _, c := range d.ids {
		n += c - 1
	}
	return n
}

// missing returns the ids in [0, n) that never arrived.
func (d delivery) missing(n int) []int64 {
	var out []int64
	for i := range int64(n) {
		if d.ids[i] == 0 {
			out = append(out, i)
		}
	}
	return out
}

// delivered reads the records of scope from the collector, waiting (at most
// timeout) until at least want distinct ids are there. The collector writes
// an export to its file before it acknowledges it (durableFiles), so after
// a drain the wait is normally not needed; it bounds a slow disk.
func delivered(t *testing.T, c *collectortest.Collector, scope string, want int, timeout time.Duration) delivery {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		d := delivery{ids: map[int64]int{}}
		for _, r := range c.Logs(t) {
			if r.ScopeName != scope {
				continue
			}
			d.records = append(d.records, r)
			if id, ok := r.Attrs["id"].(int64); ok {
				d.ids[id]++
			}
		}
		if d.unique() >= want || !time.Now().Before(deadline) {
			return d
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// mixedLevels is the level of record i in the mixed-level scenarios.
var mixedLevels = []levels.Level{levels.Debug, levels.Info, levels.Warning, levels.Error, levels.Critical, levels.Audit, levels.Security}

func isProtected(l levels.Level) bool { return l >= levels.Error }

func summary(res fapilog.DrainResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "submitted=%d exported=%d dropped=%d failed=%d retried=%d resent=%d highwater=%d flush=%v",
		res.Submitted, res.Exported, res.Dropped, res.Failed, res.Retried, res.Resent, res.QueueHighWatermark, res.FlushLatency.Round(time.Millisecond))
	return b.String()
}

func drain(t *testing.T, l interface {
	StopAndDrain(context.Context) (fapilog.DrainResult, error)
}, timeout time.Duration) (fapilog.DrainResult, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return l.StopAndDrain(ctx)
}
