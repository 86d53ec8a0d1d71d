package levels_test

import (
	"fmt"

	"github.com/fapilog/fapilog-go/levels"
)

func ExampleParse() {
	l, _ := levels.Parse("warn")
	fmt.Println(l, int(l), l.Severity())
	// Output: WARNING 30 WARN
}

func ExampleFromSeverity() {
	// AUDIT and SECURITY share the FATAL range with CRITICAL; the number and
	// the text together give the fapilog level back.
	fmt.Println(levels.FromSeverity(levels.Audit.Severity(), "AUDIT"))
	fmt.Println(levels.FromSeverity(23, ""))
	// Output:
	// AUDIT
	// SECURITY
}
