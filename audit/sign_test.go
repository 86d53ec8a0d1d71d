package audit_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/audit"
	"github.com/fapilog/fapilog-go/internal/syncbuf"
)

func TestKeyFilesRoundTripAndBadKeysAreClearErrors(t *testing.T) {
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	privPEM, err := audit.MarshalEd25519PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM, err := audit.MarshalEd25519PublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "k.pem")
	if err := os.WriteFile(path, privPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := audit.LoadEd25519PrivateKey(path)
	if err != nil || !got.Equal(key) {
		t.Fatalf("private key round trip: %v", err)
	}
	for _, data := range [][]byte{pubPEM, privPEM} { // a private key file gives its public half
		p, err := audit.ParseEd25519PublicKey(data)
		if err != nil || !p.Equal(pub) {
			t.Fatalf("public key: %v", err)
		}
	}
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalPKCS8PrivateKey(ec)
	ecPub, _ := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	for name, tt := range map[string]struct {
		data []byte
		priv bool
		want string
	}{
		"not PEM":               {[]byte("hello"), true, "no PEM"},
		"PKCS#1 block":          {pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: []byte{1}}), true, "PKCS#8"},
		"garbage DER":           {pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2}}), true, "signing key"},
		"ECDSA private key":     {pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER}), true, "want Ed25519"},
		"ECDSA public key":      {pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: ecPub}), false, "want Ed25519"},
		"certificate as public": {pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}}), false, "want PUBLIC KEY"},
	} {
		var err error
		if tt.priv {
			_, err = audit.ParseEd25519PrivateKey(tt.data)
		} else {
			_, err = audit.ParseEd25519PublicKey(tt.data)
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want it to say %q", name, err, tt.want)
		}
	}
	if _, err := audit.LoadEd25519PrivateKey(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("missing file")
	}
	if _, err := audit.NewEd25519Signer(key[:10]); err == nil {
		t.Error("short key accepted")
	}
	if _, err := audit.NewHMACSigner(bytes.Repeat([]byte{1}, 31)); err == nil {
		t.Error("31-byte secret accepted")
	}
}

func TestSignersAndKeyIDs(t *testing.T) {
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	s, _ := audit.NewEd25519Signer(key)
	if s.KeyID() != audit.Ed25519KeyID(pub) || !strings.HasPrefix(s.KeyID(), "ed25519:") || len(s.KeyID()) != len("ed25519:")+16 {
		t.Fatalf("key id %q", s.KeyID())
	}
	msg := audit.SignedMessage(nil, "chain", 7, [32]byte{1})
	if !ed25519.Verify(pub, msg, s.Sign(msg)) {
		t.Fatal("Ed25519 signature does not verify")
	}
	if bytes.Equal(msg, audit.SignedMessage(nil, "chain", 8, [32]byte{1})) || bytes.Equal(msg, audit.SignedMessage(nil, "chaim", 7, [32]byte{1})) {
		t.Fatal("the signed message does not bind the chain id and number")
	}
	secret := bytes.Repeat([]byte{9}, 32)
	h, _ := audit.NewHMACSigner(secret)
	a, b := h.Sign(msg), h.Sign(msg)
	if !bytes.Equal(a, b) || len(a) != 32 || h.KeyID() != audit.HMACKeyID(secret) {
		t.Fatalf("HMAC %x %x %s", a, b, h.KeyID())
	}
	if audit.HMACKeyID(secret) == audit.HMACKeyID(bytes.Repeat([]byte{8}, 32)) {
		t.Fatal("two secrets, one key id")
	}
}

// Concurrent writers on a signed chain: every record signed, in sequence,
// and the drain's seal last (run with -race).
func TestConcurrentSignedRecordsVerify(t *testing.T) {
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	var buf syncbuf.Buffer
	l := consoleLogger(t, &buf, fapilog.WithAuditSigningKey(key))
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				l.Security("event", "g", g, "i", i)
			}
		}()
	}
	wg.Wait()
	drain(t, l)
	keys := &audit.KeyRing{}
	keys.AddEd25519(pub)
	v := audit.NewVerifier(audit.Options{Keys: keys})
	if _, err := audit.ReadJSON(strings.NewReader(buf.String()), "log", audit.FormatConsole, v.Add); err != nil {
		t.Fatal(err)
	}
	rep := v.Report()
	if !rep.OK() || len(rep.Chains) != 1 || rep.Chains[0].Verified != 201 || rep.Chains[0].SealSeq != 201 {
		t.Fatalf("%s", text(rep))
	}
}
