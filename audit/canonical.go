package audit

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"

	"github.com/fapilog/fapilog-go/bridge"
)

// The attributes of a chained record.
const (
	KeyChainID  = "audit.chain_id"
	KeySeq      = "audit.seq"
	KeyPrevHash = "audit.prev_hash"
	KeyHash     = "audit.hash"
	// KeyTypes lists the values whose type JSON cannot tell (see
	// the package documentation); absent when there are none.
	KeyTypes = "audit.types"
)

// canonicalTag starts every canonical encoding (version 1).
const canonicalTag = "fapilog-audit-v1\x00"

// Value tags of the canonical encoding.
const (
	tagEmpty  = 0x00
	tagBool   = 0x01
	tagInt    = 0x02
	tagDouble = 0x03
	tagString = 0x04
	tagBytes  = 0x05
	tagArray  = 0x06
	tagMap    = 0x07
)

// canonicalNaN is the bits every NaN is encoded with (math.NaN()).
const canonicalNaN = 0x7FF8000000000001

// Record is what an audit hash covers.
type Record struct {
	Time           time.Time // encoded as UnixNano
	SeverityNumber int64
	SeverityText   string
	Body           attribute.Value
	// Attrs in any order; audit.hash and audit.sig are left out.
	Attrs []attribute.KeyValue
}

// Encoder writes canonical encodings into a buffer it reuses. It is not
// safe for concurrent use; the zero Encoder is ready.
type Encoder struct {
	buf   []byte
	order []int32 // attribute indexes sorted by key: no pointers to copy
}

// Encode returns the canonical encoding of r. The result is valid until the
// next call.
func (e *Encoder) Encode(r *Record) []byte {
	e.buf = e.encode(e.buf[:0], r)
	return e.buf
}

// Hash returns SHA-256(prev || canonical encoding of r): prev is the raw
// hash of the record before in the chain (32 bytes), empty for the first.
func (e *Encoder) Hash(prev []byte, r *Record) [32]byte {
	e.buf = append(e.buf[:0], prev...)
	e.buf = e.encode(e.buf, r)
	return sha256.Sum256(e.buf)
}

// AppendCanonical appends the canonical encoding of r to dst.
func AppendCanonical(dst []byte, r *Record) []byte {
	var e Encoder
	return e.encode(dst, r)
}

func byKey(a, b attribute.KeyValue) int { return cmp.Compare(a.Key, b.Key) }

func (e *Encoder) encode(b []byte, r *Record) []byte {
	b = append(b, canonicalTag...)
	b = binary.BigEndian.AppendUint64(b, uint64(r.Time.UnixNano()))
	b = appendStr(b, r.SeverityText)
	b = binary.BigEndian.AppendUint64(b, uint64(r.SeverityNumber))
	b = appendValue(b, r.Body)
	attrs := r.Attrs
	e.order = e.order[:0]
	for i := range attrs {
		if k := attrs[i].Key; k != KeyHash && k != KeySig {
			e.order = append(e.order, int32(i))
		}
	}
	// Insertion sort by key, stable: records have few attributes, and the
	// bridge gives them mostly sorted.
	o := e.order
	for i := 1; i < len(o); i++ {
		for j := i; j > 0 && attrs[o[j]].Key < attrs[o[j-1]].Key; j-- {
			o[j], o[j-1] = o[j-1], o[j]
		}
	}
	b = binary.BigEndian.AppendUint64(b, uint64(len(o)))
	for _, i := range o {
		b = appendStr(b, string(attrs[i].Key))
		b = appendValue(b, attrs[i].Value)
	}
	return b
}

// appendStr appends a length-prefixed string; each invalid UTF-8 byte
// becomes U+FFFD, as the JSON encoders write it.
func appendStr(b []byte, s string) []byte {
	if utf8.ValidString(s) {
		b = binary.BigEndian.AppendUint64(b, uint64(len(s)))
		return append(b, s...)
	}
	var v strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			v.WriteRune(utf8.RuneError)
		} else {
			v.WriteString(s[i : i+size])
		}
		i += size
	}
	return appendStr(b, v.String())
}

func appendFloat(b []byte, f float64) []byte {
	bits := math.Float64bits(f)
	if math.IsNaN(f) {
		bits = canonicalNaN
	}
	return binary.BigEndian.AppendUint64(append(b, tagDouble), bits)
}

func appendValue(b []byte, v attribute.Value) []byte {
	switch v.Type() {
	case attribute.BOOL:
		if v.AsBool() {
			return append(b, tagBool, 1)
		}
		return append(b, tagBool, 0)
	case attribute.INT64:
		return binary.BigEndian.AppendUint64(append(b, tagInt), uint64(v.AsInt64()))
	case attribute.FLOAT64:
		return appendFloat(b, v.AsFloat64())
	case attribute.STRING:
		return appendStr(append(b, tagString), v.AsString())
	case attribute.BYTESLICE:
		s := v.AsString() // the bytes, without a copy
		b = binary.BigEndian.AppendUint64(append(b, tagBytes), uint64(len(s)))
		return append(b, s...)
	case attribute.BOOLSLICE:
		xs := bridge.SliceOf[bool](v)
		b = binary.BigEndian.AppendUint64(append(b, tagArray), uint64(len(xs)))
		for _, x := range xs {
			b = appendValue(b, attribute.BoolValue(x))
		}
		return b
	case attribute.INT64SLICE:
		xs := bridge.SliceOf[int64](v)
		b = binary.BigEndian.AppendUint64(append(b, tagArray), uint64(len(xs)))
		for _, x := range xs {
			b = binary.BigEndian.AppendUint64(append(b, tagInt), uint64(x))
		}
		return b
	case attribute.FLOAT64SLICE:
		xs := bridge.SliceOf[float64](v)
		b = binary.BigEndian.AppendUint64(append(b, tagArray), uint64(len(xs)))
		for _, x := range xs {
			b = appendFloat(b, x)
		}
		return b
	case attribute.STRINGSLICE:
		xs := bridge.SliceOf[string](v)
		b = binary.BigEndian.AppendUint64(append(b, tagArray), uint64(len(xs)))
		for _, x := range xs {
			b = appendStr(append(b, tagString), x)
		}
		return b
	case attribute.SLICE:
		xs := bridge.SliceView(v)
		b = binary.BigEndian.AppendUint64(append(b, tagArray), uint64(len(xs)))
		for _, x := range xs {
			b = appendValue(b, x)
		}
		return b
	case attribute.MAP:
		kvs := bridge.MapView(v)
		if !slices.IsSortedFunc(kvs, byKey) {
			kvs = slices.Clone(kvs)
			slices.SortStableFunc(kvs, byKey)
		}
		b = binary.BigEndian.AppendUint64(append(b, tagMap), uint64(len(kvs)))
		for _, kv := range kvs {
			b = appendStr(b, string(kv.Key))
			b = appendValue(b, kv.Value)
		}
		return b
	}
	return append(b, tagEmpty)
}

// Type hints. The console exporter writes JSON, where an integral float
// (3.0 is written 3), NaN and the infinities (written as strings) and bytes
// (base64 strings) cannot be told from an int or a string. The chain
// lists the paths of such values in audit.types, so that a verifier reading
// JSON restores their types; OTLP/JSON is typed and needs no hint.

const (
	hintFloat = "f"
	hintBytes = "b"
)

// ambiguousFloat reports whether JSON shows f without a '.' or an exponent
// (or as a string).
func ambiguousFloat(f float64) bool {
	return math.IsNaN(f) || math.IsInf(f, 0) || (f == math.Trunc(f) && math.Abs(f) < 1e21)
}

// TypeHints returns the value of audit.types for a chained record's
// attributes: the JSON list of the paths of the values whose type JSON
// cannot tell (see "Type hints" in the package documentation), or "" when
// there are none, as for most records, without allocating then.
//
// TypeHints is safe for concurrent use by multiple goroutines.
func TypeHints(attrs []attribute.KeyValue) string {
	for _, kv := range attrs {
		if needsHint(kv.Value) {
			h := hinters.Get().(*hinter)
			h.scan(attrs)
			s := h.encoded()
			hinters.Put(h)
			return s
		}
	}
	return ""
}

// hinters reuse the buffers of TypeHints' hinted path across records.
var hinters = sync.Pool{New: func() any { return new(hinter) }}

// hinter collects the hints of a record's attributes.
type hinter struct {
	path  []any
	hints [][]any
}

func (h *hinter) scan(attrs []attribute.KeyValue) {
	h.hints = h.hints[:0]
	for _, kv := range attrs {
		if needsHint(kv.Value) {
			h.path = append(h.path[:0], string(kv.Key))
			h.value(kv.Value)
		}
	}
}

// needsHint is the quick check: scalars that need no hint are the rule.
func needsHint(v attribute.Value) bool {
	switch v.Type() {
	case attribute.FLOAT64:
		return ambiguousFloat(v.AsFloat64())
	case attribute.BYTESLICE, attribute.FLOAT64SLICE, attribute.SLICE, attribute.MAP:
		return true
	}
	return false
}

func (h *hinter) add(kind string) {
	e := make([]any, 0, len(h.path)+1)
	e = append(e, kind)
	h.hints = append(h.hints, append(e, h.path...))
}

func (h *hinter) value(v attribute.Value) {
	switch v.Type() {
	case attribute.FLOAT64:
		if ambiguousFloat(v.AsFloat64()) {
			h.add(hintFloat)
		}
	case attribute.BYTESLICE:
		h.add(hintBytes)
	case attribute.FLOAT64SLICE:
		for i, f := range bridge.SliceOf[float64](v) {
			if ambiguousFloat(f) {
				h.path = append(h.path, i)
				h.add(hintFloat)
				h.path = h.path[:len(h.path)-1]
			}
		}
	case attribute.SLICE:
		for i, x := range bridge.SliceView(v) {
			if needsHint(x) {
				h.path = append(h.path, i)
				h.value(x)
				h.path = h.path[:len(h.path)-1]
			}
		}
	case attribute.MAP:
		for _, kv := range bridge.MapView(v) {
			if needsHint(kv.Value) {
				h.path = append(h.path, string(kv.Key))
				h.value(kv.Value)
				h.path = h.path[:len(h.path)-1]
			}
		}
	}
}

// encoded returns the hints as the JSON text of audit.types, "" if none.
func (h *hinter) encoded() string {
	if len(h.hints) == 0 {
		return ""
	}
	b, err := json.Marshal(h.hints)
	if err != nil {
		return ""
	}
	return string(b)
}
