package benchmarks

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"testing"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/audit"
	"github.com/fapilog/fapilog-go/redact"
)

// BenchmarkAuditRecord is the cost of one AUDIT call (3 attributes, default
// redaction) through the whole pipeline into a counting exporter: without
// the chain, with the keyless hash chain, and with each record signed
// (Ed25519 or HMAC-SHA256). The difference is what signing costs per AUDIT
// record.
//
//	cd benchmarks && go test -run '^$' -bench 'AuditRecord|RedactionCost' -benchmem -count 6 .
func BenchmarkAuditRecord(b *testing.B) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	mac, err := audit.NewHMACSigner(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		opts []fapilog.Option
	}{
		{"chain=off", []fapilog.Option{fapilog.WithAuditChain(false)}},
		{"chain=on", nil},
		{"chain=ed25519", []fapilog.Option{fapilog.WithAuditSigningKey(key)}},
		{"chain=hmac-sha256", []fapilog.Option{fapilog.WithAuditSigner(mac)}},
	} {
		b.Run(c.name, func(b *testing.B) {
			benchEveryRecordExported(b, c.opts, func(l *fapilog.Logger) {
				l.Audit("role changed", "user", "alice", "role", "admin", "by", "root")
			})
		})
	}
}

// BenchmarkRedactionCost is one INFO call (3 attributes, nothing to mask,
// and one to mask) through the pipeline with redaction off, the default,
// strict, and the default with every compliance preset.
func BenchmarkRedactionCost(b *testing.B) {
	for _, c := range []struct {
		name string
		opts []fapilog.Option
	}{
		{"redaction=off", []fapilog.Option{fapilog.WithoutRedaction()}},
		{"redaction=default", nil},
		{"redaction=strict", []fapilog.Option{fapilog.WithRedaction(redact.Config{Mode: redact.ModeStrict})}},
		{"redaction=all-presets", []fapilog.Option{fapilog.WithRedaction(redact.Config{Presets: redact.Presets})}},
	} {
		for _, input := range []string{"clean", "masking"} {
			b.Run(c.name+"/"+input, func(b *testing.B) {
				benchEveryRecordExported(b, c.opts, func(l *fapilog.Logger) {
					if input == "clean" {
						l.Info(msg, "method", method, "status", status, "path", path)
					} else {
						l.Info(msg, "method", method, "password", "p", "dsn", "postgres://app:pw@db/app")
					}
				})
			})
		}
	}
}

// benchEveryRecordExported times call on a fapilog logger built with opts
// and fails unless every record it logged reached the exporter.
func benchEveryRecordExported(b *testing.B, opts []fapilog.Option, call func(*fapilog.Logger)) {
	exp := &countingExporter{}
	l := newFapilog(b, exp, opts...)
	finish := fapilogFinish(b, exp, l.Flush, l.Drain)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		call(l)
		n++
	}
	b.StopTimer()
	if got := finish(); got != uint64(n) {
		b.Fatalf("exported %d of %d", got, n)
	}
}
