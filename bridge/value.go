package bridge

import (
	"encoding/binary"
	"fmt"
	"log/slog"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
	"unsafe"

	"go.opentelemetry.io/otel/attribute"

	"github.com/fapilog/fapilog-go/internal/swar"
)

const (
	// MaxDepth is the deepest nesting of collections (slices, arrays, maps,
	// structs, slog groups) that [Value] converts. A collection nested deeper
	// becomes the STRING "!DEPTH", so a converted value never nests more
	// than MaxDepth SLICE/MAP levels.
	MaxDepth = 16

	// MaxElements is the largest number of elements or entries that [Value]
	// takes from one collection. The rest is replaced by one marker: a final
	// STRING element "!TRUNCATED <n>" for slices and arrays, an entry
	// "!TRUNCATED": <n> (INT64) for maps, structs and slog groups, where n is
	// the number of elements or entries left out.
	MaxElements = 1000
)

const (
	// maxValues bounds the total number of collection elements that one
	// call of Value converts, so that a value graph that shares
	// sub-collections (a DAG, not a cycle) cannot blow up exponentially.
	// Past it, collections are truncated as with MaxElements.
	maxValues = 1 << 16

	// maxPath bounds the number of maps, slices and pointers on the path
	// from the root to the value being converted (the cycle-detection
	// stack). Past it, the value becomes "!DEPTH".
	maxPath = 2 * MaxDepth

	// maxLogValues is the number of LogValue calls after which resolution
	// gives up, as in log/slog.
	maxLogValues = 100
)

// Markers written in place of values that cannot be converted faithfully.
const (
	panicPrefix  = "!PANIC: "
	cycleMarker  = "!CYCLE"
	depthMarker  = "!DEPTH"
	truncatedKey = "!TRUNCATED"
)

// Value converts any Go value into an OpenTelemetry attribute value, as
// described in the package documentation.
//
// Value never panics: a panicking String, Error or LogValue method, a cycle,
// excessive nesting or a huge collection produce a marker string instead.
// Strings, booleans, integers up to math.MaxInt64, floats and time.Duration
// are converted without allocating.
//
// Value is safe for concurrent use by multiple goroutines, provided that v
// itself is not mutated concurrently and that the methods of v it calls
// (String, Error, LogValue) are safe to call concurrently.
func Value(v any) (r attribute.Value) {
	if leafValue(&r, v) {
		return r
	}
	return slowValue(v)
}

// slowValue converts the values that leafValue does not. It is kept out of line
// so that its converter (about 1 KiB of stack, zeroed on entry) costs
// nothing on the fast path.
//
//go:noinline
func slowValue(v any) attribute.Value {
	c := converter{budget: maxValues}
	return c.any(v, 0)
}

// leafValue stores in *dst the conversion of the values that need neither
// reflection nor recursion, and reports false for everything else, including
// the types whose String method must not be used (pointers to time.Time and
// to slog and attribute types). It writes through a pointer because
// returning the 48-byte attribute.Value in registers and copying it into a
// slice element costs a store-forwarding stall that doubles the cost of a
// scalar conversion.
func leafValue(dst *attribute.Value, v any) bool {
	switch x := v.(type) {
	case nil:
		*dst = attribute.Value{}
		return true
	case string:
		*dst = stringValue(x)
		return true
	case int:
		*dst = attribute.Int64Value(int64(x))
		return true
	case int64:
		*dst = attribute.Int64Value(x)
		return true
	case bool:
		*dst = attribute.BoolValue(x)
		return true
	case float64:
		*dst = attribute.Float64Value(x)
		return true
	case time.Duration:
		*dst = attribute.Int64Value(int64(x))
		return true
	case time.Time:
		*dst = timeValue(x)
		return true
	case int32:
		*dst = attribute.Int64Value(int64(x))
		return true
	case int16:
		*dst = attribute.Int64Value(int64(x))
		return true
	case int8:
		*dst = attribute.Int64Value(int64(x))
		return true
	case uint8:
		*dst = attribute.Int64Value(int64(x))
		return true
	case uint16:
		*dst = attribute.Int64Value(int64(x))
		return true
	case uint32:
		*dst = attribute.Int64Value(int64(x))
		return true
	case uint:
		*dst = uintValue(uint64(x))
		return true
	case uint64:
		*dst = uintValue(x)
		return true
	case uintptr:
		*dst = uintValue(uint64(x))
		return true
	case float32:
		*dst = attribute.Float64Value(float64(x))
		return true
	case complex128:
		*dst = attribute.StringValue(strconv.FormatComplex(x, 'g', -1, 128))
		return true
	case complex64:
		*dst = attribute.StringValue(strconv.FormatComplex(complex128(x), 'g', -1, 64))
		return true
	case []byte:
		if x == nil {
			*dst = attribute.Value{}
			return true
		}
		*dst = attribute.ByteSliceValue(x)
		return true
	case attribute.Value:
		*dst = validValue(x)
		return true
	case slog.Value, slog.Attr, attribute.KeyValue,
		*time.Time, *time.Duration, *attribute.Value, *slog.Value, *slog.Attr, *attribute.KeyValue,
		slog.LogValuer:
		// Composite, or a String method that must not win over the
		// conversion of the pointed-to value, or LogValue wins over Error
		// and String (as in log/slog).
		return false
	case error:
		if isNil(x) {
			*dst = attribute.Value{}
			return true
		}
		*dst = stringValue(safeError(x))
		return true
	case fmt.Stringer:
		if isNil(x) {
			*dst = attribute.Value{}
			return true
		}
		*dst = stringValue(safeString(x))
		return true
	}
	return false
}

// stringValue returns a STRING value holding s, with invalid UTF-8 replaced
// by U+FFFD (OTLP protobuf requires valid UTF-8 in string fields).
func stringValue(s string) attribute.Value {
	return attribute.StringValue(validUTF8(s))
}

// validUTF8 returns s with invalid UTF-8 replaced by U+FFFD. Most strings
// are short and ASCII, so that is tested first, here, eight bytes at a
// time (see swar.Last for the last word): about three times faster than
// utf8.ValidString.
func validUTF8(s string) string {
	all := unsafe.Slice(unsafe.StringData(s), len(s))
	acc := swar.Last(all)
	for b := all; len(b) > 8; b = b[8:] {
		acc |= binary.LittleEndian.Uint64(b)
	}
	if acc&0x8080808080808080 == 0 {
		return s
	}
	return nonASCIIValid(s)
}

// nonASCIIValid is validUTF8 for a string that is not all ASCII.
func nonASCIIValid(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func uintValue(u uint64) attribute.Value {
	if u <= math.MaxInt64 {
		return attribute.Int64Value(int64(u))
	}
	return attribute.StringValue(strconv.FormatUint(u, 10))
}

func timeValue(t time.Time) attribute.Value {
	return attribute.StringValue(t.Format(time.RFC3339Nano))
}

func truncatedElem(n int) attribute.Value {
	return attribute.StringValue(truncatedKey + " " + strconv.Itoa(n))
}

func truncatedEntry(n int) attribute.KeyValue {
	return attribute.KeyValue{Key: truncatedKey, Value: attribute.Int64Value(int64(n))}
}

// isNil reports whether v holds a nil pointer, map, slice, channel, func or
// unsafe.Pointer: a receiver on which no method may be called.
func isNil(v any) bool {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Invalid:
		return true
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Chan, reflect.Func,
		reflect.UnsafePointer, reflect.Interface:
		return rv.IsNil()
	}
	return false
}

// safeError calls err.Error, turning a panic into a marker.
func safeError(err error) (s string) {
	defer func() {
		if r := recover(); r != nil {
			s = panicString(r)
		}
	}()
	return err.Error()
}

// safeString calls s.String, turning a panic into a marker.
func safeString(s fmt.Stringer) (str string) {
	defer func() {
		if r := recover(); r != nil {
			str = panicString(r)
		}
	}()
	return s.String()
}

// safeSprint is fmt.Sprint(v) that cannot panic.
func safeSprint(v any) (s string) {
	defer func() {
		if r := recover(); r != nil {
			s = "(" + reflect.TypeOf(v).String() + ")"
		}
	}()
	return fmt.Sprint(v)
}

// panicString formats a recovered panic value as "!PANIC: <value>".
func panicString(r any) string {
	var s string
	if str, ok := r.(string); ok {
		s = str
	} else {
		s = safeSprint(r)
	}
	return validUTF8(panicPrefix + s)
}

// safeLogValue calls lv.LogValue, turning a panic into a marker string value.
func safeLogValue(lv slog.LogValuer) (v slog.Value, panicked bool) {
	defer func() {
		if r := recover(); r != nil {
			v, panicked = slog.StringValue(panicString(r)), true
		}
	}()
	return lv.LogValue(), false
}

// resolveSlog resolves v like slog.Value.Resolve: LogValue is called while
// the result is a LogValuer, at most maxLogValues times. A nil LogValuer
// resolves to the empty value, a panic to "!PANIC: …", too many calls (a
// LogValuer cycle) to "!CYCLE".
func resolveSlog(v slog.Value) slog.Value {
	for range maxLogValues {
		if v.Kind() != slog.KindLogValuer {
			return v
		}
		lv := v.LogValuer()
		if isNil(lv) {
			return slog.Value{}
		}
		var panicked bool
		if v, panicked = safeLogValue(lv); panicked {
			return v
		}
	}
	if v.Kind() != slog.KindLogValuer {
		return v
	}
	return slog.StringValue(cycleMarker)
}

// pathEntry identifies a map, slice or pointer on the current conversion
// path. The type is part of the identity so that a pointer to a struct and a
// pointer to its first field are not taken for one another, and the length
// so that a shorter re-slice of a slice is not taken for the slice.
type pathEntry struct {
	typ reflect.Type
	ptr unsafe.Pointer
	n   int
}

// converter holds the state of one conversion: the remaining element budget
// and the stack of reference values on the path (cycle detection). It lives
// on the caller's stack.
type converter struct {
	budget int
	npath  int
	path   [maxPath]pathEntry
}

// push records a reference value on the path. It returns "" on success, or
// the marker to emit when the value is already on the path (a cycle) or the
// path is full. Every successful push must be matched by pop.
func (c *converter) push(t reflect.Type, p unsafe.Pointer, n int) string {
	for i := range c.npath {
		if e := &c.path[i]; e.ptr == p && e.n == n && e.typ == t {
			return cycleMarker
		}
	}
	if c.npath == len(c.path) {
		return depthMarker
	}
	c.path[c.npath] = pathEntry{typ: t, ptr: p, n: n}
	c.npath++
	return ""
}

func (c *converter) pop() { c.npath-- }

// smallCollection is the number of elements or entries that a collection
// is assembled in on the stack before attribute.SliceValue or MapValue
// copies it; larger ones use a heap slice.
const smallCollection = 8

// collectionBuf returns a slice of n elements (values, or map entries), in
// buf when n elements and a truncation marker (when n < total) fit.
func collectionBuf[T any](buf []T, n, total int) []T {
	extra := 0
	if n < total {
		extra = 1
	}
	if n+extra <= len(buf) {
		return buf[:n]
	}
	return make([]T, n, n+extra)
}

// take reserves up to n elements of the budget for one collection and
// returns how many to convert.
func (c *converter) take(n int) int {
	t := min(n, MaxElements, c.budget)
	if t < 0 {
		t = 0
	}
	c.budget -= t
	return t
}

var (
	anySliceType    = reflect.TypeFor[[]any]()
	stringMapType   = reflect.TypeFor[map[string]any]()
	slogAttrsType   = reflect.TypeFor[[]slog.Attr]()
	attrKVsType     = reflect.TypeFor[[]attribute.KeyValue]()
	errorType       = reflect.TypeFor[error]()
	stringerType    = reflect.TypeFor[fmt.Stringer]()
	logValuerType   = reflect.TypeFor[slog.LogValuer]()
	interfaceCache  sync.Map // reflect.Type -> bool, see needsInterface
	structFieldsMap sync.Map // reflect.Type -> []structField
)

// any converts v at nesting depth. depth counts the collections around v.
func (c *converter) any(v any, depth int) (r attribute.Value) {
	if leafValue(&r, v) {
		return r
	}
	return c.composite(v, depth)
}

// composite converts the values leafValue does not.
func (c *converter) composite(v any, depth int) attribute.Value {
	switch x := v.(type) {
	case map[string]any:
		if x == nil {
			return attribute.Value{}
		}
		p := reflect.ValueOf(x).UnsafePointer()
		if m := c.push(stringMapType, p, 0); m != "" {
			return attribute.StringValue(m)
		}
		r := c.stringAnyMap(x, depth)
		c.pop()
		return r
	case []any:
		if x == nil {
			return attribute.Value{}
		}
		if len(x) == 0 {
			return c.anySlice(x, depth)
		}
		if m := c.push(anySliceType, unsafe.Pointer(unsafe.SliceData(x)), len(x)); m != "" {
			return attribute.StringValue(m)
		}
		r := c.anySlice(x, depth)
		c.pop()
		return r
	case []string:
		return typedSlice(c, x, depth, stringValue)
	case []int:
		return typedSlice(c, x, depth, func(e int) attribute.Value { return attribute.Int64Value(int64(e)) })
	case []int64:
		return typedSlice(c, x, depth, attribute.Int64Value)
	case []float64:
		return typedSlice(c, x, depth, attribute.Float64Value)
	case []bool:
		return typedSlice(c, x, depth, attribute.BoolValue)
	case map[string]string:
		if x == nil {
			return attribute.Value{}
		}
		return c.stringStringMap(x, depth)
	case slog.Value:
		return c.slogValue(x, depth)
	case slog.Attr:
		if depth >= MaxDepth {
			return attribute.StringValue(depthMarker)
		}
		kvs := c.appendSlogAttr(nil, x, depth+1, false)
		if len(kvs) == 0 {
			return attribute.Value{}
		}
		return attribute.MapValue(kvs...)
	case []slog.Attr:
		if x == nil {
			return attribute.Value{}
		}
		return c.slogGroup(x, depth)
	case attribute.KeyValue:
		if depth >= MaxDepth {
			return attribute.StringValue(depthMarker)
		}
		x.Key = attrKey(string(x.Key), false)
		x.Value = validValue(x.Value)
		return attribute.MapValue(x)
	case []attribute.KeyValue:
		if x == nil {
			return attribute.Value{}
		}
		if depth >= MaxDepth {
			return attribute.StringValue(depthMarker)
		}
		n := c.take(len(x))
		var buf [smallCollection]attribute.KeyValue
		kvs := collectionBuf(buf[:], n, len(x))
		for i, kv := range x[:n] {
			kvs[i] = attribute.KeyValue{Key: attrKey(string(kv.Key), false), Value: validValue(kv.Value)}
		}
		if n < len(x) {
			kvs = append(kvs, truncatedEntry(len(x)-n))
		}
		return attribute.MapValue(kvs...)
	case slog.LogValuer:
		return c.slogValue(resolveSlog(slog.AnyValue(x)), depth)
	}
	return c.reflect(reflect.ValueOf(v), depth)
}

// anySlice converts a []any into a SLICE value.
func (c *converter) anySlice(s []any, depth int) attribute.Value {
	if depth >= MaxDepth {
		return attribute.StringValue(depthMarker)
	}
	n := c.take(len(s))
	var buf [smallCollection]attribute.Value
	vals := collectionBuf(buf[:], n, len(s))
	for i := range n {
		if !leafValue(&vals[i], s[i]) {
			vals[i] = c.composite(s[i], depth+1)
		}
	}
	if n < len(s) {
		vals = append(vals, truncatedElem(len(s)-n))
	}
	return attribute.SliceValue(vals...)
}

// typedSlice converts a slice of scalars into a SLICE value (not a typed
// attribute slice, so that the OTLP wire shape is an array of values).
func typedSlice[E any](c *converter, s []E, depth int, conv func(E) attribute.Value) attribute.Value {
	if s == nil {
		return attribute.Value{}
	}
	if depth >= MaxDepth {
		return attribute.StringValue(depthMarker)
	}
	n := c.take(len(s))
	var buf [smallCollection]attribute.Value
	vals := collectionBuf(buf[:], n, len(s))
	for i := range n {
		vals[i] = conv(s[i])
	}
	if n < len(s) {
		vals = append(vals, truncatedElem(len(s)-n))
	}
	return attribute.SliceValue(vals...)
}

// sortedKeys returns the keys of m in ascending order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func (c *converter) stringAnyMap(m map[string]any, depth int) attribute.Value {
	if depth >= MaxDepth {
		return attribute.StringValue(depthMarker)
	}
	keys := sortedKeys(m)
	n := c.take(len(keys))
	var buf [smallCollection]attribute.KeyValue
	kvs := collectionBuf(buf[:], n, len(keys))
	for i, k := range keys[:n] {
		kvs[i].Key = attribute.Key(validUTF8(k))
		if v := m[k]; !leafValue(&kvs[i].Value, v) {
			kvs[i].Value = c.composite(v, depth+1)
		}
	}
	if n < len(keys) {
		kvs = append(kvs, truncatedEntry(len(keys)-n))
	}
	return attribute.MapValue(kvs...)
}

func (c *converter) stringStringMap(m map[string]string, depth int) attribute.Value {
	if depth >= MaxDepth {
		return attribute.StringValue(depthMarker)
	}
	keys := sortedKeys(m)
	n := c.take(len(keys))
	var buf [smallCollection]attribute.KeyValue
	kvs := collectionBuf(buf[:], n, len(keys))
	for i, k := range keys[:n] {
		kvs[i] = attribute.KeyValue{Key: attribute.Key(validUTF8(k)), Value: stringValue(m[k])}
	}
	if n < len(keys) {
		kvs = append(kvs, truncatedEntry(len(keys)-n))
	}
	return attribute.MapValue(kvs...)
}

// slogValue converts a slog value; a LogValuer is resolved first.
func (c *converter) slogValue(v slog.Value, depth int) attribute.Value {
	switch v.Kind() {
	case slog.KindString:
		return stringValue(v.String())
	case slog.KindInt64:
		return attribute.Int64Value(v.Int64())
	case slog.KindUint64:
		return uintValue(v.Uint64())
	case slog.KindFloat64:
		return attribute.Float64Value(v.Float64())
	case slog.KindBool:
		return attribute.BoolValue(v.Bool())
	case slog.KindDuration:
		return attribute.Int64Value(int64(v.Duration()))
	case slog.KindTime:
		return timeValue(v.Time())
	case slog.KindGroup:
		return c.slogGroup(v.Group(), depth)
	case slog.KindLogValuer:
		return c.slogValue(resolveSlog(v), depth)
	default: // slog.KindAny
		return c.any(v.Any(), depth)
	}
}

// slogGroup converts the members of a slog group into a MAP value.
func (c *converter) slogGroup(as []slog.Attr, depth int) attribute.Value {
	if depth >= MaxDepth {
		return attribute.StringValue(depthMarker)
	}
	return attribute.MapValue(c.appendSlogAttrs(make([]attribute.KeyValue, 0, len(as)), as, depth+1, false)...)
}

// appendSlogAttrs appends the conversion of as to dst, see appendSlogAttr.
func (c *converter) appendSlogAttrs(dst []attribute.KeyValue, as []slog.Attr, depth int, top bool) []attribute.KeyValue {
	n := c.take(len(as))
	for _, a := range as[:n] {
		dst = c.appendSlogAttr(dst, a, depth, top)
	}
	if n < len(as) {
		dst = append(dst, truncatedEntry(len(as)-n))
	}
	return dst
}

// appendSlogAttr appends the conversion of a to dst the way slog's built-in
// handlers treat an attribute: its value is resolved; an empty attribute
// (empty key and nil value) and an empty group are left out; a group with an
// empty key is inlined; any other group becomes a MAP. depth is the nesting
// of a's value. top tells whether dst is a record's attribute list, where an
// empty key becomes "!EMPTYKEY" (nested map keys may be empty).
func (c *converter) appendSlogAttr(dst []attribute.KeyValue, a slog.Attr, depth int, top bool) []attribute.KeyValue {
	v := resolveSlog(a.Value)
	if a.Key == "" && v.Kind() == slog.KindAny && v.Any() == nil {
		return dst
	}
	if v.Kind() != slog.KindGroup {
		return append(dst, attribute.KeyValue{Key: attrKey(a.Key, top), Value: c.slogValue(v, depth)})
	}
	as := v.Group()
	if len(as) == 0 {
		return dst
	}
	if depth >= MaxDepth {
		return append(dst, attribute.KeyValue{Key: attrKey(a.Key, top), Value: attribute.StringValue(depthMarker)})
	}
	if a.Key == "" {
		// Inlining adds no nesting, but counts as depth so that a LogValuer
		// that returns an inline group holding itself cannot recurse forever.
		return c.appendSlogAttrs(dst, as, depth+1, top)
	}
	kvs := c.appendSlogAttrs(make([]attribute.KeyValue, 0, len(as)), as, depth+1, false)
	if len(kvs) == 0 {
		return dst
	}
	return append(dst, attribute.KeyValue{Key: attrKey(a.Key, top), Value: attribute.MapValue(kvs...)})
}

// needsInterface reports whether values of type t must be converted through
// their interface (methods or a special concrete type) rather than by kind.
func needsInterface(t reflect.Type) bool {
	if t.NumMethod() == 0 {
		return t == slogAttrsType || t == attrKVsType
	}
	if b, ok := interfaceCache.Load(t); ok {
		return b.(bool)
	}
	b := t.Implements(errorType) || t.Implements(stringerType) || t.Implements(logValuerType)
	interfaceCache.Store(t, b)
	return b
}

// elem converts a nested value: an element, a map value, a struct field or
// the target of a pointer.
func (c *converter) elem(rv reflect.Value, depth int) attribute.Value {
	if rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			return attribute.Value{}
		}
		rv = rv.Elem()
	}
	if rv.CanInterface() && needsInterface(rv.Type()) {
		return c.any(rv.Interface(), depth)
	}
	return c.reflect(rv, depth)
}

// reflect converts rv by its kind. Methods of rv's own type are not
// considered (the caller did), those of nested values are.
func (c *converter) reflect(rv reflect.Value, depth int) attribute.Value {
	switch rv.Kind() {
	case reflect.Bool:
		return attribute.BoolValue(rv.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return attribute.Int64Value(rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return uintValue(rv.Uint())
	case reflect.Float32, reflect.Float64:
		return attribute.Float64Value(rv.Float())
	case reflect.Complex64:
		return attribute.StringValue(strconv.FormatComplex(rv.Complex(), 'g', -1, 64))
	case reflect.Complex128:
		return attribute.StringValue(strconv.FormatComplex(rv.Complex(), 'g', -1, 128))
	case reflect.String:
		return stringValue(rv.String())
	case reflect.Slice:
		if rv.IsNil() {
			return attribute.Value{}
		}
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			return attribute.ByteSliceValue(rv.Bytes())
		}
		if rv.Len() == 0 {
			return c.seq(rv, depth)
		}
		if m := c.push(rv.Type(), rv.UnsafePointer(), rv.Len()); m != "" {
			return attribute.StringValue(m)
		}
		r := c.seq(rv, depth)
		c.pop()
		return r
	case reflect.Array:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			b := make([]byte, rv.Len())
			for i := range b {
				b[i] = byte(rv.Index(i).Uint())
			}
			return attribute.ByteSliceValue(b)
		}
		return c.seq(rv, depth)
	case reflect.Map:
		if rv.IsNil() {
			return attribute.Value{}
		}
		if m := c.push(rv.Type(), rv.UnsafePointer(), 0); m != "" {
			return attribute.StringValue(m)
		}
		r := c.mapValue(rv, depth)
		c.pop()
		return r
	case reflect.Struct:
		return c.structValue(rv, depth)
	case reflect.Pointer:
		if rv.IsNil() {
			return attribute.Value{}
		}
		if m := c.push(rv.Type(), rv.UnsafePointer(), 0); m != "" {
			return attribute.StringValue(m)
		}
		r := c.elem(rv.Elem(), depth)
		c.pop()
		return r
	case reflect.Interface:
		return c.elem(rv, depth)
	case reflect.Chan, reflect.Func, reflect.UnsafePointer:
		if rv.IsNil() {
			return attribute.Value{}
		}
		return attribute.StringValue(rv.Type().String())
	}
	return attribute.Value{} // reflect.Invalid
}

// seq converts a slice or an array into a SLICE value.
func (c *converter) seq(rv reflect.Value, depth int) attribute.Value {
	if depth >= MaxDepth {
		return attribute.StringValue(depthMarker)
	}
	l := rv.Len()
	n := c.take(l)
	var buf [smallCollection]attribute.Value
	vals := collectionBuf(buf[:], n, l)
	for i := range n {
		vals[i] = c.elem(rv.Index(i), depth+1)
	}
	if n < l {
		vals = append(vals, truncatedElem(l-n))
	}
	return attribute.SliceValue(vals...)
}

type mapEntry struct {
	key string
	val reflect.Value
}

// mapValue converts a map into a MAP value whose keys are formatted as
// strings, in ascending key order.
func (c *converter) mapValue(rv reflect.Value, depth int) attribute.Value {
	if depth >= MaxDepth {
		return attribute.StringValue(depthMarker)
	}
	entries := make([]mapEntry, 0, rv.Len())
	it := rv.MapRange()
	for it.Next() {
		entries = append(entries, mapEntry{key: mapKey(it.Key()), val: it.Value()})
	}
	slices.SortStableFunc(entries, func(a, b mapEntry) int { return strings.Compare(a.key, b.key) })
	n := c.take(len(entries))
	var buf [smallCollection]attribute.KeyValue
	kvs := collectionBuf(buf[:], n, len(entries))
	for i, e := range entries[:n] {
		kvs[i] = attribute.KeyValue{Key: attribute.Key(e.key), Value: c.elem(e.val, depth+1)}
	}
	if n < len(entries) {
		kvs = append(kvs, truncatedEntry(len(entries)-n))
	}
	return attribute.MapValue(kvs...)
}

// mapKey formats a map key: strings as they are, numbers and booleans with
// strconv, time.Time as RFC 3339, errors and Stringers with their method,
// anything else with fmt.Sprint. The result is valid UTF-8.
func mapKey(k reflect.Value) string {
	if k.Kind() == reflect.Interface {
		if k.IsNil() {
			return "<nil>"
		}
		k = k.Elem()
	}
	if k.CanInterface() && k.Type().NumMethod() > 0 {
		switch x := k.Interface().(type) {
		case time.Time:
			return x.Format(time.RFC3339Nano)
		case error:
			if isNil(x) {
				return "<nil>"
			}
			return validUTF8(safeError(x))
		case fmt.Stringer:
			if isNil(x) {
				return "<nil>"
			}
			return validUTF8(safeString(x))
		}
	}
	switch k.Kind() {
	case reflect.String:
		return validUTF8(k.String())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(k.Uint(), 10)
	case reflect.Bool:
		return strconv.FormatBool(k.Bool())
	case reflect.Float32:
		return strconv.FormatFloat(k.Float(), 'g', -1, 32)
	case reflect.Float64:
		return strconv.FormatFloat(k.Float(), 'g', -1, 64)
	case reflect.Complex64:
		return strconv.FormatComplex(k.Complex(), 'g', -1, 64)
	case reflect.Complex128:
		return strconv.FormatComplex(k.Complex(), 'g', -1, 128)
	}
	if !k.CanInterface() {
		return k.Type().String()
	}
	return validUTF8(safeSprint(k.Interface()))
}

// structField is an exported field of a struct type, possibly promoted from
// an embedded struct, with the name it is logged under.
type structField struct {
	name  string
	index []int
}

// structValue converts a struct into a MAP of its exported fields.
func (c *converter) structValue(rv reflect.Value, depth int) attribute.Value {
	if depth >= MaxDepth {
		return attribute.StringValue(depthMarker)
	}
	fields := cachedFields(rv.Type())
	n := c.take(len(fields))
	var buf [smallCollection]attribute.KeyValue
	kvs := collectionBuf(buf[:], n, len(fields))[:0]
	for _, f := range fields[:n] {
		var fv reflect.Value
		if len(f.index) == 1 {
			fv = rv.Field(f.index[0])
		} else {
			var err error
			if fv, err = rv.FieldByIndexErr(f.index); err != nil {
				continue // promoted through a nil embedded pointer: no value
			}
		}
		kvs = append(kvs, attribute.KeyValue{Key: attribute.Key(f.name), Value: c.elem(fv, depth+1)})
	}
	if n < len(fields) {
		kvs = append(kvs, truncatedEntry(len(fields)-n))
	}
	return attribute.MapValue(kvs...)
}

func cachedFields(t reflect.Type) []structField {
	if f, ok := structFieldsMap.Load(t); ok {
		return f.([]structField)
	}
	f, _ := structFieldsMap.LoadOrStore(t, typeFields(t))
	return f.([]structField)
}

// typeFields lists the fields of struct type t that are logged, with the
// rules of encoding/json: exported fields, named by their json tag when it
// has a name, "-" skipped, fields of embedded structs without a tag name
// promoted, and among fields with one name the shallowest (then the tagged)
// one wins, ambiguous ones are left out.
func typeFields(t reflect.Type) []structField {
	type candidate struct {
		name   string
		index  []int
		tagged bool
	}
	type level struct {
		typ   reflect.Type
		index []int
	}
	var cands []candidate
	visited := map[reflect.Type]bool{}
	next := []level{{typ: t}}
	for len(next) > 0 {
		current := next
		next = nil
		for _, l := range current {
			if visited[l.typ] {
				continue
			}
			visited[l.typ] = true
			for i := range l.typ.NumField() {
				sf := l.typ.Field(i)
				ft := sf.Type
				if ft.Name() == "" && ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if sf.Anonymous {
					if !sf.IsExported() && ft.Kind() != reflect.Struct {
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, _, _ := strings.Cut(tag, ",")
				index := append(slices.Clip(l.index), i)
				if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
					next = append(next, level{typ: ft, index: index})
					continue
				}
				tagged := name != ""
				if !tagged {
					name = sf.Name
				}
				cands = append(cands, candidate{name: validUTF8(name), index: index, tagged: tagged})
			}
		}
	}
	// Dominance, as in encoding/json: sort by name, depth, tagged first.
	slices.SortStableFunc(cands, func(a, b candidate) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		if c := len(a.index) - len(b.index); c != 0 {
			return c
		}
		if a.tagged != b.tagged {
			if a.tagged {
				return -1
			}
			return 1
		}
		return slices.Compare(a.index, b.index)
	})
	fields := make([]structField, 0, len(cands))
	for i := 0; i < len(cands); {
		j := i + 1
		for j < len(cands) && cands[j].name == cands[i].name {
			j++
		}
		if j-i == 1 || len(cands[i].index) < len(cands[i+1].index) || cands[i].tagged != cands[i+1].tagged {
			fields = append(fields, structField{name: cands[i].name, index: cands[i].index})
		}
		i = j
	}
	slices.SortFunc(fields, func(a, b structField) int { return slices.Compare(a.index, b.index) })
	return fields
}
