package bridge

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"go.opentelemetry.io/otel/attribute"

	"github.com/fapilog/fapilog-go/internal/attrtest"
)

// refDedup is the obvious implementation of last-value-wins at the first
// position.
func refDedup(in []attribute.KeyValue) []attribute.KeyValue {
	var out []attribute.KeyValue
	pos := map[attribute.Key]int{}
	for _, a := range in {
		if i, ok := pos[a.Key]; ok {
			out[i].Value = a.Value
			continue
		}
		pos[a.Key] = len(out)
		out = append(out, a)
	}
	return out
}

func TestDedup(t *testing.T) {
	tests := []struct {
		name string
		in   []attribute.KeyValue
		want []attribute.KeyValue
	}{
		{"nil", nil, nil},
		{"one", []attribute.KeyValue{attribute.Int("a", 1)}, []attribute.KeyValue{attribute.Int("a", 1)}},
		{"no duplicates keeps order",
			[]attribute.KeyValue{attribute.Int("b", 1), attribute.Int("a", 2), attribute.Int("c", 3)},
			[]attribute.KeyValue{attribute.Int("b", 1), attribute.Int("a", 2), attribute.Int("c", 3)}},
		{"last value wins at the first position",
			[]attribute.KeyValue{attribute.Int("a", 1), attribute.Int("b", 2), attribute.Int("a", 3), attribute.Int("c", 4), attribute.Int("b", 5)},
			[]attribute.KeyValue{attribute.Int("a", 3), attribute.Int("b", 5), attribute.Int("c", 4)}},
		{"all the same key",
			[]attribute.KeyValue{attribute.Int("a", 1), attribute.String("a", "x"), attribute.Bool("a", true)},
			[]attribute.KeyValue{attribute.Bool("a", true)}},
		{"value type may change",
			[]attribute.KeyValue{attribute.Int("a", 1), attribute.String("a", "x")},
			[]attribute.KeyValue{attribute.String("a", "x")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := append([]attribute.KeyValue(nil), tt.in...)
			got := Dedup(in)
			if !attrtest.EqualKVs(got, tt.want) {
				t.Errorf("got %v want %v", got, tt.want)
			}
			for i := len(got); i < len(in); i++ {
				if in[i] != (attribute.KeyValue{}) {
					t.Errorf("tail element %d not cleared: %v", i, in[i])
				}
			}
		})
	}
}

func TestDedupMatchesReferenceAtAllSizes(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 60 {
		for range 20 {
			in := make([]attribute.KeyValue, n)
			for i := range in {
				in[i] = attribute.Int(fmt.Sprintf("k%d", r.IntN(n/2+1)), i)
			}
			want := refDedup(in)
			got := Dedup(append([]attribute.KeyValue(nil), in...))
			if !attrtest.EqualKVs(got, want) {
				t.Fatalf("n=%d\nin   %v\ngot  %v\nwant %v", n, in, got, want)
			}
		}
	}
}

func TestDedupZeroAlloc(t *testing.T) {
	src := []attribute.KeyValue{
		attribute.Int("a", 1), attribute.Int("b", 2), attribute.Int("c", 3), attribute.Int("a", 4),
		attribute.Int("d", 5), attribute.Int("e", 6), attribute.Int("b", 7), attribute.Int("f", 8),
		attribute.Int("g", 9), attribute.Int("h", 10),
	}
	buf := make([]attribute.KeyValue, len(src))
	var got []attribute.KeyValue
	n := testing.AllocsPerRun(100, func() {
		copy(buf, src)
		got = Dedup(buf)
	})
	if n != 0 {
		t.Errorf("%v allocations, want 0", n)
	}
	if len(got) != 8 {
		t.Errorf("len %d", len(got))
	}
}

func TestDedupValue(t *testing.T) {
	big := []attribute.KeyValue{}
	for i := range 8 {
		big = append(big, attribute.Int(fmt.Sprintf("k%d", i), i))
	}
	bigDup := append(append([]attribute.KeyValue(nil), big...), attribute.Int("k3", 99))
	bigWant := append([]attribute.KeyValue(nil), big...)
	bigWant[3] = attribute.Int("k3", 99)

	tests := []struct {
		name string
		in   attribute.Value
		want attribute.Value
	}{
		{"scalar unchanged", i64(1), i64(1)},
		{"empty unchanged", empty, empty},
		{"map without duplicates unchanged", mapv(kv("a", i64(1)), kv("b", i64(2))), mapv(kv("a", i64(1)), kv("b", i64(2)))},
		{"last value wins", mapv(kv("a", i64(1)), kv("b", i64(2)), kv("a", i64(3))), mapv(kv("a", i64(3)), kv("b", i64(2)))},
		{"only duplicates", mapv(kv("a", i64(1)), kv("a", i64(2))), mapv(kv("a", i64(2)))},
		{"large map", mapv(bigDup...), mapv(bigWant...)},
		{"nested map", mapv(kv("m", mapv(kv("x", i64(1)), kv("x", i64(2)))), kv("z", i64(0))),
			mapv(kv("m", mapv(kv("x", i64(2)))), kv("z", i64(0)))},
		{"map in slice", slice(i64(0), mapv(kv("x", i64(1)), kv("x", i64(2))), i64(3)),
			slice(i64(0), mapv(kv("x", i64(2))), i64(3))},
		{"map in large slice", slice(i64(0), i64(1), i64(2), i64(3), i64(4), i64(5), mapv(kv("x", i64(1)), kv("x", i64(2)))),
			slice(i64(0), i64(1), i64(2), i64(3), i64(4), i64(5), mapv(kv("x", i64(2))))},
		{"typed slices unchanged", attribute.StringSliceValue([]string{"a", "a"}), attribute.StringSliceValue([]string{"a", "a"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DedupValue(tt.in)
			if !attrtest.Equal(got, tt.want) {
				t.Errorf("got  %s\nwant %s", describe(got), describe(tt.want))
			}
		})
	}
}

func TestDedupValueNoAllocWithoutDuplicates(t *testing.T) {
	if !rawLayoutOK {
		t.Fatal("attribute.Value layout changed: DedupValue falls back to allocating accessors")
	}
	big := []attribute.KeyValue{}
	for i := range 20 {
		big = append(big, attribute.Int(fmt.Sprintf("k%02d", i), i))
	}
	values := map[string]attribute.Value{
		"small map":       mapv(kv("a", i64(1)), kv("b", mapv(kv("c", i64(2))))),
		"large map":       mapv(big...),
		"slice with maps": slice(mapv(kv("a", i64(1))), str("x"), slice(mapv(kv("b", i64(1))))),
		"string":          str("x"),
	}
	for name, v := range values {
		t.Run(name, func(t *testing.T) {
			var got attribute.Value
			if n := testing.AllocsPerRun(100, func() { got = DedupValue(v) }); n != 0 {
				t.Errorf("%v allocations, want 0", n)
			}
			if got != v {
				t.Error("value not returned as it is")
			}
		})
	}
}

func TestDedupValueOfConvertedMapWithCollidingKeys(t *testing.T) {
	// 1 and "1" format alike: Value keeps both, DedupValue keeps one.
	v := Value(map[any]int{1: 1, "1": 2})
	if n := len(v.AsMap()); n != 2 {
		t.Fatalf("Value kept %d entries, want 2", n)
	}
	if n := len(DedupValue(v).AsMap()); n != 1 {
		t.Fatalf("DedupValue kept %d entries, want 1", n)
	}
}

func BenchmarkDedup10(b *testing.B) {
	src := make([]attribute.KeyValue, 10)
	for i := range src {
		src[i] = attribute.Int(fmt.Sprintf("key%d", i%8), i)
	}
	buf := make([]attribute.KeyValue, len(src))
	b.ReportAllocs()
	for b.Loop() {
		copy(buf, src)
		_ = Dedup(buf)
	}
}

func BenchmarkDedupValueNoDuplicates(b *testing.B) {
	v := mapv(kv("a", i64(1)), kv("b", mapv(kv("c", i64(2)))), kv("d", str("x")))
	b.ReportAllocs()
	for b.Loop() {
		_ = DedupValue(v)
	}
}

func TestDedupKeepsEveryBadKeyValue(t *testing.T) {
	for _, n := range []int{4, 40} { // the linear and the map path
		var attrs []attribute.KeyValue
		attrs = AppendKV(attrs, []any{"a", 1, 2, "b", 3, 4})
		for i := range n {
			attrs = append(attrs, attribute.Int(fmt.Sprint("k", i), i))
		}
		attrs = AppendKV(attrs, []any{"a", 5, "lonely"})
		got := Dedup(attrs)
		var bad []string
		for _, kv := range got {
			if kv.Key == "!BADKEY" {
				bad = append(bad, kv.Value.String())
			}
		}
		if len(bad) != 3 || bad[0] != "2" || bad[1] != "4" || bad[2] != "lonely" {
			t.Fatalf("n=%d: !BADKEY values %v, want [2 4 lonely]", n, bad)
		}
		if len(got) != 2+3+n {
			t.Fatalf("n=%d: %d attributes, want %d (a and b once, three !BADKEY, %d others)", n, len(got), 2+3+n, n)
		}
	}
}
