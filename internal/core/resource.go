package core

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/fapilog/fapilog-go/bridge"
)

// buildResource merges, lowest first: the SDK default, the environment, the
// option. It is built per logger (not resource.Default's process-wide
// cache) so the environment is read when the logger is made.
func buildResource(opt *resource.Resource) (*resource.Resource, error) {
	env, err := resource.New(context.Background(), resource.WithFromEnv())
	res, mergeErr := resource.Merge(resource.Default(), env)
	if mergeErr != nil {
		res = env
	}
	if opt != nil {
		if merged, err2 := resource.Merge(res, opt); err2 == nil {
			res = merged
		} else {
			res = opt
		}
	}
	if err != nil {
		err = fmt.Errorf("resource from OTEL_RESOURCE_ATTRIBUTES: %w", err)
	}
	return validResource(res), err
}

// validResource returns res, or a copy with invalid UTF-8 in its keys and
// values repaired. The scope name and the resource go into every OTLP
// request of a logger: one invalid UTF-8 string there ("string field
// contains invalid UTF-8") would make every export of that logger fail.
// OTEL_RESOURCE_ATTRIBUTES is percent-decoded (%FF), so it is repaired
// here, as the bridge repairs messages, keys and values: invalid bytes
// become U+FFFD. (The scope name is repaired in New.)
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
