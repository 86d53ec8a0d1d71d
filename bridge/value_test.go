package bridge

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
	"unsafe"

	"go.opentelemetry.io/otel/attribute"

	"github.com/fapilog/fapilog-go/internal/attrtest"
)

// --- helpers shared by the tests of this package ---

// describe renders a value with the types of all its nodes, for messages.
func describe(v attribute.Value) string {
	switch v.Type() {
	case attribute.SLICE:
		parts := []string{}
		for _, e := range v.AsSlice() {
			parts = append(parts, describe(e))
		}
		return "SLICE[" + strings.Join(parts, ", ") + "]"
	case attribute.MAP:
		parts := []string{}
		for _, kv := range v.AsMap() {
			parts = append(parts, fmt.Sprintf("%q: %s", kv.Key, describe(kv.Value)))
		}
		return "MAP{" + strings.Join(parts, ", ") + "}"
	case attribute.STRING:
		s := v.AsString()
		if len(s) > 80 {
			s = s[:80] + "…"
		}
		return fmt.Sprintf("STRING(%q)", s)
	default:
		return fmt.Sprintf("%s(%s)", v.Type(), v.String())
	}
}

// depthOf returns the SLICE/MAP nesting of v (0 for a scalar).
func depthOf(v attribute.Value) int {
	d := 0
	switch v.Type() {
	case attribute.SLICE:
		for _, e := range v.AsSlice() {
			d = max(d, depthOf(e))
		}
		return d + 1
	case attribute.MAP:
		for _, kv := range v.AsMap() {
			d = max(d, depthOf(kv.Value))
		}
		return d + 1
	}
	return 0
}

// checkUTF8 reports the first string in v (value or key) that is not valid
// UTF-8.
func checkUTF8(v attribute.Value) error {
	switch v.Type() {
	case attribute.STRING:
		if !utf8.ValidString(v.AsString()) {
			return fmt.Errorf("invalid UTF-8 string %q", v.AsString())
		}
	case attribute.STRINGSLICE:
		for _, s := range v.AsStringSlice() {
			if !utf8.ValidString(s) {
				return fmt.Errorf("invalid UTF-8 string %q", s)
			}
		}
	case attribute.SLICE:
		for _, e := range v.AsSlice() {
			if err := checkUTF8(e); err != nil {
				return err
			}
		}
	case attribute.MAP:
		for _, kv := range v.AsMap() {
			if !utf8.ValidString(string(kv.Key)) {
				return fmt.Errorf("invalid UTF-8 key %q", kv.Key)
			}
			if err := checkUTF8(kv.Value); err != nil {
				return err
			}
		}
	}
	return nil
}

func str(s string) attribute.Value  { return attribute.StringValue(s) }
func i64(n int64) attribute.Value   { return attribute.Int64Value(n) }
func f64(f float64) attribute.Value { return attribute.Float64Value(f) }
func boolv(b bool) attribute.Value  { return attribute.BoolValue(b) }
func slice(vs ...attribute.Value) attribute.Value {
	return attribute.SliceValue(vs...)
}

func mapv(kvs ...attribute.KeyValue) attribute.Value {
	return attribute.MapValue(kvs...)
}

func kv(k string, v attribute.Value) attribute.KeyValue {
	return attribute.KeyValue{Key: attribute.Key(k), Value: v}
}

var empty = attribute.Value{}

// --- test types ---

type stringerV struct{ s string }

func (v stringerV) String() string { return "S:" + v.s }

type ptrStringer struct{ s string }

func (p *ptrStringer) String() string { return "P:" + p.s } // panics on nil

type panicStringer struct{}

func (panicStringer) String() string { panic("boom in String") }

type myErr struct{ msg string }

func (e *myErr) Error() string { return e.msg } // panics on nil

type panicErr struct{}

func (panicErr) Error() string { panic(errors.New("boom in Error")) }

type typedErr struct{}

func (typedErr) Error() string     { return "typed" }
func (typedErr) ErrorType() string { return "custom.Type" }

type logValuer struct{ n int }

func (l logValuer) LogValue() slog.Value {
	return slog.GroupValue(slog.Int("n", l.n), slog.String("kind", "lv"))
}

type panicLogValuer struct{}

func (panicLogValuer) LogValue() slog.Value { panic(42) }

type selfLogValuer struct{}

func (s selfLogValuer) LogValue() slog.Value { return slog.AnyValue(s) }

type ptrLogValuer struct{ n int }

func (p *ptrLogValuer) LogValue() slog.Value { return slog.IntValue(p.n) } // panics on nil

// errAndLogValuer: LogValue wins over Error, as in slog.
type errAndLogValuer struct{}

func (errAndLogValuer) Error() string        { return "as error" }
func (errAndLogValuer) LogValue() slog.Value { return slog.StringValue("as log value") }

type panicJSON struct{ A int }

func (panicJSON) MarshalJSON() ([]byte, error) { panic("MarshalJSON must not be called") }

type tagged struct {
	Name     string `json:"name"`
	Skipped  int    `json:"-"`
	Dash     int    `json:"-,"` //lint:ignore SA5008 encoding/json names this field "-": the case under test
	Opt      int    `json:",omitempty"`
	Plain    bool
	private  int
	Nested   *tagged `json:"nested,omitempty"`
	Duration time.Duration
}

type Base struct {
	ID   int
	Kind string
}

type inner struct {
	Hidden  int
	Visible string `json:"visible"`
}

type embedding struct {
	Base
	inner
	Kind string // shallower: wins over Base.Kind
	*Ptr
}

type Ptr struct{ P int }

type node struct {
	V    int
	Next *node
}

type level int

func (l level) String() string { return fmt.Sprintf("L%d", int(l)) }

type plainInt int64

type bytesNamed []byte

type keyStringer struct{ a, b int }

func (k keyStringer) String() string { return fmt.Sprintf("%d-%d", k.a, k.b) }

// --- the conversion table ---

func TestValueConversionTable(t *testing.T) {
	ts := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.FixedZone("X", 2*3600))
	d := 1500 * time.Millisecond
	n := 7
	pn := &n
	var nilPtr *int
	var nilMap map[string]int
	var nilSlice []int
	var nilErr *myErr
	var nilStringer *ptrStringer
	var nilLV *ptrLogValuer
	var nilFunc func()
	var nilChan chan int
	var iface fmt.Stringer // nil interface
	tsCopy := ts

	tests := []struct {
		name string
		in   any
		want attribute.Value
	}{
		{"nil is EMPTY", nil, empty},
		{"string", "hello", str("hello")},
		{"empty string", "", str("")},
		{"bool true", true, boolv(true)},
		{"bool false", false, boolv(false)},
		{"int", -42, i64(-42)},
		{"int8", int8(-8), i64(-8)},
		{"int16", int16(-16), i64(-16)},
		{"int32", int32(-32), i64(-32)},
		{"int64 min", int64(math.MinInt64), i64(math.MinInt64)},
		{"uint8", uint8(255), i64(255)},
		{"uint16", uint16(65535), i64(65535)},
		{"uint32 max", uint32(math.MaxUint32), i64(math.MaxUint32)},
		{"uint small", uint(9), i64(9)},
		{"uint64 at MaxInt64 stays INT64", uint64(math.MaxInt64), i64(math.MaxInt64)},
		{"uint64 above MaxInt64 is decimal STRING", uint64(math.MaxInt64 + 1), str("9223372036854775808")},
		{"uint64 max is decimal STRING", uint64(math.MaxUint64), str("18446744073709551615")},
		{"uint max (decimal STRING on 64-bit)", uint(math.MaxUint), maxUintValue()},
		{"uintptr max (decimal STRING on 64-bit)", ^uintptr(0), maxUintValue()},
		{"uintptr small", uintptr(0x10), i64(16)},
		{"float64", 3.25, f64(3.25)},
		{"float32 widened", float32(0.5), f64(0.5)},
		{"NaN kept as float", math.NaN(), f64(math.NaN())},
		{"+Inf kept as float", math.Inf(1), f64(math.Inf(1))},
		{"-Inf kept as float", math.Inf(-1), f64(math.Inf(-1))},
		{"float32 NaN", float32(math.NaN()), f64(math.NaN())},
		{"complex128", complex(1, 2), str("(1+2i)")},
		{"complex64", complex64(complex(-1.5, -0.5)), str("(-1.5-0.5i)")},
		{"[]byte is BYTESLICE", []byte{0, 1, 0xff}, attribute.ByteSliceValue([]byte{0, 1, 0xff})},
		{"empty []byte", []byte{}, attribute.ByteSliceValue([]byte{})},
		{"nil []byte is EMPTY", []byte(nil), empty},
		{"named byte slice is BYTESLICE", bytesNamed("ab"), attribute.ByteSliceValue([]byte("ab"))},
		{"byte array is BYTESLICE", [3]byte{1, 2, 3}, attribute.ByteSliceValue([]byte{1, 2, 3})},
		{"time.Time RFC3339Nano", ts, str("2024-05-06T07:08:09.123456789+02:00")},
		{"zero time", time.Time{}, str("0001-01-01T00:00:00Z")},
		{"*time.Time dereferenced", &tsCopy, str("2024-05-06T07:08:09.123456789+02:00")},
		{"nil *time.Time", (*time.Time)(nil), empty},
		{"time.Duration is INT64 nanoseconds", d, i64(1_500_000_000)},
		{"*time.Duration dereferenced", &d, i64(1_500_000_000)},
		{"error", errors.New("bad thing"), str("bad thing")},
		{"wrapped error", fmt.Errorf("ctx: %w", errors.New("inner")), str("ctx: inner")},
		{"Stringer", stringerV{"x"}, str("S:x")},
		{"pointer to value Stringer", &stringerV{"y"}, str("S:y")},
		{"pointer-receiver Stringer", &ptrStringer{"z"}, str("P:z")},
		{"named int with String uses String", level(3), str("L3")},
		{"named int without methods is INT64", plainInt(5), i64(5)},
		{"attribute.Value passed through", attribute.StringSliceValue([]string{"a"}), attribute.StringSliceValue([]string{"a"})},
		{"attribute.KeyValue is one-entry MAP", attribute.Int("k", 1), mapv(kv("k", i64(1)))},
		{"[]attribute.KeyValue is MAP", []attribute.KeyValue{attribute.Int("b", 2), attribute.String("a", "x")},
			mapv(kv("a", str("x")), kv("b", i64(2)))},
		{"pointer dereferenced", pn, i64(7)},
		{"pointer to pointer dereferenced", &pn, i64(7)},
		{"[]int is SLICE of INT64", []int{1, 2}, slice(i64(1), i64(2))},
		{"[]string is SLICE of STRING", []string{"a", "b"}, slice(str("a"), str("b"))},
		{"[]float64 is SLICE of FLOAT64", []float64{1.5}, slice(f64(1.5))},
		{"[]bool is SLICE of BOOL", []bool{true}, slice(boolv(true))},
		{"[]int64", []int64{-1}, slice(i64(-1))},
		{"[]uint16 by reflection", []uint16{1, 2}, slice(i64(1), i64(2))},
		{"empty slice is empty SLICE", []int{}, slice()},
		{"array is SLICE", [2]string{"x", "y"}, slice(str("x"), str("y"))},
		{"[]any mixed", []any{1, "a", nil, 2.5, []int{3}}, slice(i64(1), str("a"), empty, f64(2.5), slice(i64(3)))},
		{"[]error", []error{errors.New("e1"), nil}, slice(str("e1"), empty)},
		{"map[string]any sorted", map[string]any{"b": 1, "a": "x"}, mapv(kv("a", str("x")), kv("b", i64(1)))},
		{"map[string]string", map[string]string{"k": "v"}, mapv(kv("k", str("v")))},
		{"map[int]string keys as decimal", map[int]string{10: "ten", 2: "two"},
			mapv(kv("10", str("ten")), kv("2", str("two")))},
		{"map[bool]int keys", map[bool]int{true: 1, false: 0}, mapv(kv("false", i64(0)), kv("true", i64(1)))},
		{"map with Stringer keys", map[keyStringer]int{{1, 2}: 3}, mapv(kv("1-2", i64(3)))},
		{"map with float keys", map[float64]int{1.5: 1}, mapv(kv("1.5", i64(1)))},
		{"map with struct keys via fmt", map[struct{ A int }]int{{4}: 1}, mapv(kv("{4}", i64(1)))},
		{"map with time keys", map[time.Time]int{time.Unix(0, 0).UTC(): 1}, mapv(kv("1970-01-01T00:00:00Z", i64(1)))},
		{"map[any] mixed keys", map[any]int{"s": 1, 2: 2, nil: 3}, mapv(kv("2", i64(2)), kv("<nil>", i64(3)), kv("s", i64(1)))},
		{"empty map", map[string]int{}, mapv()},
		{"struct exported fields with json names", tagged{Name: "n", Skipped: 1, Dash: 2, Opt: 0, Plain: true, private: 9, Duration: time.Second},
			mapv(kv("name", str("n")), kv("-", i64(2)), kv("Opt", i64(0)), kv("Plain", boolv(true)), kv("nested", empty), kv("Duration", i64(1e9)))},
		{"embedded structs flattened like encoding/json", embedding{Base: Base{ID: 1, Kind: "base"}, inner: inner{Hidden: 2, Visible: "v"}, Kind: "top", Ptr: &Ptr{P: 3}},
			mapv(kv("ID", i64(1)), kv("Hidden", i64(2)), kv("visible", str("v")), kv("Kind", str("top")), kv("P", i64(3)))},
		{"nil embedded pointer fields omitted", embedding{Kind: "k"},
			mapv(kv("ID", i64(0)), kv("Hidden", i64(0)), kv("visible", str("")), kv("Kind", str("k")))},
		{"struct with only unexported fields is empty MAP", struct{ a, b int }{1, 2}, mapv()},
		{"MarshalJSON is not used", panicJSON{A: 1}, mapv(kv("A", i64(1)))},
		{"pointer to struct", &Base{ID: 5, Kind: "k"}, mapv(kv("ID", i64(5)), kv("Kind", str("k")))},
		{"chan placeholder", make(chan int), str("chan int")},
		{"recv chan placeholder", make(<-chan string), str("<-chan string")},
		{"func placeholder", func() {}, str("func()")},
		{"func with signature placeholder", func(int) error { return nil }, str("func(int) error")},
		{"unsafe.Pointer placeholder", unsafe.Pointer(pn), str("unsafe.Pointer")},
		{"typed nil pointer is EMPTY", nilPtr, empty},
		{"typed nil map is EMPTY", nilMap, empty},
		{"typed nil slice is EMPTY", nilSlice, empty},
		{"typed nil error not called", nilErr, empty},
		{"typed nil error in error interface not called", error(nilErr), empty},
		{"typed nil Stringer not called", nilStringer, empty},
		{"typed nil LogValuer not called", nilLV, empty},
		{"nil func is EMPTY", nilFunc, empty},
		{"nil chan is EMPTY", nilChan, empty},
		{"nil interface is EMPTY", iface, empty},
		{"slog string", slog.StringValue("s"), str("s")},
		{"slog int", slog.IntValue(3), i64(3)},
		{"slog uint64 max", slog.Uint64Value(math.MaxUint64), str("18446744073709551615")},
		{"slog float", slog.Float64Value(1.25), f64(1.25)},
		{"slog bool", slog.BoolValue(true), boolv(true)},
		{"slog duration", slog.DurationValue(time.Millisecond), i64(1e6)},
		{"slog time", slog.TimeValue(ts), str("2024-05-06T07:08:09.123456789+02:00")},
		{"slog any", slog.AnyValue([]int{1}), slice(i64(1))},
		{"slog group is MAP", slog.GroupValue(slog.Int("a", 1), slog.Group("g", slog.String("b", "x"))),
			mapv(kv("a", i64(1)), kv("g", mapv(kv("b", str("x")))))},
		{"slog group inlines empty-key group", slog.GroupValue(slog.Group("", slog.Int("x", 1)), slog.Int("y", 2)),
			mapv(kv("x", i64(1)), kv("y", i64(2)))},
		{"slog.Attr is one-entry MAP", slog.Int("k", 1), mapv(kv("k", i64(1)))},
		{"empty slog.Attr is EMPTY", slog.Attr{}, empty},
		{"[]slog.Attr is MAP", []slog.Attr{slog.Int("k", 1)}, mapv(kv("k", i64(1)))},
		{"LogValuer resolved", logValuer{n: 2}, mapv(kv("kind", str("lv")), kv("n", i64(2)))},
		{"pointer LogValuer resolved", &ptrLogValuer{n: 4}, i64(4)},
		{"slog.Value holding a LogValuer resolved", slog.AnyValue(logValuer{n: 1}), mapv(kv("kind", str("lv")), kv("n", i64(1)))},
		{"LogValue wins over Error", errAndLogValuer{}, str("as log value")},
		{"LogValuer cycle", selfLogValuer{}, str("!CYCLE")},
		{"ErrorType error still uses Error", typedErr{}, str("typed")},
		{"invalid UTF-8 replaced", "a\xffb\xfe\xfdc", str("a\uFFFDb\uFFFDc")},
		{"invalid UTF-8 map key replaced", map[string]int{"k\xff": 1}, mapv(kv("k\uFFFD", i64(1)))},
		{"invalid UTF-8 from String replaced", stringerV{"\xc3"}, str("S:\uFFFD")},
		{"panicking String", panicStringer{}, str("!PANIC: boom in String")},
		{"panicking Error", panicErr{}, str("!PANIC: boom in Error")},
		{"panicking LogValue", panicLogValuer{}, str("!PANIC: 42")},
		{"nil-dereferencing Error in slice", []error{(*myErr)(nil)}, slice(empty)},
		{"panicking String nested", map[string]any{"s": panicStringer{}}, mapv(kv("s", str("!PANIC: boom in String")))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Value(tt.in)
			if !attrtest.Equal(got, tt.want) {
				t.Errorf("Value(%T) =\n  %s\nwant\n  %s", tt.in, describe(got), describe(tt.want))
			}
			if err := checkUTF8(got); err != nil {
				t.Error(err)
			}
			// Nested values take the same conversion (leafValue and the
			// reflection path agree with the top level).
			if got := Value([]any{tt.in}); !attrtest.Equal(got, slice(tt.want)) {
				t.Errorf("Value([]any{%T}) =\n  %s\nwant\n  %s", tt.in, describe(got), describe(slice(tt.want)))
			}
			if got := Value(map[string]any{"k": tt.in}); !attrtest.Equal(got, mapv(kv("k", tt.want))) {
				t.Errorf("Value(map{k: %T}) =\n  %s\nwant\n  %s", tt.in, describe(got), describe(mapv(kv("k", tt.want))))
			}
			if got := Value(struct{ F any }{tt.in}); !attrtest.Equal(got, mapv(kv("F", tt.want))) {
				t.Errorf("Value(struct{F: %T}) =\n  %s\nwant\n  %s", tt.in, describe(got), describe(mapv(kv("F", tt.want))))
			}
		})
	}
}

func TestValueCycles(t *testing.T) {
	m := map[string]any{"v": 1}
	m["self"] = m
	s := []any{1, nil}
	s[1] = s
	n := &node{V: 1}
	n.Next = &node{V: 2, Next: n}
	var loop any
	loop = &loop
	type mapNode map[string]mapNode
	mn := mapNode{}
	mn["x"] = mn
	shared := []int{1}

	tests := []struct {
		name string
		in   any
		want attribute.Value
	}{
		{"map containing itself", m, mapv(kv("self", str("!CYCLE")), kv("v", i64(1)))},
		{"slice containing itself", s, slice(i64(1), str("!CYCLE"))},
		{"pointer cycle", n, mapv(kv("V", i64(1)), kv("Next", mapv(kv("V", i64(2)), kv("Next", str("!CYCLE")))))},
		{"interface pointing to itself", loop, str("!CYCLE")},
		{"named map cycle by reflection", mn, mapv(kv("x", str("!CYCLE")))},
		{"shared (not cyclic) value converted twice", []any{shared, shared}, slice(slice(i64(1)), slice(i64(1)))},
		{"shorter re-slice is not a cycle", func() any {
			x := []any{"a", nil}
			x[1] = x[:1]
			return x
		}(), slice(str("a"), slice(str("a")))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Value(tt.in)
			if !attrtest.Equal(got, tt.want) {
				t.Errorf("got  %s\nwant %s", describe(got), describe(tt.want))
			}
		})
	}
}

func TestValueCyclicFanOutIsBounded(t *testing.T) {
	// Every element points back to the slice: each is a cycle at level 1.
	s := make([]any, 500)
	for i := range s {
		s[i] = s
	}
	got := Value(s)
	if n := len(got.AsSlice()); n != 500 {
		t.Fatalf("len = %d", n)
	}
	for _, e := range got.AsSlice() {
		if e != str("!CYCLE") {
			t.Fatalf("element %s", describe(e))
		}
	}
}

func TestValueSharedFanOutIsBudgeted(t *testing.T) {
	// A DAG: 16 levels of 100 references to the same child: 100^16 paths.
	var v any = 1
	for range 16 {
		level := make([]any, 100)
		for i := range level {
			level[i] = v
		}
		v = level
	}
	start := time.Now()
	got := Value(v)
	if time.Since(start) > 10*time.Second {
		t.Fatalf("took %v", time.Since(start))
	}
	count := 0
	var walk func(attribute.Value)
	walk = func(v attribute.Value) {
		count++
		for _, e := range v.AsSlice() {
			walk(e)
		}
	}
	walk(got)
	if count > maxValues*2 {
		t.Fatalf("%d nodes, want at most about %d", count, maxValues)
	}
	if !strings.Contains(got.String(), "!TRUNCATED") {
		t.Fatal("no truncation marker")
	}
}

func nestSlices(n int) any {
	var v any = "leaf"
	for range n {
		v = []any{v}
	}
	return v
}

func nestMaps(n int) any {
	var v any = "leaf"
	for range n {
		v = map[string]any{"k": v}
	}
	return v
}

type deep struct {
	Child *deep
	N     int
}

func nestStructs(n int) any {
	var d *deep
	for i := range n {
		d = &deep{Child: d, N: i}
	}
	return d
}

func nestSlogGroups(n int) any {
	v := slog.StringValue("leaf")
	for range n {
		v = slog.GroupValue(slog.Attr{Key: "g", Value: v})
	}
	return v
}

func TestValueDepth(t *testing.T) {
	builders := map[string]func(int) any{
		"slices": nestSlices, "maps": nestMaps, "structs": nestStructs, "slog groups": nestSlogGroups,
	}
	for name, build := range builders {
		t.Run(name+" at MaxDepth are kept whole", func(t *testing.T) {
			got := Value(build(MaxDepth))
			if strings.Contains(got.String(), "!DEPTH") {
				t.Errorf("unexpected !DEPTH: %s", describe(got))
			}
			if d := depthOf(got); d != MaxDepth {
				t.Errorf("depth %d, want %d", d, MaxDepth)
			}
		})
		t.Run(name+" past MaxDepth are cut", func(t *testing.T) {
			got := Value(build(MaxDepth + 10))
			if !strings.Contains(got.String(), "!DEPTH") {
				t.Errorf("no !DEPTH marker: %s", describe(got))
			}
			if d := depthOf(got); d > MaxDepth {
				t.Errorf("depth %d > MaxDepth", d)
			}
		})
	}
}

func TestValueLongPointerChainIsCut(t *testing.T) {
	var v any = 1
	for range 100 {
		x := v
		v = &x
	}
	got := Value(v)
	if got != str("!DEPTH") {
		t.Fatalf("got %s", describe(got))
	}
}

func TestValueMaxElements(t *testing.T) {
	t.Run("slice truncated with final marker", func(t *testing.T) {
		in := make([]int, MaxElements+500)
		got := Value(in).AsSlice()
		if len(got) != MaxElements+1 {
			t.Fatalf("len %d", len(got))
		}
		if got[MaxElements] != str("!TRUNCATED 500") {
			t.Fatalf("last %s", describe(got[MaxElements]))
		}
	})
	t.Run("slice of exactly MaxElements kept", func(t *testing.T) {
		if got := Value(make([]string, MaxElements)).AsSlice(); len(got) != MaxElements {
			t.Fatalf("len %d", len(got))
		}
	})
	t.Run("reflected slice truncated", func(t *testing.T) {
		got := Value(make([]uint16, MaxElements+1)).AsSlice()
		if len(got) != MaxElements+1 || got[MaxElements] != str("!TRUNCATED 1") {
			t.Fatalf("len %d last %s", len(got), describe(got[len(got)-1]))
		}
	})
	t.Run("map keeps first keys in order and counts the rest", func(t *testing.T) {
		in := map[string]any{}
		for i := range MaxElements + 20 {
			in[fmt.Sprintf("k%05d", i)] = i
		}
		got := Value(in).AsMap()
		if len(got) != MaxElements+1 {
			t.Fatalf("len %d", len(got))
		}
		if got[0] != kv("!TRUNCATED", i64(20)) {
			t.Fatalf("marker %v", got[0])
		}
		if got[1].Key != "k00000" || got[MaxElements].Key != "k00999" {
			t.Fatalf("kept %s..%s", got[1].Key, got[MaxElements].Key)
		}
	})
	t.Run("reflected map truncated", func(t *testing.T) {
		in := map[int]bool{}
		for i := range MaxElements + 3 {
			in[i] = true
		}
		got := Value(in).AsMap()
		if len(got) != MaxElements+1 || got[0] != kv("!TRUNCATED", i64(3)) {
			t.Fatalf("len %d first %v", len(got), got[0])
		}
	})
	t.Run("byte slices and strings are not truncated", func(t *testing.T) {
		b := make([]byte, 5*MaxElements)
		if got := Value(b).AsByteSlice(); len(got) != len(b) {
			t.Fatalf("len %d", len(got))
		}
	})
}

func TestValueHugeStringKeptWhole(t *testing.T) {
	s := strings.Repeat("0123456789", 1<<20) // 10 MiB
	got := Value(s)
	if got.Type() != attribute.STRING || len(got.AsString()) != len(s) {
		t.Fatalf("len %d, want %d", len(got.AsString()), len(s))
	}
	if unsafe.StringData(got.AsString()) != unsafe.StringData(s) {
		t.Error("valid string was copied")
	}
}

func TestValueConcurrent(t *testing.T) {
	in := map[string]any{"a": []any{1, "x", tagged{Name: "n"}}, "b": logValuer{n: 1}}
	want := Value(in)
	done := make(chan bool)
	for range 8 {
		go func() {
			defer func() { done <- true }()
			for range 200 {
				if got := Value(in); !attrtest.Equal(got, want) {
					t.Errorf("got %s", describe(got))
					return
				}
			}
		}()
	}
	for range 8 {
		<-done
	}
}

func TestKeyValue(t *testing.T) {
	tests := []struct {
		name string
		key  string
		val  any
		want attribute.KeyValue
	}{
		{"plain", "k", 1, kv("k", i64(1))},
		{"empty key replaced", "", "v", kv("!EMPTYKEY", str("v"))},
		{"invalid UTF-8 key replaced", "k\xff", true, kv("k\uFFFD", boolv(true))},
		{"duration keeps key", "elapsed", time.Second, kv("elapsed", i64(1e9))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := KeyValue(tt.key, tt.val)
			if got.Key != tt.want.Key || !attrtest.Equal(got.Value, tt.want.Value) {
				t.Errorf("got %v want %v", got, tt.want)
			}
		})
	}
}

func TestValueZeroAllocScalars(t *testing.T) {
	vals := map[string]any{
		"string":   "hello world",
		"int":      123456789,
		"int64":    int64(-123456789),
		"float64":  3.14159,
		"bool":     true,
		"duration": 1500 * time.Millisecond,
		"uint32":   uint32(4000000000),
	}
	for name, v := range vals {
		t.Run(name, func(t *testing.T) {
			var sink attribute.Value
			if n := testing.AllocsPerRun(100, func() { sink = Value(v) }); n != 0 {
				t.Errorf("%v allocations, want 0", n)
			}
			_ = sink
		})
	}
}

var sinkValue attribute.Value

func BenchmarkValue(b *testing.B) {
	ts := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)
	cases := []struct {
		name string
		v    any
	}{
		{"string", "GET /api/v1/users"},
		{"int", 123456789},
		{"int64", int64(-42)},
		{"uint64", uint64(1 << 40)},
		{"float64", 3.14159},
		{"bool", true},
		{"duration", 1500 * time.Millisecond},
		{"time", ts},
		{"error", errors.New("connection refused")},
		{"stringer", level(3)},
		{"bytes", []byte("0123456789abcdef")},
		{"[]int/4", []int{1, 2, 3, 4}},
		{"[]string/4", []string{"a", "b", "c", "d"}},
		{"[]any/4", []any{1, "b", true, 2.5}},
		{"map[string]any/3", map[string]any{"a": 1, "b": "x", "c": true}},
		{"struct/4", Base{ID: 1, Kind: "k"}},
		{"*struct/embedded", &embedding{Base: Base{ID: 1}, Kind: "k"}},
		{"map[int]string/3", map[int]string{1: "a", 2: "b", 3: "c"}},
		{"slog.group/2", slog.GroupValue(slog.Int("a", 1), slog.String("b", "x"))},
		{"logvaluer", logValuer{n: 1}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkValue = Value(c.v)
			}
		})
	}
}

func TestValueTypedStructFields(t *testing.T) {
	ts := time.Unix(1, 0).UTC()
	type fields struct {
		U    uint64
		I8   int8
		F32  float32
		C    complex64
		B    []byte
		A    [2]uint8
		T    time.Time
		PT   *time.Time
		D    time.Duration
		E    error
		NE   error
		S    fmt.Stringer
		Fn   func()
		Ch   chan int
		M    map[string]int
		NM   map[string]int
		Sl   []string
		Any  any
		Attr attribute.Value
		KV   attribute.KeyValue
		SV   slog.Value
		LV   slog.LogValuer
		UP   unsafe.Pointer
		IP   *int
	}
	n := 3
	in := fields{
		U: math.MaxUint64, I8: -1, F32: 2, C: complex(1, 1), B: []byte{1}, A: [2]uint8{1, 2}, T: ts, PT: &ts,
		D: time.Second, E: errors.New("e"), S: level(2), Fn: func() {}, Ch: nil, M: map[string]int{"a": 1},
		Sl: []string{"x"}, Any: 1, Attr: str("attr"), KV: attribute.Int("k", 1), SV: slog.IntValue(5),
		LV: logValuer{n: 1}, IP: &n,
	}
	want := mapv(
		kv("U", str("18446744073709551615")), kv("I8", i64(-1)), kv("F32", f64(2)), kv("C", str("(1+1i)")),
		kv("B", attribute.ByteSliceValue([]byte{1})), kv("A", attribute.ByteSliceValue([]byte{1, 2})),
		kv("T", str("1970-01-01T00:00:01Z")), kv("PT", str("1970-01-01T00:00:01Z")), kv("D", i64(1e9)),
		kv("E", str("e")), kv("NE", empty), kv("S", str("L2")), kv("Fn", str("func()")), kv("Ch", empty),
		kv("M", mapv(kv("a", i64(1)))), kv("NM", empty), kv("Sl", slice(str("x"))), kv("Any", i64(1)),
		kv("Attr", str("attr")), kv("KV", mapv(kv("k", i64(1)))), kv("SV", i64(5)),
		kv("LV", mapv(kv("kind", str("lv")), kv("n", i64(1)))), kv("UP", empty), kv("IP", i64(3)),
	)
	if got := Value(in); !attrtest.Equal(got, want) {
		t.Errorf("got\n  %s\nwant\n  %s", describe(got), describe(want))
	}
}

// maxUintValue is what the largest uint and uintptr become: above MaxInt64
// (a decimal STRING) on 64-bit platforms, an INT64 on 32-bit ones.
func maxUintValue() attribute.Value {
	if strconv.IntSize == 64 {
		return str("18446744073709551615")
	}
	return i64(math.MaxUint32)
}

// validUTF8 reads overlapping words and halves: a byte that is not ASCII,
// at any position of a string of any short length, must be seen (alone,
// each of these bytes is invalid UTF-8), and an ASCII string of any length
// must come back as it is.
func TestValidUTF8AtEveryPosition(t *testing.T) {
	for n := 0; n <= 40; n++ {
		if b := strings.Repeat("a", n); validUTF8(b) != b {
			t.Fatalf("validUTF8(%q) = %q", b, validUTF8(b))
		}
		for i := range n {
			for _, c := range []byte{0x80, 0xc3, 0xff} {
				b := []byte(strings.Repeat("\x7f", n))
				b[i] = c
				want := strings.ToValidUTF8(string(b), "\uFFFD")
				if got := validUTF8(string(b)); got != want {
					t.Fatalf("validUTF8(%q) = %q, want %q", b, got, want)
				}
			}
		}
	}
}

func FuzzValidUTF8(f *testing.F) {
	for _, s := range []string{"", "a", "é", "request served", "/api/v1/users\xff", "abcdefg\x80", "日本語のテキスト"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := validUTF8(s), strings.ToValidUTF8(s, "\uFFFD"); got != want {
			t.Fatalf("validUTF8(%q) = %q, want %q", s, got, want)
		}
	})
}
