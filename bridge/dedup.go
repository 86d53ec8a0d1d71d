package bridge

import (
	"reflect"
	"unsafe"

	"go.opentelemetry.io/otel/attribute"
)

// dedupLinearMax is the largest attribute count de-duplicated by pairwise
// key comparison, without allocating.
const dedupLinearMax = 16

// maxDedupDepth bounds the recursion of DedupValue. attribute.Value trees
// are finite, but a user can build a very deep one; deeper levels are left
// as they are.
const maxDedupDepth = 4 * MaxDepth

// Dedup removes attributes with duplicate keys from attrs in place and
// returns the shortened slice: each key keeps the position of its first
// occurrence and the value of its last (last value wins, as in the
// OpenTelemetry SDK). The elements past the returned length are zeroed.
// Dedup does not allocate for up to 16 attributes; beyond that it uses a map.
// Keys are compared as they are; nested MAP values are not changed (see
// [DedupValue]). The key "!BADKEY" is never merged: each value that had no
// key of its own is kept, as slog keeps them, because nothing may be lost.
//
// Dedup modifies attrs: it is safe for concurrent use by multiple goroutines
// only on distinct slices.
func Dedup(attrs []attribute.KeyValue) []attribute.KeyValue {
	n := len(attrs)
	if n < 2 {
		return attrs
	}
	out := 1
	if n <= dedupLinearMax {
	next:
		for i := 1; i < n; i++ {
			k := attrs[i].Key
			for j := range out {
				if attrs[j].Key == k && k != badKey {
					attrs[j].Value = attrs[i].Value
					continue next
				}
			}
			if out != i {
				// Most lists have no duplicate: no element moves, and
				// a copy onto itself would still pay the GC's write
				// barriers on a heap slice.
				attrs[out] = attrs[i]
			}
			out++
		}
	} else {
		index := make(map[attribute.Key]int, n)
		index[attrs[0].Key] = 0
		for i := 1; i < n; i++ {
			k := attrs[i].Key
			if j, ok := index[k]; ok && k != badKey {
				attrs[j].Value = attrs[i].Value
				continue
			}
			index[k] = out
			attrs[out] = attrs[i]
			out++
		}
	}
	if out < n {
		clear(attrs[out:n])
	}
	return attrs[:out]
}

// DedupValue returns v with duplicate keys removed from every MAP value in
// it, recursively (through SLICE values too), last value winning. It returns
// v itself, without allocating, when v holds no duplicate keys. Use it for
// maps built from user input (slog groups, attribute.KeyValue lists), whose
// keys may repeat.
//
// DedupValue is safe for concurrent use by multiple goroutines.
func DedupValue(v attribute.Value) attribute.Value {
	r, _ := dedupValue(v, 0)
	return r
}

func dedupValue(v attribute.Value, depth int) (attribute.Value, bool) {
	if depth >= maxDedupDepth {
		return v, false
	}
	switch v.Type() {
	case attribute.MAP:
		return dedupMap(v, depth)
	case attribute.SLICE:
		return dedupSlice(v, depth)
	}
	return v, false
}

func dedupSlice(v attribute.Value, depth int) (attribute.Value, bool) {
	elems := sliceView(v)
	var out []attribute.Value
	for i, e := range elems {
		d, changed := dedupValue(e, depth+1)
		if out != nil {
			out[i] = d
			continue
		}
		if changed {
			out = make([]attribute.Value, len(elems))
			copy(out, elems[:i])
			out[i] = d
		}
	}
	if out == nil {
		return v, false
	}
	return attribute.SliceValue(out...), true
}

func dedupMap(v attribute.Value, depth int) (attribute.Value, bool) {
	// attribute.MapValue stores its entries sorted by key with a stable sort,
	// so equal keys are adjacent and the last of a run is the last given.
	kvs := mapView(v)
	var out []attribute.KeyValue
	for i := 0; i < len(kvs); {
		j := i + 1
		for j < len(kvs) && kvs[j].Key == kvs[i].Key {
			j++
		}
		kv := kvs[j-1]
		d, changed := dedupValue(kv.Value, depth+1)
		kv.Value = d
		if out == nil && (changed || j-i > 1) {
			out = make([]attribute.KeyValue, i, len(kvs))
			copy(out, kvs[:i])
		}
		if out != nil {
			out = append(out, kv)
		}
		i = j
	}
	if out == nil {
		return v, false
	}
	return attribute.MapValue(out...), true
}

// rawValue mirrors the layout of attribute.Value (v1.47.0), to read the
// immutable array behind a SLICE or MAP value without the copy that AsSlice
// and AsMap make. The OpenTelemetry SDK does the same (internal/attrnorm).
// rawLayoutOK is false if the layout differs, and then the copying accessors
// are used.
type rawValue struct {
	vtype    attribute.Type
	numeric  uint64
	stringly string
	slice    any
}

var rawLayoutOK = func() bool {
	want := reflect.TypeFor[rawValue]()
	got := reflect.TypeFor[attribute.Value]()
	if got.NumField() != want.NumField() || got.Size() != want.Size() {
		return false
	}
	for i := range want.NumField() {
		w, g := want.Field(i), got.Field(i)
		if w.Name != g.Name || w.Type != g.Type || w.Offset != g.Offset {
			return false
		}
	}
	return true
}()

// arrayView returns a read-only view of the array of E held by the
// interface a, or ok false if a does not hold an array of E.
func arrayView[E any](a any) (view []E, ok bool) {
	rv := reflect.ValueOf(a)
	if rv.Kind() != reflect.Array || rv.Type().Elem() != reflect.TypeFor[E]() {
		return nil, false
	}
	n := rv.Len()
	if n == 0 {
		return nil, true
	}
	// An array of E (E is wider than a pointer) is stored indirectly: the
	// data word of the interface points to it.
	data := (*[2]unsafe.Pointer)(unsafe.Pointer(&a))[1]
	return unsafe.Slice((*E)(data), n), true
}

// mapView returns the entries of a MAP value. The result must not be
// modified.
func mapView(v attribute.Value) []attribute.KeyValue {
	if rawLayoutOK {
		if kvs, ok := arrayView[attribute.KeyValue]((*rawValue)(unsafe.Pointer(&v)).slice); ok {
			return kvs
		}
	}
	return v.AsMap()
}

// sliceView returns the elements of a SLICE value. The result must not be
// modified.
func sliceView(v attribute.Value) []attribute.Value {
	if rawLayoutOK {
		if vals, ok := arrayView[attribute.Value]((*rawValue)(unsafe.Pointer(&v)).slice); ok {
			return vals
		}
	}
	return v.AsSlice()
}
