package fapilog

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/fapilog/fapilog-go/audit"
	"github.com/fapilog/fapilog-go/bridge"
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/levels"
	"github.com/fapilog/fapilog-go/redact"
)

// The variables of redaction, the audit chain and presets.
const (
	// EnvRedaction is off, default or strict (default: default).
	EnvRedaction = "FAPILOG_REDACTION"
	// EnvAuditChain is on or off (also true/false, 1/0; default: on).
	EnvAuditChain = "FAPILOG_AUDIT_CHAIN"
	// EnvPreset is dev, production or hardened (default: none).
	EnvPreset = "FAPILOG_PRESET"
)

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
	auditChain bool
}

var presets = map[string]preset{
	PresetDev: {
		level: levels.Debug, exporter: exporter.KindConsole, protected: DefaultProtectedLevels,
		redaction: "default", auditChain: false,
	},
	PresetProduction: {
		level: levels.Info, exporter: exporter.KindOTLP, protected: DefaultProtectedLevels,
		redaction: "default", auditChain: true,
	},
	PresetHardened: {
		level: levels.Info, exporter: exporter.KindOTLP,
		protected: []levels.Level{levels.Warning, levels.Error, levels.Critical, levels.Audit, levels.Security},
		redaction: "strict", auditChain: true,
	},
}

// features is the part of config this file owns: options as given, then
// the resolved redactor and audit chain switch.
type features struct {
	preset     string
	redaction  string // "", "off", "default", "strict", "config"
	redactCfg  redact.Config
	auditChain *bool
	signing    auditSigning // options_security.go

	redactor *redact.Redactor // nil: off
	chain    bool
	signer   audit.Signer // nil: unsigned chains
}

// WithRedaction redacts records with cfg instead of the default redaction
// (it replaces FAPILOG_REDACTION and the preset's). Redaction is on by
// default: see package redact for what is masked.
func WithRedaction(cfg redact.Config) Option {
	return optionFunc(func(c *config) { c.features.redaction, c.features.redactCfg = "config", cfg })
}

// WithoutRedaction turns redaction off for the logger. With
// FAPILOG_REDACTION=off it is the only opt-out: configuration, never data
// (no attribute of a record can turn redaction off).
func WithoutRedaction() Option {
	return optionFunc(func(c *config) { c.features.redaction = "off" })
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
		r, err := redact.New(f.redactCfg)
		if err != nil {
			errs = append(errs, fmt.Errorf("WithRedaction: %w (using the default redaction)", err))
			r = sharedRedactor(redact.ModeDefault)
		}
		f.redactor = r
	case "strict":
		f.redactor = sharedRedactor(redact.ModeStrict)
	default:
		f.redactor = sharedRedactor(redact.ModeDefault)
	}
	if mode != "off" && mode != "config" {
		r, err := withRedactionPresets(f.redactor) // options_security.go
		if err != nil {
			errs = append(errs, err)
		}
		f.redactor = r
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
	if f.chain {
		s, err := resolveSigning(f) // options_security.go
		if err != nil {
			errs = append(errs, err)
		}
		f.signer = s
	}
	return errs
}

// sharedRedactors are built once per mode, so that thousands of loggers
// share two redactors.
var sharedRedactors [2]struct {
	once sync.Once
	r    *redact.Redactor
}

func sharedRedactor(mode redact.Mode) *redact.Redactor {
	s := &sharedRedactors[mode]
	s.once.Do(func() {
		r, err := redact.New(redact.Config{Mode: mode})
		if err != nil { // the built-in configurations are valid
			panic(errors.Join(errors.New("fapilog: built-in redaction"), err))
		}
		s.r = r
	})
	return s.r
}

// stages returns the record stages of a new core: redaction for every
// record, and for AUDIT and SECURITY records redaction then the audit chain
// (its hash covers the redacted record). Keeping the chain out of the other
// levels' list spares them a stage call. The chain is new for each core:
// one chain per logger instance.
func (f *features) stages(mapping levels.Mapping) (plain, chained []bridge.Stage) {
	if f.redactor != nil {
		plain = append(plain, f.redactor)
	}
	chained = plain
	if f.chain {
		var sevs []audit.Severity
		for _, l := range []levels.Level{levels.Audit, levels.Security} {
			sev, text := l.Severity(), l.String()
			if mapping != nil {
				sev, text = mapping(l)
			}
			sevs = append(sevs, audit.Severity{Number: sev, Text: text})
		}
		chained = append(append([]bridge.Stage(nil), plain...), audit.NewSignedChain(f.signer, sevs...))
	}
	return plain, chained
}
