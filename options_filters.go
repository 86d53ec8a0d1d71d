package fapilog

import (
	"time"

	"github.com/fapilog/fapilog-go/internal/settings"
)

// Variables of the filters (options beat them).
const (
	EnvSampleRate            = settings.EnvSampleRate            // FAPILOG_SAMPLE_RATE: 0 to 1
	EnvRateLimit             = settings.EnvRateLimit             // FAPILOG_RATE_LIMIT: records a second, per logger
	EnvRateLimitBurst        = settings.EnvRateLimitBurst        // FAPILOG_RATE_LIMIT_BURST (default: the rate)
	EnvMessageRateLimit      = settings.EnvMessageRateLimit      // FAPILOG_MESSAGE_RATE_LIMIT: records a second, per message
	EnvMessageRateLimitBurst = settings.EnvMessageRateLimitBurst // FAPILOG_MESSAGE_RATE_LIMIT_BURST
	EnvDedupWindow           = settings.EnvDedupWindow           // FAPILOG_DEDUP_WINDOW_MS
)

// WithSampling keeps the given share (0 < rate < 1) of the records of
// unprotected levels, evenly spread: 0.1 keeps one in ten. The others are
// counted in DrainResult.Sampled. Protected levels (WithProtectedLevels)
// and AUDIT and SECURITY are never sampled. 0 or 1 turns it off.
func WithSampling(rate float64) Option {
	return optionFunc(func(o *settings.Options) { o.Filter.SampleRate = settings.Of(rate) })
}

// WithRateLimit limits the logger (and its With children) to perSecond
// records a second of unprotected levels, in bursts of up to burst (0: the
// rate). Records over the limit are counted in DrainResult.RateLimited.
// 0 turns it off.
func WithRateLimit(perSecond float64, burst int) Option {
	return optionFunc(func(o *settings.Options) {
		o.Filter.RatePerSecond, o.Filter.RateBurst = settings.Of(perSecond), settings.Of(burst)
	})
}

// WithMessageRateLimit limits each message (the same level and text, the
// key/values aside) to perSecond records a second, in bursts of up to
// burst (0: the rate), so one hot log line cannot drown the others. Over
// the limit: DrainResult.RateLimited. Protected levels are never limited.
func WithMessageRateLimit(perSecond float64, burst int) Option {
	return optionFunc(func(o *settings.Options) {
		o.Filter.MessageRatePerSecond, o.Filter.MessageRateBurst = settings.Of(perSecond), settings.Of(burst)
	})
}

// WithDedup keeps the first record of a message (the same level and text)
// and leaves out repeats until window has passed since it; they are
// counted in DrainResult.Deduplicated. Protected levels are never
// de-duplicated. 0 turns it off.
func WithDedup(window time.Duration) Option {
	return optionFunc(func(o *settings.Options) { o.Filter.DedupWindow = settings.Of(window) })
}
