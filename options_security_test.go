package fapilog

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fapilog/fapilog-go/audit"
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/levels"
	"github.com/fapilog/fapilog-go/redact"
)

func TestWithAuditSigningKeySignsAndSealsOnDrain(t *testing.T) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	mem := exporter.NewMemory()
	l := GetLogger(t.Name(), Reuse(false), WithExporter(mem), WithAuditSigningKey(key))
	l.Audit("a")
	l.Info("i")
	l.Security("s")
	res, err := l.StopAndDrain(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	recs := mem.Records()
	// The seal is one more AUDIT record, counted like any other.
	if len(recs) != 4 || res.Submitted != 4 || res.Exported != 4 || res.ByLevel[levels.Audit].Exported != 2 {
		t.Fatalf("%d records, %+v", len(recs), res)
	}
	want := audit.Ed25519KeyID(key.Public().(ed25519.PublicKey))
	for _, i := range []int{0, 2, 3} {
		if id, _ := attrStr(recs[i], audit.KeyKeyID); id != want {
			t.Errorf("record %d key id %q, want %q", i, id, want)
		}
		if sig, _ := attrStr(recs[i], audit.KeySig); len(sig) != 88 {
			t.Errorf("record %d signature %q", i, sig)
		}
	}
	if seal, _ := attrStr(recs[3], audit.KeySeal); seal != "true" || recs[3].Body().AsString() != audit.SealMessage {
		t.Errorf("last record is not the seal: %v", recs[3])
	}
	if seq, _ := attrStr(recs[3], audit.KeySeq); seq != "3" {
		t.Errorf("seal seq %s", seq)
	}
}

func TestAnUnsignedLoggerWritesNoSeal(t *testing.T) {
	mem := exporter.NewMemory()
	l := GetLogger(t.Name(), Reuse(false), WithExporter(mem))
	l.Audit("a")
	if res, _ := l.StopAndDrain(context.Background()); res.Submitted != 1 || len(mem.Records()) != 1 {
		t.Fatalf("%+v", res)
	}
	if _, ok := attrStr(mem.Records()[0], audit.KeySig); ok {
		t.Fatal("signed without a key")
	}
}

func TestSigningKeyVariable(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	pemKey, err := audit.MarshalEd25519PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "k.pem")
	bad := filepath.Join(dir, "bad.pem")
	_ = os.WriteFile(good, pemKey, 0o600)
	_ = os.WriteFile(bad, []byte("not a key"), 0o600)

	t.Setenv(EnvAuditSigningKey, good)
	c, err := resolve(nil)
	if err != nil || c.AuditSigner == nil || c.AuditSigner.KeyID() != audit.Ed25519KeyID(key.Public().(ed25519.PublicKey)) {
		t.Fatalf("good key file: %v", err)
	}
	for _, path := range []string{bad, filepath.Join(dir, "missing.pem")} {
		t.Setenv(EnvAuditSigningKey, path)
		c, err = resolve(nil)
		if err == nil || !strings.Contains(err.Error(), EnvAuditSigningKey) || c.AuditSigner != nil {
			t.Fatalf("%s: err %v", path, err)
		}
		if _, err := GetAsyncLogger(context.Background(), t.Name(), Reuse(false), WithExporter(exporter.NewMemory())); err == nil {
			t.Fatal("GetAsyncLogger hides a bad signing key")
		} else if !strings.Contains(err.Error(), "not signed") {
			t.Fatalf("error %v", err)
		}
	}
	// The option beats the variable; a key of the wrong size is an error.
	c, err = resolve([]Option{WithAuditSigningKey(ed25519.PrivateKey{1, 2, 3})})
	if err == nil || c.AuditSigner != nil {
		t.Fatalf("short key accepted: %v", err)
	}
}

func TestRedactionPresetsVariable(t *testing.T) {
	t.Setenv(EnvRedactionPresets, "pci-dss,gdpr-pii")
	l, mem := newMem(t)
	l.Info("paid with 4111 1111 1111 1111", "email", "bob@example.com", "cvv", "123", "password", "p", "status", "ok")
	r := flushed(t, l, mem)[0]
	if body := r.Body().AsString(); body != "paid with ***" {
		t.Errorf("body %q", body)
	}
	for k, want := range map[string]string{"email": "***", "cvv": "***", "password": "***", "status": "ok"} {
		if got, _ := attrStr(r, k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	a, _ := resolve(nil)
	b, _ := resolve(nil)
	if a.Redactor != b.Redactor {
		t.Error("every logger builds its own preset redactor")
	}
	t.Setenv(EnvRedaction, "strict")
	if c, _ := resolve(nil); c.Redactor.Mode() != redact.ModeStrict || !c.Redactor.Sensitive("cardholder") {
		t.Error("presets on top of strict")
	}
	t.Setenv(EnvRedactionPresets, "sox")
	if c, err := resolve(nil); err == nil || !strings.Contains(err.Error(), EnvRedactionPresets) || c.Redactor == nil {
		t.Fatalf("bad preset list: %v", err)
	}
}

// A call cannot forge the chain's own attributes: the seal, the signature
// and the key id it passes are dropped, and only a drain writes a seal.
func TestDataCannotForgeASealOrASignature(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	mem := exporter.NewMemory()
	l := GetLogger(t.Name(), Reuse(false), WithExporter(mem), WithAuditSigningKey(key))
	l.Audit(audit.SealMessage, audit.KeySeal, true, audit.KeySig, "AAAA", audit.KeyKeyID, "ed25519:0000000000000000")
	if err := l.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := mem.Records()[0]
	if v, ok := attrStr(r, audit.KeySeal); ok {
		t.Errorf("a call wrote %s=%s", audit.KeySeal, v)
	}
	if v, _ := attrStr(r, audit.KeyKeyID); v != audit.Ed25519KeyID(key.Public().(ed25519.PublicKey)) {
		t.Errorf("key id %q", v)
	}
	if v, _ := attrStr(r, audit.KeySig); v == "AAAA" {
		t.Error("the call's signature was kept")
	}
	_, _ = l.StopAndDrain(context.Background())
}
