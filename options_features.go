package fapilog

import (
	"go.opentelemetry.io/otel/attribute"

	"github.com/fapilog/fapilog-go/internal/settings"
	"github.com/fapilog/fapilog-go/redact"
)

// The variables of redaction, the audit chain and presets.
const (
	// EnvRedaction is off, default or strict (default: default).
	EnvRedaction = settings.EnvRedaction
	// EnvRedactionOptOut is allow or deny: whether redact.Off() (NoRedact)
	// turns redaction off for a call (default: allow).
	EnvRedactionOptOut = settings.EnvRedactionOptOut
	// EnvAuditChain is on or off (also true/false, 1/0; default: on).
	EnvAuditChain = settings.EnvAuditChain
	// EnvPreset is dev, production or hardened (default: none).
	EnvPreset = settings.EnvPreset
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
	PresetDev        = settings.PresetDev
	PresetProduction = settings.PresetProduction
	PresetHardened   = settings.PresetHardened
)

// WithRedaction redacts records with cfg instead of the default redaction
// (it replaces FAPILOG_REDACTION and the preset's). Redaction is on by
// default: see package redact for what is masked.
func WithRedaction(cfg redact.Config) Option {
	return optionFunc(func(o *settings.Options) { o.Redaction, o.RedactConfig = settings.Of("config"), cfg })
}

// WithoutRedaction turns redaction off for the logger.
func WithoutRedaction() Option {
	return optionFunc(func(o *settings.Options) { o.Redaction = settings.Of("off") })
}

// WithRedactionOptOut sets whether a call may turn redaction off with
// NoRedact (redact.Off()). Default: allowed; presets production and
// hardened deny it. redact.Config.DenyOptOut denies it too.
func WithRedactionOptOut(allow bool) Option {
	return optionFunc(func(o *settings.Options) { o.AllowOptOut = settings.Of(allow) })
}

// WithAuditChain turns the tamper-evident chain of AUDIT and SECURITY
// records on or off (default on; preset dev: off). See package audit and
// the fapilog-verify command.
func WithAuditChain(on bool) Option {
	return optionFunc(func(o *settings.Options) { o.AuditChain = settings.Of(on) })
}

// WithPreset applies a bundle of defaults: "dev", "production" or
// "hardened" (see the README's table). Options and variables that set the
// same thing win over the preset.
func WithPreset(name string) Option {
	return optionFunc(func(o *settings.Options) { o.Preset = settings.Of(name) })
}
