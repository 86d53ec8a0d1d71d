package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/audit"
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/internal/syncbuf"
)

// keyFiles writes a fresh Ed25519 key pair: the private key (PKCS#8 PEM,
// what FAPILOG_AUDIT_SIGNING_KEY names) and the public key (PKIX PEM).
func keyFiles(t *testing.T) (priv, pub string) {
	t.Helper()
	pk, sk, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	skPEM, err := audit.MarshalEd25519PrivateKey(sk)
	if err != nil {
		t.Fatal(err)
	}
	pkPEM, err := audit.MarshalEd25519PublicKey(pk)
	if err != nil {
		t.Fatal(err)
	}
	priv, pub = filepath.Join(dir, "audit.key"), filepath.Join(dir, "audit.pub")
	if err := os.WriteFile(priv, skPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pub, pkPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return priv, pub
}

// signedLog logs 10 AUDIT records (INFO between them) through the real
// console exporter with the signing key of the variable, drains (the seal),
// and returns the AUDIT lines.
func signedLog(t *testing.T, keyFile string) []string {
	t.Helper()
	t.Setenv(fapilog.EnvAuditSigningKey, keyFile)
	var buf syncbuf.Buffer
	l, err := fapilog.GetAsyncLogger(context.Background(), "signed", fapilog.Reuse(false), fapilog.WithExporter(exporter.NewConsole(&buf)))
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 10; i++ {
		if err := l.Audit(context.Background(), "role changed", "user", "user-"+string(rune('a'+i)), "role", "admin", "n", i); err != nil {
			t.Fatal(err)
		}
		_ = l.Info(context.Background(), "noise")
	}
	if _, err := l.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if strings.Contains(line, `"severity_text":"AUDIT"`) {
			out = append(out, line)
		}
	}
	return out
}

func verifyOut(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, nil, &out, &errOut)
	t.Logf("fapilog-verify %s → exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errOut.String())
	return code, out.String()
}

// rehashFrom alters record i (0-based) and recomputes its hash and every
// hash after it with the public encoder: the attack a keyless chain cannot
// detect. Signatures are left as they were (the attacker has no key).
func rehashFrom(t *testing.T, lines []string, i int) []string {
	t.Helper()
	out := append([]string(nil), lines...)
	out[i] = strings.Replace(out[i], `"role":"admin"`, `"role":"root"`, 1)
	var prevOld, prevNew string
	for j := i; j < len(out); j++ {
		if prevOld != "" {
			out[j] = strings.Replace(out[j], `"audit.prev_hash":"`+prevOld+`"`, `"audit.prev_hash":"`+prevNew+`"`, 1)
		}
		var e *audit.Entry
		if _, err := audit.ReadJSON(strings.NewReader(out[j]), "x", audit.FormatConsole, func(x *audit.Entry) { e = x }); err != nil || e == nil || e.Malformed != "" {
			t.Fatalf("reading record %d: %v", j, err)
		}
		old, _ := e.Attr(audit.KeyHash)
		prev, _ := e.Attr(audit.KeyPrevHash)
		prevRaw, _ := hex.DecodeString(prev.AsString())
		var enc audit.Encoder
		sum := enc.Hash(prevRaw, &e.Record)
		prevOld, prevNew = old.AsString(), hex.EncodeToString(sum[:])
		out[j] = strings.Replace(out[j], prevOld, prevNew, 1)
	}
	return out
}

func TestSignedChainScenarios(t *testing.T) {
	priv, pub := keyFiles(t)
	_, otherPub := keyFiles(t)
	lines := signedLog(t, priv)
	if len(lines) != 11 || !strings.Contains(lines[10], `"audit.seal":true`) || !strings.Contains(lines[10], audit.SealMessage) {
		t.Fatalf("want 10 records and a seal, got %d lines; last:\n%s", len(lines), lines[len(lines)-1])
	}
	unsignedLines := func() []string { t.Setenv(fapilog.EnvAuditSigningKey, ""); return consoleLog(t) }()

	tests := []struct {
		name  string
		lines []string
		key   string
		code  int
		want  []string
	}{
		{"signed and sealed", lines, pub, 0, []string{"signed by ed25519:", "sealed at seq 11", "OK: every chain verifies"}},
		{"signed with another key", lines, otherPub, 1, []string{"WRONG-KEY   seq 1", "not by a trusted key (all 11 records, seq 1 to 11)", "FAIL: 2 fault(s)"}},
		{"unsigned chain when a key is given", unsignedLines, pub, 1, []string{"UNSIGNED    seq 1", "(all 5 records, seq 1 to 5)", "UNSEALED"}},
		{"tail cut (seal and two records)", lines[:8], pub, 1, []string{"UNSEALED    seq 9", "no signed seal after seq 8"}},
		{"seal removed only", lines[:10], pub, 1, []string{"UNSEALED    seq 11"}},
		{"record altered", func() []string {
			l := append([]string(nil), lines...)
			l[3] = strings.Replace(l[3], `"role":"admin"`, `"role":"root"`, 1)
			return l
		}(), pub, 1, []string{"ALTERED     seq 4"}},
		{"record altered and the chain re-hashed from it", rehashFrom(t, lines, 3), pub, 1, []string{"BAD-SIGNATURE seq 4", "BAD-SIGNATURE seq 11"}},
		{"records reordered", func() []string {
			l := append([]string(nil), lines...)
			l[4], l[5] = l[5], l[4]
			return l
		}(), pub, 1, []string{"REORDERED   seq 5"}},
		{"an unchained AUDIT record inserted", func() []string {
			l := append([]string(nil), lines...)
			forged := `{"timestamp":"2026-12-01T10:00:00Z","severity_number":22,"severity_text":"AUDIT","body":"role changed","attributes":{"user":"mallory","role":"admin"}}`
			return append(l[:5], append([]string{forged}, l[5:]...)...)
		}(), pub, 1, []string{"UNCHAINED", "AUDIT record without audit.chain_id"}},
		{"a signature copied onto another record", func() []string {
			l := append([]string(nil), lines...)
			sig := func(s string) string { i := strings.Index(s, `"audit.sig":"`); return s[i : i+len(`"audit.sig":"`)+88] }
			l[2] = strings.Replace(l[2], sig(l[2]), sig(l[1]), 1)
			return l
		}(), pub, 1, []string{"BAD-SIGNATURE seq 3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := verifyOut(t, "-public-key", tt.key, write(t, tt.lines))
			if code != tt.code {
				t.Fatalf("exit %d, want %d", code, tt.code)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q", w)
				}
			}
		})
	}
	// Without a key, the re-hashed chain verifies: the hash chain alone
	// cannot tell (the reason for signatures).
	if code, _ := verifyOut(t, write(t, rehashFrom(t, lines, 3))); code != 0 {
		t.Errorf("keyless verification of a re-hashed chain: exit %d (expected the known limit: 0)", code)
	}
	// A still-running process has no seal yet: -allow-unsealed accepts it.
	if code, _ := verifyOut(t, "-public-key", pub, "-allow-unsealed", write(t, lines[:10])); code != 0 {
		t.Errorf("-allow-unsealed: exit %d", code)
	}
	// Keys rotate: both public keys given, the chain signed by one verifies.
	if code, _ := verifyOut(t, "-public-key", otherPub, "-public-key", pub, write(t, lines)); code != 0 {
		t.Errorf("two trusted keys: exit %d", code)
	}
}

func TestHMACSignedChain(t *testing.T) {
	secret := bytes.Repeat([]byte("k"), 32)
	s, err := audit.NewHMACSigner(secret)
	if err != nil {
		t.Fatal(err)
	}
	var buf syncbuf.Buffer
	l := fapilog.GetLogger("hmac", fapilog.Reuse(false), fapilog.WithExporter(exporter.NewConsole(&buf)), fapilog.WithAuditSigner(s))
	l.Audit("a")
	l.Security("b")
	if _, err := l.StopAndDrain(context.Background()); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(keyFile, append(secret, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	log := write(t, strings.Split(strings.TrimSpace(buf.String()), "\n"))
	if code, out := verifyOut(t, "-hmac-key", keyFile, log); code != 0 || !strings.Contains(out, "signed by hmac-sha256:") || !strings.Contains(out, "sealed at seq 3") {
		t.Fatalf("exit %d", code)
	}
	other := filepath.Join(t.TempDir(), "other")
	if err := os.WriteFile(other, bytes.Repeat([]byte("x"), 32), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out := verifyOut(t, "-hmac-key", other, log); code != 1 || !strings.Contains(out, "WRONG-KEY") {
		t.Fatalf("another secret: exit %d", code)
	}
	short := filepath.Join(t.TempDir(), "short")
	_ = os.WriteFile(short, []byte("abc"), 0o600)
	if code, _ := verifyOut(t, "-hmac-key", short, log); code != 2 {
		t.Fatalf("short secret: exit %d", code)
	}
}

// Rotated files (lumberjack names, some gzip-compressed) are read in the
// order they were written, whatever the order or globs of the arguments.
func TestRotatedFilesAreReadInOrder(t *testing.T) {
	priv, pub := keyFiles(t)
	lines := signedLog(t, priv)
	dir := t.TempDir()
	put := func(name string, ls []string, gz bool) {
		data := []byte(strings.Join(ls, "\n") + "\n")
		if gz {
			var b bytes.Buffer
			z := gzip.NewWriter(&b)
			_, _ = z.Write(data)
			_ = z.Close()
			data = b.Bytes()
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	put("app-2026-12-01T09-00-00.000.log.gz", lines[:3], true)
	put("app-2026-12-01T10-30-00.000.log.gz", lines[3:6], true)
	put("app-2026-12-01T11-22-33.000.log", lines[6:9], false)
	put("app.log", lines[9:], false)
	// Globs expand in lexical order; name the live file first on purpose.
	code, out := verifyOut(t, "-public-key", pub, filepath.Join(dir, "app.log"), filepath.Join(dir, "app-*"))
	if code != 0 || !strings.Contains(out, "verified 11") {
		t.Fatalf("exit %d", code)
	}
	got, err := inputFiles([]string{filepath.Join(dir, "app.log"), filepath.Join(dir, "app-2026-12-01T11-22-33.000.log"), filepath.Join(dir, "app-2026-12-01T09-00-00.000.log.gz")})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"app-2026-12-01T09-00-00.000.log.gz", "app-2026-12-01T11-22-33.000.log", "app.log"} {
		if filepath.Base(got[i]) != want {
			t.Fatalf("order %v", got)
		}
	}
	if _, err := inputFiles([]string{filepath.Join(dir, "nothing-*")}); err == nil {
		t.Fatal("a glob matching nothing is not an error")
	}
}
