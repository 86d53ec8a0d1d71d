package attrtest

import (
	"math"
	"testing"

	"go.opentelemetry.io/otel/attribute"
)

func TestEqual(t *testing.T) {
	m := func(kvs ...attribute.KeyValue) attribute.Value { return attribute.MapValue(kvs...) }
	s := attribute.SliceValue
	tests := []struct {
		name string
		a, b attribute.Value
		want bool
	}{
		{"NaN equals NaN", attribute.Float64Value(math.NaN()), attribute.Float64Value(math.NaN()), true},
		{"int is not float", attribute.Int64Value(1), attribute.Float64Value(1), false},
		{"strings", attribute.StringValue("a"), attribute.StringValue("a"), true},
		{"different strings", attribute.StringValue("a"), attribute.StringValue("b"), false},
		{"bytes", attribute.ByteSliceValue([]byte{1}), attribute.ByteSliceValue([]byte{1}), true},
		{"different bytes", attribute.ByteSliceValue([]byte{1}), attribute.ByteSliceValue([]byte{2}), false},
		{"typed slices", attribute.Int64SliceValue([]int64{1, 2}), attribute.Int64SliceValue([]int64{1, 2}), true},
		{"typed slice is not a slice of values", attribute.Int64SliceValue([]int64{1}), s(attribute.Int64Value(1)), false},
		{"nested difference", s(m(attribute.Int("k", 1))), s(m(attribute.Int("k", 2))), false},
		{"nested NaN", s(m(attribute.Float64("k", math.NaN()))), s(m(attribute.Float64("k", math.NaN()))), true},
		{"same maps", m(attribute.Int("a", 1), attribute.Int("b", 2)), m(attribute.Int("a", 1), attribute.Int("b", 2)), true},
		{"different keys", m(attribute.Int("a", 1)), m(attribute.Int("b", 1)), false},
		{"different lengths", s(attribute.BoolValue(true)), s(), false},
	}
	for _, tt := range tests {
		if got := Equal(tt.a, tt.b); got != tt.want {
			t.Errorf("%s: Equal = %v, want %v", tt.name, got, tt.want)
		}
	}
}
