package exporter

import (
	"encoding/base64"
	"encoding/hex"
	"io"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
)

// console encodes one JSON object per record and line.
type console struct {
	// The encoded resource of the last record: a batch nearly always holds
	// records of one resource.
	lastRes *resource.Resource
	resJSON []byte
}

// NewConsole returns an exporter that writes each record to w as one JSON
// object on its own line (JSON Lines), each batch in a single Write call.
// A nil w means os.Stdout. The writer is not closed by Shutdown.
//
// The object's fields, in this order (a field marked "omitted" is left out
// when zero or empty):
//
//	timestamp            RFC 3339 with nanoseconds, UTC (omitted)
//	observed_timestamp   same (omitted)
//	severity_number      number, 0–24
//	severity_text        string
//	event_name           string (omitted)
//	body                 typed value (below); null when empty
//	attributes           object of typed values, {} when none
//	dropped_attributes_count  number (omitted)
//	resource             object of typed values
//	scope                the instrumentation scope's name
//	trace_id, span_id    lowercase hex (omitted when invalid)
//	trace_flags          number (omitted)
//
// Typed values: strings as JSON strings (invalid UTF-8 replaced by U+FFFD,
// control characters escaped), integers and floats as JSON numbers (NaN,
// Infinity and -Infinity as those strings), booleans, bytes as base64
// strings, slices as arrays and maps as objects (nested to any depth), an
// empty value as null.
//
// Encoding is done by hand into a buffer reused across batches; scalar
// values and the resource cost no allocation per record.
func NewConsole(w io.Writer) sdklog.Exporter {
	return newLineExporter(w, "console", &console{})
}

func (c *console) appendRecord(b []byte, r *sdklog.Record) []byte {
	b = append(b, '{')
	sep := false
	key := func(b []byte, k string) []byte {
		if sep {
			b = append(b, ',')
		}
		sep = true
		b = append(b, '"')
		b = append(b, k...)
		return append(b, '"', ':')
	}
	if t := r.Timestamp(); !t.IsZero() {
		b = appendTime(key(b, "timestamp"), t)
	}
	if t := r.ObservedTimestamp(); !t.IsZero() {
		b = appendTime(key(b, "observed_timestamp"), t)
	}
	b = strconv.AppendInt(key(b, "severity_number"), int64(r.Severity()), 10)
	b = appendString(key(b, "severity_text"), r.SeverityText())
	if n := r.EventName(); n != "" {
		b = appendString(key(b, "event_name"), n)
	}
	b = appendValue(key(b, "body"), r.Body())

	b = append(key(b, "attributes"), '{')
	first := true
	r.WalkAttributes(func(kv attribute.KeyValue) bool {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, string(kv.Key))
		b = append(b, ':')
		b = appendValue(b, kv.Value)
		return true
	})
	b = append(b, '}')
	if n := r.DroppedAttributes(); n > 0 {
		b = strconv.AppendInt(key(b, "dropped_attributes_count"), int64(n), 10)
	}

	b = append(key(b, "resource"), c.resource(r.Resource())...)
	b = appendString(key(b, "scope"), r.InstrumentationScope().Name)
	if id := r.TraceID(); id.IsValid() {
		b = append(key(b, "trace_id"), '"')
		b = hex.AppendEncode(b, id[:])
		b = append(b, '"')
	}
	if id := r.SpanID(); id.IsValid() {
		b = append(key(b, "span_id"), '"')
		b = hex.AppendEncode(b, id[:])
		b = append(b, '"')
	}
	if f := r.TraceFlags(); f != 0 {
		b = strconv.AppendUint(key(b, "trace_flags"), uint64(f), 10)
	}
	return append(b, '}', '\n')
}

// resource returns res encoded as a JSON object, cached by pointer.
func (c *console) resource(res *resource.Resource) []byte {
	if res == c.lastRes && c.resJSON != nil {
		return c.resJSON
	}
	b := append(c.resJSON[:0], '{')
	if res != nil {
		for i, it := 0, res.Iter(); it.Next(); i++ {
			if i > 0 {
				b = append(b, ',')
			}
			kv := it.Attribute()
			b = appendString(b, string(kv.Key))
			b = append(b, ':')
			b = appendValue(b, kv.Value)
		}
	}
	c.resJSON = append(b, '}')
	c.lastRes = res
	return c.resJSON
}

func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// appendValue appends v as typed JSON.
func appendValue(b []byte, v attribute.Value) []byte {
	switch v.Type() {
	case attribute.BOOL:
		return strconv.AppendBool(b, v.AsBool())
	case attribute.INT64:
		return strconv.AppendInt(b, v.AsInt64(), 10)
	case attribute.FLOAT64:
		return appendFloat(b, v.AsFloat64())
	case attribute.STRING:
		return appendString(b, v.AsString())
	case attribute.BYTESLICE:
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, v.AsByteSlice())
		return append(b, '"')
	case attribute.BOOLSLICE:
		return appendList(b, v.AsBoolSlice(), strconv.AppendBool)
	case attribute.INT64SLICE:
		return appendList(b, v.AsInt64Slice(), appendInt)
	case attribute.FLOAT64SLICE:
		return appendList(b, v.AsFloat64Slice(), appendFloat)
	case attribute.STRINGSLICE:
		return appendList(b, v.AsStringSlice(), appendString)
	case attribute.SLICE:
		return appendList(b, v.AsSlice(), appendValue)
	case attribute.MAP:
		b = append(b, '{')
		for i, kv := range v.AsMap() {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, string(kv.Key))
			b = append(b, ':')
			b = appendValue(b, kv.Value)
		}
		return append(b, '}')
	}
	return append(b, "null"...)
}

// appendFloat appends f as encoding/json would, and NaN and the infinities
// as the strings "NaN", "Infinity" and "-Infinity".
func appendFloat(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(b, `"-Infinity"`...)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// 1e-07 → 1e-7, as encoding/json does.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD;
// control characters, U+2028 and U+2029 are escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
