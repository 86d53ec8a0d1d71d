package fapilog

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/fapilog/fapilog-go/bridge"
)

// The scope name and the resource go into every OTLP request of a logger:
// one invalid UTF-8 string there ("string field contains invalid UTF-8")
// would make every export of that logger fail. A logger name may come from
// data (a tenant, a file name) and OTEL_RESOURCE_ATTRIBUTES is
// percent-decoded (%FF), so both are repaired here, as the bridge repairs
// messages, keys and values: invalid bytes become U+FFFD.

// validResource returns res, or a copy with invalid UTF-8 in its keys and
// values repaired.
func validResource(res *resource.Resource) *resource.Resource {
	if res == nil {
		return nil
	}
	attrs := res.Attributes()
	changed := false
	for i, kv := range attrs {
		k := bridge.ValidString(string(kv.Key))
		v, fixed := bridge.RepairValue(kv.Value)
		if fixed || k != string(kv.Key) {
			attrs[i] = attribute.KeyValue{Key: attribute.Key(k), Value: v}
			changed = true
		}
	}
	if !changed {
		return res
	}
	return resource.NewWithAttributes(res.SchemaURL(), attrs...)
}
