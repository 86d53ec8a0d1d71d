package fapilog

import (
	"crypto/ed25519"

	"github.com/fapilog/fapilog-go/audit"
	"github.com/fapilog/fapilog-go/internal/settings"
)

// The options and variables of issue 11: signed audit chains and the
// compliance presets of redaction (resolved in internal/settings).
const (
	// EnvAuditSigningKey names a file holding an Ed25519 private key
	// (PKCS#8, PEM, as `openssl genpkey -algorithm ed25519` writes it).
	// With it, AUDIT and SECURITY chains are signed and a drained chain
	// ends with a signed seal; `fapilog-verify -public-key FILE` checks
	// them. See package audit.
	EnvAuditSigningKey = settings.EnvAuditSigningKey
	// EnvRedactionPresets is a comma-separated list of compliance presets
	// added to the redaction of FAPILOG_REDACTION (or the preset's):
	// credentials, pci-dss, hipaa-phi, gdpr-pii (see package redact). A
	// WithRedaction(redact.Config{Presets: …}) option replaces it.
	EnvRedactionPresets = settings.EnvRedactionPresets
)

// WithAuditSigningKey signs the logger's audit chains with key (Ed25519):
// every chained record carries audit.key_id and audit.sig, and a drain ends
// each chain with a signed seal. It beats FAPILOG_AUDIT_SIGNING_KEY. A key
// of the wrong size is a configuration error (the chain stays unsigned).
func WithAuditSigningKey(key ed25519.PrivateKey) Option {
	return optionFunc(func(o *settings.Options) {
		s, err := audit.NewEd25519Signer(key)
		o.AuditSigner, o.AuditSignerErr = settings.Of(s), err
	})
}

// WithAuditSigner signs the logger's audit chains with s: an
// audit.NewHMACSigner for shared-secret setups, or a signer backed by a key
// service. It beats FAPILOG_AUDIT_SIGNING_KEY.
func WithAuditSigner(s audit.Signer) Option {
	return optionFunc(func(o *settings.Options) { o.AuditSigner, o.AuditSignerErr = settings.Of(s), nil })
}
