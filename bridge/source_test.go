package bridge

import (
	"path/filepath"
	"runtime"
	"testing"

	"go.opentelemetry.io/otel/attribute"
)

// callerLine returns the line of its caller.
func callerLine() int {
	_, _, line, _ := runtime.Caller(1)
	return line
}

func TestSourceAttrs(t *testing.T) {
	pc, line := CallerPC(0), callerLine()
	got := SourceAttrs(pc)
	if got[0] != attribute.String("code.function.name", "github.com/fapilog/fapilog-go/bridge.TestSourceAttrs") {
		t.Errorf("function %v", got[0])
	}
	if got[1].Key != "code.file.path" || filepath.Base(got[1].Value.AsString()) != "source_test.go" || !filepath.IsAbs(got[1].Value.AsString()) {
		t.Errorf("file %v", got[1])
	}
	if got[2] != attribute.Int("code.line.number", line) {
		t.Errorf("line %v, want %d", got[2], line)
	}
}

func helperReturningCallerPC() uintptr { return CallerPC(1) }

func TestCallerPCSkip(t *testing.T) {
	pc, line := helperReturningCallerPC(), callerLine()
	got := SourceAttrs(pc)
	if got[0].Value.AsString() != "github.com/fapilog/fapilog-go/bridge.TestCallerPCSkip" || got[2].Value.AsInt64() != int64(line) {
		t.Errorf("got %v", got)
	}
}

func TestSourceAttrsOfZeroPCAreInvalid(t *testing.T) {
	for _, a := range SourceAttrs(0) {
		if a.Valid() {
			t.Errorf("valid attribute %v", a)
		}
	}
	if pc := CallerPC(1000); pc != 0 {
		t.Errorf("CallerPC past the stack = %x", pc)
	}
}

func TestSourceAttrsAllocationsAreBounded(t *testing.T) {
	// runtime.CallersFrames costs two small allocations (as in log/slog).
	pc := CallerPC(0)
	n := testing.AllocsPerRun(100, func() { _ = SourceAttrs(pc) })
	if n > 2 {
		t.Errorf("%v allocations", n)
	}
}
