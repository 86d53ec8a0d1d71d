package core

import (
	"context"
	"slices"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"

	"github.com/fapilog/fapilog-go/bridge"
)

// boundKey is the context key of bound fields. One key for the whole
// library: a request id bound by middleware reaches every fapilog logger.
type boundKey struct{}

// bound is immutable once stored: Bind and Unbind build a new one, so
// concurrent requests (and goroutines sharing a ctx) never see each other's
// changes.
type bound struct{ attrs []attribute.KeyValue }

// BoundFields returns the fields bound to ctx.
func BoundFields(ctx context.Context) []attribute.KeyValue {
	if ctx == nil {
		return nil
	}
	if b, ok := ctx.Value(boundKey{}).(*bound); ok && b != nil {
		return b.attrs
	}
	return nil
}

// Bind returns a ctx with kv bound after the fields bound already (later
// wins on a clash).
func Bind(ctx context.Context, kv []any) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	cur := BoundFields(ctx)
	attrs := make([]attribute.KeyValue, 0, len(cur)+len(kv))
	attrs = append(attrs, cur...)
	attrs = bridge.AppendKV(attrs, kv)
	return context.WithValue(ctx, boundKey{}, &bound{attrs: bridge.Dedup(attrs)})
}

// Unbind returns a ctx without the bound fields named by keys.
func Unbind(ctx context.Context, keys []string) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	cur := BoundFields(ctx)
	attrs := slices.DeleteFunc(slices.Clone(cur), func(kv attribute.KeyValue) bool {
		return slices.Contains(keys, string(kv.Key))
	})
	return context.WithValue(ctx, boundKey{}, &bound{attrs: attrs})
}

// ClearBound returns a ctx with no bound fields.
func ClearBound(ctx context.Context) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	return context.WithValue(ctx, boundKey{}, (*bound)(nil))
}

// WithFields converts kv once and appends it to parent fields,
// de-duplicated with the child's value winning (With).
func WithFields(parent []attribute.KeyValue, kv []any) []attribute.KeyValue {
	out := make([]attribute.KeyValue, 0, len(parent)+len(kv))
	out = append(out, parent...)
	out = bridge.AppendKV(out, kv)
	return bridge.Dedup(out)
}

// contextFields returns the fields ctx adds to a record: its bound fields,
// after the allowed baggage members when WithBaggage is configured (bound
// fields win on a clash, as they come later). Without baggage keys it is
// BoundFields and costs nothing more; with them it allocates only when ctx
// carries one of the members.
func (c *Core) contextFields(ctx context.Context) []attribute.KeyValue {
	b := BoundFields(ctx)
	if len(c.baggage) == 0 || ctx == nil {
		return b
	}
	bag := baggage.FromContext(ctx)
	if bag.Len() == 0 {
		return b
	}
	var out []attribute.KeyValue
	for _, k := range c.baggage {
		m := bag.Member(k)
		if m.Key() == "" {
			continue
		}
		if out == nil {
			out = make([]attribute.KeyValue, 0, len(c.baggage)+len(b))
		}
		out = append(out, attribute.String(k, bridge.ValidString(m.Value())))
	}
	if out == nil {
		return b
	}
	return append(out, b...)
}
