// Package filter decides which enabled records a logger leaves out on
// purpose: sampling, rate limiting (per logger and per message) and
// de-duplication within a window. A record left out is counted by the
// pipeline under its Verdict, never lost silently; protected levels are
// never filtered (the caller does not ask).
//
// A nil *Filter keeps every record: a logger without filters pays one nil
// check on its enabled path and nothing on its disabled one.
package filter

import (
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/fapilog/fapilog-go/levels"
)

// Verdict is what a filter decided about one record.
type Verdict uint8

// The verdicts. Keep is the zero value.
const (
	Keep Verdict = iota
	Sampled
	RateLimited
	Deduplicated
)

// String returns the verdict's name.
func (v Verdict) String() string {
	switch v {
	case Sampled:
		return "sampled"
	case RateLimited:
		return "rate_limited"
	case Deduplicated:
		return "deduplicated"
	}
	return "keep"
}

// Config sets the filters; a zero field turns its filter off.
type Config struct {
	// SampleRate keeps this share (0 < r < 1) of records, evenly spread:
	// 0.1 keeps the 10th, 20th, 30th, … record. 0 or >= 1: off.
	SampleRate float64
	// RatePerSecond and RateBurst limit the logger to RatePerSecond records
	// a second, with bursts of RateBurst (default: RatePerSecond, at least
	// 1). 0: off.
	RatePerSecond float64
	RateBurst     int
	// MessageRatePerSecond and MessageRateBurst limit each message (the
	// same level and text) on its own. 0: off.
	MessageRatePerSecond float64
	MessageRateBurst     int
	// DedupWindow keeps the first record of a message (level and text) and
	// leaves out the same message until the window has passed since that
	// first one. 0: off.
	DedupWindow time.Duration
}

// Enabled reports whether any filter is on.
func (c Config) Enabled() bool {
	return (c.SampleRate > 0 && c.SampleRate < 1) || c.RatePerSecond > 0 || c.MessageRatePerSecond > 0 || c.DedupWindow > 0
}

// maxKeys bounds the per-message tables: past it, the oldest half of the
// entries is forgotten, so a flood of distinct messages costs bounded
// memory (and at worst lets a forgotten message through again).
const maxKeys = 4096

// Filter applies a Config. It is safe for concurrent use.
type Filter struct {
	cfg Config

	sampled atomic.Uint64 // records seen by the sampler

	logger *rate.Limiter

	mu       sync.Mutex
	perMsg   map[key]*msgState
	clockSeq uint64 // orders entries for eviction
}

type key struct {
	level levels.Level
	msg   string
}

type msgState struct {
	limiter *rate.Limiter // message rate limit
	first   time.Time     // de-duplication: when the kept record was seen
	seq     uint64        // last use
}

// New returns the filter of c, or nil when c turns nothing on.
func New(c Config) *Filter {
	if !c.Enabled() {
		return nil
	}
	f := &Filter{cfg: c}
	if c.RatePerSecond > 0 {
		f.logger = rate.NewLimiter(rate.Limit(c.RatePerSecond), burst(c.RateBurst, c.RatePerSecond))
	}
	if c.MessageRatePerSecond > 0 || c.DedupWindow > 0 {
		f.perMsg = make(map[key]*msgState)
	}
	return f
}

func burst(b int, perSecond float64) int {
	if b > 0 {
		return b
	}
	return max(1, int(perSecond))
}

// Decide returns what to do with a record of level and msg at now. The
// filters run in order de-duplication, message rate, logger rate,
// sampling; the first that leaves the record out names the verdict, and a
// record left out does not use up the later filters' allowance.
func (f *Filter) Decide(level levels.Level, msg string, now time.Time) Verdict {
	if f.perMsg != nil {
		if v := f.perMessage(level, msg, now); v != Keep {
			return v
		}
	}
	if f.logger != nil && !f.logger.AllowN(now, 1) {
		return RateLimited
	}
	if r := f.cfg.SampleRate; r > 0 && r < 1 {
		n := f.sampled.Add(1)
		if uint64(float64(n)*r) == uint64(float64(n-1)*r) {
			return Sampled
		}
	}
	return Keep
}

func (f *Filter) perMessage(level levels.Level, msg string, now time.Time) Verdict {
	k := key{level, msg}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clockSeq++
	st := f.perMsg[k]
	if st == nil {
		if len(f.perMsg) >= maxKeys {
			f.evict()
		}
		st = &msgState{}
		if f.cfg.MessageRatePerSecond > 0 {
			st.limiter = rate.NewLimiter(rate.Limit(f.cfg.MessageRatePerSecond), burst(f.cfg.MessageRateBurst, f.cfg.MessageRatePerSecond))
		}
		f.perMsg[k] = st
	}
	st.seq = f.clockSeq
	if w := f.cfg.DedupWindow; w > 0 {
		if !st.first.IsZero() && now.Sub(st.first) < w {
			return Deduplicated
		}
		st.first = now
	}
	if st.limiter != nil && !st.limiter.AllowN(now, 1) {
		return RateLimited
	}
	return Keep
}

// evict forgets the entries not used in the last maxKeys/2 decisions.
func (f *Filter) evict() {
	cut := f.clockSeq - uint64(len(f.perMsg)/2)
	for k, st := range f.perMsg {
		if st.seq < cut {
			delete(f.perMsg, k)
		}
	}
	if len(f.perMsg) >= maxKeys { // sequence numbers bunched: drop all
		clear(f.perMsg)
	}
}
