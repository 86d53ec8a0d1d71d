package bridge

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
)

type nilSafeErr struct{}

func (*nilSafeErr) Error() string { return "never called" }

type panicErrorType struct{}

func (panicErrorType) Error() string     { return "msg" }
func (panicErrorType) ErrorType() string { panic("boom") }

type emptyErrorType struct{}

func (emptyErrorType) Error() string     { return "msg" }
func (emptyErrorType) ErrorType() string { return "" }

func TestExceptionAttrsTypeAndMessage(t *testing.T) {
	_, pathErr := os.Open("/does/not/exist")
	tests := []struct {
		name     string
		err      error
		wantType string
		wantMsg  string
	}{
		{"nil", nil, "", "<nil>"},
		{"errors.New", errors.New("boom"), "*errors.errorString", "boom"},
		{"fmt.Errorf without %w", fmt.Errorf("plain %d", 1), "*errors.errorString", "plain 1"},
		{"fmt.Errorf %w unwrapped", fmt.Errorf("ctx: %w", &myErr{"inner"}), "*github.com/fapilog/fapilog-go/bridge.myErr", "ctx: inner"},
		{"double %w unwrapped", fmt.Errorf("a: %w", fmt.Errorf("b: %w", &myErr{"c"})), "*github.com/fapilog/fapilog-go/bridge.myErr", "a: b: c"},
		{"%w of nil keeps the wrapper", fmt.Errorf("x: %w", nil), "*fmt.wrapError", "x: %!w(<nil>)"},
		{"multiple %w not unwrapped", fmt.Errorf("%w %w", errors.New("a"), errors.New("b")), "*fmt.wrapErrors", "a b"},
		{"pointer type with package path", pathErr, "*io/fs.PathError", pathErr.Error()},
		{"value type", panicJSONErr{}, "github.com/fapilog/fapilog-go/bridge.panicJSONErr", "json"},
		{"ErrorType method", typedErr{}, "custom.Type", "typed"},
		{"empty ErrorType falls back", emptyErrorType{}, "github.com/fapilog/fapilog-go/bridge.emptyErrorType", "msg"},
		{"panicking ErrorType falls back", panicErrorType{}, "github.com/fapilog/fapilog-go/bridge.panicErrorType", "msg"},
		{"typed nil not called", (*myErr)(nil), "*github.com/fapilog/fapilog-go/bridge.myErr", "<nil>"},
		{"typed nil with nil-safe method still not called", (*nilSafeErr)(nil), "*github.com/fapilog/fapilog-go/bridge.nilSafeErr", "<nil>"},
		{"panicking Error", panicErr{}, "github.com/fapilog/fapilog-go/bridge.panicErr", "!PANIC: boom in Error"},
		{"invalid UTF-8 message", errors.New("bad \xff"), "*errors.errorString", "bad \uFFFD"},
		{"fs sentinel", fs.ErrNotExist, "*errors.errorString", "file does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ExceptionAttrs(tt.err, 0)
			if got[0] != attribute.String("exception.type", tt.wantType) {
				t.Errorf("type %v, want %q", got[0], tt.wantType)
			}
			if got[1] != attribute.String("exception.message", tt.wantMsg) {
				t.Errorf("message %v, want %q", got[1], tt.wantMsg)
			}
			if got[2].Key != "exception.stacktrace" || got[2].Value.Type() != attribute.STRING {
				t.Errorf("stacktrace %v", got[2])
			}
		})
	}
}

type panicJSONErr struct{}

func (panicJSONErr) Error() string { return "json" }

func TestExceptionStackStartsAtCaller(t *testing.T) {
	st := ExceptionAttrs(errors.New("x"), 0)[2].Value.AsString()
	first, _, _ := strings.Cut(st, "\n")
	if first != "github.com/fapilog/fapilog-go/bridge.TestExceptionStackStartsAtCaller(...)" {
		t.Fatalf("first frame %q; stack:\n%s", first, st)
	}
	lines := strings.Split(strings.TrimSuffix(st, "\n"), "\n")
	if !strings.HasPrefix(lines[1], "\t") || !strings.Contains(lines[1], "exception_test.go:") {
		t.Fatalf("second line %q", lines[1])
	}
	for _, lib := range []string{"bridge.ExceptionAttrs", "bridge.stack(", "bridge.Stack("} {
		if strings.Contains(st, lib) {
			t.Errorf("stack holds a library frame %s:\n%s", lib, st)
		}
	}
	if !strings.Contains(st, "testing.tRunner(...)") {
		t.Errorf("stack lacks the callers of the test:\n%s", st)
	}
	if !utf8.ValidString(st) {
		t.Error("invalid UTF-8")
	}
}

func TestExceptionStackSkip(t *testing.T) {
	st := func() string { return ExceptionAttrs(nil, 1)[2].Value.AsString() }()
	first, _, _ := strings.Cut(st, "\n")
	if first != "github.com/fapilog/fapilog-go/bridge.TestExceptionStackSkip(...)" {
		t.Fatalf("first frame %q", first)
	}
}

// stackStringer captures Stack(skip) from inside a String method, which
// Value calls from this library's code.
type stackStringer struct {
	skip int
	got  *string
}

func (s stackStringer) String() string {
	*s.got = Stack(s.skip)
	return "ok"
}

func TestStackSkipsLibraryFramesOnlyAtTheTop(t *testing.T) {
	t.Run("library frames below a user frame are kept", func(t *testing.T) {
		var st string
		Value(stackStringer{skip: 0, got: &st})
		first, _, _ := strings.Cut(st, "\n")
		if first != "github.com/fapilog/fapilog-go/bridge.stackStringer.String(...)" {
			t.Fatalf("first frame %q:\n%s", first, st)
		}
		if !strings.Contains(st, "github.com/fapilog/fapilog-go/bridge.Value(...)") {
			t.Errorf("library frame in the middle was dropped:\n%s", st)
		}
	})
	t.Run("library frames at the top are dropped", func(t *testing.T) {
		var st string
		Value(stackStringer{skip: 1, got: &st}) // skip String itself: the top is now bridge code
		first, _, _ := strings.Cut(st, "\n")
		if !strings.HasPrefix(first, "github.com/fapilog/fapilog-go/bridge.TestStackSkipsLibraryFramesOnlyAtTheTop.func2(") {
			t.Fatalf("first frame %q:\n%s", first, st)
		}
	})
}

func TestStackDeepRecursionIsElided(t *testing.T) {
	var rec func(n int) string
	rec = func(n int) string {
		if n == 0 {
			return Stack(0)
		}
		return rec(n - 1)
	}
	st := rec(200)
	if !strings.HasSuffix(st, "...additional frames elided...\n") {
		t.Fatalf("no elision marker:\n%s", st[len(st)-200:])
	}
	if n := strings.Count(st, "(...)\n"); n != maxStackFrames {
		t.Fatalf("%d frames, want %d", n, maxStackFrames)
	}
}
