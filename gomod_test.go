package fapilog

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// A library's go directive is the minimum Go of every module that requires
// it: it must not ask for a patch release (go 1.26.8 raised every user's
// directive), nor pin a toolchain. 1.26.0 is the floor the OpenTelemetry
// modules set.
func TestGoDirectiveDoesNotRaiseUsers(t *testing.T) {
	b, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	var directive string
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "toolchain ") {
			t.Errorf("go.mod pins %q: users would download that toolchain", line)
		}
		if strings.HasPrefix(line, "go ") {
			directive = strings.TrimPrefix(line, "go ")
		}
	}
	if !regexp.MustCompile(`^1\.\d+(\.0)?$`).MatchString(directive) {
		t.Errorf("go directive %q: want a language version (1.N or 1.N.0), not a patch release", directive)
	}
}
