package integration

import (
	"strconv"
	"testing"
)

// TestEveryAttributeCrossesTheWire: the SDK's default limit of 128
// attributes per record used to cut the rest without a word. The providers
// the library builds lift it, over both protocols: 200 key/values reach the
// collector, none reported dropped. (The console case is in the root
// package's attrlimit_test.go.)
func TestEveryAttributeCrossesTheWire(t *testing.T) {
	const n = 200
	for _, protocol := range protocols {
		t.Run(protoName(protocol), func(t *testing.T) {
			c := startCollector(t)
			setEnv(t, otlpEnv(c, protocol))
			logger := freshLogger(t, "attrs")
			kv := make([]any, 0, 2*n)
			for i := range n {
				kv = append(kv, "k"+strconv.Itoa(i), i)
			}
			logger.Info("wide record", kv...)
			if res := drain(t, logger); res.Exported != 1 {
				t.Fatalf("exported %d records, want 1", res.Exported)
			}
			r := byBody(t, waitLogs(t, c, 1))["wide record"]
			if len(r.Attrs) != n || r.DroppedAttributesCount != 0 {
				t.Fatalf("%d attributes arrived, %d reported dropped; want %d and 0", len(r.Attrs), r.DroppedAttributesCount, n)
			}
			for i := range n {
				if got := r.Attrs["k"+strconv.Itoa(i)]; got != int64(i) {
					t.Fatalf("k%d = %v (%T), want %d", i, got, got, i)
				}
			}
		})
	}
}
