package audit

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"

	"github.com/fapilog/fapilog-go/internal/record"
)

// Severity selects chained records by severity number and text.
type Severity struct {
	Number log.Severity
	Text   string
}

// DefaultSeverities are AUDIT and SECURITY under the default mapping.
var DefaultSeverities = []Severity{{22, "AUDIT"}, {23, "SECURITY"}}

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
	sevs []Severity
	id   attribute.Value

	mu sync.Mutex
	// holder is the call whose Apply returned holding mu: Release unlocks
	// for that call only (record.Emit may call Release when a stage before
	// the chain panicked, or when Apply itself did).
	holder  atomic.Pointer[record.Call]
	seq     int64
	prev    [32]byte
	prevHex attribute.Value
	enc     Encoder
	hint    hinter
}

// NewChain returns a chain with a random id (128 bits, hex) for records of
// the given severities (DefaultSeverities when none).
func NewChain(sevs ...Severity) *Chain {
	var id [16]byte
	_, _ = rand.Read(id[:]) // crypto/rand.Read never fails (Go 1.24+)
	return NewChainWithID(hex.EncodeToString(id[:]), sevs...)
}

// NewChainWithID is NewChain with a given id, for tests.
func NewChainWithID(id string, sevs ...Severity) *Chain {
	if len(sevs) == 0 {
		sevs = DefaultSeverities
	}
	return &Chain{sevs: append([]Severity(nil), sevs...), id: attribute.StringValue(id)}
}

// ID returns the chain id.
func (ch *Chain) ID() string { return ch.id.AsString() }

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
	ch.hint.scan(attrs)
	types := ch.hint.encoded()

	seq := ch.seq + 1
	head := 3 // chain_id, seq, hash
	if seq > 1 {
		head++
	}
	if types != "" {
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
	set(KeyChainID, ch.id)
	set(KeySeq, attribute.Int64Value(seq))
	var prev []byte
	if seq > 1 {
		set(KeyPrevHash, ch.prevHex)
		prev = ch.prev[:]
	}
	hashAt := i
	set(KeyHash, attribute.Value{})
	if types != "" {
		set(KeyTypes, attribute.StringValue(types))
	}
	rec := Record{Time: c.Time, SeverityNumber: int64(c.Severity), SeverityText: c.Text, Body: attribute.StringValue(msg), Attrs: attrs}
	sum := ch.enc.Hash(prev, &rec)
	var hexBuf [2 * sha256.Size]byte
	hex.Encode(hexBuf[:], sum[:])
	hexSum := attribute.StringValue(string(hexBuf[:]))
	attrs[hashAt].Value = hexSum

	ch.seq, ch.prev, ch.prevHex = seq, sum, hexSum
	ch.holder.Store(c)
	locked = false
	return msg, attrs
}

// dropReserved removes the chain's keys from a call's attributes.
func dropReserved(attrs []attribute.KeyValue) []attribute.KeyValue {
	out := attrs[:0]
	for _, kv := range attrs {
		if strings.HasPrefix(string(kv.Key), "audit.") {
			switch kv.Key {
			case KeyChainID, KeySeq, KeyPrevHash, KeyHash, KeyTypes:
				continue
			}
		}
		out = append(out, kv)
	}
	clear(attrs[len(out):])
	return out
}

var _ record.OrderedStage = (*Chain)(nil)
