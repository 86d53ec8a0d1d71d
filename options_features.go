package fapilog

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"go.opentelemetry.io/otel/attribute"

	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/levels"
	"github.com/fapilog/fapilog-go/redact"
)

// The variables of redaction, the audit chain and presets.
const (
	// EnvRedaction is off, default or strict (default: default).
	EnvRedaction = "FAPILOG_REDACTION"
	// EnvRedactionOptOut is allow or deny: whether redact.Off() (NoRedact)
	// turns redaction off for a call (default: allow).
	EnvRedactionOptOut = "FAPILOG_REDACTION_OPTOUT"
	// EnvAuditChain is on or off (also true/false, 1/0; default: on).
	EnvAuditChain = "FAPILOG_AUDIT_CHAIN"
	// EnvPreset is dev, production or hardened (default: none).
	EnvPreset = "FAPILOG_PRESET"
)

// NoRedact is the per-call redaction opt-out, for local debugging: a call
// that carries it is not redacted, unless opt-out is denied
// (WithRedactionOptOut(false), FAPILOG_REDACTION_OPTOUT=deny, presets
// production and hardened). The record keeps fapilog.redaction=off (or
// "denied"). It is redact.Off().
//
//	logger.Debug("oauth exchange", "response", body, fapilog.NoRedact)
var NoRedact attribute.KeyValue = redact.Off()

// The presets (WithPreset, FAPILOG_PRESET).
const (
	PresetDev        = "dev"
	PresetProduction = "production"
	PresetHardened   = "hardened"
)

// preset is a bundle of defaults. Every value yields to an option or a
// variable that sets the same thing.
type preset struct {
	level      levels.Level
	exporter   exporter.Kind
	protected  []levels.Level
	redaction  string // off, default, strict
	denyOptOut bool
	auditChain bool
}

var presets = map[string]preset{
	PresetDev: {
		level: levels.Debug, exporter: exporter.KindConsole, protected: DefaultProtectedLevels,
		redaction: "default", denyOptOut: false, auditChain: false,
	},
	PresetProduction: {
		level: levels.Info, exporter: exporter.KindOTLP, protected: DefaultProtectedLevels,
		redaction: "default", denyOptOut: true, auditChain: true,
	},
	PresetHardened: {
		level: levels.Info, exporter: exporter.KindOTLP,
		protected: []levels.Level{levels.Warning, levels.Error, levels.Critical, levels.Audit, levels.Security},
		redaction: "strict", denyOptOut: true, auditChain: true,
	},
}

// features is the part of config this file owns: options as given, then
// the resolved redactor and audit chain switch.
type features struct {
	preset     string
	redaction  string // "", "off", "default", "strict", "config"
	redactCfg  redact.Config
	allowOpt   *bool
	auditChain *bool

	redactor *redact.Redactor // nil: off
	chain    bool
}

// WithRedaction redacts records with cfg instead of the default redaction
// (it replaces FAPILOG_REDACTION and the preset's). Redaction is on by
// default: see package redact for what is masked.
func WithRedaction(cfg redact.Config) Option {
	return optionFunc(func(c *config) { c.features.redaction, c.features.redactCfg = "config", cfg })
}

// WithoutRedaction turns redaction off for the logger.
func WithoutRedaction() Option {
	return optionFunc(func(c *config) { c.features.redaction = "off" })
}

// WithRedactionOptOut sets whether a call may turn redaction off with
// NoRedact (redact.Off()). Default: allowed; presets production and
// hardened deny it. redact.Config.DenyOptOut denies it too.
func WithRedactionOptOut(allow bool) Option {
	return optionFunc(func(c *config) { c.features.allowOpt = &allow })
}

// WithAuditChain turns the tamper-evident chain of AUDIT and SECURITY
// records on or off (default on; preset dev: off). See package audit and
// the fapilog-verify command.
func WithAuditChain(on bool) Option {
	return optionFunc(func(c *config) { c.features.auditChain = &on })
}

// WithPreset applies a bundle of defaults: "dev", "production" or
// "hardened" (see the README's table). Options and variables that set the
// same thing win over the preset.
func WithPreset(name string) Option {
	return optionFunc(func(c *config) { c.features.preset = name })
}

// resolveFeatures applies the preset as defaults (before the environment
// and the defaults are resolved: a field an option or a variable sets is
// left alone), then resolves redaction and the audit chain, option >
// variable > preset > default.
func resolveFeatures(c *config) []error {
	var errs []error
	f := &c.features
	name, fromEnv := f.preset, false
	if name == "" {
		name, fromEnv = envSet(EnvPreset)
	}
	var p *preset
	if name != "" {
		if pr, ok := presets[strings.ToLower(strings.TrimSpace(name))]; ok {
			p = &pr
		} else if fromEnv {
			errs = append(errs, fmt.Errorf("%s=%q: want dev, production or hardened", EnvPreset, name))
		} else {
			errs = append(errs, fmt.Errorf("WithPreset(%q): want dev, production or hardened", name))
		}
	}
	if p != nil {
		if _, set := envSet(EnvLevel); c.level == nil && !set {
			l := p.level
			c.level = &l
		}
		if _, set := envSet(EnvProtectedLevels); c.protected == nil && !set {
			c.protected = p.protected
		}
		_, kindSet := envSet("OTEL_LOGS_EXPORTER")
		_, ep1 := envSet("OTEL_EXPORTER_OTLP_ENDPOINT")
		_, ep2 := envSet("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT")
		if c.exporter == nil && c.provider == nil && c.exporterConfig.Kind == exporter.KindUnset &&
			c.exporterConfig.Endpoint == "" && !kindSet && !ep1 && !ep2 {
			c.exporterConfig.Kind = p.exporter
		}
	}

	// Opt-out: option > variable > preset > allowed; a Config that denies
	// it always wins.
	allow := true
	switch v, set := envSet(EnvRedactionOptOut); {
	case f.allowOpt != nil:
		allow = *f.allowOpt
	case set:
		switch strings.ToLower(v) {
		case "allow":
		case "deny":
			allow = false
		default:
			allow = false // fail closed
			errs = append(errs, fmt.Errorf("%s=%q: want allow or deny (denying)", EnvRedactionOptOut, v))
		}
	case p != nil:
		allow = !p.denyOptOut
	}

	mode := f.redaction
	if mode == "" {
		if v, set := envSet(EnvRedaction); set {
			switch m := strings.ToLower(v); m {
			case "off", "default", "strict":
				mode = m
			default:
				errs = append(errs, fmt.Errorf("%s=%q: want off, default or strict (using default)", EnvRedaction, v))
			}
		}
	}
	if mode == "" && p != nil {
		mode = p.redaction
	}
	switch mode {
	case "off":
		f.redactor = nil
	case "config":
		cfg := f.redactCfg
		cfg.DenyOptOut = cfg.DenyOptOut || !allow
		r, err := redact.New(cfg)
		if err != nil {
			errs = append(errs, fmt.Errorf("WithRedaction: %w (using the default redaction)", err))
			r = sharedRedactor(redact.ModeDefault, !allow)
		}
		f.redactor = r
	case "strict":
		f.redactor = sharedRedactor(redact.ModeStrict, !allow)
	default:
		f.redactor = sharedRedactor(redact.ModeDefault, !allow)
	}

	f.chain = true
	switch v, set := envSet(EnvAuditChain); {
	case f.auditChain != nil:
		f.chain = *f.auditChain
	case set:
		switch strings.ToLower(v) {
		case "on", "true", "1", "yes":
		case "off", "false", "0", "no":
			f.chain = false
		default:
			errs = append(errs, fmt.Errorf("%s=%q: want on or off (keeping it on)", EnvAuditChain, v))
		}
	case p != nil:
		f.chain = p.auditChain
	}
	return errs
}

// sharedRedactors are built once per mode and opt-out policy, so that
// thousands of loggers share four redactors.
var sharedRedactors [2][2]struct {
	once sync.Once
	r    *redact.Redactor
}

func sharedRedactor(mode redact.Mode, deny bool) *redact.Redactor {
	d := 0
	if deny {
		d = 1
	}
	s := &sharedRedactors[mode][d]
	s.once.Do(func() {
		r, err := redact.New(redact.Config{Mode: mode, DenyOptOut: deny})
		if err != nil { // the built-in configurations are valid
			panic(errors.Join(errors.New("fapilog: built-in redaction"), err))
		}
		s.r = r
	})
	return s.r
}
