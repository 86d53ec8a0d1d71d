//go:build linux

package reliability

import (
	"syscall"
	"testing"
	"time"

	"github.com/fapilog/fapilog-go/internal/longtest"
)

// TestSIGTERMDrainsRuntimeBeforeExit runs a subprocess that logs a known
// number of records inside fapilog.Runtime (queued: its batch processor
// would not export them for a minute) and blocks; on SIGTERM, Runtime drains
// within its deadline, and every record accepted before the signal is at
// the collector.
func TestSIGTERMDrainsRuntimeBeforeExit(t *testing.T) {
	const n = 5000
	c := startCollector(t)
	p := startHelper(t, "sigterm", helperEndpointEnv+"="+c.GRPCEndpoint, helperCountEnv+"="+itoa(n))
	ready := p.next(t, time.Minute)
	if ready.Event != "ready" || ready.Logged != n {
		t.Fatalf("helper said %+v", ready)
	}
	t.Logf("helper logged %d records, %d exported before the signal", ready.Logged, ready.Exported)
	p.signal(t, syscall.SIGTERM)
	done := p.next(t, time.Minute)
	code := p.wait(t, time.Minute)
	if done.Event != "done" || done.Result == nil {
		t.Fatalf("helper said %+v", done)
	}
	res := *done.Result
	t.Logf("exit code %d, Runtime error %q; %s", code, done.Err, summary(res))
	if code != 0 {
		t.Errorf("helper exit code %d (3: the drain failed); stderr:\n%s", code, p.stderrText())
	}
	checkBalance(t, res)
	d := delivered(t, c, "sigterm-runtime", n, 10*time.Second)
	report(t, "SIGTERM to a subprocess inside fapilog.Runtime", n, res, d, len(d.missing(n)))
	if res.Submitted != n || res.Exported != n || res.Failed != 0 || res.Dropped != 0 {
		t.Errorf("want all %d exported by the drain: %s", n, summary(res))
	}
	if m := d.missing(n); len(m) > 0 {
		t.Errorf("%d records accepted before SIGTERM missing at the collector, first %v", len(m), m[:min(10, len(m))])
	}
}

// TestMemoryStaysBoundedDuringOutage logs 200,000 records steadily in a
// subprocess whose collector is down (killed), and samples its RSS: the
// admission gate bounds what is held, so memory does not grow with the
// number of records.
func TestMemoryStaysBoundedDuringOutage(t *testing.T) {
	n := longtest.Scale(50000, 200000) // 200,000 with FAPILOG_LONG_TESTS=1 (CI)
	const bound = 100 << 10            // KiB of growth over the warmed-up baseline
	c := startCollector(t)
	c.Kill()
	p := startHelper(t, "memory", helperEndpointEnv+"="+c.GRPCEndpoint, helperCountEnv+"="+itoa(n))
	base := p.next(t, time.Minute)
	if base.Event != "sample" {
		t.Fatalf("helper said %+v", base)
	}
	peak := base
	var samples []helperLine
	var done helperLine
	for {
		l := p.next(t, 2*time.Minute)
		if l.Event == "done" {
			done = l
			break
		}
		samples = append(samples, l)
		if l.RSSKiB > peak.RSSKiB {
			peak = l
		}
	}
	if code := p.wait(t, time.Minute); code != 0 {
		t.Errorf("helper exit code %d; stderr:\n%s", code, p.stderrText())
	}
	growth := peak.RSSKiB - base.RSSKiB
	t.Logf("RSS: baseline %d KiB (heap %d KiB) after warm-up; peak %d KiB at %d records (heap %d KiB); growth %d KiB; after drain %d KiB",
		base.RSSKiB, base.HeapKiB, peak.RSSKiB, peak.Logged, peak.HeapKiB, growth, done.RSSKiB)
	for _, s := range samples {
		t.Logf("  %7d records: RSS %7d KiB, heap %7d KiB", s.Logged, s.RSSKiB, s.HeapKiB)
	}
	if done.Result != nil {
		res := *done.Result
		t.Logf("%s", summary(res))
		checkBalance(t, res)
		if res.Submitted != uint64(n+10000) || res.Exported != 0 {
			t.Errorf("want %d submitted, none exported: %s", n+10000, summary(res))
		}
		t.Logf("REPORT | memory: records logged while the collector is down | sent %d | exported %d | dropped %d | failed %d | missing - | duplicates - |",
			res.Submitted, res.Exported, res.Dropped, res.Failed)
	}
	if base.RSSKiB <= 0 || growth > bound {
		t.Errorf("RSS grew by %d KiB (baseline %d KiB), bound %d KiB", growth, base.RSSKiB, bound)
	}
}
