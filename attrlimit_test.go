package fapilog

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/fapilog/fapilog-go/audit"
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/internal/syncbuf"
	"github.com/fapilog/fapilog-go/levels"
)

// Item 7: no attribute is cut silently. The SDK's default count limit is
// 128; a record with 200 key/values must export all 200, and an untampered
// AUDIT record with 150 attributes must verify (its chain hash covers every
// attribute the call gave).
func TestManyAttributesAreExportedAndAuditVerifies(t *testing.T) {
	mem := exporter.NewMemory()
	l := GetLogger(t.Name(), Reuse(false), WithExporter(mem))
	kv := make([]any, 0, 400)
	for i := range 200 {
		kv = append(kv, fmt.Sprintf("k%03d", i), i)
	}
	l.Info("wide", kv...)
	if _, err := l.StopAndDrain(context.Background()); err != nil {
		t.Fatal(err)
	}
	recs := mem.Records()
	if len(recs) != 1 {
		t.Fatalf("%d records", len(recs))
	}
	if n, d := recs[0].AttributesLen(), recs[0].DroppedAttributes(); n != 200 || d != 0 {
		t.Fatalf("exported %d attributes (%d dropped), want all 200", n, d)
	}

	var out syncbuf.Buffer
	a := GetLogger(t.Name()+"-audit", Reuse(false), WithLevel(levels.Debug),
		WithExporterConfig(exporter.Config{Kind: exporter.KindConsole, Console: &out, ConsoleFormat: exporter.ConsoleJSON}))
	a.Audit("wide audit", kv[:300]...)
	if _, err := a.StopAndDrain(context.Background()); err != nil {
		t.Fatal(err)
	}
	v := audit.NewVerifier(audit.Options{})
	if _, err := audit.ReadJSON(strings.NewReader(out.String()), "console", audit.FormatAuto, v.Add); err != nil {
		t.Fatal(err)
	}
	if rep := v.Report(); !rep.OK() || rep.Records == 0 {
		t.Fatalf("an untampered AUDIT record with 150 attributes does not verify: %+v", rep)
	}
}
