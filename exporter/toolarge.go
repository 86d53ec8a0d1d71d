package exporter

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// PartialError is returned by an OTLP exporter's Export when some of the
// records were delivered and others were not. It happens only when the
// collector rejected a request as too large (see [TooLargeMarker]): the
// request is then sent again in parts, and a part may fail on its own.
type PartialError struct {
	// Failed holds the indices, in the slice given to Export, of the
	// records that were not delivered, in ascending order.
	Failed []int
	// Err is the first error met.
	Err error
}

// Error says how many records were not delivered, and why.
func (e *PartialError) Error() string {
	return fmt.Sprintf("%d of the records not delivered: %v", len(e.Failed), e.Err)
}

// Unwrap returns Err.
func (e *PartialError) Unwrap() error { return e.Err }

// FailedRecords returns Failed; the pipeline counts through this method.
func (e *PartialError) FailedRecords() []int { return e.Failed }

// TooLargeMarker starts the placeholder that replaces a value of a record
// the collector refused as too large even when sent alone:
// "!TOOLARGE: 10485760 bytes".
//
// A collector refuses an export request above its size limit (OTLP/gRPC:
// 4 MiB by default, ResourceExhausted "received message larger than max";
// OTLP/HTTP: 20 MiB by default, status 400 "http: request body too large",
// or 413 from a proxy) and would lose every record of the batch with it.
// The exporter then splits the request in halves until the parts fit, so
// only an oversize record is affected; that record is sent again with its
// string and byte values above 64 KiB replaced by this placeholder, then
// those above 1 KiB, then with all its attributes replaced by one
// "!TOOLARGE" attribute. Its time, severity, trace context and (short)
// body always arrive.
const TooLargeMarker = "!TOOLARGE"

// shrinkLimits are the value sizes above which the passes of shrink replace
// a value; 0 is the last pass, which replaces all attributes.
var shrinkLimits = []int{64 << 10, 1 << 10, 0}

// tooLarge reports whether err is the collector's refusal of a request too
// large for it.
func tooLarge(err error, s *exportState) bool {
	if s != nil && s.tooLarge.Load() {
		return true
	}
	if status.Code(err) == codes.ResourceExhausted && strings.Contains(err.Error(), "larger than max") {
		return true
	}
	// The collector's OTLP/HTTP receiver answers 400 with the text of Go's
	// http.MaxBytesError when a body exceeds max_request_body_size (20 MiB
	// by default).
	return strings.Contains(err.Error(), "http: request body too large")
}

// exportParts exports records (numbered from base) through the inner
// exporter. When the collector refuses a request as too large, it exports
// each half on its own, down to single records, and a single record that is
// still too large is sent again shrunk (see TooLargeMarker). It appends to
// failed the indices of the records not delivered, and returns the first
// error met.
func (e *otlpExporter) exportParts(ctx context.Context, s *exportState, records []sdklog.Record, base int, failed []int, first error) ([]int, error) {
	s.tooLarge.Store(false)
	err := e.inner.Export(ctx, records)
	if err == nil {
		return failed, first
	}
	if !tooLarge(err, s) || ctx.Err() != nil {
		for i := range records {
			failed = append(failed, base+i)
		}
		if first == nil {
			first = err
		}
		return failed, first
	}
	if len(records) > 1 {
		half := len(records) / 2
		failed, first = e.exportParts(ctx, s, records[:half], base, failed, first)
		return e.exportParts(ctx, s, records[half:], base+half, failed, first)
	}
	for _, limit := range shrinkLimits {
		r, changed := shrink(records[0], limit)
		if !changed {
			continue
		}
		s.tooLarge.Store(false)
		if err = e.inner.Export(ctx, []sdklog.Record{r}); err == nil {
			return failed, first
		}
		if !tooLarge(err, s) || ctx.Err() != nil {
			break
		}
	}
	if first == nil {
		first = err
	}
	return append(failed, base), first
}

// shrink returns a copy of r whose string and byte values (body and
// attributes, nested ones included) longer than limit are replaced by a
// placeholder; limit 0 replaces all attributes by one placeholder
// attribute. It reports whether anything changed.
func shrink(r sdklog.Record, limit int) (sdklog.Record, bool) {
	r = r.Clone()
	changed := false
	bodyLimit := limit
	if bodyLimit == 0 {
		bodyLimit = shrinkLimits[len(shrinkLimits)-2]
	}
	if b, ok := shrinkValue(r.Body(), bodyLimit); ok {
		r.SetBody(b)
		changed = true
	}
	var kvs []attribute.KeyValue
	size := 0
	r.WalkAttributes(func(kv attribute.KeyValue) bool {
		kvs = append(kvs, kv)
		size += len(kv.Key) + valueSize(kv.Value)
		return true
	})
	if limit == 0 {
		if len(kvs) > 0 {
			r.SetAttributes(attribute.String(TooLargeMarker, fmt.Sprintf("%d attributes, %d bytes", len(kvs), size)))
			changed = true
		}
		return r, changed
	}
	attrsChanged := false
	for i := range kvs {
		if v, ok := shrinkValue(kvs[i].Value, limit); ok {
			kvs[i].Value, attrsChanged = v, true
		}
	}
	if attrsChanged {
		r.SetAttributes(kvs...)
	}
	return r, changed || attrsChanged
}

// shrinkValue replaces the strings and byte slices in v longer than limit by
// a placeholder.
func shrinkValue(v attribute.Value, limit int) (attribute.Value, bool) {
	placeholder := func(n int) attribute.Value {
		return attribute.StringValue(fmt.Sprintf("%s: %d bytes", TooLargeMarker, n))
	}
	switch v.Type() {
	case attribute.STRING, attribute.BYTESLICE, attribute.STRINGSLICE:
		if n := valueSize(v); n > limit {
			return placeholder(n), true
		}
	case attribute.SLICE:
		vals := v.AsSlice()
		changed := false
		for i := range vals {
			if s, ok := shrinkValue(vals[i], limit); ok {
				vals[i], changed = s, true
			}
		}
		if changed {
			return attribute.SliceValue(vals...), true
		}
	case attribute.MAP:
		kvs := v.AsMap()
		changed := false
		for i := range kvs {
			if s, ok := shrinkValue(kvs[i].Value, limit); ok {
				kvs[i].Value, changed = s, true
			}
		}
		if changed {
			return attribute.MapValue(kvs...), true
		}
	}
	return v, false
}

// valueSize approximates the bytes v takes in an OTLP request.
func valueSize(v attribute.Value) int {
	switch v.Type() {
	case attribute.STRING:
		return len(v.AsString())
	case attribute.BYTESLICE:
		return len(v.AsByteSlice())
	case attribute.STRINGSLICE:
		n := 0
		for _, s := range v.AsStringSlice() {
			n += len(s) + 2
		}
		return n
	case attribute.SLICE:
		n := 0
		for _, e := range v.AsSlice() {
			n += valueSize(e) + 2
		}
		return n
	case attribute.MAP:
		n := 0
		for _, kv := range v.AsMap() {
			n += len(kv.Key) + valueSize(kv.Value) + 4
		}
		return n
	}
	return 9
}

// noteTooLarge is called by the HTTP transport with each response.
func noteTooLarge(s *exportState, resp *http.Response) {
	if resp != nil && resp.StatusCode == http.StatusRequestEntityTooLarge {
		s.tooLarge.Store(true)
	}
}
