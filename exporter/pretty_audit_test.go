package exporter

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
)

// Pretty AUDIT lines used to be dominated by three 64-hex values (the
// chain id, the previous hash, the hash). Pretty output abbreviates long
// hex or base64 values of audit.* attributes; JSON keeps them whole, and
// other attributes are never abbreviated.
func TestPrettyAbbreviatesAuditHashes(t *testing.T) {
	chain := strings.Repeat("c0ffee42", 8)
	prev := strings.Repeat("0123abcd", 8)
	hash := strings.Repeat("deadbeef", 8)
	sig := strings.Repeat("QUJDRA", 14) + "=="
	mine := strings.Repeat("feedface", 8)
	recs := makeRecords(t, resource.Empty(), "payments", func(ctx context.Context, l log.Logger) {
		var r log.Record
		r.SetSeverity(log.SeverityFatal2)
		r.SetSeverityText("AUDIT")
		r.SetBody(attribute.StringValue("charge approved"))
		r.AddAttributes(
			attribute.String("audit.chain_id", chain), attribute.Int("audit.seq", 4),
			attribute.String("audit.prev_hash", prev), attribute.String("audit.hash", hash),
			attribute.String("audit.signature", sig), attribute.String("audit.actor", "alice"),
			attribute.String("sha256", mine),
		)
		l.Emit(ctx, r)
	})
	var pretty, js bytes.Buffer
	for _, e := range []sdklog.Exporter{NewPretty(&pretty, false), NewConsole(&js)} {
		if err := e.Export(context.Background(), recs); err != nil {
			t.Fatal(err)
		}
	}
	line := pretty.String()
	for _, full := range []string{chain, prev, hash, sig} {
		if strings.Contains(line, full) {
			t.Errorf("pretty line holds a full audit value %.16s…:\n%s", full, line)
		}
	}
	for _, want := range []string{"audit.chain_id=c0ffee42…", "audit.prev_hash=0123abcd…", "audit.hash=deadbeef…", "audit.signature=QUJDRAQU…", "audit.seq=4", "audit.actor=alice", "sha256=" + mine} {
		if !strings.Contains(line, want) {
			t.Errorf("pretty line lacks %q:\n%s", want, line)
		}
	}
	if len(line)-len(" sha256="+mine) > 200 {
		t.Errorf("pretty AUDIT line is %d bytes long:\n%s", len(line), line)
	}
	for _, full := range []string{chain, prev, hash, sig} {
		if !strings.Contains(js.String(), full) {
			t.Errorf("JSON lost the full value %.16s…", full)
		}
	}
}
