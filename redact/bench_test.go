package redact

import (
	"testing"

	"go.opentelemetry.io/otel/attribute"
)

// BenchmarkApply is the redaction stage alone on one record: a message and
// 3 attributes with nothing to mask, nested values, and values to mask.
func BenchmarkApply(b *testing.B) {
	clean := []attribute.KeyValue{attribute.String("user", "alice"), attribute.Int("status", 200), attribute.String("path", "/orders/42")}
	nested := []attribute.KeyValue{attribute.Map("req", attribute.String("method", "GET"), attribute.String("path", "/x"),
		attribute.Slice("tags", attribute.StringValue("a"), attribute.StringValue("b"))), attribute.String("user", "alice"), attribute.Int("n", 1)}
	ten := []attribute.KeyValue{attribute.String("method", "GET"), attribute.Int("status", 200), attribute.String("path", "/api/v1/users"),
		attribute.String("user_id", "u-1234"), attribute.Float64("latency_ms", 12.5), attribute.Int("bytes", 5120),
		attribute.Bool("cache_hit", true), attribute.String("region", "eu-west-1"), attribute.Int("attempt", 3),
		attribute.String("request_id", "4bf92f3577b34da6")}
	dirty := []attribute.KeyValue{attribute.String("user", "alice"), attribute.String("password", "p"), attribute.String("dsn", "postgres://app:pw@db/app")}
	for _, c := range []struct {
		name  string
		r     *Redactor
		attrs []attribute.KeyValue
	}{
		{"default/3-clean", Default(), clean},
		{"strict/3-clean", Strict(), clean},
		{"default/10-clean", Default(), ten},
		{"default/nested-clean", Default(), nested},
		{"default/3-masking", Default(), dirty},
	} {
		b.Run(c.name, func(b *testing.B) {
			buf := make([]attribute.KeyValue, len(c.attrs))
			b.ReportAllocs()
			for b.Loop() {
				copy(buf, c.attrs)
				c.r.Redact("request handled", buf)
			}
		})
	}
}
