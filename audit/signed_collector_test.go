package audit_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"strings"
	"testing"
	"time"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/audit"
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/internal/collectortest"
)

// TestSignedChainThroughTheRealCollector signs a chain of records that
// carry secrets, sends it over each OTLP protocol to a real collector, and
// verifies its file exporter's output with the public key: the secrets are
// masked before the chain hashes the records, signatures and the seal
// survive OTLP and the collector; the output cut before the seal, or verified with another key,
// fails.
func TestSignedChainThroughTheRealCollector(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a collector")
	}
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	other, _, _ := ed25519.GenerateKey(rand.Reader)
	for _, proto := range []exporter.Protocol{exporter.ProtocolGRPC, exporter.ProtocolHTTP} {
		t.Run(string(proto), func(t *testing.T) {
			c := collectortest.Start(t)
			ep := c.GRPCEndpoint
			if proto == exporter.ProtocolHTTP {
				ep = c.HTTPEndpoint
			}
			l := fapilog.GetLogger(t.Name(), fapilog.Reuse(false), fapilog.WithAuditSigningKey(key),
				fapilog.WithExporterConfig(exporter.Config{Kind: exporter.KindOTLP, Protocol: proto, Endpoint: "http://" + ep}))
			l.Audit("typed", typedKV()...)
			for i := 0; i < 3; i++ {
				// Redaction runs before the chain: the secret never
				// leaves, and the chain verifies over what did.
				l.Security("event from https://admin:hunter2@db", "i", i, "password", "hunter2")
				l.Info("noise")
			}
			drain(t, l)
			if recs := c.WaitForLogs(t, 8, time.Minute); len(recs) < 8 {
				t.Fatalf("collector wrote %d records", len(recs))
			}
			data, err := os.ReadFile(c.LogsFile)
			if err != nil {
				t.Fatal(err)
			}
			check := func(data []byte, pubs ...ed25519.PublicKey) *audit.Report {
				keys := &audit.KeyRing{}
				for _, p := range pubs {
					keys.AddEd25519(p)
				}
				v := audit.NewVerifier(audit.Options{Keys: keys, RequireChain: true})
				if _, err := audit.ReadJSON(bytes.NewReader(data), "logs.jsonl", audit.FormatOTLP, v.Add); err != nil {
					t.Fatal(err)
				}
				return v.Report()
			}
			if bytes.Contains(data, []byte("hunter2")) {
				t.Fatalf("a secret reached the collector: %s", data)
			}
			rep := check(data, pub)
			if !rep.OK() || len(rep.Chains) != 1 || rep.Chains[0].Verified != 5 || rep.Chains[0].SealSeq != 5 {
				t.Fatalf("signed collector output:\n%s\n%s", text(rep), data)
			}
			if rep := check(data, other); rep.OK() || !strings.Contains(kinds(rep), "WRONG-KEY@1") {
				t.Fatalf("another key:\n%s", text(rep))
			}
			// Turn the seal into an ordinary record: it no longer verifies,
			// and the chain has no seal.
			if !bytes.Contains(data, []byte(audit.SealMessage)) {
				t.Fatal("no seal in the collector output")
			}
			cut := bytes.Replace(data, []byte(`{"key":"audit.seal","value":{"boolValue":true}}`), []byte(`{"key":"x","value":{"boolValue":true}}`), 1)
			if rep := check(cut, pub); rep.OK() || !strings.Contains(kinds(rep), "ALTERED@5 UNSEALED@6") {
				t.Fatalf("seal turned into a record:\n%s", text(rep))
			}
		})
	}
}
