package fapilog

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"testing"

	"github.com/fapilog/fapilog-go/audit"
)

// BenchmarkAuditSigning is the cost of signing per AUDIT call at 3
// attributes on the calling goroutine (no export: see benchmarks/ for the
// whole pipeline): the keyless chain, then Ed25519 and HMAC-SHA256.
//
//	go test -run '^$' -bench 'AuditSigning|AuditChain' -benchmem -count 6 -cpu 1 .
func BenchmarkAuditSigning(b *testing.B) {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	mac, _ := audit.NewHMACSigner(bytes.Repeat([]byte{7}, 32))
	for _, c := range []struct {
		name string
		opt  Option
	}{
		{"chain=on", nil},
		{"chain=ed25519", WithAuditSigningKey(key)},
		{"chain=hmac-sha256", WithAuditSigner(mac)},
	} {
		b.Run(c.name, func(b *testing.B) {
			l := benchLogger(b, c.opt)
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				l.Audit("role changed", "user", "alice", "role", "admin", "by", "root")
			}
		})
	}
}
