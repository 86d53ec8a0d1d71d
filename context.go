package fapilog

import (
	"context"
	"slices"

	"go.opentelemetry.io/otel/attribute"

	"github.com/fapilog/fapilog-go/bridge"
)

// boundKey is the context key of bound fields. One key for the whole
// library: a request id bound by middleware reaches every fapilog logger.
type boundKey struct{}

// bound is immutable once stored: Bind and Unbind build a new one, so
// concurrent requests (and goroutines sharing a ctx) never see each other's
// changes.
type bound struct{ attrs []attribute.KeyValue }

func boundFields(ctx context.Context) []attribute.KeyValue {
	if ctx == nil {
		return nil
	}
	if b, ok := ctx.Value(boundKey{}).(*bound); ok && b != nil {
		return b.attrs
	}
	return nil
}

func bind(ctx context.Context, kv []any) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	cur := boundFields(ctx)
	attrs := make([]attribute.KeyValue, 0, len(cur)+len(kv))
	attrs = append(attrs, cur...)
	attrs = bridge.AppendKV(attrs, kv)
	return context.WithValue(ctx, boundKey{}, &bound{attrs: bridge.Dedup(attrs)})
}

func unbind(ctx context.Context, keys []string) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	cur := boundFields(ctx)
	attrs := slices.DeleteFunc(slices.Clone(cur), func(kv attribute.KeyValue) bool {
		return slices.Contains(keys, string(kv.Key))
	})
	return context.WithValue(ctx, boundKey{}, &bound{attrs: attrs})
}

func clearBound(ctx context.Context) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	return context.WithValue(ctx, boundKey{}, (*bound)(nil))
}
