package bridge

import (
	"encoding/binary"
	"errors"
	"log/slog"
	"math"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
)

// fuzzBuilder turns fuzz bytes into Go values: one opcode byte per value,
// followed by its operands.
type fuzzBuilder struct {
	data  []byte
	nodes int
}

const fuzzMaxNodes = 3000

func (b *fuzzBuilder) byte() byte {
	if len(b.data) == 0 {
		return 0
	}
	c := b.data[0]
	b.data = b.data[1:]
	return c
}

func (b *fuzzBuilder) bytes(n int) []byte {
	n = min(n, len(b.data))
	out := b.data[:n:n]
	b.data = b.data[n:]
	return out
}

func (b *fuzzBuilder) uint64() uint64 {
	var buf [8]byte
	copy(buf[:], b.bytes(8))
	return binary.LittleEndian.Uint64(buf[:])
}

// str returns a string of up to 31 raw bytes: possibly invalid UTF-8.
func (b *fuzzBuilder) str() string { return string(b.bytes(int(b.byte() % 32))) }

type fuzzStruct struct {
	A      any
	B      string `json:"b"`
	hidden int
	C      *fuzzStruct
}

type fuzzStringer struct{ s string }

func (f fuzzStringer) String() string {
	if len(f.s) > 0 && f.s[0]%4 == 0 {
		panic(f.s)
	}
	return f.s
}

type fuzzLogValuer struct{ v any }

func (f fuzzLogValuer) LogValue() slog.Value { return slog.AnyValue(f.v) }

// value builds one value.
func (b *fuzzBuilder) value() any {
	b.nodes++
	if b.nodes > fuzzMaxNodes || len(b.data) == 0 {
		return nil
	}
	switch op := b.byte() % 20; op {
	case 0:
		return nil
	case 1:
		return b.str()
	case 2:
		return int64(b.uint64())
	case 3:
		return b.uint64()
	case 4:
		return math.Float64frombits(b.uint64())
	case 5:
		return []float64{math.NaN(), math.Inf(1), math.Inf(-1), float64(int8(b.byte()))}
	case 6:
		s := make([]any, b.byte()%8)
		for i := range s {
			s[i] = b.value()
		}
		return s
	case 7:
		m := map[string]any{}
		for range b.byte() % 8 {
			m[b.str()] = b.value()
		}
		return m
	case 8:
		m := map[int]any{}
		for range b.byte() % 8 {
			m[int(int8(b.byte()))] = b.value()
		}
		return m
	case 9:
		v := b.value()
		return &v
	case 10:
		return fuzzStruct{A: b.value(), B: b.str(), hidden: 1}
	case 11:
		n := int(b.byte() % 6)
		args := make([]any, 0, 2*n)
		for range n {
			args = append(args, b.str(), b.value())
		}
		return slog.GroupValue(slog.Group(b.str(), args...), slog.Any(b.str(), b.value()))
	case 12:
		return errors.New(b.str())
	case 13:
		return fuzzStringer{b.str()}
	case 14: // cycles
		if b.byte()%2 == 0 {
			s := []any{b.value(), nil}
			s[1] = s
			return s
		}
		m := map[string]any{"v": b.value()}
		m[b.str()] = m
		return m
	case 15:
		n := int64(b.uint64())
		return []any{time.Duration(n), time.Unix(0, n%(1<<62)).UTC()}
	case 16:
		return []byte(b.str())
	case 17: // deep nesting
		v := b.value()
		for range b.byte() % 40 {
			v = []any{v}
		}
		return v
	case 18:
		return fuzzLogValuer{b.value()}
	default:
		p := &fuzzStruct{B: b.str()}
		if b.byte()%2 == 0 {
			p.C = p
		} else {
			p.C = &fuzzStruct{A: b.value()}
		}
		return p
	}
}

func checkConverted(t *testing.T, v attribute.Value) {
	t.Helper()
	if err := checkUTF8(v); err != nil {
		t.Fatal(err)
	}
	if d := depthOf(v); d > MaxDepth+1 {
		t.Fatalf("depth %d > MaxDepth+1", d)
	}
}

func FuzzValue(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x01\x05hello"))
	f.Add([]byte("\x01\x03a\xffb"))
	f.Add([]byte("\x04\x00\x00\x00\x00\x00\x00\xf8\x7f")) // NaN
	f.Add([]byte("\x06\x03\x02\x01\x00\x00\x00\x00\x00\x00\x00\x01\x01x\x00"))
	f.Add([]byte("\x07\x02\x01k\x01\x01v\x02\xff\xfe\x05"))
	f.Add([]byte("\x0e\x00\x01\x01x"))
	f.Add([]byte("\x11\x27\x01\x01x"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b := &fuzzBuilder{data: data}
		checkConverted(t, Value(b.value()))
	})
}

func FuzzAppendKV(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x00\x01a\x02\x01\x01x\x01\x00"))
	f.Add([]byte("\x03\x01\x03\x02\x01g\x01\x05\x04\x01b"))
	f.Add([]byte("\x01\x01\x01\x00\x02\x01\xff\x06\x02\x01\x01\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b := &fuzzBuilder{data: data}
		var args []any
		hasSlog := false
		for len(b.data) > 0 && len(args) < 64 {
			switch b.byte() % 5 {
			case 0:
				args = append(args, b.str()) // a key, or a string value
			case 1:
				v := b.value()
				switch v.(type) {
				case slog.Value, slog.LogValuer, []slog.Attr:
					hasSlog = true // a pair value of a slog type is a slog.Attr
				}
				args = append(args, v)
			case 2:
				args = append(args, attribute.Int64(b.str(), int64(b.byte())))
			case 3:
				hasSlog = true
				args = append(args, slog.Any(b.str(), b.value()))
			default:
				hasSlog = true
				args = append(args, slog.Group(b.str(), b.str(), b.value(), slog.Attr{}))
			}
		}
		got := AppendKV(nil, args)
		for _, a := range got {
			if !a.Valid() {
				t.Fatalf("invalid key in %v", a)
			}
			checkConverted(t, attribute.MapValue(a))
		}
		if !hasSlog {
			// Without slog types nothing is inlined or elided: one
			// attribute per key/value pair or lone value.
			want := 0
			for i := 0; i < len(args); i++ {
				if _, ok := args[i].(string); ok && i+1 < len(args) {
					i++
				}
				want++
			}
			if len(got) != want {
				t.Fatalf("%d attributes from %d args, want %d", len(got), len(args), want)
			}
		}
	})
}
