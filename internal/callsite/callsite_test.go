package callsite

import (
	"runtime"
	"testing"
)

func TestIsLibrary(t *testing.T) {
	tests := []struct {
		fn, file string
		want     bool
	}{
		{"github.com/fapilog/fapilog-go.(*Logger).Exception", "/src/fapilog-go/logger.go", true},
		{"github.com/fapilog/fapilog-go/bridge.Emit", "/src/fapilog-go/bridge/record.go", true},
		{"github.com/fapilog/fapilog-go/internal/pipeline.(*P).Run.func1", "/src/x.go", true},
		{"github.com/fapilog/fapilog-go/bridge.TestX", "/src/fapilog-go/bridge/x_test.go", false},
		{"github.com/fapilog/fapilog-go_test.TestX", "/src/fapilog-go/x_test.go", false},
		{"github.com/fapilog/fapilog-go/examples/basic.main", "/src/fapilog-go/examples/basic/main.go", false},
		{"github.com/fapilog/fapilog-go/examples.helper", "/src/fapilog-go/examples/helper.go", false},
		{"main.main", "/src/fapilog-go/examples/basic/main.go", false},
		{"github.com/fapilog/fapilog-go-contrib/x.F", "/src/c/x.go", false},
		{"github.com/fapilog/fapilog-go/bridge.Map[go.shape.string]", "/src/fapilog-go/bridge/g.go", true},
		{"example.com/app.handler", "/src/app/h.go", false},
		{"gopkg.in/yaml%2ev3.Unmarshal", "/x.go", false},
	}
	for _, tt := range tests {
		if got := IsLibrary(runtime.Frame{Function: tt.fn, File: tt.file}); got != tt.want {
			t.Errorf("IsLibrary(%s, %s) = %v", tt.fn, tt.file, got)
		}
	}
}

func TestFuncPackage(t *testing.T) {
	tests := map[string]string{
		"github.com/fapilog/fapilog-go.(*Logger).Info":           "github.com/fapilog/fapilog-go",
		"github.com/fapilog/fapilog-go/bridge.Value":             "github.com/fapilog/fapilog-go/bridge",
		"github.com/fapilog/fapilog-go/bridge.TestX.func1.2":     "github.com/fapilog/fapilog-go/bridge",
		"gopkg.in/yaml%2ev3.Unmarshal":                           "gopkg.in/yaml%2ev3",
		"main.main":                                              "main",
		"runtime.goexit":                                         "runtime",
		"example.com/a.F[go.shape.struct { X example.com/b.T }]": "example.com/a",
		"nodot": "nodot",
		"":      "",
	}
	for in, want := range tests {
		if got := funcPackage(in); got != want {
			t.Errorf("funcPackage(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFirstIsTheCallSite(t *testing.T) {
	f, ok := First()
	_, _, line, _ := runtime.Caller(0)
	if !ok || f.Function != "github.com/fapilog/fapilog-go/internal/callsite.TestFirstIsTheCallSite" || f.Line != line-1 {
		t.Fatalf("First() = %s:%d (%v), want this test at line %d", f.Function, f.Line, ok, line-1)
	}
}
