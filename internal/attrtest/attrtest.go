// Package attrtest compares OpenTelemetry attribute values in tests.
package attrtest

import (
	"math"

	"go.opentelemetry.io/otel/attribute"
)

// Equal reports whether a and b are the same value: same type and
// contents, slices and maps compared element by element (map entries in
// order), NaN equal to NaN.
func Equal(a, b attribute.Value) bool {
	if a.Type() != b.Type() {
		return false
	}
	switch a.Type() {
	case attribute.FLOAT64:
		x, y := a.AsFloat64(), b.AsFloat64()
		return x == y || (math.IsNaN(x) && math.IsNaN(y))
	case attribute.SLICE:
		x, y := a.AsSlice(), b.AsSlice()
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case attribute.MAP:
		return EqualKVs(a.AsMap(), b.AsMap())
	}
	return a == b
}

// EqualKVs reports whether x and y hold the same keys and values, in order.
func EqualKVs(x, y []attribute.KeyValue) bool {
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if x[i].Key != y[i].Key || !Equal(x[i].Value, y[i].Value) {
			return false
		}
	}
	return true
}
