// Package auditchain writes the audit hash chain: the last record stage of
// a logger whose AUDIT and SECURITY records get the audit.* attributes that
// package audit documents and verifies. It is wiring for internal/core: users
// turn the chain on with fapilog's options (WithAuditChain, a signing key),
// never through this package.
package auditchain

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"

	"github.com/fapilog/fapilog-go/audit"
	"github.com/fapilog/fapilog-go/internal/record"
)

// Chain numbers and hashes records of the selected severities (AUDIT and
// SECURITY) so that a verifier can prove none was altered, removed,
// reordered or replayed. It is a record.OrderedStage and must run after
// redaction, as the last stage: the hash covers the record as exported.
//
// A chained record gets audit.chain_id, audit.seq (1, 2, 3, … without
// gaps), audit.prev_hash (from seq 2), audit.hash and, when needed,
// audit.types. Those keys are reserved: a call's own audit.* attributes of
// those names are dropped from chained records.
//
// Records of one chain are serialized: the chain's mutex is held from
// numbering to the moment the record is handed to the SDK, so the export
// order is the sequence order. Other records never take it.
type Chain struct {
	sevs   []audit.Severity
	id     attribute.Value
	signer audit.Signer    // nil: unsigned
	keyID  attribute.Value // the signer's key id
	sealed bool            // a seal was written: the next record starts a new chain
	sigBuf []byte

	mu sync.Mutex
	// holder is the call whose Apply returned holding mu: Release unlocks
	// for that call only (record.Emit may call Release when a stage before
	// the chain panicked, or when Apply itself did).
	holder  atomic.Pointer[record.Call]
	seq     int64
	prev    [32]byte
	prevHex attribute.Value
	enc     audit.Encoder
}

// NewChain returns a chain with a random id (128 bits, hex) for records of
// the given severities (audit.DefaultSeverities when none).
func NewChain(sevs ...audit.Severity) *Chain {
	return NewChainWithID(newChainID().AsString(), sevs...)
}

// NewChainWithID is NewChain with a given id, for tests.
func NewChainWithID(id string, sevs ...audit.Severity) *Chain {
	if len(sevs) == 0 {
		sevs = audit.DefaultSeverities
	}
	return &Chain{sevs: append([]audit.Severity(nil), sevs...), id: attribute.StringValue(id)}
}

// NewSignedChain is NewChain whose records are signed by s (nil: unsigned)
// and carry its key id; Seal ends it with a signed seal.
func NewSignedChain(s audit.Signer, sevs ...audit.Severity) *Chain {
	ch := NewChain(sevs...)
	if s != nil {
		ch.signer, ch.keyID = s, attribute.StringValue(s.KeyID())
	}
	return ch
}

func newChainID() attribute.Value {
	var id [16]byte
	_, _ = rand.Read(id[:]) // crypto/rand.Read never fails (Go 1.24+)
	return attribute.StringValue(hex.EncodeToString(id[:]))
}

// Signed reports whether the chain signs its records.
func (ch *Chain) Signed() bool { return ch.signer != nil }

// ID returns the chain id.
func (ch *Chain) ID() string {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	return ch.id.AsString()
}

// Holds reports whether c is chained: then Apply returns holding the
// chain's lock and Release must follow (record.Emit does it).
func (ch *Chain) Holds(c *record.Call) bool {
	for _, s := range ch.sevs {
		if c.Severity == s.Number && c.Text == s.Text {
			return true
		}
	}
	return false
}

// Release unlocks the chain after a chained record was emitted, if Apply
// returned holding it for c.
func (ch *Chain) Release(c *record.Call) {
	if ch.holder.CompareAndSwap(c, nil) {
		ch.mu.Unlock()
	}
}

// Apply numbers and hashes a chained record and returns it with its audit
// attributes first (so that an SDK attribute count limit drops the call's
// attributes, never the chain's). Other records pass untouched.
func (ch *Chain) Apply(c *record.Call, msg string, attrs []attribute.KeyValue) (string, []attribute.KeyValue) {
	if !ch.Holds(c) {
		return msg, attrs
	}
	ch.mu.Lock()
	locked := true
	defer func() {
		if locked { // a panic below: do not leave the chain locked
			ch.mu.Unlock()
		}
	}()
	attrs = dropReserved(attrs)
	attrs = ch.link(c.Time, c.Severity, c.Text, msg, attrs, audit.TypeHints(attrs), false)
	ch.holder.Store(c)
	locked = false
	return msg, attrs
}

// link numbers, hashes and signs one record under ch.mu and returns attrs
// with the chain's attributes first.
func (ch *Chain) link(t time.Time, sev log.Severity, text, msg string, attrs []attribute.KeyValue, types string, seal bool) []attribute.KeyValue {
	if ch.sealed { // records after a seal start a new chain
		ch.id, ch.seq, ch.prev, ch.prevHex, ch.sealed = newChainID(), 0, [32]byte{}, attribute.Value{}, false
	}
	seq := ch.seq + 1
	head := 3 // chain_id, seq, hash
	if seq > 1 {
		head++
	}
	if types != "" {
		head++
	}
	if ch.signer != nil {
		head += 2 // key_id, sig
	}
	if seal {
		head++
	}
	n := len(attrs)
	attrs = append(attrs, make([]attribute.KeyValue, head)...)
	copy(attrs[head:], attrs[:n])
	i := 0
	set := func(k string, v attribute.Value) {
		attrs[i] = attribute.KeyValue{Key: attribute.Key(k), Value: v}
		i++
	}
	set(audit.KeyChainID, ch.id)
	set(audit.KeySeq, attribute.Int64Value(seq))
	var prev []byte
	if seq > 1 {
		set(audit.KeyPrevHash, ch.prevHex)
		prev = ch.prev[:]
	}
	if ch.signer != nil {
		set(audit.KeyKeyID, ch.keyID)
	}
	if seal {
		set(audit.KeySeal, attribute.BoolValue(true))
	}
	hashAt := i
	set(audit.KeyHash, attribute.Value{})
	sigAt := i
	if ch.signer != nil {
		set(audit.KeySig, attribute.Value{})
	}
	if types != "" {
		set(audit.KeyTypes, attribute.StringValue(types))
	}
	rec := audit.Record{Time: t, SeverityNumber: int64(sev), SeverityText: text, Body: attribute.StringValue(msg), Attrs: attrs}
	sum := ch.enc.Hash(prev, &rec)
	var hexBuf [2 * sha256.Size]byte
	hex.Encode(hexBuf[:], sum[:])
	hexSum := attribute.StringValue(string(hexBuf[:]))
	attrs[hashAt].Value = hexSum
	if ch.signer != nil {
		ch.sigBuf = audit.SignedMessage(ch.sigBuf[:0], ch.id.AsString(), seq, sum)
		attrs[sigAt].Value = attribute.StringValue(base64.StdEncoding.EncodeToString(ch.signer.Sign(ch.sigBuf)))
	}
	ch.seq, ch.prev, ch.prevHex = seq, sum, hexSum
	return attrs
}

// SealStage returns the stage that turns a record into the chain's seal:
// body audit.SealMessage, the next sequence number and audit.seal=true, hashed,
// linked and signed like the others, without any other attribute. A
// verifier given the public key then requires the seal, so records cut off
// at the end are detected. Records after it start a new chain. The caller
// emits one record through it when the logger drains, if NeedsSeal; the
// stage is configuration, so no data can produce a seal (a call's own
// audit.seal attribute is dropped like the other reserved keys).
func (ch *Chain) SealStage() record.OrderedStage { return sealStage{ch} }

type sealStage struct{ ch *Chain }

func (s sealStage) Holds(*record.Call) bool { return true }

func (s sealStage) Release(c *record.Call) { s.ch.Release(c) }

func (s sealStage) Apply(c *record.Call, msg string, attrs []attribute.KeyValue) (string, []attribute.KeyValue) {
	ch := s.ch
	ch.mu.Lock()
	locked := true
	defer func() {
		if locked {
			ch.mu.Unlock()
		}
	}()
	clear(attrs)
	if ch.signer == nil || ch.seq == 0 || ch.sealed {
		// Nothing to seal (a second drain raced this one): the record
		// carries no chain attributes and no seal.
		return msg, attrs[:0]
	}
	attrs = ch.link(c.Time, c.Severity, c.Text, audit.SealMessage, attrs[:0], "", true)
	ch.sealed = true
	ch.holder.Store(c)
	locked = false
	return audit.SealMessage, attrs
}

// NeedsSeal reports whether the chain is signed, holds records and is not
// sealed yet.
func (ch *Chain) NeedsSeal() bool {
	if ch.signer == nil {
		return false
	}
	ch.mu.Lock()
	defer ch.mu.Unlock()
	return ch.seq > 0 && !ch.sealed
}

// dropReserved removes the chain's keys from a call's attributes.
func dropReserved(attrs []attribute.KeyValue) []attribute.KeyValue {
	out := attrs[:0]
	for _, kv := range attrs {
		if strings.HasPrefix(string(kv.Key), "audit.") {
			switch kv.Key {
			case audit.KeyChainID, audit.KeySeq, audit.KeyPrevHash, audit.KeyHash, audit.KeyTypes, audit.KeyKeyID, audit.KeySig, audit.KeySeal:
				continue
			}
		}
		out = append(out, kv)
	}
	clear(attrs[len(out):])
	return out
}

var _ record.OrderedStage = (*Chain)(nil)
