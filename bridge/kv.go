package bridge

import (
	"log/slog"

	"go.opentelemetry.io/otel/attribute"
)

const (
	// badKey is the key of a value that has no key: a lone trailing value or
	// a value where a key was expected (the key log/slog uses).
	badKey = "!BADKEY"

	// emptyKey replaces an empty attribute key, which the OpenTelemetry SDK
	// would drop silently.
	emptyKey = "!EMPTYKEY"
)

// KeyValue returns the attribute key with the value [Value](v). An empty key
// becomes "!EMPTYKEY", since the OpenTelemetry SDK silently drops attributes
// with an empty key; invalid UTF-8 in key is replaced by U+FFFD.
//
// KeyValue is safe for concurrent use by multiple goroutines, on the same
// terms as [Value].
func KeyValue(key string, v any) (kv attribute.KeyValue) {
	kv.Key = attrKey(key, true)
	if !leafValue(&kv.Value, v) {
		kv.Value = slowValue(v)
	}
	return kv
}

// attrKey validates an attribute key. top tells whether the key is a
// record's attribute key (where an empty key is replaced) or a nested map
// key (where an empty key is a valid key).
func attrKey(k string, top bool) attribute.Key {
	if k == "" && top {
		return emptyKey
	}
	return attribute.Key(validUTF8(k))
}

// AppendKV parses kv the way log/slog parses the arguments of Logger.Info
// and appends the resulting attributes to dst:
//
//   - a string followed by a value is a key and its value ([KeyValue]); a
//     value of a slog type (slog.Value, slog.LogValuer, []slog.Attr) is
//     treated as the slog.Attr slog.Any(key, value), see below;
//   - an [attribute.KeyValue] is appended with its value as it is (an empty
//     key becomes "!EMPTYKEY", invalid UTF-8 in the key and in the strings
//     of the value becomes U+FFFD);
//   - a [slog.Attr] is appended as slog's built-in handlers treat it: its
//     value is resolved, a group becomes a MAP value, a group with an empty
//     key has its members inlined, and an empty attribute (slog.Attr{}) or
//     an empty group is left out;
//   - a lone trailing string, or any other value where a key is expected,
//     is appended under the key "!BADKEY".
//
// AppendKV never panics and never drops a value. It allocates only when dst
// must grow (and for values whose conversion allocates, see [Value]); kv is
// not retained.
//
// AppendKV is safe for concurrent use by multiple goroutines on distinct dst
// slices, on the same terms as [Value] for the values in kv.
func AppendKV(dst []attribute.KeyValue, kv []any) []attribute.KeyValue {
	for i := 0; i < len(kv); {
		switch x := kv[i].(type) {
		case string:
			if i+1 == len(kv) {
				return append(dst, attribute.KeyValue{Key: badKey, Value: stringValue(x)})
			}
			dst = appendPair(dst, x, kv[i+1])
			i += 2
		case attribute.KeyValue:
			x.Key = attrKey(string(x.Key), true)
			x.Value = validValue(x.Value)
			dst = append(dst, x)
			i++
		case slog.Attr:
			dst = appendAttr(dst, x)
			i++
		default:
			dst = append(dst, attribute.KeyValue{Key: badKey, Value: Value(x)})
			i++
		}
	}
	return dst
}

// appendPair appends the pair key, v. A value of a slog type is treated as
// slog.Any(key, v) is by slog's handlers (a LogValuer that resolves to an
// empty group is left out, a group under an empty key is inlined).
func appendPair(dst []attribute.KeyValue, key string, v any) []attribute.KeyValue {
	// Fill the new element in place (see leafValue for why).
	dst = append(dst, attribute.KeyValue{})
	p := &dst[len(dst)-1]
	if leafValue(&p.Value, v) {
		p.Key = attrKey(key, true)
		return dst
	}
	dst = dst[:len(dst)-1]
	switch v.(type) {
	case slog.Value, []slog.Attr, slog.LogValuer:
		return appendSlowAttr(dst, slog.Any(key, v))
	}
	return append(dst, attribute.KeyValue{Key: attrKey(key, true), Value: slowValue(v)})
}

// appendSlowAttr appends a top-level slog.Attr that needs a converter. It is
// kept out of line for the same reason as slowValue.
//
//go:noinline
func appendSlowAttr(dst []attribute.KeyValue, a slog.Attr) []attribute.KeyValue {
	c := converter{budget: maxValues}
	// The converter recurses, and escape analysis gives up on recursion: were
	// dst handed to it, every caller's stack buffer would move to the heap.
	// Converting into a fresh slice costs one allocation on this rare path
	// instead of one on every call.
	return append(dst, c.appendSlogAttr(nil, a, 0, true)...)
}

// appendAttr appends one top-level slog.Attr.
func appendAttr(dst []attribute.KeyValue, a slog.Attr) []attribute.KeyValue {
	v := a.Value
	switch v.Kind() {
	case slog.KindString, slog.KindInt64, slog.KindFloat64, slog.KindBool, slog.KindDuration:
	default:
		return appendSlowAttr(dst, a)
	}
	// Fill the new element in place (see leafValue for why).
	dst = append(dst, attribute.KeyValue{})
	p := &dst[len(dst)-1]
	p.Key = attrKey(a.Key, true)
	switch v.Kind() {
	case slog.KindString:
		p.Value = stringValue(v.String())
	case slog.KindInt64:
		p.Value = attribute.Int64Value(v.Int64())
	case slog.KindFloat64:
		p.Value = attribute.Float64Value(v.Float64())
	case slog.KindBool:
		p.Value = attribute.BoolValue(v.Bool())
	default: // slog.KindDuration
		p.Value = attribute.Int64Value(int64(v.Duration()))
	}
	return dst
}
