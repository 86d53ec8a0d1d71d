package fapilog_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"

	"go.opentelemetry.io/otel/attribute"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/audit"
	"github.com/fapilog/fapilog-go/exporter"
)

// Audit chains signed with an Ed25519 key (in production: the PKCS#8 PEM
// file FAPILOG_AUDIT_SIGNING_KEY names, or a key from a key service). The
// drain ends the chain with a signed seal; fapilog-verify -public-key
// checks both.
func ExampleWithAuditSigningKey() {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	mem := exporter.NewMemory()
	logger := fapilog.GetLogger("payments", fapilog.Reuse(false), fapilog.WithExporter(mem), fapilog.WithAuditSigningKey(key))
	logger.Audit("refund approved", "order", "A-1001", "amount", 42.5)
	res, _ := logger.StopAndDrain(context.Background())

	for _, r := range mem.Records() {
		var signed bool
		r.WalkAttributes(func(kv attribute.KeyValue) bool { signed = signed || kv.Key == audit.KeySig; return true })
		fmt.Println(r.SeverityText(), r.Body().AsString(), "signed:", signed)
	}
	fmt.Println("submitted:", res.Submitted)
	// Output:
	// AUDIT refund approved signed: true
	// AUDIT audit chain sealed signed: true
	// submitted: 2
}
