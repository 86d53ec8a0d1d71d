package audit_test

import (
	"fmt"
	"strings"

	"github.com/fapilog/fapilog-go/audit"
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
