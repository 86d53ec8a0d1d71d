package audit_test

import (
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/fapilog/fapilog-go/audit"
)

// TestCanonicalEncodingIsPinned fixes the version 1 encoding: changing it
// breaks the verification of every chain already written.
func TestCanonicalEncodingIsPinned(t *testing.T) {
	r := audit.Record{
		Time: time.Unix(0, 1), SeverityNumber: 22, SeverityText: "AUDIT", Body: attribute.StringValue("m"),
		Attrs: []attribute.KeyValue{
			attribute.Bool("b", true), attribute.Int("a", -1), attribute.String(audit.KeyHash, "skipped"),
			attribute.Float64Slice("c", []float64{0.5}), attribute.Map("d", attribute.ByteSlice("y", []byte{7}), attribute.KeyValue{Key: "x"}),
		},
	}
	got := hex.EncodeToString(audit.AppendCanonical(nil, &r))
	want := strings.Join([]string{
		hex.EncodeToString([]byte("fapilog-audit-v1\x00")),
		"0000000000000001",                                    // time
		"0000000000000005" + "4155444954",                     // "AUDIT"
		"0000000000000016",                                    // 22
		"04" + "0000000000000001" + "6d",                      // body "m"
		"0000000000000004",                                    // 4 attributes, sorted
		"0000000000000001" + "61" + "02" + "ffffffffffffffff", // a: int -1
		"0000000000000001" + "62" + "0101",                    // b: true
		"0000000000000001" + "63" + "06" + "0000000000000001" + "03" + "3fe0000000000000", // c: [0.5]
		"0000000000000001" + "64" + "07" + "0000000000000002" +
			"0000000000000001" + "78" + "00" + // x: empty
			"0000000000000001" + "79" + "05" + "0000000000000001" + "07", // y: bytes
	}, "")
	if got != want {
		t.Fatalf("canonical encoding changed:\n got %s\nwant %s", got, want)
	}
}

func TestTypeHintsListValuesJSONCannotType(t *testing.T) {
	got := audit.TypeHints([]attribute.KeyValue{
		attribute.Float64("whole", 3), attribute.Float64("frac", 1.5), attribute.Int("int", 3),
		attribute.ByteSlice("raw", []byte{1, 2}),
		attribute.Map("m", attribute.Float64Slice("fs", []float64{1.5, 2}), attribute.Slice("s", attribute.StringValue("x"), attribute.Float64Value(4))),
	})
	want := `[["f","whole"],["b","raw"],["f","m","fs",1],["f","m","s",1]]`
	if got != want {
		t.Fatalf("TypeHints = %s, want %s", got, want)
	}
	plain := []attribute.KeyValue{attribute.String("user", "alice"), attribute.Float64("frac", 1.5), attribute.Int("int", 3)}
	if got := audit.TypeHints(plain); got != "" {
		t.Fatalf("TypeHints without an ambiguous value = %s", got)
	}
	if n := testing.AllocsPerRun(100, func() { _ = audit.TypeHints(plain) }); n != 0 {
		t.Fatalf("TypeHints without an ambiguous value: %v allocations", n)
	}
}
