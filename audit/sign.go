package audit

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
	"os"
	"sync"
)

// The attributes of a signed chain (see the package documentation).
const (
	// KeyKeyID names the key that signed the record: "ed25519:" or
	// "hmac-sha256:" and 16 hex digits. It is covered by the hash, so a
	// record cannot be moved to another key's chain.
	KeyKeyID = "audit.key_id"
	// KeySig is the signature of the record's hash (standard base64). Like
	// audit.hash it is not covered by the hash.
	KeySig = "audit.sig"
	// KeySeal is true on the seal: the last record of a drained chain.
	KeySeal = "audit.seal"
)

// SealMessage is the body of a seal record.
const SealMessage = "audit chain sealed"

// sigTag starts every signed message (version 1).
const sigTag = "fapilog-audit-sig-v1\x00"

// SignedMessage is what a chain signs for a record: a version tag, the
// chain id, the sequence number and the record's raw hash (which already
// covers both; naming them again costs nothing and keeps a signature from
// ever standing for another place).
func SignedMessage(dst []byte, chainID string, seq int64, hash [32]byte) []byte {
	dst = append(dst, sigTag...)
	dst = binary.BigEndian.AppendUint64(dst, uint64(len(chainID)))
	dst = append(dst, chainID...)
	dst = binary.BigEndian.AppendUint64(dst, uint64(seq))
	return append(dst, hash[:]...)
}

// A Signer signs the hashes of a chain. Implementations must be safe for
// concurrent use (a chain calls Sign under its own lock, but one Signer may
// serve many chains). Sign must not retain msg.
type Signer interface {
	// KeyID identifies the key, so that verifiers pick the right one and
	// keys can rotate: "ed25519:<16 hex>" or "hmac-sha256:<16 hex>".
	KeyID() string
	Sign(msg []byte) []byte
}

type ed25519Signer struct {
	key ed25519.PrivateKey
	id  string
}

// NewEd25519Signer returns a Signer for key: anyone with the public key can
// verify, only the holder of key can sign.
func NewEd25519Signer(key ed25519.PrivateKey) (Signer, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("audit: Ed25519 private key of %d bytes, want %d", len(key), ed25519.PrivateKeySize)
	}
	pub, _ := key.Public().(ed25519.PublicKey)
	return &ed25519Signer{key: key, id: Ed25519KeyID(pub)}, nil
}

func (s *ed25519Signer) KeyID() string          { return s.id }
func (s *ed25519Signer) Sign(msg []byte) []byte { return ed25519.Sign(s.key, msg) }

// Ed25519KeyID is the key id of a public key: "ed25519:" and the first 8
// bytes of its SHA-256, in hex.
func Ed25519KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return "ed25519:" + hex.EncodeToString(sum[:8])
}

// MinHMACKeySize is the shortest HMAC secret accepted (256 bits).
const MinHMACKeySize = 32

type hmacSigner struct {
	key []byte
	id  string
	// macs reuses keyed HMAC states: a new one costs its allocations on
	// every record.
	macs sync.Pool
}

// NewHMACSigner returns a Signer for a shared secret (HMAC-SHA256) of at
// least MinHMACKeySize bytes. Whoever can verify can also sign: use it where
// the verifier is trusted as much as the writer; prefer Ed25519 otherwise.
func NewHMACSigner(secret []byte) (Signer, error) {
	if len(secret) < MinHMACKeySize {
		return nil, fmt.Errorf("audit: HMAC secret of %d bytes, want at least %d", len(secret), MinHMACKeySize)
	}
	s := &hmacSigner{key: append([]byte(nil), secret...), id: HMACKeyID(secret)}
	s.macs.New = func() any { return hmac.New(sha256.New, s.key) }
	return s, nil
}

func (s *hmacSigner) KeyID() string { return s.id }
func (s *hmacSigner) Sign(msg []byte) []byte {
	m := s.macs.Get().(hash.Hash)
	m.Reset()
	m.Write(msg)
	sum := m.Sum(make([]byte, 0, sha256.Size))
	s.macs.Put(m)
	return sum
}

// HMACKeyID is the key id of a secret: "hmac-sha256:" and the first 8 bytes
// of a tagged SHA-256 of it (a secret of 256 bits is not weakened by it).
func HMACKeyID(secret []byte) string {
	h := sha256.New()
	h.Write([]byte("fapilog-audit-hmac-key-id\x00"))
	h.Write(secret)
	return "hmac-sha256:" + hex.EncodeToString(h.Sum(nil)[:8])
}

// LoadEd25519PrivateKey reads an Ed25519 private key from a PEM file
// holding PKCS#8 ("PRIVATE KEY", as `openssl genpkey -algorithm ed25519`
// writes it).
func LoadEd25519PrivateKey(path string) (ed25519.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("audit: signing key: %w", err)
	}
	return ParseEd25519PrivateKey(data)
}

// ParseEd25519PrivateKey parses a PKCS#8 PEM Ed25519 private key.
func ParseEd25519PrivateKey(data []byte) (ed25519.PrivateKey, error) {
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "PRIVATE KEY" {
		return nil, errors.New(`audit: signing key: no PEM "PRIVATE KEY" block (want PKCS#8)`)
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("audit: signing key: %w", err)
	}
	ek, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("audit: signing key: %T, want Ed25519", k)
	}
	return ek, nil
}

// ParseEd25519PublicKey parses a PEM Ed25519 public key ("PUBLIC KEY",
// PKIX, as `openssl pkey -pubout` writes it). A PKCS#8 private key is
// accepted too: its public half is returned.
func ParseEd25519PublicKey(data []byte) (ed25519.PublicKey, error) {
	b, _ := pem.Decode(data)
	if b == nil {
		return nil, errors.New("audit: public key: no PEM block")
	}
	switch b.Type {
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("audit: public key: %w", err)
		}
		ek, ok := k.(ed25519.PublicKey)
		if !ok {
			return nil, fmt.Errorf("audit: public key: %T, want Ed25519", k)
		}
		return ek, nil
	case "PRIVATE KEY":
		k, err := ParseEd25519PrivateKey(data)
		if err != nil {
			return nil, err
		}
		pub, _ := k.Public().(ed25519.PublicKey)
		return pub, nil
	}
	return nil, fmt.Errorf("audit: public key: PEM block %q, want PUBLIC KEY", b.Type)
}

// MarshalEd25519PublicKey returns the PEM PKIX form of pub (what
// `fapilog-verify -public-key` reads).
func MarshalEd25519PublicKey(pub ed25519.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// MarshalEd25519PrivateKey returns the PEM PKCS#8 form of key (what
// FAPILOG_AUDIT_SIGNING_KEY names).
func MarshalEd25519PrivateKey(key ed25519.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// KeyRing holds the keys a Verifier trusts, by key id. Add keys before
// verifying; it is not safe for concurrent changes.
type KeyRing struct {
	ed  map[string]ed25519.PublicKey
	mac map[string][]byte
}

// AddEd25519 trusts pub and returns its key id.
func (k *KeyRing) AddEd25519(pub ed25519.PublicKey) string {
	if k.ed == nil {
		k.ed = map[string]ed25519.PublicKey{}
	}
	id := Ed25519KeyID(pub)
	k.ed[id] = pub
	return id
}

// AddHMAC trusts a shared secret and returns its key id.
func (k *KeyRing) AddHMAC(secret []byte) string {
	if k.mac == nil {
		k.mac = map[string][]byte{}
	}
	id := HMACKeyID(secret)
	k.mac[id] = append([]byte(nil), secret...)
	return id
}

// Len returns the number of keys.
func (k *KeyRing) Len() int {
	if k == nil {
		return 0
	}
	return len(k.ed) + len(k.mac)
}

// verify reports whether the key id is known, and whether sig is its
// signature of msg.
func (k *KeyRing) verify(id string, msg, sig []byte) (known, ok bool) {
	if pub, found := k.ed[id]; found {
		return true, len(sig) == ed25519.SignatureSize && ed25519.Verify(pub, msg, sig)
	}
	if secret, found := k.mac[id]; found {
		m := hmac.New(sha256.New, secret)
		m.Write(msg)
		return true, hmac.Equal(m.Sum(nil), sig)
	}
	return false, false
}
