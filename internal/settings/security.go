package settings

import (
	"fmt"
	"strings"
	"sync"

	"github.com/fapilog/fapilog-go/audit"
	"github.com/fapilog/fapilog-go/redact"
)

// The settings of issue 11: compliance presets of redaction and the audit
// chain's signer.

// presetRedactors are built once per mode and preset list, so that
// thousands of loggers share them.
var presetRedactors sync.Map // string → *redact.Redactor

// withRedactionPresets returns r with the presets of
// FAPILOG_REDACTION_PRESETS added (r itself when the variable is unset or
// empty). A bad list is reported and no preset is applied; r stays in
// force.
func withRedactionPresets(r *redact.Redactor, errs *[]error) *redact.Redactor {
	v, set := Lookup(EnvRedactionPresets)
	if !set || strings.TrimSpace(v) == "" || r == nil {
		return r
	}
	ps, err := redact.ParsePresets(v)
	if err != nil {
		*errs = append(*errs, fmt.Errorf("%s=%q: %w (no preset applied)", EnvRedactionPresets, v, err))
		return r
	}
	key := r.Mode().String() + "|" + fmt.Sprint(ps)
	if cached, ok := presetRedactors.Load(key); ok {
		return cached.(*redact.Redactor)
	}
	built, err := redact.New(redact.Config{Mode: r.Mode(), Presets: ps})
	if err != nil {
		*errs = append(*errs, fmt.Errorf("%s=%q: %w", EnvRedactionPresets, v, err))
		return r
	}
	actual, _ := presetRedactors.LoadOrStore(key, built)
	return actual.(*redact.Redactor)
}

// resolveSigner returns the chain's signer: the option's, else the key file
// FAPILOG_AUDIT_SIGNING_KEY names. A key that cannot be used is reported
// and the chain stays unsigned (a verifier given the public key then
// reports every record UNSIGNED: the failure is visible, and no record is
// lost to it).
func resolveSigner(o *Options, errs *[]error) audit.Signer {
	if o.AuditSignerErr != nil {
		*errs = append(*errs, fmt.Errorf("WithAuditSigningKey: %w (audit chains are not signed)", o.AuditSignerErr))
		return nil
	}
	if o.AuditSigner.Set {
		return o.AuditSigner.Value
	}
	path, set := Lookup(EnvAuditSigningKey)
	if !set || path == "" {
		return nil
	}
	key, err := audit.LoadEd25519PrivateKey(path)
	if err == nil {
		var s audit.Signer
		if s, err = audit.NewEd25519Signer(key); err == nil {
			return s
		}
	}
	*errs = append(*errs, fmt.Errorf("%s=%q: %w (audit chains are not signed)", EnvAuditSigningKey, path, err))
	return nil
}
