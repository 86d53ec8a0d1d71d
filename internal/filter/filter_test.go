package filter

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/fapilog/fapilog-go/levels"
)

var t0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func count(f *Filter, n int, level levels.Level, msg func(i int) string, at func(i int) time.Time) map[Verdict]int {
	out := map[Verdict]int{}
	for i := range n {
		out[f.Decide(level, msg(i), at(i))]++
	}
	return out
}

func same(string) func(int) string       { return func(int) string { return "m" } }
func at(t time.Time) func(int) time.Time { return func(int) time.Time { return t } }

func TestOffIsNil(t *testing.T) {
	for _, c := range []Config{{}, {SampleRate: 1}, {SampleRate: 2}, {SampleRate: -1}} {
		if f := New(c); f != nil {
			t.Errorf("New(%+v) = %v, want nil", c, f)
		}
	}
}

func TestSampling(t *testing.T) {
	f := New(Config{SampleRate: 0.25})
	got := count(f, 100, levels.Info, same(""), at(t0))
	if got[Keep] != 25 || got[Sampled] != 75 {
		t.Errorf("%v, want 25 kept and 75 sampled out", got)
	}
	// Evenly spread: every 4th.
	f = New(Config{SampleRate: 0.25})
	for i := 1; i <= 8; i++ {
		if v := f.Decide(levels.Info, "m", t0); (v == Keep) != (i%4 == 0) {
			t.Errorf("record %d: %s", i, v)
		}
	}
}

func TestLoggerRateLimit(t *testing.T) {
	f := New(Config{RatePerSecond: 10, RateBurst: 5})
	distinct := func(i int) string { return fmt.Sprint(i) }
	if got := count(f, 20, levels.Info, distinct, at(t0)); got[Keep] != 5 || got[RateLimited] != 15 {
		t.Errorf("at once: %v, want the burst of 5", got)
	}
	if got := count(f, 20, levels.Info, distinct, at(t0.Add(300*time.Millisecond))); got[Keep] != 3 {
		t.Errorf("300 ms later: %v, want 3 refilled", got)
	}
	// The default burst is the rate.
	f = New(Config{RatePerSecond: 4})
	if got := count(f, 10, levels.Info, distinct, at(t0)); got[Keep] != 4 {
		t.Errorf("default burst: %v", got)
	}
}

func TestMessageRateLimitIsPerMessage(t *testing.T) {
	f := New(Config{MessageRatePerSecond: 1, MessageRateBurst: 2})
	two := func(i int) string { return []string{"a", "b"}[i%2] }
	if got := count(f, 10, levels.Info, two, at(t0)); got[Keep] != 4 || got[RateLimited] != 6 {
		t.Errorf("%v, want 2 of each message", got)
	}
	if v := f.Decide(levels.Warning, "a", t0); v != Keep {
		t.Errorf("same text at another level: %s", v)
	}
}

func TestDedupWindow(t *testing.T) {
	f := New(Config{DedupWindow: time.Second})
	steps := []struct {
		level levels.Level
		msg   string
		after time.Duration
		want  Verdict
	}{
		{levels.Info, "disk full", 0, Keep},
		{levels.Info, "disk full", 10 * time.Millisecond, Deduplicated},
		{levels.Warning, "disk full", 20 * time.Millisecond, Keep},
		{levels.Info, "other", 30 * time.Millisecond, Keep},
		{levels.Info, "disk full", 999 * time.Millisecond, Deduplicated},
		{levels.Info, "disk full", time.Second, Keep}, // a new window starts
		{levels.Info, "disk full", 1500 * time.Millisecond, Deduplicated},
	}
	for i, s := range steps {
		if v := f.Decide(s.level, s.msg, t0.Add(s.after)); v != s.want {
			t.Errorf("step %d: %s, want %s", i, v, s.want)
		}
	}
}

func TestFilterOrderSparesLaterAllowances(t *testing.T) {
	f := New(Config{DedupWindow: time.Minute, RatePerSecond: 1, RateBurst: 2})
	for range 10 {
		f.Decide(levels.Info, "dup", t0) // 1 kept, 9 de-duplicated
	}
	if v := f.Decide(levels.Info, "fresh", t0); v != Keep {
		t.Errorf("de-duplicated records used up the rate limit: %s", v)
	}
}

func TestPerMessageTableIsBounded(t *testing.T) {
	f := New(Config{DedupWindow: time.Minute})
	for i := range 3 * maxKeys {
		f.Decide(levels.Info, fmt.Sprint(i), t0)
	}
	if n := len(f.perMsg); n > maxKeys {
		t.Errorf("%d entries, want at most %d", n, maxKeys)
	}
	// Recently used messages survive eviction.
	f.Decide(levels.Info, "hot", t0)
	for i := range maxKeys {
		f.Decide(levels.Info, fmt.Sprint("x", i), t0)
		if i%100 == 0 {
			if v := f.Decide(levels.Info, "hot", t0); v != Deduplicated {
				t.Fatalf("hot message forgotten after %d others: %s", i, v)
			}
		}
	}
}

func TestConcurrentDecide(t *testing.T) {
	f := New(Config{SampleRate: 0.5, RatePerSecond: 1e9, MessageRatePerSecond: 1e9, DedupWindow: time.Nanosecond})
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := map[Verdict]int{}
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got := count(f, 1000, levels.Info, func(i int) string { return fmt.Sprint(g, i) }, func(i int) time.Time { return t0.Add(time.Duration(i)) })
			mu.Lock()
			for k, v := range got {
				total[k] += v
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if total[Keep] != 4000 || total[Sampled] != 4000 {
		t.Errorf("%v, want exactly half sampled out", total)
	}
}
