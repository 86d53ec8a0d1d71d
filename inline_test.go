package fapilog

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// A disabled call costs its caller one comparison only while the level
// methods fit the inliner's budget (80). They sit close to it: a
// context.Background() call in place of the background variable put Info
// at 83, out of line, and nothing else noticed. The compiler says which
// functions it can inline (-gcflags=-m); this reads its answer.
func TestLevelMethodsInline(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the package with the compiler's inlining report")
	}
	out, err := exec.Command("go", "build", "-gcflags=-m", "-o", "/dev/null", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build -gcflags=-m: %v\n%s", err, out)
	}
	inlinable := map[string]bool{}
	for _, m := range regexp.MustCompile(`can inline (\(\*\w+\)\.\w+)`).FindAllStringSubmatch(string(out), -1) {
		inlinable[m[1]] = true
	}
	var missing []string
	for _, recv := range []string{"Logger", "AsyncLogger"} {
		for _, m := range []string{"Enabled", "Debug", "Info", "Warning", "Error", "Critical", "Exception",
			"DebugContext", "InfoContext", "WarningContext", "ErrorContext", "CriticalContext", "Log", "LogAttrs"} {
			name := "(*" + recv + ")." + m
			if recv == "AsyncLogger" && strings.HasSuffix(m, "Context") {
				continue // the async methods all take a ctx
			}
			if !inlinable[name] {
				missing = append(missing, name)
			}
		}
	}
	if len(missing) > 0 {
		t.Fatalf("not inlinable: %s", strings.Join(missing, ", "))
	}
}
