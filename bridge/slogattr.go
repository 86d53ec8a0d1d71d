package bridge

import (
	"log/slog"

	"go.opentelemetry.io/otel/attribute"
)

// AppendAttr appends the slog.Attr a to dst exactly as [AppendKV] appends a
// slog.Attr found in a key/value list (its value resolved, a group as a MAP,
// a group with an empty key inlined, an empty attribute or group left out),
// without boxing a in an interface. It is the conversion of slog handlers
// built on this package, which receive attributes one at a time.
//
// AppendAttr is safe for concurrent use by multiple goroutines on distinct
// dst slices.
func AppendAttr(dst []attribute.KeyValue, a slog.Attr) []attribute.KeyValue {
	return appendAttr(dst, a)
}
