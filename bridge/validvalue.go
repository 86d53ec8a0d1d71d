package bridge

import (
	"go.opentelemetry.io/otel/attribute"
)

// validValue returns v with invalid UTF-8 replaced by U+FFFD in every
// string it holds (STRING, STRINGSLICE, and inside SLICE and MAP values,
// map keys included). attribute.Value and attribute.KeyValue arguments are
// otherwise passed through unchanged, and one invalid string would make the
// OTLP exporter fail to marshal the whole batch it is in ("string field
// contains invalid UTF-8"), losing every record of that batch. STRING
// values are checked without allocating; a valid value is returned as is.
func validValue(v attribute.Value) attribute.Value {
	if v.Type() == attribute.STRING {
		s := v.AsString()
		if t := validUTF8(s); t != s {
			return attribute.StringValue(t)
		}
		return v
	}
	out, _ := repairValue(v)
	return out
}

// repairValue returns the repaired value and whether it had to change.
func repairValue(v attribute.Value) (attribute.Value, bool) {
	switch v.Type() {
	case attribute.STRING:
		s := v.AsString()
		if t := validUTF8(s); t != s {
			return attribute.StringValue(t), true
		}
	case attribute.STRINGSLICE:
		ss := v.AsStringSlice() // a copy
		changed := false
		for i, s := range ss {
			if t := validUTF8(s); t != s {
				ss[i], changed = t, true
			}
		}
		if changed {
			return attribute.StringSliceValue(ss), true
		}
	case attribute.SLICE:
		vals := v.AsSlice() // a copy
		changed := false
		for i, e := range vals {
			if t, ok := repairValue(e); ok {
				vals[i], changed = t, true
			}
		}
		if changed {
			return attribute.SliceValue(vals...), true
		}
	case attribute.MAP:
		kvs := v.AsMap() // a copy
		changed := false
		for i, kv := range kvs {
			k := validUTF8(string(kv.Key))
			t, ok := repairValue(kv.Value)
			if ok || k != string(kv.Key) {
				kvs[i], changed = attribute.KeyValue{Key: attribute.Key(k), Value: t}, true
			}
		}
		if changed {
			return attribute.MapValue(kvs...), true
		}
	}
	return v, false
}

// ValidString returns s with each run of invalid UTF-8 replaced by U+FFFD,
// or s itself (without allocating) when it is valid. Use it for strings
// that reach OTLP outside a record's attributes: a scope name, a resource,
// a baggage member.
func ValidString(s string) string { return validUTF8(s) }

// RepairValue returns v with invalid UTF-8 replaced by U+FFFD in every
// string it holds, map keys included, at any depth, and whether anything had
// to change; a valid v is returned as is.
func RepairValue(v attribute.Value) (attribute.Value, bool) { return repairValue(v) }
