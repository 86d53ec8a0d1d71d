package spool

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/trace"
)

// Record is what the spool keeps of one log record: every field of an
// sdklog.Record a replay needs, except the resource (the replaying logger
// supplies its own) and the count of attributes the SDK dropped.
type Record struct {
	Timestamp         time.Time
	ObservedTimestamp time.Time
	Severity          log.Severity
	SeverityText      string
	EventName         string
	Body              attribute.Value
	Attributes        []attribute.KeyValue
	TraceID           trace.TraceID
	SpanID            trace.SpanID
	TraceFlags        trace.TraceFlags
	// Scope is the instrumentation scope (the logger's name).
	Scope, ScopeVersion, ScopeSchemaURL string
}

// FromSDK copies what the spool keeps of r.
func FromSDK(r *sdklog.Record) Record {
	scope := r.InstrumentationScope()
	out := Record{
		Timestamp:         r.Timestamp(),
		ObservedTimestamp: r.ObservedTimestamp(),
		Severity:          r.Severity(),
		SeverityText:      r.SeverityText(),
		EventName:         r.EventName(),
		Body:              r.Body(),
		TraceID:           r.TraceID(),
		SpanID:            r.SpanID(),
		TraceFlags:        r.TraceFlags(),
		Scope:             scope.Name,
		ScopeVersion:      scope.Version,
		ScopeSchemaURL:    scope.SchemaURL,
	}
	if n := r.AttributesLen(); n > 0 {
		out.Attributes = make([]attribute.KeyValue, 0, n)
		r.WalkAttributes(func(kv attribute.KeyValue) bool {
			out.Attributes = append(out.Attributes, kv)
			return true
		})
	}
	return out
}

// MaxDepth bounds the nesting of SLICE and MAP values the codec encodes and
// decodes (the bridge nests at most 16 levels).
const MaxDepth = 64

// Errors of the codec.
var (
	ErrTooDeep = errors.New("spool: value nested too deeply")
	errShort   = errors.New("spool: record truncated")
)

// flag bits of an encoded record.
const (
	flagTimestamp = 1 << iota
	flagObserved
	flagTraceID
	flagSpanID
	flagTraceFlags
	flagsKnown = flagTimestamp | flagObserved | flagTraceID | flagSpanID | flagTraceFlags
)

// AppendRecord appends the encoding of r to dst. The encoding, all integers
// varints unless said otherwise:
//
//	flags byte (which optional fields follow)
//	[timestamp: seconds (zigzag), nanoseconds]  [observed: the same]
//	severity (zigzag) | severity text | event name | scope name | scope version | scope schema URL
//	[trace id: 16 bytes] [span id: 8 bytes] [trace flags: 1 byte]
//	body value | attribute count | (key, value)…
//
// A string is its length then its bytes. A value is its attribute.Type
// byte, then: BOOL a byte; INT64 a zigzag varint; FLOAT64 8 bytes
// little-endian IEEE 754; STRING and BYTESLICE a string; the typed slices a
// count then the elements; SLICE a count then values; MAP a count then
// (key, value) pairs. Nesting is bounded by MaxDepth.
func AppendRecord(dst []byte, r *Record) ([]byte, error) {
	var flags byte
	if !r.Timestamp.IsZero() {
		flags |= flagTimestamp
	}
	if !r.ObservedTimestamp.IsZero() {
		flags |= flagObserved
	}
	if r.TraceID.IsValid() {
		flags |= flagTraceID
	}
	if r.SpanID.IsValid() {
		flags |= flagSpanID
	}
	if r.TraceFlags != 0 {
		flags |= flagTraceFlags
	}
	dst = append(dst, flags)
	if flags&flagTimestamp != 0 {
		dst = appendTime(dst, r.Timestamp)
	}
	if flags&flagObserved != 0 {
		dst = appendTime(dst, r.ObservedTimestamp)
	}
	dst = binary.AppendVarint(dst, int64(r.Severity))
	dst = appendString(dst, r.SeverityText)
	dst = appendString(dst, r.EventName)
	dst = appendString(dst, r.Scope)
	dst = appendString(dst, r.ScopeVersion)
	dst = appendString(dst, r.ScopeSchemaURL)
	if flags&flagTraceID != 0 {
		dst = append(dst, r.TraceID[:]...)
	}
	if flags&flagSpanID != 0 {
		dst = append(dst, r.SpanID[:]...)
	}
	if flags&flagTraceFlags != 0 {
		dst = append(dst, byte(r.TraceFlags))
	}
	var err error
	if dst, err = appendValue(dst, r.Body, 0); err != nil {
		return nil, err
	}
	dst = binary.AppendUvarint(dst, uint64(len(r.Attributes)))
	for _, kv := range r.Attributes {
		dst = appendString(dst, string(kv.Key))
		if dst, err = appendValue(dst, kv.Value, 0); err != nil {
			return nil, err
		}
	}
	return dst, nil
}

func appendTime(dst []byte, t time.Time) []byte {
	dst = binary.AppendVarint(dst, t.Unix())
	return binary.AppendUvarint(dst, uint64(t.Nanosecond()))
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

func appendValue(dst []byte, v attribute.Value, depth int) ([]byte, error) {
	t := v.Type()
	dst = append(dst, byte(t))
	switch t {
	case attribute.EMPTY:
	case attribute.BOOL:
		dst = appendBool(dst, v.AsBool())
	case attribute.INT64:
		dst = binary.AppendVarint(dst, v.AsInt64())
	case attribute.FLOAT64:
		dst = appendFloat(dst, v.AsFloat64())
	case attribute.STRING:
		dst = appendString(dst, v.AsString())
	case attribute.BYTESLICE:
		b := v.AsByteSlice()
		dst = binary.AppendUvarint(dst, uint64(len(b)))
		dst = append(dst, b...)
	case attribute.BOOLSLICE:
		dst = appendList(dst, v.AsBoolSlice(), appendBool)
	case attribute.INT64SLICE:
		dst = appendList(dst, v.AsInt64Slice(), binary.AppendVarint)
	case attribute.FLOAT64SLICE:
		dst = appendList(dst, v.AsFloat64Slice(), appendFloat)
	case attribute.STRINGSLICE:
		dst = appendList(dst, v.AsStringSlice(), appendString)
	case attribute.SLICE:
		if depth >= MaxDepth {
			return nil, ErrTooDeep
		}
		s := v.AsSlice()
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		for _, e := range s {
			var err error
			if dst, err = appendValue(dst, e, depth+1); err != nil {
				return nil, err
			}
		}
	case attribute.MAP:
		if depth >= MaxDepth {
			return nil, ErrTooDeep
		}
		m := v.AsMap()
		dst = binary.AppendUvarint(dst, uint64(len(m)))
		for _, kv := range m {
			dst = appendString(dst, string(kv.Key))
			var err error
			if dst, err = appendValue(dst, kv.Value, depth+1); err != nil {
				return nil, err
			}
		}
	default:
		return nil, fmt.Errorf("spool: cannot encode a value of type %v", t)
	}
	return dst, nil
}

func appendBool(dst []byte, b bool) []byte {
	if b {
		return append(dst, 1)
	}
	return append(dst, 0)
}

// DecodeRecord decodes what AppendRecord encoded. It never panics and never
// allocates more than a small multiple of len(b), whatever b holds: every
// count is checked against the bytes left before anything is allocated.
func DecodeRecord(b []byte) (Record, error) {
	d := decoder{b: b}
	r := d.record()
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("spool: %d bytes after the record", len(d.b))
	}
	if d.err != nil {
		return Record{}, d.err
	}
	return r, nil
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
	d.b = nil
}

func (d *decoder) byte() byte {
	if len(d.b) < 1 {
		d.fail(errShort)
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) bytes(n int) []byte {
	if n < 0 || len(d.b) < n {
		d.fail(errShort)
		return nil
	}
	out := d.b[:n:n]
	d.b = d.b[n:]
	return out
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail(errors.New("spool: bad varint"))
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail(errors.New("spool: bad varint"))
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a count of elements that take at least min bytes each.
func (d *decoder) count(min int) int {
	n := d.uvarint()
	if d.err != nil {
		return 0
	}
	if n > uint64(len(d.b)/min) {
		d.fail(errShort)
		return 0
	}
	return int(n)
}

func (d *decoder) string() string {
	n := d.count(1)
	return string(d.bytes(n))
}

func (d *decoder) time() time.Time {
	sec := d.varint()
	nsec := d.uvarint()
	if d.err != nil {
		return time.Time{}
	}
	if nsec >= 1e9 {
		d.fail(errors.New("spool: bad timestamp"))
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec))
}

func (d *decoder) record() Record {
	var r Record
	flags := d.byte()
	if flags&^flagsKnown != 0 {
		d.fail(fmt.Errorf("spool: unknown record flags %#x", flags))
		return r
	}
	if flags&flagTimestamp != 0 {
		r.Timestamp = d.time()
	}
	if flags&flagObserved != 0 {
		r.ObservedTimestamp = d.time()
	}
	sev := d.varint()
	if sev < math.MinInt32 || sev > math.MaxInt32 {
		d.fail(errors.New("spool: bad severity"))
	}
	r.Severity = log.Severity(sev)
	r.SeverityText = d.string()
	r.EventName = d.string()
	r.Scope = d.string()
	r.ScopeVersion = d.string()
	r.ScopeSchemaURL = d.string()
	if flags&flagTraceID != 0 {
		copy(r.TraceID[:], d.bytes(16))
	}
	if flags&flagSpanID != 0 {
		copy(r.SpanID[:], d.bytes(8))
	}
	if flags&flagTraceFlags != 0 {
		r.TraceFlags = trace.TraceFlags(d.byte())
	}
	r.Body = d.value(0)
	// A key/value pair takes at least two bytes (empty key, EMPTY value).
	if n := d.count(2); n > 0 {
		r.Attributes = make([]attribute.KeyValue, n)
		for i := range r.Attributes {
			r.Attributes[i] = attribute.KeyValue{Key: attribute.Key(d.string()), Value: d.value(0)}
		}
	}
	return r
}

func (d *decoder) value(depth int) attribute.Value {
	t := attribute.Type(d.byte())
	if d.err != nil {
		return attribute.Value{}
	}
	switch t {
	case attribute.EMPTY:
		return attribute.Value{}
	case attribute.BOOL:
		return attribute.BoolValue(d.bool())
	case attribute.INT64:
		return attribute.Int64Value(d.varint())
	case attribute.FLOAT64:
		return attribute.Float64Value(d.float())
	case attribute.STRING:
		return attribute.StringValue(d.string())
	case attribute.BYTESLICE:
		n := d.count(1)
		return attribute.ByteSliceValue(d.bytes(n))
	case attribute.BOOLSLICE:
		return attribute.BoolSliceValue(decodeList(d, 1, d.bool))
	case attribute.INT64SLICE:
		return attribute.Int64SliceValue(decodeList(d, 1, d.varint))
	case attribute.FLOAT64SLICE:
		return attribute.Float64SliceValue(decodeList(d, 8, d.float))
	case attribute.STRINGSLICE:
		return attribute.StringSliceValue(decodeList(d, 1, d.string))
	case attribute.SLICE:
		if depth >= MaxDepth {
			d.fail(ErrTooDeep)
			return attribute.Value{}
		}
		s := make([]attribute.Value, d.count(1))
		for i := range s {
			s[i] = d.value(depth + 1)
		}
		return attribute.SliceValue(s...)
	case attribute.MAP:
		if depth >= MaxDepth {
			d.fail(ErrTooDeep)
			return attribute.Value{}
		}
		m := make([]attribute.KeyValue, d.count(2))
		for i := range m {
			m[i] = attribute.KeyValue{Key: attribute.Key(d.string()), Value: d.value(depth + 1)}
		}
		return attribute.MapValue(m...)
	}
	d.fail(fmt.Errorf("spool: unknown value type %d", t))
	return attribute.Value{}
}

func (d *decoder) bool() bool {
	switch d.byte() {
	case 0:
		return false
	case 1:
		return true
	}
	d.fail(errors.New("spool: bad bool"))
	return false
}

func (d *decoder) float() float64 {
	b := d.bytes(8)
	if b == nil {
		return 0
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(b))
}

// appendList encodes a typed slice: its length, then each element.
func appendList[T any](dst []byte, s []T, elem func([]byte, T) []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	for _, x := range s {
		dst = elem(dst, x)
	}
	return dst
}

func appendFloat(dst []byte, f float64) []byte {
	return binary.LittleEndian.AppendUint64(dst, math.Float64bits(f))
}

// decodeList decodes what appendList wrote; minSize is the fewest bytes an
// element takes, which bounds the length a corrupt entry can claim.
func decodeList[T any](d *decoder, minSize int, elem func() T) []T {
	s := make([]T, d.count(minSize))
	for i := range s {
		s[i] = elem()
	}
	return s
}
