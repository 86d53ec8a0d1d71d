package bridge

import (
	"testing"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
)

func TestAttributeArgumentsAreMadeValidUTF8(t *testing.T) {
	bad := "a\xffb"
	nested := attribute.MapValue(
		attribute.String("k\xfe", bad),
		attribute.Slice("s", attribute.StringValue(bad), attribute.IntValue(1)),
		attribute.StringSlice("ss", []string{"ok", bad}),
	)
	kvs := AppendKV(nil, []any{
		attribute.String("kv", bad),
		"av", attribute.StringValue(bad),
		attribute.KeyValue{Key: "nested", Value: nested},
		"pair", attribute.String("inner", bad),
		"pairs", []attribute.KeyValue{attribute.String("inner", bad)},
	})
	var check func(path string, v attribute.Value)
	check = func(path string, v attribute.Value) {
		switch v.Type() {
		case attribute.STRING:
			if !utf8.ValidString(v.AsString()) {
				t.Errorf("%s: invalid UTF-8 %q", path, v.AsString())
			}
		case attribute.STRINGSLICE:
			for _, s := range v.AsStringSlice() {
				if !utf8.ValidString(s) {
					t.Errorf("%s: invalid UTF-8 %q", path, s)
				}
			}
		case attribute.SLICE:
			for _, e := range v.AsSlice() {
				check(path+"[]", e)
			}
		case attribute.MAP:
			for _, kv := range v.AsMap() {
				if !utf8.ValidString(string(kv.Key)) {
					t.Errorf("%s: invalid UTF-8 key %q", path, kv.Key)
				}
				check(path+"."+string(kv.Key), kv.Value)
			}
		}
	}
	if len(kvs) != 5 {
		t.Fatalf("%d attributes", len(kvs))
	}
	for _, kv := range kvs {
		check(string(kv.Key), kv.Value)
	}
	if got := kvs[0].Value.AsString(); got != "a\uFFFDb" {
		t.Errorf("kv = %q", got)
	}
	// A valid value is passed through as it is, without allocating.
	ok := attribute.String("k", "valid ✓")
	if n := testing.AllocsPerRun(100, func() { _ = validValue(ok.Value) }); n != 0 {
		t.Errorf("validValue of a valid string allocates %v times", n)
	}
}
