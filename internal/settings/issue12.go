package settings

// The settings of issue 12: per-name levels (FAPILOG_LEVELS), an unknown
// level name as a warning, and the filters.

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/internal/filter"
	"github.com/fapilog/fapilog-go/levels"
)

// FilterOptions are the filter options as given.
type FilterOptions struct {
	SampleRate           Setting[float64]
	RatePerSecond        Setting[float64]
	RateBurst            Setting[int]
	MessageRatePerSecond Setting[float64]
	MessageRateBurst     Setting[int]
	DedupWindow          Setting[time.Duration]
}

func parseRate(v string) (float64, error) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, errors.New("want a number")
	}
	return f, nil
}

func share(f float64) error {
	if f < 0 || f > 1 {
		return errors.New("want a share from 0 to 1")
	}
	return nil
}

func notNegativeRate(f float64) error {
	if f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return errors.New("want a rate >= 0")
	}
	return nil
}

var (
	sampleSpec   = spec[float64]{option: "WithSampling", env: EnvSampleRate, parse: parseRate, check: share}
	rateSpec     = spec[float64]{option: "WithRateLimit", env: EnvRateLimit, parse: parseRate, check: notNegativeRate}
	burstSpec    = spec[int]{option: "WithRateLimit", env: EnvRateLimitBurst, parse: parseInt, check: atLeast(0)}
	msgRateSpec  = spec[float64]{option: "WithMessageRateLimit", env: EnvMessageRateLimit, parse: parseRate, check: notNegativeRate}
	msgBurstSpec = spec[int]{option: "WithMessageRateLimit", env: EnvMessageRateLimitBurst, parse: parseInt, check: atLeast(0)}
	dedupSpec    = spec[time.Duration]{option: "WithDedup", env: EnvDedupWindow, parse: parseMillis, check: notNegative}
)

// resolveFilter resolves the filters: each option beats its variable.
func resolveFilter(o FilterOptions, errs *[]error) filter.Config {
	return filter.Config{
		SampleRate:           sampleSpec.resolve(o.SampleRate, 0, errs),
		RatePerSecond:        rateSpec.resolve(o.RatePerSecond, 0, errs),
		RateBurst:            burstSpec.resolve(o.RateBurst, 0, errs),
		MessageRatePerSecond: msgRateSpec.resolve(o.MessageRatePerSecond, 0, errs),
		MessageRateBurst:     msgBurstSpec.resolve(o.MessageRateBurst, 0, errs),
		DedupWindow:          dedupSpec.resolve(o.DedupWindow, 0, errs),
	}
}

// resolveLevel resolves the level of the logger named name: WithLevel,
// else its FAPILOG_LEVELS entry, else FAPILOG_LEVEL, else def. A level
// name that cannot be read is a warning, not an error: a typo in a level
// must not cost a service its logger (GetAsyncLogger would fail), and def
// is safe. The warning says which level is used.
func resolveLevel(opt Setting[levels.Level], name string, def levels.Level, warnings *[]string) levels.Level {
	if opt.Set {
		return opt.Value
	}
	if v, ok := Lookup(EnvLevels); ok {
		table, problems := ParseNamedLevels(v)
		for _, p := range problems {
			*warnings = append(*warnings, fmt.Sprintf("%s: %s (entry left out)", EnvLevels, p))
		}
		if l, ok := table[name]; ok {
			return l
		}
	}
	v, ok := Lookup(EnvLevel)
	if !ok {
		return def
	}
	l, err := levels.Parse(v)
	if err != nil {
		*warnings = append(*warnings, fmt.Sprintf("%s: %v; using %s", EnvLevel, err, def))
		return def
	}
	return l
}

// resolveAuditFile returns the audit file: the option's, else the
// variable's path with lumberjack's defaults (100 MB files, all kept), else
// none.
func resolveAuditFile(opt Setting[exporter.FileConfig]) *exporter.FileConfig {
	if opt.Set {
		if opt.Value.Path == "" {
			return nil // WithAuditFile(exporter.FileConfig{}): off
		}
		cfg := opt.Value
		return &cfg
	}
	if v, ok := Lookup(EnvAuditFile); ok {
		return &exporter.FileConfig{Path: v}
	}
	return nil
}

// ParseNamedLevels reads "name=LEVEL,…". A name may be empty (the default
// logger) but not contain '=' or ','; the last entry for a name wins.
// Entries that cannot be read are described in problems and left out.
func ParseNamedLevels(s string) (map[string]levels.Level, []string) {
	out := map[string]levels.Level{}
	var problems []string
	for i, entry := range strings.Split(s, ",") {
		if strings.TrimSpace(entry) == "" {
			continue
		}
		name, lv, ok := strings.Cut(entry, "=")
		if !ok {
			problems = append(problems, fmt.Sprintf("entry %d %q has no '='", i+1, entry))
			continue
		}
		l, err := levels.Parse(lv)
		if err != nil {
			problems = append(problems, fmt.Sprintf("entry %d: %v", i+1, err))
			continue
		}
		out[strings.TrimSpace(name)] = l
	}
	return out, problems
}
