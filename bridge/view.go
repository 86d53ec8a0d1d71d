package bridge

import (
	"unsafe"

	"go.opentelemetry.io/otel/attribute"
)

// MapView returns the entries of a MAP value without the copy that
// attribute.Value.AsMap makes: a read-only view of the value's own array,
// sorted by key as attribute.MapValue stores it. The result must not be
// modified. It is for stages that walk every record's values (redaction,
// the audit chain) and must not allocate when they change nothing.
func MapView(v attribute.Value) []attribute.KeyValue { return mapView(v) }

// SliceView returns the elements of a SLICE value without the copy that
// attribute.Value.AsSlice makes. The result must not be modified.
func SliceView(v attribute.Value) []attribute.Value { return sliceView(v) }

// SliceOf returns the elements of a BOOLSLICE, INT64SLICE, FLOAT64SLICE or
// STRINGSLICE value as a read-only view, without the copy that
// AsBoolSlice, AsInt64Slice, AsFloat64Slice and AsStringSlice make; nil when
// v does not hold a slice of E. The result must not be modified.
func SliceOf[E bool | int64 | float64 | string](v attribute.Value) []E {
	if rawLayoutOK {
		if vals, ok := arrayView[E]((*rawValue)(unsafe.Pointer(&v)).slice); ok {
			return vals
		}
	}
	s, _ := v.AsInterface().([]E)
	return s
}
