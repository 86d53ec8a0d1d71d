package fapilog

import (
	"context"
	"testing"

	sdklog "go.opentelemetry.io/otel/sdk/log"
)

// discard is a processor that drops every record: the benchmarks measure
// the cost on the calling goroutine (bridge, stages, SDK record), not the
// export.
type discard struct{}

func (discard) OnEmit(context.Context, *sdklog.Record) error { return nil }
func (discard) Enabled(context.Context, sdklog.EnabledParameters) bool {
	return true
}
func (discard) Shutdown(context.Context) error   { return nil }
func (discard) ForceFlush(context.Context) error { return nil }

func benchLogger(b *testing.B, opts ...Option) *Logger {
	p := sdklog.NewLoggerProvider(sdklog.WithProcessor(discard{}), sdklog.WithAllowKeyDuplication())
	l := GetLogger(b.Name(), append([]Option{Reuse(false), WithLoggerProvider(p)}, opts...)...)
	b.Cleanup(func() { _, _ = l.StopAndDrain(context.Background()); _ = p.Shutdown(context.Background()) })
	return l
}

// BenchmarkRedaction is the cost of redaction per call at 3 attributes with
// nothing to mask (the common case), against redaction off.
//
//	go test -run '^$' -bench 'Redaction|AuditChain' -benchmem -count 10 -cpu 1 .
//
// cpu-ns/op (process CPU time per call) is steadier than ns/op on a busy
// machine.
func BenchmarkRedaction(b *testing.B) {
	for _, c := range []struct {
		name string
		opt  Option
	}{
		{"redaction=off", WithoutRedaction()},
		{"redaction=default", nil},
		{"redaction=strict", WithPreset("hardened")},
	} {
		b.Run(c.name, func(b *testing.B) {
			l := benchLogger(b, c.opt, WithAuditChain(false))
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				l.Info("request handled", "user", "alice", "status", 200, "path", "/orders/42")
			}
		})
	}
	// The staging path alone (a stage that changes nothing) is
	// BenchmarkNoopStage in internal/core.
	b.Run("redaction=default/masking", func(b *testing.B) {
		l := benchLogger(b)
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			l.Info("request handled", "user", "alice", "password", "p", "dsn", "postgres://app:pw@db/app")
		}
	})
}

// BenchmarkAuditChain is the cost of the chain per AUDIT call at 3
// attributes (redaction on in both).
func BenchmarkAuditChain(b *testing.B) {
	for _, on := range []bool{false, true} {
		name := "chain=off"
		if on {
			name = "chain=on"
		}
		b.Run(name, func(b *testing.B) {
			l := benchLogger(b, WithAuditChain(on))
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				l.Audit("role changed", "user", "alice", "role", "admin", "by", "root")
			}
		})
	}
	b.Run("chain=on/parallel", func(b *testing.B) {
		l := benchLogger(b)
		b.ReportAllocs()
		defer reportCPU(b)()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				l.Audit("role changed", "user", "alice", "role", "admin", "by", "root")
			}
		})
	})
}
