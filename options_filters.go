package fapilog

import (
	"fmt"
	"strconv"
	"time"

	"github.com/fapilog/fapilog-go/internal/filter"
)

// Variables of the filters (options beat them).
const (
	EnvSampleRate            = "FAPILOG_SAMPLE_RATE"              // 0 < r < 1
	EnvRateLimit             = "FAPILOG_RATE_LIMIT"               // records a second, per logger
	EnvRateLimitBurst        = "FAPILOG_RATE_LIMIT_BURST"         // default: the rate
	EnvMessageRateLimit      = "FAPILOG_MESSAGE_RATE_LIMIT"       // records a second, per message
	EnvMessageRateLimitBurst = "FAPILOG_MESSAGE_RATE_LIMIT_BURST" // default: the rate
	EnvDedupWindow           = "FAPILOG_DEDUP_WINDOW_MS"          // milliseconds
)

// WithSampling keeps the given share (0 < rate < 1) of the records of
// unprotected levels, evenly spread: 0.1 keeps one in ten. The others are
// counted in DrainResult.Sampled. Protected levels (WithProtectedLevels)
// and AUDIT and SECURITY are never sampled. 0 or 1 turns it off.
func WithSampling(rate float64) Option {
	return optionFunc(func(c *config) { c.filter.SampleRate, c.filterSet.sample = rate, true })
}

// WithRateLimit limits the logger (and its With children) to perSecond
// records a second of unprotected levels, in bursts of up to burst (0: the
// rate). Records over the limit are counted in DrainResult.RateLimited.
func WithRateLimit(perSecond float64, burst int) Option {
	return optionFunc(func(c *config) {
		c.filter.RatePerSecond, c.filter.RateBurst, c.filterSet.rate = perSecond, burst, true
	})
}

// WithMessageRateLimit limits each message (the same level and text, the
// key/values aside) to perSecond records a second, in bursts of up to
// burst (0: the rate), so one hot log line cannot drown the others. Over
// the limit: DrainResult.RateLimited. Protected levels are never limited.
func WithMessageRateLimit(perSecond float64, burst int) Option {
	return optionFunc(func(c *config) {
		c.filter.MessageRatePerSecond, c.filter.MessageRateBurst, c.filterSet.msgRate = perSecond, burst, true
	})
}

// WithDedup keeps the first record of a message (the same level and text)
// and leaves out repeats until window has passed since it; they are
// counted in DrainResult.Deduplicated. Protected levels are never
// de-duplicated. 0 turns it off.
func WithDedup(window time.Duration) Option {
	return optionFunc(func(c *config) { c.filter.DedupWindow, c.filterSet.dedup = window, true })
}

// filterSet records which filters an option set, so their variables are
// not read.
type filterSet struct{ sample, rate, msgRate, dedup bool }

// resolveFilters reads the filter variables for what no option set.
func resolveFilters(c *config) []error {
	var errs []error
	num := func(key string, dst *float64, max float64) {
		v, ok := envSet(key)
		if !ok {
			return
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 || f > max || f != f {
			errs = append(errs, fmt.Errorf("%s=%q: want a number from 0 to %g", key, v, max))
			return
		}
		*dst = f
	}
	integer := func(key string, dst *int) {
		v, ok := envSet(key)
		if !ok {
			return
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			errs = append(errs, fmt.Errorf("%s=%q: want an integer >= 0", key, v))
			return
		}
		*dst = n
	}
	if !c.filterSet.sample {
		num(EnvSampleRate, &c.filter.SampleRate, 1)
	}
	if !c.filterSet.rate {
		num(EnvRateLimit, &c.filter.RatePerSecond, 1e9)
		integer(EnvRateLimitBurst, &c.filter.RateBurst)
	}
	if !c.filterSet.msgRate {
		num(EnvMessageRateLimit, &c.filter.MessageRatePerSecond, 1e9)
		integer(EnvMessageRateLimitBurst, &c.filter.MessageRateBurst)
	}
	if !c.filterSet.dedup {
		ms := 0
		integer(EnvDedupWindow, &ms)
		if ms > 0 {
			c.filter.DedupWindow = time.Duration(ms) * time.Millisecond
		}
	}
	if c.filter.SampleRate < 0 || c.filter.RatePerSecond < 0 || c.filter.MessageRatePerSecond < 0 || c.filter.DedupWindow < 0 ||
		c.filter.RateBurst < 0 || c.filter.MessageRateBurst < 0 {
		errs = append(errs, fmt.Errorf("filters: negative rates, bursts and windows are not allowed (filters off)"))
		c.filter = filterConfig{}
	}
	return errs
}

type filterConfig = filter.Config
