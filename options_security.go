package fapilog

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/fapilog/fapilog-go/audit"
	"github.com/fapilog/fapilog-go/levels"
	"github.com/fapilog/fapilog-go/redact"
)

// This file holds the root wiring of issue 11 (signed audit chains,
// compliance presets of redaction): the options and variables, resolved by
// resolveFeatures in options_features.go.

// EnvRedactionPresets is a comma-separated list of compliance presets added
// to the redaction of FAPILOG_REDACTION (or the preset's): credentials,
// pci-dss, hipaa-phi, gdpr-pii (see package redact). A
// WithRedaction(redact.Config{Presets: …}) option replaces it.
const EnvRedactionPresets = "FAPILOG_REDACTION_PRESETS"

// presetRedactors are built once per mode and preset list, so that
// thousands of loggers share them.
var presetRedactors sync.Map // string → *redact.Redactor

// withRedactionPresets returns r with the presets of FAPILOG_REDACTION_PRESETS
// added (r itself when the variable is unset or empty). A bad list is
// reported and the presets it names are not applied; r stays in force.
func withRedactionPresets(r *redact.Redactor) (*redact.Redactor, error) {
	v, set := envSet(EnvRedactionPresets)
	if !set || strings.TrimSpace(v) == "" || r == nil {
		return r, nil
	}
	ps, err := redact.ParsePresets(v)
	if err != nil {
		return r, fmt.Errorf("%s=%q: %w (no preset applied)", EnvRedactionPresets, v, err)
	}
	key := r.Mode().String() + "|" + fmt.Sprint(ps)
	if cached, ok := presetRedactors.Load(key); ok {
		return cached.(*redact.Redactor), nil
	}
	built, err := redact.New(redact.Config{Mode: r.Mode(), Presets: ps})
	if err != nil {
		return r, fmt.Errorf("%s=%q: %w", EnvRedactionPresets, v, err)
	}
	actual, _ := presetRedactors.LoadOrStore(key, built)
	return actual.(*redact.Redactor), nil
}

// EnvAuditSigningKey names a file holding an Ed25519 private key (PKCS#8,
// PEM, as `openssl genpkey -algorithm ed25519` writes it). With it, AUDIT
// and SECURITY chains are signed and a drained chain ends with a signed
// seal; `fapilog-verify -public-key FILE` checks them. See package audit.
const EnvAuditSigningKey = "FAPILOG_AUDIT_SIGNING_KEY"

// auditSigning is the part of the features this file owns: the chain's
// signer, option > variable > none.
type auditSigning struct {
	signer audit.Signer // as given by an option
	err    error        // a bad key given by an option
	set    bool
}

// WithAuditSigningKey signs the logger's audit chains with key (Ed25519):
// every chained record carries audit.key_id and audit.sig, and a drain ends
// each chain with a signed seal. It beats FAPILOG_AUDIT_SIGNING_KEY. A key
// of the wrong size is a configuration error (the chain stays unsigned).
func WithAuditSigningKey(key ed25519.PrivateKey) Option {
	return optionFunc(func(c *config) {
		s, err := audit.NewEd25519Signer(key)
		c.features.signing = auditSigning{signer: s, err: err, set: true}
	})
}

// WithAuditSigner signs the logger's audit chains with s: an
// audit.NewHMACSigner for shared-secret setups, or a signer backed by a key
// service. It beats FAPILOG_AUDIT_SIGNING_KEY.
func WithAuditSigner(s audit.Signer) Option {
	return optionFunc(func(c *config) { c.features.signing = auditSigning{signer: s, set: true} })
}

// resolveSigning returns the chain's signer: the option's, else the key
// file FAPILOG_AUDIT_SIGNING_KEY names. A key that cannot be used is
// reported and the chain stays unsigned (a verifier given the public key
// then reports every record UNSIGNED: the failure is visible, and no
// record is lost to it).
func resolveSigning(f *features) (audit.Signer, error) {
	if f.signing.set {
		if f.signing.err != nil {
			return nil, fmt.Errorf("WithAuditSigningKey: %w (audit chains are not signed)", f.signing.err)
		}
		return f.signing.signer, nil
	}
	path, set := envSet(EnvAuditSigningKey)
	if !set || path == "" {
		return nil, nil
	}
	key, err := audit.LoadEd25519PrivateKey(path)
	if err == nil {
		var s audit.Signer
		if s, err = audit.NewEd25519Signer(key); err == nil {
			return s, nil
		}
	}
	return nil, fmt.Errorf("%s=%q: %w (audit chains are not signed)", EnvAuditSigningKey, path, err)
}

// sealAudit ends the core's signed audit chain with its seal, before the
// pipeline stops. The seal is admitted like an AUDIT record (so it is
// counted in the DrainResult, and waits for room like one).
func (c *core) sealAudit(ctx context.Context) {
	if len(c.auditStages) == 0 {
		return
	}
	ch, ok := c.auditStages[len(c.auditStages)-1].(*audit.Chain)
	if !ok || !ch.NeedsSeal() {
		return
	}
	now := time.Now()
	sev, text, lg, err := c.admit(ctx, false, levels.Audit)
	if err != nil {
		return // stopped or no room: the verifier reports the chain UNSEALED
	}
	ch.Seal(ctx, lg, now, sev, text)
	_ = c.end(lg)
}
