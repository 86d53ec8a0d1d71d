// Package callsite tells this library's stack frames from its users': the
// logger reports the first frame outside the library as a record's source
// location, and package bridge trims library frames from the top of the
// stacks it writes. Both ask IsLibrary, so they agree on what "library"
// means.
package callsite

import (
	"runtime"
	"strings"
)

// modulePath is the module whose frames are library frames.
const modulePath = "github.com/fapilog/fapilog-go"

// IsLibrary reports whether f belongs to this library: a function of the
// module github.com/fapilog/fapilog-go outside its examples, not defined in
// a _test.go file (so this module's own tests and examples are users).
func IsLibrary(f runtime.Frame) bool {
	if strings.HasSuffix(f.File, "_test.go") {
		return false
	}
	pkg := funcPackage(f.Function)
	if pkg == modulePath {
		return true
	}
	rest, ok := strings.CutPrefix(pkg, modulePath+"/")
	if !ok {
		return false
	}
	return rest != "examples" && !strings.HasPrefix(rest, "examples/")
}

// First returns the first frame on the calling goroutine's stack that is
// outside this library (see IsLibrary): the user's call site, however deep
// the facade is and whatever the compiler inlined (frames are expanded, not
// looked up from one PC). It reports false when every frame it looked at
// (at most 16) is the library's.
//
// First is safe for concurrent use by multiple goroutines.
func First() (runtime.Frame, bool) {
	var pcs [16]uintptr
	n := runtime.Callers(2, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if !IsLibrary(f) {
			return f, f.Function != ""
		}
		if !more {
			return runtime.Frame{}, false
		}
	}
}

// funcPackage returns the package path of a function name as reported by
// runtime.Frame.Function, e.g. "example.com/a/b" for
// "example.com/a/b.(*T).M.func1" (dots in the last path element are escaped
// as %2e by the linker, so the first dot after the last slash ends the path).
func funcPackage(fn string) string {
	if i := strings.IndexByte(fn, '['); i >= 0 {
		fn = fn[:i] // type arguments of a generic function may hold '/' and '.'
	}
	slash := strings.LastIndexByte(fn, '/')
	if dot := strings.IndexByte(fn[slash+1:], '.'); dot >= 0 {
		return fn[:slash+1+dot]
	}
	return fn
}
