package audit_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"strings"

	"go.opentelemetry.io/otel/attribute"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/audit"
	"github.com/fapilog/fapilog-go/exporter"
)

// A verifier reads console JSON lines (or the collector's OTLP/JSON) and
// checks each chain.
func ExampleVerifier() {
	log := `{"timestamp":"2026-01-02T03:04:05.000000006Z","severity_number":22,"severity_text":"AUDIT","body":"role changed","attributes":{"audit.chain_id":"c1","audit.seq":1,"audit.hash":"0000000000000000000000000000000000000000000000000000000000000000","user":"alice"}}`
	v := audit.NewVerifier(audit.Options{})
	if _, err := audit.ReadJSON(strings.NewReader(log), "app.log", audit.FormatAuto, v.Add); err != nil {
		panic(err)
	}
	rep := v.Report()
	fmt.Println(rep.OK(), rep.Chains[0].Faults[0].Kind, rep.Chains[0].Faults[0].Where)
	// Output: false ALTERED app.log:1
}

// A signed chain verified with the public key: every record's signature,
// and the seal the drain wrote.
func ExampleKeyRing() {
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	var out bytes.Buffer
	logger := fapilog.GetLogger("billing", fapilog.Reuse(false),
		fapilog.WithExporter(exporter.NewConsole(&out)), fapilog.WithAuditSigningKey(key))
	logger.Audit("invoice voided", "invoice", "F-1001")
	logger.Security("login failed", "user", "bob")
	_, _ = logger.StopAndDrain(context.Background())

	keys := &audit.KeyRing{}
	keys.AddEd25519(pub)
	v := audit.NewVerifier(audit.Options{Keys: keys})
	if _, err := audit.ReadJSON(&out, "stdout", audit.FormatConsole, v.Add); err != nil {
		panic(err)
	}
	rep := v.Report()
	c := rep.Chains[0]
	fmt.Println(rep.OK(), c.Verified, "records, sealed at seq", c.SealSeq, "by", c.KeyID == audit.Ed25519KeyID(pub))
	// Output: true 3 records, sealed at seq 3 by true
}

// TypeHints is the audit.types value of a record: here the integral double
// (JSON writes 100) and the bytes (JSON writes base64) need a hint, the
// string does not.
func ExampleTypeHints() {
	fmt.Printf("%q\n", audit.TypeHints([]attribute.KeyValue{
		attribute.String("user", "alice"),
		attribute.Float64("amount", 100),
		attribute.ByteSlice("payload", []byte{1, 2}),
	}))
	fmt.Printf("%q\n", audit.TypeHints([]attribute.KeyValue{attribute.String("user", "alice")}))
	// Output:
	// "[[\"f\",\"amount\"],[\"b\",\"payload\"]]"
	// ""
}
