package fapilog

import (
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
)

// The scope name and the resource go into every OTLP request of a logger:
// one invalid UTF-8 string there ("string field contains invalid UTF-8")
// would make every export of that logger fail. A logger name may come from
// data (a tenant, a file name) and OTEL_RESOURCE_ATTRIBUTES is
// percent-decoded (%FF), so both are repaired here, as the bridge repairs
// messages, keys and values: invalid bytes become U+FFFD.

func validString(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// validResource returns res, or a copy with invalid UTF-8 in its keys and
// string values repaired.
func validResource(res *resource.Resource) *resource.Resource {
	if res == nil {
		return nil
	}
	attrs := res.Attributes()
	changed := false
	for i, kv := range attrs {
		k := validString(string(kv.Key))
		v, fixed := kv.Value, k != string(kv.Key)
		switch v.Type() {
		case attribute.STRING:
			if s := validString(v.AsString()); s != v.AsString() {
				v, fixed = attribute.StringValue(s), true
			}
		case attribute.STRINGSLICE:
			ss := v.AsStringSlice()
			bad := false
			for j, s := range ss {
				if t := validString(s); t != s {
					ss[j], bad = t, true
				}
			}
			if bad {
				v, fixed = attribute.StringSliceValue(ss), true
			}
		}
		if fixed {
			attrs[i] = attribute.KeyValue{Key: attribute.Key(k), Value: v}
			changed = true
		}
	}
	if !changed {
		return res
	}
	return resource.NewWithAttributes(res.SchemaURL(), attrs...)
}
